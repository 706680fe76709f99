//! The electiersa 0.1.1 interop vectors (`testdata/vectors/electiersa-v0.1.1.json`), run
//! with every backend compiled into this build:
//! `cargo test -p electie-crypto` and `cargo test -p electie-crypto --features aws-lc`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;

use electie_core::python_json::{self, Object, Value};
use electie_crypto::{
    AesKeyLength, Backend, Error, OpenStage, Opener, PrivateKey, PublicKey, Sealed, Sealer,
};

const VECTORS: &str = include_str!("../../testdata/vectors/electiersa-v0.1.1.json");

struct Vectors {
    root: Object,
    server_private: PrivateKey,
    server_public: PublicKey,
    gateway_private: PrivateKey,
    gateway_public: PublicKey,
}

fn vectors() -> Vectors {
    let Value::Object(root) = python_json::loads(VECTORS).unwrap() else {
        panic!("vectors are an object")
    };
    let pem = |name: &str| string(&root, name).to_owned();
    Vectors {
        server_private: PrivateKey::from_pem(&pem("server_private_pem")).unwrap(),
        server_public: PublicKey::from_pem(&pem("server_public_pem")).unwrap(),
        gateway_private: PrivateKey::from_pem(&pem("gateway_private_pem")).unwrap(),
        gateway_public: PublicKey::from_pem(&pem("gateway_public_pem")).unwrap(),
        root,
    }
}

fn string<'a>(object: &'a Object, key: &str) -> &'a str {
    match object.get(key) {
        Some(Value::String(text)) => text,
        other => panic!("{key}: expected a string, got {other:?}"),
    }
}

fn cases<'a>(root: &'a Object, key: &str) -> Vec<&'a Object> {
    let Some(Value::Array(items)) = root.get(key) else {
        panic!("{key} is an array")
    };
    items.iter().map(|item| item.as_object().unwrap()).collect()
}

fn sealed(case: &Object) -> Sealed {
    Sealed {
        encrypted_message: string(case, "encrypted_message").to_owned(),
        encrypted_object: string(case, "encrypted_object").to_owned(),
    }
}

fn b64(text: &str) -> Vec<u8> {
    // The vectors' base64 is canonical; decode it independently of the crate.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in text.bytes().filter(|&b| b != b'=') {
        let value = ALPHABET.iter().position(|&a| a == byte).unwrap() as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

/// Replays the bytes electiersa drew, and fails the test if more are asked for.
struct Replay {
    bytes: Vec<u8>,
    position: usize,
}

impl rand_core::TryRng for Replay {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        panic!("sealing draws bytes, not words")
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        panic!("sealing draws bytes, not words")
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Infallible> {
        let end = self.position + dest.len();
        assert!(
            end <= self.bytes.len(),
            "more random bytes drawn than electiersa drew"
        );
        dest.copy_from_slice(&self.bytes[self.position..end]);
        self.position = end;
        Ok(())
    }
}

impl rand_core::TryCryptoRng for Replay {}

fn backends() -> impl Iterator<Item = Backend> {
    Backend::ALL
        .into_iter()
        .filter(|backend| backend.is_available())
}

#[test]
fn every_positive_case_opens_to_the_python_json_dumps_of_its_vote() {
    let v = vectors();
    for backend in backends() {
        let opener = Opener::with_backend(&v.server_private, &v.gateway_public, backend).unwrap();
        for case in cases(&v.root, "cases") {
            let name = string(case, "name");
            let opened = opener
                .open(&sealed(case))
                .unwrap_or_else(|error| panic!("{backend} {name}: {error}"));
            assert_eq!(
                opened.signed_json(),
                string(case, "python_json_dumps_of_vote"),
                "{name}"
            );
            assert_eq!(Some(opened.value()), case.get("vote"), "{backend} {name}");
        }
    }
}

#[test]
fn every_compat_case_opens() {
    let v = vectors();
    for backend in backends() {
        let opener = Opener::with_backend(&v.server_private, &v.gateway_public, backend).unwrap();
        let compat = cases(&v.root, "compat_cases");
        assert!(!compat.is_empty());
        for case in compat {
            let name = string(case, "name");
            let opened = opener
                .open(&sealed(case))
                .unwrap_or_else(|error| panic!("{backend} {name}: {error}"));
            assert_eq!(
                opened.signed_json(),
                string(case, "python_json_dumps_of_vote"),
                "{name}"
            );
        }
    }
}

#[test]
fn every_negative_case_fails_with_the_opaque_error() {
    let v = vectors();
    for backend in backends() {
        let opener = Opener::with_backend(&v.server_private, &v.gateway_public, backend).unwrap();
        let negative = cases(&v.root, "negative_cases");
        assert!(negative.len() >= 5);
        for case in negative {
            let name = string(case, "name");
            let error = opener.open(&sealed(case)).unwrap_err();
            let expected_stage = match string(case, "expected_error") {
                "signature_invalid" => OpenStage::Signature,
                _ => OpenStage::Decrypt,
            };
            assert_eq!(
                error,
                Error::CannotOpen {
                    stage: expected_stage
                },
                "{backend} {name}"
            );
        }
    }
}

#[test]
fn sealing_with_the_recorded_draws_reproduces_both_ciphertexts() {
    let v = vectors();
    for backend in backends() {
        let sealer = Sealer::with_backend(&v.gateway_private, &v.server_public, backend).unwrap();
        for case in cases(&v.root, "cases") {
            let name = string(case, "name");
            let Some(Value::Object(draws)) = case.get("random_draws") else {
                panic!("{name}: random_draws")
            };
            let mut bytes = b64(string(draws, "aes_key_b64"));
            bytes.extend(b64(string(draws, "eax_nonce_b64")));
            bytes.extend(b64(string(draws, "oaep_seed_b64")));
            let total = bytes.len();
            let mut rng = Replay { bytes, position: 0 };
            let Some(Value::Int(length)) = case.get("aes_key_length") else {
                panic!("{name}: aes_key_length")
            };
            let length = AesKeyLength::from_bytes(length.as_i64().unwrap() as usize).unwrap();
            let Some(Value::Object(vote)) = case.get("vote") else {
                panic!("{name}: vote")
            };
            let produced = sealer.seal(vote, length, &mut rng).unwrap();
            assert_eq!(rng.position, total, "{name}: every recorded draw used");
            assert_eq!(produced, sealed(case), "{backend} {name}");
        }
    }
}

#[test]
fn keys_are_written_byte_for_byte_like_electiersa() {
    let v = vectors();
    assert_eq!(
        *v.server_private.to_pem(),
        string(&v.root, "server_private_pem")
    );
    assert_eq!(
        *v.gateway_private.to_pem(),
        string(&v.root, "gateway_private_pem")
    );
    assert_eq!(
        v.server_public.to_pem(),
        string(&v.root, "server_public_pem")
    );
    assert_eq!(
        v.gateway_public.to_pem(),
        string(&v.root, "gateway_public_pem")
    );
    assert_eq!(v.server_private.public_key(), v.server_public);
}

#[test]
fn batch_opening_keeps_order_and_reports_each_item() {
    let v = vectors();
    let mut batch: Vec<Sealed> = cases(&v.root, "cases").into_iter().map(sealed).collect();
    batch.extend(cases(&v.root, "negative_cases").into_iter().map(sealed));
    let positives = cases(&v.root, "cases").len();
    for backend in backends() {
        let opener = Opener::with_backend(&v.server_private, &v.gateway_public, backend).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let results = pool.install(|| opener.open_batch(&batch));
        assert_eq!(results.len(), batch.len());
        for (index, (result, case)) in results.iter().zip(cases(&v.root, "cases")).enumerate() {
            assert_eq!(
                result.as_ref().unwrap().signed_json(),
                string(case, "python_json_dumps_of_vote"),
                "item {index}"
            );
        }
        assert!(results[positives..].iter().all(Result::is_err));
    }
}

#[test]
fn wrong_keys_fail_opaquely() {
    let v = vectors();
    let case = sealed(cases(&v.root, "cases")[0]);
    // Signer and receiver swapped: the OAEP unwrap fails.
    let swapped = Opener::new(&v.gateway_private, &v.server_public);
    assert_eq!(
        swapped.open(&case).unwrap_err(),
        Error::CannotOpen {
            stage: OpenStage::Decrypt
        }
    );
    // Right receiver, wrong signer: the signature fails.
    let wrong_signer = Opener::new(&v.server_private, &v.server_public);
    assert_eq!(
        wrong_signer.open(&case).unwrap_err(),
        Error::CannotOpen {
            stage: OpenStage::Signature
        }
    );
}

#[test]
fn keys_and_openers_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PrivateKey>();
    assert_send_sync::<PublicKey>();
    assert_send_sync::<Opener>();
    assert_send_sync::<Sealer>();
    assert_send_sync::<Sealed>();
    assert_send_sync::<Error>();
}

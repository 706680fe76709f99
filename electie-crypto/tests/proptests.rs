//! Property tests: any JSON object survives seal → open with its exact Python
//! serialization, and changing any byte of either ciphertext makes opening fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::LazyLock;

use electie_core::python_json::{self, Object, Value};
use electie_crypto::{AesKeyLength, Error, Opener, PrivateKey, Sealed, Sealer};
use proptest::prelude::*;

const SERVER_PRIVATE: &str =
    include_str!("../../testdata/vectors/electiersa-v0.1.1-keys/server_private.pem");
const GATEWAY_PRIVATE: &str =
    include_str!("../../testdata/vectors/electiersa-v0.1.1-keys/gateway_private.pem");

struct Keys {
    sealer: Sealer,
    opener: Opener,
}

static KEYS: LazyLock<Keys> = LazyLock::new(|| {
    let server = PrivateKey::from_pem(SERVER_PRIVATE).unwrap();
    let gateway = PrivateKey::from_pem(GATEWAY_PRIVATE).unwrap();
    Keys {
        sealer: Sealer::new(&gateway, &server.public_key()),
        opener: Opener::new(&server, &gateway.public_key()),
    }
});

fn big_int() -> impl Strategy<Value = Value> {
    ("-?[1-9][0-9]{19,60}").prop_map(|digits| python_json::loads(&digits).unwrap())
}

fn float() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<f64>().prop_map(Value::Float),
        Just(Value::Float(f64::NAN)),
        Just(Value::Float(f64::INFINITY)),
        Just(Value::Float(-0.0)),
        Just(Value::Float(1e16)),
        Just(Value::Float(1e-5)),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_]{0,12}",
        any::<String>(),
        "[\"\\\\/\n\t\u{7f}\u{0}Ľš€🗳️𝄞]{0,8}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        big_int(),
        float(),
        text().prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

fn object() -> impl Strategy<Value = Object> {
    prop::collection::vec((text(), value()), 0..8).prop_map(|entries| entries.into_iter().collect())
}

fn aes_key_length() -> impl Strategy<Value = AesKeyLength> {
    prop_oneof![
        Just(AesKeyLength::Aes128),
        Just(AesKeyLength::Aes192),
        Just(AesKeyLength::Aes256),
    ]
}

fn decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in text.bytes().filter(|&b| b != b'=') {
        bits = (bits << 6) | ALPHABET.iter().position(|&a| a == byte).unwrap() as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

fn encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn seal_then_open_returns_the_object_and_its_python_serialization(
        object in object(),
        length in aes_key_length(),
    ) {
        let keys = &*KEYS;
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let sealed = keys.sealer.seal(&object, length, &mut rng).unwrap();
        let opened = keys.opener.open(&sealed).unwrap();
        let expected = python_json::dumps(&Value::Object(object));
        prop_assert_eq!(opened.signed_json(), expected.as_str());
        // The parsed value serializes back to the same bytes (NaN != NaN, so compare text).
        prop_assert_eq!(python_json::dumps(opened.value()), expected);
    }

    #[test]
    fn changing_any_byte_of_either_ciphertext_fails(
        object in object(),
        in_message in any::<bool>(),
        position in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let keys = &*KEYS;
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let sealed = keys.sealer.seal(&object, AesKeyLength::Aes256, &mut rng).unwrap();
        let field = if in_message { &sealed.encrypted_message } else { &sealed.encrypted_object };
        let mut bytes = decode(field);
        let index = position.index(bytes.len());
        bytes[index] ^= flip;
        let tampered_field = encode(&bytes);
        let tampered = if in_message {
            Sealed { encrypted_message: tampered_field, ..sealed.clone() }
        } else {
            Sealed { encrypted_object: tampered_field, ..sealed.clone() }
        };
        let result = keys.opener.open(&tampered);
        prop_assert!(matches!(result, Err(Error::CannotOpen { .. })), "{:?}", result);
    }

    #[test]
    fn garbage_never_panics(message in ".{0,400}", wrapped in ".{0,400}") {
        let result = KEYS.opener.open_parts(&message, &wrapped);
        prop_assert!(result.is_err());
    }
}

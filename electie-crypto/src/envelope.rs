//! Sealing and opening (electiersa's `encrypt_vote` / `decrypt_vote`), spec 10.

use electie_core::python_json::{self, Object, Value};
use rayon::prelude::*;
use zeroize::{Zeroize, Zeroizing};

use crate::backend::{Backend, PrivateOps, PublicOps};
use crate::base64;
use crate::eax::{self, AesKey};
use crate::error::{Error, OpenStage, Result, SealProblem};
use crate::keys::{PrivateKey, PublicKey};

/// Length of the EAX nonce electiersa draws (pycryptodome's default for EAX).
const NONCE_LEN: usize = 16;

/// Bytes of OAEP overhead with SHA-1: `2 * 20 + 2`.
const OAEP_SHA1_OVERHEAD: usize = 42;

/// The length of the fresh AES key drawn for each sealed payload.
///
/// ```
/// use electie_crypto::AesKeyLength;
///
/// assert_eq!(AesKeyLength::default().bytes(), 32);
/// assert_eq!(AesKeyLength::from_bytes(16)?, AesKeyLength::Aes128);
/// assert!(AesKeyLength::from_bytes(20).is_err());
/// # Ok::<(), electie_crypto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AesKeyLength {
    /// 16 bytes (AES-128).
    Aes128,
    /// 24 bytes (AES-192).
    Aes192,
    /// 32 bytes (AES-256), electiersa's default.
    #[default]
    Aes256,
}

impl AesKeyLength {
    /// The length in bytes.
    #[must_use]
    pub const fn bytes(self) -> usize {
        match self {
            AesKeyLength::Aes128 => 16,
            AesKeyLength::Aes192 => 24,
            AesKeyLength::Aes256 => 32,
        }
    }

    /// The length for 16, 24 or 32 bytes.
    ///
    /// # Errors
    /// [`Error::AesKeyLength`] for any other number.
    pub const fn from_bytes(bytes: usize) -> Result<Self> {
        match bytes {
            16 => Ok(AesKeyLength::Aes128),
            24 => Ok(AesKeyLength::Aes192),
            32 => Ok(AesKeyLength::Aes256),
            other => Err(Error::AesKeyLength(other)),
        }
    }
}

impl TryFrom<usize> for AesKeyLength {
    type Error = Error;

    fn try_from(bytes: usize) -> Result<Self> {
        AesKeyLength::from_bytes(bytes)
    }
}

/// A sealed payload: electiersa's `VoteEncrypted`.
///
/// ```
/// use electie_crypto::Sealed;
///
/// let sealed = Sealed::from_json(r#"{"encrypted_message": "AAAA", "encrypted_object": "BBBB"}"#)?;
/// assert_eq!(sealed.encrypted_message, "AAAA");
/// assert_eq!(sealed.to_json(), r#"{"encrypted_message": "AAAA", "encrypted_object": "BBBB"}"#);
/// assert!(Sealed::from_json(r#"{"encrypted_message": 1}"#).is_err());
/// # Ok::<(), electie_crypto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sealed {
    /// Base64 of the AES-EAX ciphertext of `{"vote": ..., "signature": ...}` (tag not
    /// appended).
    pub encrypted_message: String,
    /// Base64 of the RSA-OAEP ciphertext of `{"aes_key": ..., "tag": ..., "nonce": ...}`.
    pub encrypted_object: String,
}

impl Sealed {
    /// The pair as the JSON object electiersa's services exchange, written as Python's
    /// `json.dumps` writes it: `{"encrypted_message": "...", "encrypted_object": "..."}`.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut object = Object::with_capacity(2);
        object.insert(
            "encrypted_message".to_owned(),
            Value::String(self.encrypted_message.clone()),
        );
        object.insert(
            "encrypted_object".to_owned(),
            Value::String(self.encrypted_object.clone()),
        );
        python_json::dumps(&Value::Object(object))
    }

    /// Reads the pair from a JSON object with the string fields `encrypted_message` and
    /// `encrypted_object` (other fields are ignored, as electiersa's pydantic model
    /// ignores them).
    ///
    /// # Errors
    /// [`Error::SealedFormat`] when the text is not such an object.
    pub fn from_json(text: &str) -> Result<Self> {
        let value = python_json::loads(text).map_err(|_| Error::SealedFormat)?;
        let Value::Object(mut object) = value else {
            return Err(Error::SealedFormat);
        };
        let mut field = |name: &str| match object.swap_remove(name) {
            Some(Value::String(text)) => Ok(text),
            _ => Err(Error::SealedFormat),
        };
        Ok(Sealed {
            encrypted_message: field("encrypted_message")?,
            encrypted_object: field("encrypted_object")?,
        })
    }
}

/// An opened, signature-checked payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    value: Value,
    signed_json: String,
}

impl Opened {
    /// The payload (electiersa's return value). Normally an object; electiersa accepts
    /// any JSON value under `vote`, and so does electie.
    #[must_use]
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The payload if it is an object (it always is for electiersa senders).
    #[must_use]
    pub fn as_object(&self) -> Option<&Object> {
        self.value.as_object()
    }

    /// The exact bytes the signature covers: Python's `json.dumps` of the payload with
    /// its keys in the order they were parsed.
    #[must_use]
    pub fn signed_json(&self) -> &str {
        &self.signed_json
    }

    /// The payload and the signed JSON.
    #[must_use]
    pub fn into_parts(self) -> (Value, String) {
        (self.value, self.signed_json)
    }
}

/// Seals `object` as electiersa's `encrypt_vote(object, signer_private_pem,
/// recipient_public_pem, aes_key_length)` does, with the pure-Rust backend.
///
/// `rng` supplies, in order, the AES key, the 16-byte EAX nonce and the 20-byte OAEP
/// seed, exactly as pycryptodome draws them, so a recorded draw reproduces electiersa's
/// output byte for byte. (The blinding of the RSA signature uses the operating system's
/// generator and does not change the deterministic signature.)
///
/// # Errors
/// [`Error::Seal`] when the recipient key is too small to wrap the AES key material or
/// an RSA operation fails.
pub fn seal<R: rand_core::CryptoRng + ?Sized>(
    object: &Object,
    signer: &PrivateKey,
    recipient: &PublicKey,
    aes_key_length: AesKeyLength,
    rng: &mut R,
) -> Result<Sealed> {
    Sealer::new(signer, recipient).seal(object, aes_key_length, rng)
}

/// Opens a sealed payload as electiersa's `decrypt_vote(sealed, recipient_private_pem,
/// signer_public_pem)` does, with the pure-Rust backend. For many payloads build an
/// [`Opener`] once.
///
/// # Errors
/// [`Error::CannotOpen`] for every failure, with only a coarse [`OpenStage`].
pub fn open(sealed: &Sealed, recipient: &PrivateKey, signer: &PublicKey) -> Result<Opened> {
    Opener::new(recipient, signer).open(sealed)
}

/// Seals payloads for one recipient on behalf of one signer, with keys prepared once.
pub struct Sealer {
    signer: PrivateOps,
    recipient: PublicKey,
}

impl Sealer {
    /// A sealer using the pure-Rust backend.
    #[must_use]
    pub fn new(signer: &PrivateKey, recipient: &PublicKey) -> Self {
        Sealer {
            signer: PrivateOps::RustCrypto(signer.clone()),
            recipient: recipient.clone(),
        }
    }

    /// A sealer whose signatures use `backend`. (RSA-OAEP encryption always uses the
    /// pure-Rust code, which takes its seed from the caller's generator.)
    ///
    /// # Errors
    /// [`Error::BackendUnavailable`] when `backend` is not compiled in.
    pub fn with_backend(
        signer: &PrivateKey,
        recipient: &PublicKey,
        backend: Backend,
    ) -> Result<Self> {
        Ok(Sealer {
            signer: PrivateOps::new(signer, backend)?,
            recipient: recipient.clone(),
        })
    }

    /// Seals `object`; see [`seal`].
    ///
    /// # Errors
    /// As [`seal`].
    pub fn seal<R: rand_core::CryptoRng + ?Sized>(
        &self,
        object: &Object,
        aes_key_length: AesKeyLength,
        rng: &mut R,
    ) -> Result<Sealed> {
        self.seal_value(&Value::Object(object.clone()), aes_key_length, rng)
    }

    /// Seals any JSON value (electiersa serializes whatever it is given).
    ///
    /// # Errors
    /// As [`seal`].
    pub fn seal_value<R: rand_core::CryptoRng + ?Sized>(
        &self,
        value: &Value,
        aes_key_length: AesKeyLength,
        rng: &mut R,
    ) -> Result<Sealed> {
        // m3 is at most 130 bytes (32-byte key); check before spending any work.
        let wrapped_len = m3_len(aes_key_length);
        let capacity = self.recipient.size().saturating_sub(OAEP_SHA1_OVERHEAD);
        if wrapped_len > capacity {
            return Err(Error::Seal(SealProblem::RecipientKeyTooSmall {
                bits: self.recipient.bits(),
                needed_bytes: wrapped_len,
            }));
        }

        // 1-2. Sign json.dumps(object).
        let mut message = String::with_capacity(256);
        message.push_str("{\"vote\": ");
        let signed_start = message.len();
        python_json::dumps_into(value, &mut message);
        let signature = self
            .signer
            .sign_sha256(&message.as_bytes()[signed_start..])
            .ok_or(Error::Seal(SealProblem::Sign))?;

        // 3. m2 = json.dumps({"vote": object, "signature": b64(sig)}).
        message.push_str(", \"signature\": \"");
        base64::encode_into(&signature, &mut message);
        message.push_str("\"}");

        // 4. AES-EAX with a fresh key and nonce, drawn in electiersa's order.
        let mut key_bytes = Zeroizing::new(vec![0u8; aes_key_length.bytes()]);
        rng.fill_bytes(&mut key_bytes);
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        let aes_key = AesKey::new(&key_bytes).ok_or(Error::AesKeyLength(key_bytes.len()))?;
        let mut ciphertext = message.into_bytes();
        let tag = eax::encrypt(&aes_key, &nonce, &mut ciphertext);

        // 5. m3 = json.dumps({"aes_key": ..., "tag": ..., "nonce": ...}).
        let mut wrapped = Zeroizing::new(String::with_capacity(wrapped_len));
        wrapped.push_str("{\"aes_key\": \"");
        base64::encode_into(&key_bytes, &mut wrapped);
        wrapped.push_str("\", \"tag\": \"");
        base64::encode_into(&tag, &mut wrapped);
        wrapped.push_str("\", \"nonce\": \"");
        base64::encode_into(&nonce, &mut wrapped);
        wrapped.push_str("\"}");

        // 6. RSA-OAEP(SHA-1, MGF1-SHA-1, empty label); the seed comes from `rng`.
        let encrypted_object = self
            .recipient
            .rsa()
            .encrypt(rng, rsa::Oaep::<sha1::Sha1>::new(), wrapped.as_bytes())
            .map_err(|_| Error::Seal(SealProblem::Encrypt))?;

        Ok(Sealed {
            encrypted_message: base64::encode(&ciphertext),
            encrypted_object: base64::encode(&encrypted_object),
        })
    }
}

/// Length of m3 for a key length: `{"aes_key": "", "tag": "", "nonce": ""}` is 39
/// bytes, plus the base64 of the key, a 16-byte tag and a 16-byte nonce (24 each).
const fn m3_len(aes_key_length: AesKeyLength) -> usize {
    39 + aes_key_length.bytes().div_ceil(3) * 4 + 24 + 24
}

/// Opens payloads sealed for one recipient by one signer, with both keys parsed and
/// prepared once (electiersa re-parses the private key on every call, which is most of
/// its cost).
///
/// ```
/// use electie_crypto::{AesKeyLength, Opener, PrivateKey, Sealer};
/// use electie_core::python_json::{loads, Value};
///
/// let server = PrivateKey::generate(2048)?;
/// let gateway = PrivateKey::generate(2048)?;
/// let Value::Object(vote) = loads(r#"{"token": "t", "party_id": 3, "candidate_ids": [1]}"#)
///     .expect("valid JSON") else { unreachable!() };
///
/// let mut rng = electie_crypto::system_rng();
/// let sealer = Sealer::new(&gateway, &server.public_key());
/// let sealed: Vec<_> = (0..4)
///     .map(|_| sealer.seal(&vote, AesKeyLength::Aes256, &mut rng))
///     .collect::<Result<_, _>>()?;
///
/// let opener = Opener::new(&server, &gateway.public_key());
/// for opened in opener.open_batch(&sealed) {
///     assert_eq!(opened?.signed_json(), r#"{"token": "t", "party_id": 3, "candidate_ids": [1]}"#);
/// }
/// # Ok::<(), electie_crypto::Error>(())
/// ```
pub struct Opener {
    recipient: PrivateOps,
    signer: PublicOps,
    backend: Backend,
}

impl Opener {
    /// An opener using the pure-Rust backend.
    #[must_use]
    pub fn new(recipient: &PrivateKey, signer: &PublicKey) -> Self {
        Opener {
            recipient: PrivateOps::RustCrypto(recipient.clone()),
            signer: PublicOps::RustCrypto(signer.clone()),
            backend: Backend::RustCrypto,
        }
    }

    /// An opener using `backend` for the RSA operations.
    ///
    /// # Errors
    /// [`Error::BackendUnavailable`] when `backend` is not compiled in.
    pub fn with_backend(
        recipient: &PrivateKey,
        signer: &PublicKey,
        backend: Backend,
    ) -> Result<Self> {
        Ok(Opener {
            recipient: PrivateOps::new(recipient, backend)?,
            signer: PublicOps::new(signer, backend)?,
            backend,
        })
    }

    /// The backend this opener was built for.
    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Opens one payload; see [`open`].
    ///
    /// # Errors
    /// [`Error::CannotOpen`] for every failure, with only a coarse [`OpenStage`].
    pub fn open(&self, sealed: &Sealed) -> Result<Opened> {
        self.open_parts(&sealed.encrypted_message, &sealed.encrypted_object)
    }

    /// Opens one payload given its two fields.
    ///
    /// # Errors
    /// As [`Opener::open`].
    pub fn open_parts(&self, encrypted_message: &str, encrypted_object: &str) -> Result<Opened> {
        let decrypt_failed = || Error::cannot_open(OpenStage::Decrypt);

        // Reverse step 6: unwrap m3.
        let wrapped_ciphertext =
            base64::decode_lenient(encrypted_object.as_bytes()).ok_or_else(decrypt_failed)?;
        let wrapped = self
            .recipient
            .oaep_sha1_decrypt(&wrapped_ciphertext)
            .ok_or_else(decrypt_failed)?;
        let aes_material = parse_wrapped(&wrapped).ok_or_else(decrypt_failed)?;

        // Reverse step 4: AES-EAX.
        let mut plaintext =
            base64::decode_lenient(encrypted_message.as_bytes()).ok_or_else(decrypt_failed)?;
        if !eax::decrypt(
            &aes_material.key,
            &aes_material.nonce,
            &mut plaintext,
            &aes_material.tag,
        ) {
            return Err(decrypt_failed());
        }

        // m2 = {"vote": ..., "signature": ...}, parsed as json.loads(bytes.decode()).
        let payload_failed = || Error::cannot_open(OpenStage::Payload);
        let text = std::str::from_utf8(&plaintext).map_err(|_| payload_failed())?;
        let Ok(Value::Object(mut envelope)) = python_json::loads(text) else {
            return Err(payload_failed());
        };
        let signature = match envelope.swap_remove("signature") {
            Some(Value::String(signature)) => signature,
            _ => return Err(payload_failed()),
        };
        let value = envelope.swap_remove("vote").ok_or_else(payload_failed)?;

        // Verify over the re-serialization, in parsed key order.
        let signed_json = python_json::dumps(&value);
        let signature_failed = || Error::cannot_open(OpenStage::Signature);
        let signature =
            base64::decode_lenient(signature.as_bytes()).ok_or_else(signature_failed)?;
        if !self
            .signer
            .verify_sha256(signed_json.as_bytes(), &signature)
        {
            return Err(signature_failed());
        }
        Ok(Opened { value, signed_json })
    }

    /// Opens many payloads in parallel on the current rayon pool (run it inside
    /// `ThreadPool::install` to choose the number of threads). One result per input,
    /// in input order.
    #[must_use]
    pub fn open_batch(&self, sealed: &[Sealed]) -> Vec<Result<Opened>> {
        sealed.par_iter().map(|item| self.open(item)).collect()
    }
}

/// The AES key, nonce and tag unwrapped from m3.
struct AesMaterial {
    key: AesKey,
    nonce: Vec<u8>,
    tag: Vec<u8>,
}

/// Parses m3 as electiersa does: `json.loads(m3.decode("utf-8"))`, then base64 of the
/// string fields `tag`, `nonce` and `aes_key` (any order, other fields ignored).
fn parse_wrapped(wrapped: &[u8]) -> Option<AesMaterial> {
    let text = std::str::from_utf8(wrapped).ok()?;
    let Ok(Value::Object(mut object)) = python_json::loads(text) else {
        return None;
    };
    let mut take = |name: &str| match object.swap_remove(name) {
        Some(Value::String(text)) => Some(Zeroizing::new(text)),
        _ => None,
    };
    let tag = take("tag")?;
    let nonce = take("nonce")?;
    let key_text = take("aes_key")?;
    // Wipe whatever else the parsed object holds (normally nothing).
    for (_, value) in &mut object {
        if let Value::String(text) = value {
            text.zeroize();
        }
    }
    let tag = base64::decode_lenient(tag.as_bytes())?;
    let nonce = base64::decode_lenient(nonce.as_bytes())?;
    let key_bytes = base64::decode_lenient_secret(key_text.as_bytes())?;
    let key = AesKey::new(&key_bytes)?;
    Some(AesMaterial { key, nonce, tag })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_key_generated_receives_a_vote_with_a_32_byte_aes_key() {
        let recipient = PrivateKey::generate(crate::keys::MIN_KEY_BITS).unwrap();
        let signer = PrivateKey::generate(crate::keys::MIN_KEY_BITS).unwrap();
        let mut object = Object::new();
        object.insert("token".into(), "t".into());
        let sealed = crate::seal(
            &object,
            &signer,
            &recipient.public_key(),
            AesKeyLength::Aes256,
            &mut crate::system_rng(),
        )
        .unwrap();
        let opened = crate::open(&sealed, &recipient, &signer.public_key()).unwrap();
        assert_eq!(opened.signed_json(), r#"{"token": "t"}"#);
        // A byte less cannot carry m3, which is why it is refused.
        assert!(PrivateKey::generate(crate::keys::MIN_KEY_BITS - 8).is_err());
    }

    #[test]
    fn wrapped_key_length_matches_python() {
        // len(json.dumps({"aes_key": b64(k), "tag": b64(16), "nonce": b64(16)}))
        // (measured with CPython: 111, 119, 131)
        assert_eq!(m3_len(AesKeyLength::Aes128), 111);
        assert_eq!(m3_len(AesKeyLength::Aes192), 119);
        assert_eq!(m3_len(AesKeyLength::Aes256), 131);
    }

    #[test]
    fn aes_key_lengths() {
        for bytes in [16, 24, 32] {
            assert_eq!(AesKeyLength::from_bytes(bytes).unwrap().bytes(), bytes);
        }
        assert_eq!(AesKeyLength::from_bytes(20), Err(Error::AesKeyLength(20)));
    }
}

//! RSA backends: the pure-Rust `rsa` crate (default, the only one mobile builds need)
//! and, behind the `aws-lc` feature, AWS-LC for fast private-key operations.

use std::fmt;
use std::str::FromStr;

use rsa::{Oaep, Pkcs1v15Sign};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::keys::{PrivateKey, PublicKey};

/// Which implementation performs the RSA operations.
///
/// Both give the same results on the same inputs; they differ in speed and in what
/// they need to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Backend {
    /// The pure-Rust RustCrypto `rsa` crate, with blinded private-key operations.
    #[default]
    RustCrypto,
    /// AWS-LC through `aws-lc-rs` (Cargo feature `aws-lc`): about five times faster
    /// private-key operations. Keys outside the 2048–8192-bit range it supports are
    /// handled by [`Backend::RustCrypto`] transparently.
    AwsLc,
}

impl Backend {
    /// Every backend, compiled in or not.
    pub const ALL: [Backend; 2] = [Backend::RustCrypto, Backend::AwsLc];

    /// The name used on the command line (`rustcrypto`, `aws-lc`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Backend::RustCrypto => "rustcrypto",
            Backend::AwsLc => "aws-lc",
        }
    }

    /// Whether this backend is compiled into this build.
    #[must_use]
    pub const fn is_available(self) -> bool {
        match self {
            Backend::RustCrypto => true,
            Backend::AwsLc => cfg!(feature = "aws-lc"),
        }
    }

    /// The fastest backend compiled into this build.
    #[must_use]
    pub const fn fastest() -> Backend {
        if Backend::AwsLc.is_available() {
            Backend::AwsLc
        } else {
            Backend::RustCrypto
        }
    }

    pub(crate) fn require_available(self) -> Result<()> {
        if self.is_available() {
            Ok(())
        } else {
            Err(Error::BackendUnavailable(self))
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The text was not the name of a backend.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown RSA backend {0:?} (expected rustcrypto or aws-lc)")]
pub struct UnknownBackend(pub String);

impl FromStr for Backend {
    type Err = UnknownBackend;

    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        match text {
            "rustcrypto" | "rust-crypto" | "rsa" => Ok(Backend::RustCrypto),
            "aws-lc" | "awslc" | "aws-lc-rs" => Ok(Backend::AwsLc),
            other => Err(UnknownBackend(other.to_owned())),
        }
    }
}

/// DigestInfo prefix of SHA-256 with the NULL parameters (RFC 8017).
const SHA256_PREFIX_WITH_NULL: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// DigestInfo prefix of SHA-256 without parameters, which pycryptodome also accepts.
const SHA256_PREFIX_WITHOUT_NULL: [u8; 17] = [
    0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x04,
    0x20,
];

fn pkcs1v15_sha256(prefix: &[u8]) -> Pkcs1v15Sign {
    Pkcs1v15Sign {
        hash_len: Some(32),
        prefix: prefix.into(),
    }
}

fn blinding_rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

/// A private key prepared once for one backend.
#[allow(
    clippy::large_enum_variant,
    reason = "built once per key and never moved in a hot path"
)]
pub(crate) enum PrivateOps {
    RustCrypto(PrivateKey),
    #[cfg(feature = "aws-lc")]
    AwsLc {
        decrypt: aws_lc_rs::rsa::OaepPrivateDecryptingKey,
        sign: aws_lc_rs::rsa::KeyPair,
        size: usize,
    },
}

impl PrivateOps {
    pub(crate) fn new(key: &PrivateKey, backend: Backend) -> Result<Self> {
        backend.require_available()?;
        #[cfg(feature = "aws-lc")]
        if backend == Backend::AwsLc
            && let Some(ops) = Self::aws_lc(key)
        {
            return Ok(ops);
        }
        Ok(PrivateOps::RustCrypto(key.clone()))
    }

    #[cfg(feature = "aws-lc")]
    fn aws_lc(key: &PrivateKey) -> Option<Self> {
        use rsa::pkcs8::EncodePrivateKey;
        let pkcs8 = key.rsa().to_pkcs8_der().ok()?;
        let decrypt = aws_lc_rs::rsa::PrivateDecryptingKey::from_pkcs8(pkcs8.as_bytes()).ok()?;
        let decrypt = aws_lc_rs::rsa::OaepPrivateDecryptingKey::new(decrypt).ok()?;
        let sign = aws_lc_rs::rsa::KeyPair::from_pkcs8(pkcs8.as_bytes()).ok()?;
        Some(PrivateOps::AwsLc {
            decrypt,
            sign,
            size: key.size(),
        })
    }

    /// Modulus size in bytes.
    pub(crate) fn size(&self) -> usize {
        match self {
            PrivateOps::RustCrypto(key) => key.size(),
            #[cfg(feature = "aws-lc")]
            PrivateOps::AwsLc { size, .. } => *size,
        }
    }

    /// RSA-OAEP (SHA-1, MGF1-SHA-1, empty label) decryption, blinded. `None` on any
    /// failure, without saying which.
    pub(crate) fn oaep_sha1_decrypt(&self, ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        // pycryptodome: "Ciphertext with incorrect length".
        if ciphertext.len() != self.size() {
            return None;
        }
        match self {
            PrivateOps::RustCrypto(key) => key
                .rsa()
                .decrypt_blinded(&mut blinding_rng(), Oaep::<Sha1>::new(), ciphertext)
                .ok()
                .map(Zeroizing::new),
            #[cfg(feature = "aws-lc")]
            PrivateOps::AwsLc { decrypt, .. } => {
                let mut buffer = Zeroizing::new(vec![0u8; decrypt.min_output_size()]);
                let length = decrypt
                    .decrypt(
                        &aws_lc_rs::rsa::OAEP_SHA1_MGF1SHA1,
                        ciphertext,
                        &mut buffer,
                        None,
                    )
                    .ok()?
                    .len();
                buffer.truncate(length);
                Some(buffer)
            }
        }
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`, blinded.
    pub(crate) fn sign_sha256(&self, message: &[u8]) -> Option<Vec<u8>> {
        match self {
            PrivateOps::RustCrypto(key) => {
                let digest = Sha256::digest(message);
                key.rsa()
                    .sign_with_rng(
                        &mut blinding_rng(),
                        pkcs1v15_sha256(&SHA256_PREFIX_WITH_NULL),
                        &digest,
                    )
                    .ok()
            }
            #[cfg(feature = "aws-lc")]
            PrivateOps::AwsLc { sign, size, .. } => {
                let mut signature = vec![0u8; *size];
                sign.sign(
                    &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                    &aws_lc_rs::rand::SystemRandom::new(),
                    message,
                    &mut signature,
                )
                .ok()?;
                Some(signature)
            }
        }
    }
}

/// A public key prepared once for one backend.
pub(crate) enum PublicOps {
    RustCrypto(PublicKey),
    #[cfg(feature = "aws-lc")]
    AwsLc {
        parsed: aws_lc_rs::signature::ParsedPublicKey,
        key: PublicKey,
    },
}

impl PublicOps {
    pub(crate) fn new(key: &PublicKey, backend: Backend) -> Result<Self> {
        backend.require_available()?;
        // AWS-LC verifies PKCS#1 v1.5 signatures of 2048- to 8192-bit keys only.
        #[cfg(feature = "aws-lc")]
        if backend == Backend::AwsLc && (2048..=8192).contains(&key.bits()) {
            use rsa::pkcs1::EncodeRsaPublicKey;
            let parsed = key.rsa().to_pkcs1_der().ok().and_then(|der| {
                aws_lc_rs::signature::ParsedPublicKey::new(
                    &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                    der.as_bytes(),
                )
                .ok()
            });
            if let Some(parsed) = parsed {
                return Ok(PublicOps::AwsLc {
                    parsed,
                    key: key.clone(),
                });
            }
        }
        Ok(PublicOps::RustCrypto(key.clone()))
    }

    fn key(&self) -> &PublicKey {
        match self {
            PublicOps::RustCrypto(key) => key,
            #[cfg(feature = "aws-lc")]
            PublicOps::AwsLc { key, .. } => key,
        }
    }

    /// Verifies RSASSA-PKCS1-v1_5 with SHA-256 as pycryptodome's `PKCS115_SigScheme`
    /// does: the signature has the modulus length, and the DigestInfo may carry the
    /// NULL parameters or omit them.
    pub(crate) fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        let key = self.key();
        if signature.len() != key.size() {
            return false;
        }
        #[cfg(feature = "aws-lc")]
        if let PublicOps::AwsLc { parsed, .. } = self
            && parsed.verify_sig(message, signature).is_ok()
        {
            return true;
        }
        // Otherwise (and on an AWS-LC failure, which is rare) the pure-Rust code decides,
        // with and without the NULL parameters, so no key AWS-LC treats differently is
        // refused.
        let digest = Sha256::digest(message);
        key.rsa()
            .verify(
                pkcs1v15_sha256(&SHA256_PREFIX_WITH_NULL),
                &digest,
                signature,
            )
            .is_ok()
            || key
                .rsa()
                .verify(
                    pkcs1v15_sha256(&SHA256_PREFIX_WITHOUT_NULL),
                    &digest,
                    signature,
                )
                .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_backend_names() {
        assert_eq!(
            "rustcrypto".parse::<Backend>().unwrap(),
            Backend::RustCrypto
        );
        assert_eq!("aws-lc".parse::<Backend>().unwrap(), Backend::AwsLc);
        assert!("openssl".parse::<Backend>().is_err());
        for backend in Backend::ALL {
            assert_eq!(backend.name().parse::<Backend>().unwrap(), backend);
        }
        assert!(Backend::RustCrypto.is_available());
    }

    #[test]
    fn verifies_signatures_with_and_without_null_parameters() {
        let key = PrivateKey::from_pem(include_str!(
            "../../testdata/vectors/electiersa-v0.1.1-keys/gateway_private.pem"
        ))
        .unwrap();
        let message = b"{\"token\": \"x\"}";
        let digest = Sha256::digest(message);
        for backend in Backend::ALL.into_iter().filter(|b| b.is_available()) {
            let public = PublicOps::new(&key.public_key(), backend).unwrap();
            for prefix in [
                &SHA256_PREFIX_WITH_NULL[..],
                &SHA256_PREFIX_WITHOUT_NULL[..],
            ] {
                let signature = key.rsa().sign(pkcs1v15_sha256(prefix), &digest).unwrap();
                assert!(public.verify_sha256(message, &signature), "{backend}");
                assert!(!public.verify_sha256(b"{}", &signature), "{backend}");
            }
            let private = PrivateOps::new(&key, backend).unwrap();
            let signature = private.sign_sha256(message).unwrap();
            assert!(public.verify_sha256(message, &signature));
        }
    }

    #[test]
    fn verifies_signatures_of_small_keys_with_every_backend() {
        // 1024-bit signer keys (pycryptodome generates them) are below AWS-LC's range.
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        for bits in [1024, 1536] {
            let key = PrivateKey::from_rsa(rsa::RsaPrivateKey::new(&mut rng, bits).unwrap());
            let message = b"{\"token\": \"x\"}";
            for backend in Backend::ALL.into_iter().filter(|b| b.is_available()) {
                let private = PrivateOps::new(&key, backend).unwrap();
                let public = PublicOps::new(&key.public_key(), backend).unwrap();
                let signature = private.sign_sha256(message).unwrap();
                assert!(
                    public.verify_sha256(message, &signature),
                    "{backend} {bits}"
                );
                assert!(!public.verify_sha256(b"{}", &signature), "{backend} {bits}");
            }
        }
    }

    #[cfg(feature = "aws-lc")]
    #[test]
    fn aws_lc_is_really_used_for_2048_bit_keys() {
        let key = PrivateKey::from_pem(include_str!(
            "../../testdata/vectors/electiersa-v0.1.1-keys/server_private.pem"
        ))
        .unwrap();
        assert!(matches!(
            PrivateOps::new(&key, Backend::AwsLc).unwrap(),
            PrivateOps::AwsLc { .. }
        ));
        assert!(matches!(
            PublicOps::new(&key.public_key(), Backend::AwsLc).unwrap(),
            PublicOps::AwsLc { .. }
        ));
    }
}

//! The one error type of the crate.

use std::fmt;

/// Result of every fallible function in this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong in `electie-crypto`.
///
/// Opening deliberately reports one opaque kind, [`Error::CannotOpen`], with only a
/// coarse [`OpenStage`]: whether an RSA padding check, an AES tag check or a JSON parse
/// failed stays hidden, so the error is no padding or tag oracle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A PEM or DER key could not be read; `problem` names what is wrong with it.
    #[error("invalid {kind} key: {problem}")]
    Key {
        /// Whether a private or a public key was being read.
        kind: KeyKind,
        /// What is wrong with it.
        problem: KeyProblem,
    },
    /// A key size that electie refuses: too small to carry the RSA-wrapped AES key
    /// material (or below what RSA implementations accept), or too large.
    #[error(
        "RSA key size {bits} bits is not supported: it must be between {min_bits} and {max_bits} bits"
    )]
    KeySize {
        /// The requested or found size in bits.
        bits: usize,
        /// The smallest size accepted here.
        min_bits: usize,
        /// The largest size accepted here.
        max_bits: usize,
    },
    /// An AES key length other than 16, 24 or 32 bytes was asked for.
    #[error("AES key length must be 16, 24 or 32 bytes, got {0}")]
    AesKeyLength(usize),
    /// A sealed payload could not be opened. Deliberately coarse.
    #[error("cannot open sealed payload ({stage})")]
    CannotOpen {
        /// The coarse stage that failed.
        stage: OpenStage,
    },
    /// The text is not a sealed pair: a JSON object with the string fields
    /// `encrypted_message` and `encrypted_object`.
    #[error(
        "not a sealed payload: expected a JSON object with string fields encrypted_message and encrypted_object"
    )]
    SealedFormat,
    /// Sealing failed inside an RSA operation (an RSA signature or encryption the
    /// backend refused) or the random generator failed.
    #[error("cannot seal payload: {0}")]
    Seal(SealProblem),
    /// The backend asked for is not compiled into this build.
    #[error("RSA backend {0} is not available in this build (enable its Cargo feature)")]
    BackendUnavailable(crate::Backend),
}

/// Which kind of key a [`Error::Key`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// An RSA private key.
    Private,
    /// An RSA public key.
    Public,
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyKind::Private => "private",
            KeyKind::Public => "public",
        })
    }
}

/// What is wrong with a key that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyProblem {
    /// The text is empty (after trimming whitespace).
    #[error("the key text is empty")]
    Empty,
    /// No `-----BEGIN ...-----` / `-----END ...-----` armor was found.
    #[error("no PEM armor (-----BEGIN ...----- / -----END ...-----) found")]
    NotPem,
    /// The BEGIN and END labels differ.
    #[error("PEM BEGIN label {begin:?} does not match END label {end:?}")]
    MismatchedLabels {
        /// The label after BEGIN.
        begin: String,
        /// The label after END.
        end: String,
    },
    /// The PEM label is not one of the RSA key labels electie reads.
    #[error(
        "unsupported PEM label {0:?} (expected RSA PRIVATE KEY, PRIVATE KEY, PUBLIC KEY or RSA PUBLIC KEY)"
    )]
    UnsupportedLabel(String),
    /// The PEM carries `Proc-Type`/`DEK-Info` headers or is an encrypted PKCS#8 key.
    #[error("encrypted private keys are not supported; decrypt the key first")]
    Encrypted,
    /// The PEM body is not base64.
    #[error("the PEM body is not valid base64")]
    Base64,
    /// The DER inside does not decode as the structure its label announces.
    #[error("the {label} structure could not be decoded")]
    Der {
        /// The structure that was expected (`PKCS#1 RSAPrivateKey`, `PKCS#8`, ...).
        label: &'static str,
    },
    /// A public key was given where a private key is needed.
    #[error("a public key was given where a private key is needed")]
    PublicInsteadOfPrivate,
    /// The numbers inside do not form a usable RSA key (inconsistent components,
    /// unsupported exponent or modulus size).
    #[error("the RSA key is not valid: {0}")]
    Invalid(String),
}

/// The coarse stage at which opening a sealed payload failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OpenStage {
    /// Unwrapping or decrypting: base64, RSA-OAEP, the wrapped key material, or the
    /// AES-EAX tag. One stage on purpose (no padding or tag oracle).
    Decrypt,
    /// The authenticated plaintext is not the expected JSON envelope (`vote`,
    /// `signature`).
    Payload,
    /// The signature does not verify with the signer's public key.
    Signature,
}

impl fmt::Display for OpenStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OpenStage::Decrypt => "decryption failed",
            OpenStage::Payload => "malformed payload",
            OpenStage::Signature => "signature invalid",
        })
    }
}

/// Why sealing failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealProblem {
    /// The recipient's key is too small for the wrapped AES key material.
    #[error(
        "the recipient key ({bits} bits) is too small to wrap {needed_bytes} bytes with RSA-OAEP-SHA1"
    )]
    RecipientKeyTooSmall {
        /// Size of the recipient's modulus.
        bits: usize,
        /// Bytes that had to fit in one OAEP block.
        needed_bytes: usize,
    },
    /// The RSA signature could not be computed.
    #[error("the RSA signature failed")]
    Sign,
    /// The RSA-OAEP encryption failed.
    #[error("the RSA-OAEP encryption failed")]
    Encrypt,
}

impl Error {
    pub(crate) fn key(kind: KeyKind, problem: KeyProblem) -> Self {
        Error::Key { kind, problem }
    }

    pub(crate) const fn cannot_open(stage: OpenStage) -> Self {
        Error::CannotOpen { stage }
    }
}

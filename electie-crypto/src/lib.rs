//! Hybrid sealing of votes byte-compatible with the Python library `electiersa` 0.1.1.
//!
//! Every vote travels terminal → gateway → server sealed with one scheme: the sender
//! signs `json.dumps(payload)` with RSASSA-PKCS1-v1_5/SHA-256, the payload and its
//! signature are encrypted with AES-EAX under a fresh key, and that key (with the EAX
//! nonce and tag) is wrapped with RSA-OAEP-SHA1 for the receiver. Anything electiersa
//! seals, [`open`] opens; anything [`seal`] seals, electiersa's `decrypt_vote` opens.
//! The wire format, byte for byte, is described in this crate's README (section "Wire
//! format"), which is also these docs' source of truth for interoperability.
//!
//! ```
//! use electie_core::python_json::{loads, Value};
//! use electie_crypto::{open, seal, AesKeyLength, PrivateKey};
//!
//! let server = PrivateKey::generate(2048)?; // receives
//! let gateway = PrivateKey::generate(2048)?; // signs
//! let Value::Object(vote) = loads(r#"{"token": "Ľ", "party_id": 10, "candidate_ids": [1075]}"#)
//!     .expect("valid JSON") else { unreachable!() };
//!
//! let mut rng = electie_crypto::system_rng();
//! let sealed = seal(&vote, &gateway, &server.public_key(), AesKeyLength::Aes256, &mut rng)?;
//!
//! let opened = open(&sealed, &server, &gateway.public_key())?;
//! assert_eq!(opened.as_object(), Some(&vote));
//! // The exact bytes the signature covers, as Python's json.dumps writes them:
//! assert_eq!(
//!     opened.signed_json(),
//!     r#"{"token": "\u013d", "party_id": 10, "candidate_ids": [1075]}"#
//! );
//!
//! // Any failure is one opaque error kind.
//! let mut tampered = sealed.clone();
//! tampered.encrypted_message.replace_range(0..1, "A");
//! assert!(matches!(
//!     open(&tampered, &server, &gateway.public_key()),
//!     Err(electie_crypto::Error::CannotOpen { .. })
//! ));
//! # Ok::<(), electie_crypto::Error>(())
//! ```
//!
//! # Keys
//! [`PrivateKey`] and [`PublicKey`] read and write PEM exactly as electiersa does (see
//! [`keys`]). Private keys and AES keys are wiped from memory when dropped.
//!
//! # Backends and speed
//! Opening costs one RSA private-key operation per payload. [`Opener`] parses the keys
//! once and opens batches in parallel with rayon. The default [`Backend::RustCrypto`]
//! is pure Rust (blinded private-key operations); the `aws-lc` feature adds
//! [`Backend::AwsLc`], about five times faster on servers.
//!
//! # Security notes
//! The `rsa` crate is subject to RUSTSEC-2023-0071 (Marvin: a timing side channel in
//! private-key operations). electie blinds every private-key operation, reports one
//! opaque error for every opening failure, only opens payloads from authenticated
//! senders, and servers use the constant-time AWS-LC backend.

#![forbid(unsafe_code)]

mod backend;
mod base64;
mod eax;
mod envelope;
mod error;
pub mod keys;

pub use backend::{Backend, UnknownBackend};
pub use envelope::{AesKeyLength, Opened, Opener, Sealed, Sealer, open, seal};
pub use error::{Error, KeyKind, KeyProblem, OpenStage, Result, SealProblem};
pub use keys::{PrivateKey, PublicKey};
/// The `rand_core` version whose traits [`seal`] takes, for callers that bring their own
/// generator.
pub use rand_core;

/// The operating system's random generator, as [`seal`] takes it.
pub type SystemRng = rand_core::UnwrapErr<getrandom::SysRng>;

/// The operating system's random generator (`getrandom`), for [`seal`] and
/// [`PrivateKey::generate_with_rng`].
#[must_use]
pub fn system_rng() -> SystemRng {
    rand_core::UnwrapErr(getrandom::SysRng)
}

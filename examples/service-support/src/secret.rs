//! Secrets people type (the server's admin password, the gateway's commission PIN),
//! stored as Argon2id hashes.
//!
//! The parameters are the `argon2` crate's defaults (Argon2id v19, m = 19 456 KiB,
//! t = 2, p = 1, OWASP's first recommendation), the salt 16 bytes from the operating
//! system's generator, the result a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`)
//! that carries its own parameters, so a hash stored today still verifies if the
//! defaults change. Hashing costs tens of milliseconds on purpose: call it off the
//! async threads (`tokio::task::spawn_blocking`).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Why a secret could not be hashed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The operating system's random generator gave no salt.
    #[error("OS random generator: {0}")]
    Random(#[source] getrandom::Error),
    /// Argon2 refused (a secret longer than it takes, say).
    #[error("{0}")]
    Argon2(#[source] argon2::password_hash::Error),
}

/// An Argon2id hash (PHC string) of `secret` with a fresh salt.
///
/// # Errors
/// [`Error::Random`] when the OS generator fails, [`Error::Argon2`] when Argon2 refuses.
pub fn hash(secret: &str) -> Result<String, Error> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(Error::Random)?;
    let salt = SaltString::encode_b64(&salt).map_err(Error::Argon2)?;
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(Error::Argon2)
}

/// Whether `secret` matches the stored PHC string `stored` (with the parameters the
/// string names; constant time in the secret). A stored string that is not a PHC
/// string matches nothing.
pub fn verify(secret: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(secret.as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Made by the reference C implementation (Debian's `argon2` 0~20171227):
    /// `echo -n "commission 2468" | argon2 electie-salt-16b -id -t 2 -k 19456 -p 1 -e`.
    const REFERENCE: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZWxlY3RpZS1zYWx0LTE2Yg$YnuuwdKrz4ucrqUq5EdYxcTcJeDIFo3/HbFNp/JVxbU";

    #[test]
    fn a_hash_from_the_reference_implementation_verifies() {
        assert!(verify("commission 2468", REFERENCE));
        assert!(!verify("commission 2469", REFERENCE));
        assert!(!verify("", REFERENCE));
    }

    #[test]
    fn a_fresh_hash_has_the_default_parameters_and_its_own_salt() {
        let first = hash("2468").unwrap();
        let second = hash("2468").unwrap();
        for stored in [&first, &second] {
            assert!(
                stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
                "{stored}"
            );
            assert!(verify("2468", stored));
            assert!(!verify("2467", stored));
            assert!(
                !verify("2468\n", stored),
                "a trailing newline is part of the secret"
            );
        }
        assert_ne!(first, second, "a fresh salt every time");
    }

    #[test]
    fn what_is_not_a_phc_string_matches_nothing() {
        for stored in [
            "",
            "2468",
            "$argon2id$",
            "$argon2id$v=19$m=19456,t=2,p=1$AAAA$AAAA",
        ] {
            assert!(!verify("2468", stored), "{stored:?}");
            assert!(!verify("", stored), "{stored:?}");
        }
    }
}

//! The one place where errors of the core and crypto crates become the foreign
//! languages' exception.
//!
//! Mobile code branches on few cases: the configuration cannot be used, the voter's
//! choice breaks a rule (show the message), a key cannot be read or made, sealing
//! failed. So the enum is flat and small; the detail travels in the message. In Kotlin
//! it is `TerminalException` with one subclass per variant, in Swift `TerminalError`.

/// Everything the terminal API can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
#[non_exhaustive]
pub enum TerminalError {
    /// The configuration JSON is not JSON, has fields of the wrong type, or is
    /// inconsistent (duplicate ids, a candidate without its party, …).
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// The vote breaks one of the server's rules 4–8. The message is the original
    /// server's exact text (for example `Number of candidates is more than 5`).
    #[error("{0}")]
    VoteRejected(String),
    /// A PEM key cannot be read, or a key size cannot be used.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// Sealing failed: an RSA operation or the system's random generator.
    #[error("cannot seal: {0}")]
    SealFailed(String),
}

/// `Result` with [`TerminalError`].
pub type Result<T, E = TerminalError> = std::result::Result<T, E>;

impl From<electie_core::Error> for TerminalError {
    fn from(error: electie_core::Error) -> Self {
        TerminalError::InvalidConfig(error.to_string())
    }
}

impl From<electie_core::Rejection> for TerminalError {
    fn from(rejection: electie_core::Rejection) -> Self {
        TerminalError::VoteRejected(rejection.to_string())
    }
}

impl From<electie_crypto::Error> for TerminalError {
    fn from(error: electie_crypto::Error) -> Self {
        match error {
            electie_crypto::Error::Key { .. } | electie_crypto::Error::KeySize { .. } => {
                TerminalError::InvalidKey(error.to_string())
            }
            // Sealing problems, and kinds a terminal never meets (opening, backends),
            // which would also mean the payload could not be produced.
            _ => TerminalError::SealFailed(error.to_string()),
        }
    }
}

impl From<getrandom::Error> for TerminalError {
    fn from(error: getrandom::Error) -> Self {
        TerminalError::SealFailed(format!("system random generator: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejection_keeps_the_exact_message() {
        let error = TerminalError::from(electie_core::Rejection::TooManyCandidates { limit: 5 });
        assert_eq!(
            error,
            TerminalError::VoteRejected("Number of candidates is more than 5".into())
        );
        assert_eq!(error.to_string(), "Number of candidates is more than 5");
    }

    #[test]
    fn key_errors_are_key_errors() {
        let error = electie_crypto::PublicKey::from_pem("not a key").unwrap_err();
        assert!(matches!(
            TerminalError::from(error),
            TerminalError::InvalidKey(_)
        ));
    }

    #[test]
    fn configuration_errors_are_configuration_errors() {
        let error = electie_core::ElectionConfig::from_json_str("{").unwrap_err();
        assert!(matches!(
            TerminalError::from(error),
            TerminalError::InvalidConfig(_)
        ));
    }
}

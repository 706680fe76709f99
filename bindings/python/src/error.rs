//! The one place where errors of the Rust crates become Python exceptions.
//!
//! Every exception electie raises on purpose derives from [`ElectieError`], itself a
//! `ValueError`, because electiersa's failures were `ValueError`s (pycryptodome's
//! "Incorrect decryption.", "MAC check failed", "Invalid signature", and `binascii` or
//! `json` errors, which are `ValueError` subclasses too). A value that is not JSON at
//! all is a `TypeError`, as `json.dumps` raises it.

use electie_core::validation::Rejection;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyModule;

pyo3::create_exception!(
    electie._native,
    ElectieError,
    PyValueError,
    "Base class of every error electie raises; a ValueError, as electiersa's were."
);
pyo3::create_exception!(
    electie._native,
    InvalidKeyError,
    ElectieError,
    "A PEM key could not be read, or a key size is not supported."
);
pyo3::create_exception!(
    electie._native,
    EncryptionError,
    ElectieError,
    "A payload could not be sealed (an AES key length other than 16, 24 or 32 bytes, a recipient key too small)."
);
pyo3::create_exception!(
    electie._native,
    DecryptionError,
    ElectieError,
    "A sealed payload could not be opened or its signature does not verify. Deliberately coarse: `stage` is 'decrypt', 'payload' or 'signature'."
);
pyo3::create_exception!(
    electie._native,
    JsonError,
    ElectieError,
    "JSON text that Python's json module would not read, or a value nested too deeply."
);
pyo3::create_exception!(
    electie._native,
    ConfigError,
    ElectieError,
    "An election configuration that cannot be loaded or is inconsistent."
);
pyo3::create_exception!(
    electie._native,
    VoteFormatError,
    ElectieError,
    "A vote whose fields have the wrong types or are missing."
);
pyo3::create_exception!(
    electie._native,
    BatchRejected,
    ElectieError,
    "The server's validation refused a batch; str(error) is the original server's message, `rule` the rule number (1-11) or None."
);
pyo3::create_exception!(
    electie._native,
    TallyError,
    ElectieError,
    "Counting or seat allocation failed (unknown id, no votes, an undecidable tie, ...)."
);

/// Everything the bindings can fail with, before it becomes a Python exception.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// From `electie-crypto`: keys, sealing, opening.
    #[error(transparent)]
    Crypto(#[from] electie_crypto::Error),
    /// From `electie-core`: JSON text, vote format, configuration.
    #[error(transparent)]
    Core(#[from] electie_core::Error),
    /// An election configuration that cannot be read or is inconsistent.
    #[error(transparent)]
    Config(electie_core::Error),
    /// A vote field of the wrong type.
    #[error("Invalid vote format - {0}")]
    Format(#[from] electie_core::FormatError),
    /// The server's validation refused a batch.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// From `electie-tally`.
    #[error(transparent)]
    Tally(#[from] electie_tally::Error),
    /// A Python value that has no JSON form (`json.dumps` raises `TypeError` for it).
    #[error("Object of type {0} is not JSON serializable")]
    NotJsonSerializable(String),
    /// A dict key that `json.dumps` refuses.
    #[error("keys must be str, int, float, bool or None, not {0}")]
    BadKey(String),
    /// Nesting beyond what JSON conversion follows (also what a circular reference
    /// becomes).
    #[error(
        "nesting deeper than {} levels (or a circular reference)",
        electie_core::python_json::MAX_DEPTH
    )]
    TooDeep,
    /// A `str` that is not valid Unicode text (a lone surrogate).
    #[error("strings with lone surrogates cannot be sealed: {0}")]
    NotUnicode(String),
    /// An argument of the wrong Python type.
    #[error("{0}")]
    WrongType(String),
    /// An argument of the right type with an unusable value.
    #[error("{0}")]
    WrongValue(String),
    /// An exception raised by Python code called on the way (passed on as it is).
    #[error(transparent)]
    Python(#[from] PyErr),
}

/// `Result` of the bindings' internal functions.
pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for PyErr {
    fn from(error: Error) -> PyErr {
        let message = error.to_string();
        match error {
            Error::Crypto(crypto) => crypto_error(crypto, message),
            Error::Core(core) => match core {
                electie_core::Error::Json { .. } => JsonError::new_err(message),
                electie_core::Error::Format(_) => VoteFormatError::new_err(message),
                _ => ConfigError::new_err(message),
            },
            Error::Config(_) => ConfigError::new_err(message),
            Error::Format(_) => VoteFormatError::new_err(message),
            Error::Rejected(rejection) => batch_rejected(&rejection),
            // An unknown name, a lot without a seed, an unreadable coalition size: bad
            // arguments, raised as plain ValueErrors.
            Error::Tally(
                electie_tally::Error::UnknownName { .. }
                | electie_tally::Error::LotWithoutSeed
                | electie_tally::Error::ZeroCoalitionSize { .. }
                | electie_tally::Error::InvalidCoalitionSize { .. },
            ) => PyValueError::new_err(message),
            Error::Tally(_) => TallyError::new_err(message),
            Error::NotJsonSerializable(_) | Error::BadKey(_) | Error::WrongType(_) => {
                PyTypeError::new_err(message)
            }
            Error::TooDeep | Error::NotUnicode(_) => JsonError::new_err(message),
            Error::WrongValue(_) => PyValueError::new_err(message),
            Error::Python(error) => error,
        }
    }
}

fn crypto_error(error: electie_crypto::Error, message: String) -> PyErr {
    use electie_crypto::{Error as E, OpenStage};
    match error {
        E::Key { .. } | E::KeySize { .. } => InvalidKeyError::new_err(message),
        E::AesKeyLength(_) | E::Seal(_) => EncryptionError::new_err(message),
        E::CannotOpen { stage } => {
            let stage = match stage {
                OpenStage::Decrypt => "decrypt",
                OpenStage::Payload => "payload",
                OpenStage::Signature => "signature",
                _ => "unknown",
            };
            with_attributes(DecryptionError::new_err(message), &[("stage", stage)])
        }
        E::SealedFormat => {
            with_attributes(DecryptionError::new_err(message), &[("stage", "format")])
        }
        _ => ElectieError::new_err(message),
    }
}

/// The `DecryptionError` one sealed payload of a batch failed with, as a value.
pub(crate) fn decryption_error_value(py: Python<'_>, error: electie_crypto::Error) -> Py<PyAny> {
    let message = error.to_string();
    crypto_error(error, message).into_value(py).into_any()
}

/// `BatchRejected` carrying the exact message and the rule number.
pub(crate) fn batch_rejected(rejection: &Rejection) -> PyErr {
    let error = BatchRejected::new_err(rejection.to_string());
    Python::attach(|py| {
        let value = error.value(py);
        // Setting attributes on a fresh exception instance cannot fail in practice;
        // if it did, the exception still carries its message.
        let _ = value.setattr("message", rejection.to_string());
        let _ = value.setattr("rule", rejection.rule());
    });
    error
}

fn with_attributes(error: PyErr, attributes: &[(&str, &str)]) -> PyErr {
    Python::attach(|py| {
        let value = error.value(py);
        for (name, text) in attributes {
            let _ = value.setattr(*name, *text);
        }
    });
    error
}

/// Adds the exception classes to the module.
pub(crate) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    module.add("ElectieError", py.get_type::<ElectieError>())?;
    module.add("InvalidKeyError", py.get_type::<InvalidKeyError>())?;
    module.add("EncryptionError", py.get_type::<EncryptionError>())?;
    module.add("DecryptionError", py.get_type::<DecryptionError>())?;
    module.add("JsonError", py.get_type::<JsonError>())?;
    module.add("ConfigError", py.get_type::<ConfigError>())?;
    module.add("VoteFormatError", py.get_type::<VoteFormatError>())?;
    module.add("BatchRejected", py.get_type::<BatchRejected>())?;
    module.add("TallyError", py.get_type::<TallyError>())?;
    Ok(())
}

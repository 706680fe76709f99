//! Errors of the gateway's own machinery (storage, keys, configuration, the server).
//! HTTP answers to clients are [`crate::http::ApiError`]; these become a 503 or 500
//! only for faults on the gateway's side, never for anything a client sent.

use std::path::PathBuf;

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong on the gateway's side.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory of the data directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error("database: {0}")]
    Database(#[source] sqlx::Error),
    /// SQLite does not run with the durability the gateway requires.
    #[error(
        "database is not durable: journal_mode={journal_mode}, synchronous={synchronous} (need wal and 2 = FULL)"
    )]
    Durability {
        /// What `PRAGMA journal_mode` answered.
        journal_mode: String,
        /// What `PRAGMA synchronous` answered.
        synchronous: i64,
    },
    /// Stored data that cannot be read back.
    #[error("corrupt stored data: {0}")]
    Corrupt(&'static str),
    /// JSON could not be written or read.
    #[error("json: {0}")]
    Json(#[source] serde_json::Error),
    /// A key could not be read, generated or used.
    #[error("key: {0}")]
    Key(#[from] electie_crypto::Error),
    /// The data directory has no gateway key or polling place yet.
    #[error(
        "the data directory is not initialised: run `electie-gateway init --data-dir DIR --polling-place N` first"
    )]
    NotInitialised,
    /// `init` for another polling place than the one this data directory serves.
    #[error("the data directory already serves polling place {existing}, not {requested}")]
    OtherPollingPlace {
        /// The polling place it serves.
        existing: i64,
        /// The one asked for.
        requested: i64,
    },
    /// The configuration (from the server or the cache) is unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// The operating system's random generator failed.
    #[error("random generator: {0}")]
    Random(String),
    /// The PIN could not be hashed or is not acceptable.
    #[error("PIN: {0}")]
    Pin(String),
}

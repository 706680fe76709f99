//! Storage: SQLite or PostgreSQL, the same SQL and the same writer.
//!
//! Everything the server keeps lives here: key pairs per polling place, the admin
//! credentials, settings (the JWT secret, the publish flag), the append-only vote log
//! with its sync state, the ballot feed and the commission papers. The queries are
//! written once, in the SQL both databases accept (`$N` placeholders, partial unique
//! indexes, `ON CONFLICT DO NOTHING`), and run through sqlx's `Any` driver; only the
//! migrations (an id column) and where connections come from differ.
//!
//! Writes go through one writer task per server instance that commits the queued
//! writes together (module `group`: one flush for several batches; a failing write is
//! refused alone, the others commit):
//!
//! - SQLite (module `sqlite`): the writer owns the only writing connection; reads use
//!   a pool of WAL readers. `journal_mode=WAL` and `synchronous=FULL` are set on every
//!   connection and checked at start.
//! - PostgreSQL (module `postgres`): one pool; the writer keeps one of its
//!   connections, and takes another after a group whose transaction failed whole.
//!
//! Only opening differs; [`Store`] puts the typed operations on top.

mod group;
mod postgres;
mod sql;
mod sqlite;

use std::sync::Arc;

use sqlx::AnyPool;
use zeroize::Zeroizing;

pub use group::WriteAnnouncement;
pub use sql::{BatchWrite, CloseWrite, SyncAdvance, WriteOp, WriteReply};

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The write conflicts with what is stored (a unique constraint, a sync state that
    /// moved, a closed polling place); nothing was written. The text says which.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The database refused or failed the operation.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The database failed a migration.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The SQLite writer task has stopped (the server is shutting down).
    #[error("the database writer has stopped")]
    WriterStopped,
    /// A setting the server requires does not hold (journal mode, synchronous level,
    /// file permissions) or a stored value cannot be read back.
    #[error("{0}")]
    Setup(String),
}

/// Result of storage operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An opened database: its writer and the pool reads run on.
pub(crate) struct Database {
    /// `"sqlite"` or `"postgres"`.
    kind: &'static str,
    writer: group::GroupWriter,
    readers: AnyPool,
}

impl Database {
    /// The pool reads run on.
    fn readers(&self) -> &AnyPool {
        &self.readers
    }
}

/// Opens the database named by `url` (`sqlite://…` or `postgres://…`), runs the
/// embedded migrations and checks the settings the server relies on.
///
/// # Errors
/// [`StoreError`] when the database cannot be opened, migrated or checked.
pub async fn open(url: &str) -> Result<Store> {
    sqlx::any::install_default_drivers();
    let database = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        postgres::open(url).await?
    } else if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        sqlite::open(std::path::Path::new(path)).await?
    } else {
        return Err(StoreError::Setup(format!(
            "unsupported database URL (sqlite://PATH or postgres://…): {}",
            redact_url(url)
        )));
    };
    Ok(Store {
        inner: Arc::new(database),
    })
}

/// A database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}://{}:***{}",
                    &url[..scheme],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The key pair of one polling place as stored: the server's pair and the gateway's
/// public key.
#[derive(Clone)]
pub struct StoredKeys {
    /// The polling place.
    pub polling_place_id: i64,
    /// The server's private key for it (PKCS#1 PEM); never leaves the server.
    pub server_private_key_pem: Zeroizing<String>,
    /// The server's public key for it: gateways seal to it.
    pub server_public_key_pem: String,
    /// The gateway's public key: the server verifies its signatures with it.
    pub gateway_public_key_pem: String,
}

impl std::fmt::Debug for StoredKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredKeys")
            .field("polling_place_id", &self.polling_place_id)
            .field("server_private_key_pem", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// The sync state of one polling place (spec 41 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRow {
    /// The polling place.
    pub polling_place_id: i64,
    /// The last sequence number stored.
    pub last_seqno: i64,
    /// The chain after it, lower-case hex.
    pub chain_head: String,
    /// Whether the polling place is closed.
    pub closed: bool,
}

/// One row of the vote log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteRow {
    /// The polling place.
    pub polling_place_id: i64,
    /// The gateway's sequence number (batches sent without sync fields have none).
    pub seqno: Option<i64>,
    /// The chain after this vote, hex (with a sequence number only).
    pub chain: Option<String>,
    /// Accepted (counted) or rejected (recorded with its reason, counted nowhere).
    pub accepted: bool,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// The voter's token (absent when the payload did not open).
    pub token: Option<String>,
    /// The party, `None` for a blank vote or an unreadable one.
    pub party_id: Option<i64>,
    /// The circled candidates.
    pub candidate_ids: Vec<i64>,
    /// The election id the vote carried.
    pub election_id: Option<String>,
}

/// A page of the log's accepted ballots, by column, in `(log_position, id)` order, as
/// [`Store::logged_page`] reads it: the fold of the tally and the token set reads the
/// log in these pages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoggedPage {
    positions: Vec<i64>,
    ids: Vec<i64>,
    places: Vec<i64>,
    parties: Vec<Option<i64>>,
    /// The end of each ballot's candidates in `candidates`.
    candidate_ends: Vec<usize>,
    candidates: Vec<i64>,
    /// The end of each ballot's token in `tokens`.
    token_ends: Vec<usize>,
    tokens: String,
}

/// One accepted ballot of a [`LoggedPage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoggedBallot<'page> {
    /// The log position of its batch (batches commit in position order).
    pub log_position: i64,
    /// Log row id (orders the rows of one batch).
    pub id: i64,
    /// The polling place.
    pub polling_place_id: i64,
    /// The token (rule 9 is rebuilt from it; empty when the row has none).
    pub token: &'page str,
    /// The party, `None` for blank.
    pub party_id: Option<i64>,
    /// The circled candidates.
    pub candidate_ids: &'page [i64],
}

impl LoggedPage {
    /// An empty page with room for `ballots`.
    fn with_capacity(ballots: usize, text_bytes: usize) -> Self {
        Self {
            positions: Vec::with_capacity(ballots),
            ids: Vec::with_capacity(ballots),
            places: Vec::with_capacity(ballots),
            parties: Vec::with_capacity(ballots),
            candidate_ends: Vec::with_capacity(ballots),
            candidates: Vec::with_capacity(ballots * 2),
            token_ends: Vec::with_capacity(ballots),
            tokens: String::with_capacity(text_bytes / 2),
        }
    }

    /// Appends a ballot.
    fn push(&mut self, ballot: LoggedBallot<'_>) {
        self.positions.push(ballot.log_position);
        self.ids.push(ballot.id);
        self.places.push(ballot.polling_place_id);
        self.parties.push(ballot.party_id);
        self.candidates.extend_from_slice(ballot.candidate_ids);
        self.candidate_ends.push(self.candidates.len());
        self.tokens.push_str(ballot.token);
        self.token_ends.push(self.tokens.len());
    }

    /// How many ballots.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// The page in `(log_position, id)` order: itself when it is (as databases hand
    /// it over), otherwise its ballots sorted.
    fn into_log_order(self) -> Self {
        let key = |index: usize| (self.positions[index], self.ids[index]);
        if (1..self.len()).all(|index| key(index - 1) < key(index)) {
            return self;
        }
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_unstable_by_key(|&index| key(index));
        let mut sorted = Self::with_capacity(self.len(), self.tokens.len() * 2);
        for index in order {
            if let Some(ballot) = self.get(index) {
                sorted.push(ballot);
            }
        }
        sorted
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The `(log_position, id)` of the last ballot: the fold's cursor once the page is
    /// counted.
    pub fn last(&self) -> Option<(i64, i64)> {
        Some((*self.positions.last()?, *self.ids.last()?))
    }

    /// Ballot `index`.
    pub fn get(&self, index: usize) -> Option<LoggedBallot<'_>> {
        let start = |ends: &[usize]| match index.checked_sub(1) {
            Some(before) => ends.get(before).copied(),
            None => Some(0),
        };
        Some(LoggedBallot {
            log_position: *self.positions.get(index)?,
            id: *self.ids.get(index)?,
            polling_place_id: *self.places.get(index)?,
            token: self
                .tokens
                .get(start(&self.token_ends)?..*self.token_ends.get(index)?)?,
            party_id: *self.parties.get(index)?,
            candidate_ids: self
                .candidates
                .get(start(&self.candidate_ends)?..*self.candidate_ends.get(index)?)?,
        })
    }

    /// The ballots in order.
    pub fn iter(&self) -> impl Iterator<Item = LoggedBallot<'_>> + '_ {
        (0..self.len()).filter_map(|index| self.get(index))
    }
}

/// A stored verdict, for answering a resent verdict-mode batch exactly as the first time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVerdict {
    /// The sequence number.
    pub seqno: i64,
    /// Accepted or not.
    pub accepted: bool,
    /// The rejection's message.
    pub reason: Option<String>,
}

/// One entry of the ballot feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    /// Position in the feed, from 1.
    pub seqno: i64,
    /// The polling place.
    pub polling_place_id: i64,
    /// The party, `None` for blank.
    pub party_id: Option<i64>,
    /// The circled candidates.
    pub candidate_ids: Vec<i64>,
}

/// A stored commission paper (zápisnica).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPaper {
    /// The polling place.
    pub polling_place_id: i64,
    /// SHA-256 of the document, hex.
    pub sha256: String,
    /// Base64 of the document.
    pub data: String,
    /// The sealed form as the gateway sent it (its signature is the proof of origin).
    pub encrypted_message: String,
    /// The sealed form's wrapped key.
    pub encrypted_object: String,
}

/// The typed operations, on whichever database.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Database>,
}

impl Store {
    /// `"sqlite"` or `"postgres"`.
    pub fn kind(&self) -> &'static str {
        self.inner.kind
    }

    /// Announces a write that will follow, so that a group about to commit waits a
    /// little for it (see [`WriteAnnouncement`]).
    pub fn announce_write(&self) -> WriteAnnouncement {
        self.inner.writer.announce()
    }

    /// Runs a write.
    ///
    /// # Errors
    /// As the write.
    pub async fn write(&self, op: WriteOp) -> Result<WriteReply> {
        self.inner.writer.write(op).await
    }

    /// Stops writes (after those queued) and closes the database.
    pub async fn shutdown(&self) {
        self.inner.writer.shutdown().await;
        self.inner.readers.close().await;
    }

    /// A setting, if stored.
    ///
    /// # Errors
    /// Database errors.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        sql::setting(self.inner.readers(), key).await
    }

    /// Stores `value` under `key` unless a value is there already; returns the stored one.
    ///
    /// # Errors
    /// Database errors.
    pub async fn setting_or_insert(&self, key: &str, value: String) -> Result<String> {
        match self
            .write(WriteOp::SettingIfAbsent {
                key: key.to_owned(),
                value,
            })
            .await?
        {
            WriteReply::Text(stored) => Ok(stored),
            other => Err(unexpected(other)),
        }
    }

    /// Sets a setting.
    ///
    /// # Errors
    /// Database errors.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.write(WriteOp::SetSetting {
            key: key.to_owned(),
            value: value.to_owned(),
        })
        .await
        .map(drop)
    }

    /// The Argon2 hash stored for `username`.
    ///
    /// # Errors
    /// Database errors.
    pub async fn admin_hash(&self, username: &str) -> Result<Option<String>> {
        sql::admin_hash(self.inner.readers(), username).await
    }

    /// Whether any admin is configured.
    ///
    /// # Errors
    /// Database errors.
    pub async fn has_admin(&self) -> Result<bool> {
        sql::has_admin(self.inner.readers()).await
    }

    /// Stores (or replaces) an admin's password hash.
    ///
    /// # Errors
    /// Database errors.
    pub async fn set_admin(&self, username: &str, password_hash: &str) -> Result<()> {
        self.write(WriteOp::SetAdmin {
            username: username.to_owned(),
            password_hash: password_hash.to_owned(),
        })
        .await
        .map(drop)
    }

    /// The keys of one polling place.
    ///
    /// # Errors
    /// Database errors.
    pub async fn keys(&self, polling_place_id: i64) -> Result<Option<StoredKeys>> {
        sql::keys(self.inner.readers(), polling_place_id).await
    }

    /// The keys of every enrolled polling place.
    ///
    /// # Errors
    /// Database errors.
    pub async fn all_keys(&self) -> Result<Vec<StoredKeys>> {
        sql::all_keys(self.inner.readers()).await
    }

    /// Stores `keys` unless the polling place has keys already (then only its gateway
    /// public key is recorded); returns what is stored.
    ///
    /// # Errors
    /// Database errors.
    pub async fn enroll(&self, keys: StoredKeys) -> Result<StoredKeys> {
        let polling_place_id = keys.polling_place_id;
        self.write(WriteOp::Enroll(keys)).await?;
        self.keys(polling_place_id).await?.ok_or(StoreError::Setup(
            "enrolled keys not found after the write".into(),
        ))
    }

    /// The sync state of every polling place that has one.
    ///
    /// # Errors
    /// Database errors.
    pub async fn sync_states(&self) -> Result<Vec<SyncRow>> {
        sql::sync_states(self.inner.readers()).await
    }

    /// PostgreSQL: analyzes the vote log when it has no statistics yet (a database
    /// just bulk-loaded or restored from a dump); `true` when it did. Without them the
    /// planner takes the accepted rows for a small fraction of the log and plans the
    /// page query of [`Store::logged_page`] as a scan of the whole rest of the log and
    /// a sort, about 0.3 s a page at 3 M votes, until its plan cache settles; with
    /// them, an index scan. Autovacuum keeps the statistics of a database in use. A
    /// refused `ANALYZE` (a role that does not own the table) only means the slow
    /// plans: it is logged, not an error. SQLite: nothing to do.
    ///
    /// # Errors
    /// Database errors of the check.
    pub async fn analyze_log_without_statistics(&self) -> Result<bool> {
        if self.kind() != "postgres" {
            return Ok(false);
        }
        sql::analyze_log_without_statistics(self.inner.readers()).await
    }

    /// The log position of the last committed batch: every batch at or below it is
    /// committed and visible (0 before the first).
    ///
    /// # Errors
    /// Database errors.
    pub async fn log_head(&self) -> Result<i64> {
        sql::log_head(self.inner.readers()).await
    }

    /// Accepted ballots after `after` (a `(log_position, id)` pair) with a log position
    /// at most `up_to_position`, at most `limit`, by position and id: the first
    /// `limit` such rows, read as one aggregated row: the database joins the page's
    /// rows into one text, so the driver's cost is paid per page, not per row (the
    /// query, shared by both databases, is documented in the storage's SQL module).
    ///
    /// # Errors
    /// Database errors, or a page whose text does not parse (a stored candidate list
    /// that is not a JSON list of integers).
    pub async fn logged_page(
        &self,
        after: (i64, i64),
        up_to_position: i64,
        limit: i64,
    ) -> Result<LoggedPage> {
        sql::logged_page(self.inner.readers(), after, up_to_position, limit).await
    }

    /// The sync state of one polling place, if it has one.
    ///
    /// # Errors
    /// Database errors.
    pub async fn sync_state(&self, polling_place_id: i64) -> Result<Option<SyncRow>> {
        sql::sync_state(self.inner.readers(), polling_place_id).await
    }

    /// The chain stored after `seqno` of a polling place.
    ///
    /// # Errors
    /// Database errors.
    pub async fn chain_at(&self, polling_place_id: i64, seqno: i64) -> Result<Option<String>> {
        sql::chain_at(self.inner.readers(), polling_place_id, seqno).await
    }

    /// Stored verdicts of `from..=to` of a polling place, by seqno.
    ///
    /// # Errors
    /// Database errors.
    pub async fn verdicts(
        &self,
        polling_place_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<StoredVerdict>> {
        sql::verdicts(self.inner.readers(), polling_place_id, from, to).await
    }

    /// Rows of the vote log, by id (tests and audits).
    ///
    /// # Errors
    /// Database errors.
    pub async fn vote_log(&self) -> Result<Vec<VoteRow>> {
        sql::vote_log(self.inner.readers()).await
    }

    /// The last feed sequence number (0 when empty).
    ///
    /// # Errors
    /// Database errors.
    pub async fn feed_last_seqno(&self) -> Result<i64> {
        sql::feed_last_seqno(self.inner.readers()).await
    }

    /// Feed entries from `from` on, at most `limit`.
    ///
    /// # Errors
    /// Database errors.
    pub async fn feed_batch(&self, from: i64, limit: i64) -> Result<Vec<FeedEntry>> {
        sql::feed_batch(self.inner.readers(), from, limit).await
    }

    /// Commission papers of a polling place, oldest first.
    ///
    /// # Errors
    /// Database errors.
    pub async fn papers(&self, polling_place_id: i64) -> Result<Vec<StoredPaper>> {
        sql::papers(self.inner.readers(), polling_place_id).await
    }

    /// SQLite's `PRAGMA integrity_check` (`ok` when sound); PostgreSQL has none and
    /// answers `ok`.
    ///
    /// # Errors
    /// Database errors.
    pub async fn integrity_check(&self) -> Result<String> {
        if self.kind() == "sqlite" {
            sql::sqlite_integrity_check(self.inner.readers()).await
        } else {
            Ok("ok".into())
        }
    }
}

fn unexpected(reply: WriteReply) -> StoreError {
    StoreError::Setup(format!("unexpected write reply {reply:?}"))
}

//! The gateway's durable state: one SQLite file in the data directory.
//!
//! WAL journal and `synchronous=FULL`, both checked when the store opens: a commit that
//! was acknowledged survives a crash or a power cut. Writes go through a pool of one
//! connection, so transactions never race each other for SQLite's write lock (no
//! `SQLITE_BUSY` under load) and the token check, the vote insert and the token's
//! deactivation commit together or not at all. Reads use their own pool and never wait
//! for a writer (WAL).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use electie_core::{CandidateId, PartyId};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};

use crate::chain::ChainHead;
use crate::error::{Error, Result};

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "gateway.sqlite3";

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS terminals (
    id             TEXT PRIMARY KEY,
    public_key_pem TEXT NOT NULL,
    ip_address     TEXT NOT NULL,
    status         TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    registered_at  TEXT NOT NULL
);
-- created: active 0, written 0; written to the tag: active 1, written 1;
-- used by a vote: active 0, used 1 (never active again).
CREATE TABLE IF NOT EXISTS tokens (
    token      TEXT PRIMARY KEY,
    active     INTEGER NOT NULL DEFAULT 0,
    written    INTEGER NOT NULL DEFAULT 0,
    used       INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
-- seqno: 1, 2, 3, ... in commit order; chain_head: the hash chain after this vote.
CREATE TABLE IF NOT EXISTS votes (
    seqno         INTEGER PRIMARY KEY,
    token         TEXT NOT NULL UNIQUE,
    election_id   TEXT NOT NULL,
    party_id      INTEGER,
    candidate_ids TEXT NOT NULL,
    signed_json   TEXT NOT NULL,
    chain_head    TEXT NOT NULL,
    terminal_id   TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    sync_status   TEXT NOT NULL DEFAULT 'pending'
                  CHECK (sync_status IN ('pending', 'accepted', 'rejected')),
    sync_message  TEXT,
    synced_at     TEXT
);
CREATE INDEX IF NOT EXISTS votes_pending ON votes (sync_status, seqno);
CREATE TABLE IF NOT EXISTS events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    action     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS commission_paper (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    pdf          BLOB NOT NULL,
    sha256       TEXT NOT NULL,
    generated_at TEXT NOT NULL,
    sent_at      TEXT
);
"#;

/// Keys of the `meta` table.
pub mod keys {
    /// The polling place this gateway serves (set by `init`).
    pub const POLLING_PLACE: &str = "polling_place_id";
    /// Argon2 hash of the commission's PIN (set by `pin`).
    pub const PIN_HASH: &str = "pin_hash";
    /// The last configuration fetched from the server (JSON text).
    pub const CONFIG: &str = "gateway_config";
    /// `state_election` (0/1).
    pub const STATE_ELECTION: &str = "state_election";
    /// `state_write` (0/1).
    pub const STATE_WRITE: &str = "state_write";
    /// `state_register_terminals` (0/1).
    pub const STATE_REGISTER: &str = "state_register_terminals";
    /// Set once the server accepted this polling place's close (JSON of the close).
    pub const CLOSED: &str = "closed";
}

/// The three persisted switches of the statevector service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    /// `state_election`: voting is open.
    Election,
    /// `state_write`: the NFC writer is active.
    Write,
    /// `state_register_terminals`: terminals may register.
    RegisterTerminals,
}

impl Switch {
    fn key(self) -> &'static str {
        match self {
            Switch::Election => keys::STATE_ELECTION,
            Switch::Write => keys::STATE_WRITE,
            Switch::RegisterTerminals => keys::STATE_REGISTER,
        }
    }
}

/// A registered terminal as `/terminals-status` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TerminalRow {
    /// `"<office_id>:<6 digits>"`.
    pub id: String,
    /// The address it registered from.
    pub ip_address: String,
    /// Last time its status changed.
    pub updated_at: String,
    /// Its own state as it last reported it, or `registered` / `disconnected`.
    pub status: String,
}

/// A stored vote as the synchronization and the zápisnica read it.
#[derive(Debug, Clone)]
pub struct StoredVote {
    /// Local sequence number.
    pub seqno: i64,
    /// The party voted for; `None` is a blank vote.
    pub party_id: Option<PartyId>,
    /// Circled candidates.
    pub candidate_ids: Vec<CandidateId>,
    /// The voter's token.
    pub token: String,
    /// The election id from the configuration.
    pub election_id: String,
    /// The exact bytes the gateway signs (`m1`).
    pub signed_json: String,
    /// The chain after this vote, hex.
    pub chain_head: String,
}

/// What happened to a vote at the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    /// Counted.
    Accepted,
    /// Recorded by the server as rejected, with its reason.
    Rejected(String),
}

/// Counts for `/statistics`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SyncCounts {
    /// Every vote stored here.
    pub all: i64,
    /// Votes the server confirmed (accepted or recorded as rejected).
    pub synchronized: i64,
    /// Votes the server recorded as rejected.
    pub rejected: i64,
}

/// Why a vote was not stored (the transaction stored nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CastRefusal {
    /// The token does not exist or is not active.
    TokenInvalid,
    /// Voting is not open (it ended while this vote was being opened and checked).
    ElectionNotRunning,
}

/// The durable store.
#[derive(Debug, Clone)]
pub struct Store {
    writer: SqlitePool,
    reader: SqlitePool,
}

fn now() -> String {
    crate::time::now_iso()
}

impl Store {
    /// Opens (creating when missing) the database in `data_dir`, creates the schema and
    /// checks that WAL and `synchronous=FULL` are in force on both pools.
    ///
    /// # Errors
    /// [`Error::Database`] when the file cannot be opened, [`Error::Durability`] when
    /// SQLite does not run with WAL and full synchronous commits.
    pub async fn open(data_dir: &Path) -> Result<Store> {
        let path = data_dir.join(DATABASE_FILE);
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(Error::Database)?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(120))
            .connect_with(options.clone())
            .await
            .map_err(Error::Database)?;
        sqlx::raw_sql(SCHEMA)
            .execute(&writer)
            .await
            .map_err(Error::Database)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(options.read_only(true))
            .await
            .map_err(Error::Database)?;
        for pool in [&writer, &reader] {
            let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(pool)
                .await
                .map_err(Error::Database)?;
            let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(pool)
                .await
                .map_err(Error::Database)?;
            if !journal.eq_ignore_ascii_case("wal") || synchronous != 2 {
                return Err(Error::Durability {
                    journal_mode: journal,
                    synchronous,
                });
            }
        }
        Ok(Store { writer, reader })
    }

    /// Closes both pools (waits for running statements).
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }

    // ---- meta -------------------------------------------------------------------

    /// A `meta` value.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.reader)
            .await
            .map_err(Error::Database)
    }

    /// Sets a `meta` value.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.writer)
        .await
        .map_err(Error::Database)?;
        Ok(())
    }

    /// A switch of the statevector (0 until set).
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn switch(&self, switch: Switch) -> Result<bool> {
        Ok(self.meta(switch.key()).await?.as_deref() == Some("1"))
    }

    /// Sets a switch.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn set_switch(&self, switch: Switch, on: bool) -> Result<()> {
        self.set_meta(switch.key(), if on { "1" } else { "0" })
            .await
    }

    /// Sets `state_election` and records the event in one transaction, unless it
    /// already has that value. Returns whether it changed.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn set_election_running(&self, running: bool) -> Result<bool> {
        let mut tx = self.writer.begin().await.map_err(Error::Database)?;
        let current: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(keys::STATE_ELECTION)
            .fetch_optional(&mut *tx)
            .await
            .map_err(Error::Database)?;
        if (current.as_deref() == Some("1")) == running {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(keys::STATE_ELECTION)
        .bind(if running { "1" } else { "0" })
        .execute(&mut *tx)
        .await
        .map_err(Error::Database)?;
        sqlx::query("INSERT INTO events (action, created_at) VALUES (?, ?)")
            .bind(if running {
                "elections_started"
            } else {
                "elections_stopped"
            })
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(Error::Database)?;
        tx.commit().await.map_err(Error::Database)?;
        Ok(true)
    }

    /// Events, newest first: `(action, created_at)`.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn events(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT action, created_at FROM events ORDER BY id DESC")
            .fetch_all(&self.reader)
            .await
            .map_err(Error::Database)?;
        Ok(rows
            .into_iter()
            .map(|row| (row.get::<String, _>(0), row.get::<String, _>(1)))
            .collect())
    }

    // ---- terminals ----------------------------------------------------------------

    /// Registers a terminal under a fresh id `"<office_id>:<6 digits>"` drawn from the
    /// OS generator (redrawn on the rare collision).
    ///
    /// # Errors
    /// [`Error::Database`], [`Error::Random`].
    pub async fn register_terminal(
        &self,
        office_id: i64,
        public_key_pem: &str,
        ip_address: &str,
    ) -> Result<String> {
        loop {
            let number = crate::random::u32()? % 1_000_000;
            let id = format!("{office_id}:{number:06}");
            let at = now();
            let inserted = sqlx::query(
                "INSERT INTO terminals (id, public_key_pem, ip_address, status, updated_at, registered_at)
                 VALUES (?, ?, ?, 'registered', ?, ?) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&id)
            .bind(public_key_pem)
            .bind(ip_address)
            .bind(&at)
            .bind(&at)
            .execute(&self.writer)
            .await
            .map_err(Error::Database)?;
            if inserted.rows_affected() == 1 {
                return Ok(id);
            }
        }
    }

    /// The public key PEM a terminal registered with.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn terminal_key(&self, id: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT public_key_pem FROM terminals WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.reader)
            .await
            .map_err(Error::Database)
    }

    /// Records a terminal's reported status; returns whether the terminal exists.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn set_terminal_status(&self, id: &str, status: &str) -> Result<bool> {
        let done = sqlx::query("UPDATE terminals SET status = ?, updated_at = ? WHERE id = ?")
            .bind(status)
            .bind(now())
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(Error::Database)?;
        Ok(done.rows_affected() == 1)
    }

    /// Every registered terminal, in registration order.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn terminals(&self) -> Result<Vec<TerminalRow>> {
        let rows = sqlx::query(
            "SELECT id, ip_address, updated_at, status FROM terminals ORDER BY registered_at, id",
        )
        .fetch_all(&self.reader)
        .await
        .map_err(Error::Database)?;
        Ok(rows
            .into_iter()
            .map(|row| TerminalRow {
                id: row.get(0),
                ip_address: row.get(1),
                updated_at: row.get(2),
                status: row.get(3),
            })
            .collect())
    }

    // ---- tokens -------------------------------------------------------------------

    /// Stores a new inactive, unwritten token.
    ///
    /// # Errors
    /// [`Error::Database`] (also on the 2⁻¹²⁸ chance of a repeated token).
    pub async fn create_token(&self, token: &str) -> Result<()> {
        sqlx::query("INSERT INTO tokens (token, created_at) VALUES (?, ?)")
            .bind(token)
            .bind(now())
            .execute(&self.writer)
            .await
            .map_err(Error::Database)?;
        Ok(())
    }

    /// Whether the token exists and is active.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn token_active(&self, token: &str) -> Result<bool> {
        let active: Option<i64> = sqlx::query_scalar("SELECT active FROM tokens WHERE token = ?")
            .bind(token)
            .fetch_optional(&self.reader)
            .await
            .map_err(Error::Database)?;
        Ok(active == Some(1))
    }

    /// Deactivates an active token; false when it was not active.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn deactivate_token(&self, token: &str) -> Result<bool> {
        let done = sqlx::query("UPDATE tokens SET active = 0 WHERE token = ? AND active = 1")
            .bind(token)
            .execute(&self.writer)
            .await
            .map_err(Error::Database)?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes an active token; false when it was not active.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn delete_active_token(&self, token: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM tokens WHERE token = ? AND active = 1")
            .bind(token)
            .execute(&self.writer)
            .await
            .map_err(Error::Database)?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks a token as written to its tag (active). `Ok(None)` for an unknown token,
    /// `Ok(Some(false))` for a token that already voted (it never becomes active again).
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn token_written(&self, token: &str) -> Result<Option<bool>> {
        let mut tx = self.writer.begin().await.map_err(Error::Database)?;
        let used: Option<i64> = sqlx::query_scalar("SELECT used FROM tokens WHERE token = ?")
            .bind(token)
            .fetch_optional(&mut *tx)
            .await
            .map_err(Error::Database)?;
        let answer = match used {
            None => None,
            Some(1) => Some(false),
            Some(_) => {
                sqlx::query("UPDATE tokens SET active = 1, written = 1 WHERE token = ?")
                    .bind(token)
                    .execute(&mut *tx)
                    .await
                    .map_err(Error::Database)?;
                Some(true)
            }
        };
        tx.commit().await.map_err(Error::Database)?;
        Ok(answer)
    }

    /// Deletes every token not written to a tag; returns how many.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn delete_unwritten_tokens(&self) -> Result<u64> {
        let done = sqlx::query("DELETE FROM tokens WHERE written = 0")
            .execute(&self.writer)
            .await
            .map_err(Error::Database)?;
        Ok(done.rows_affected())
    }

    // ---- votes --------------------------------------------------------------------

    /// In ONE transaction: checks that voting is open, uses the token (it must be
    /// active), gives the vote the next sequence number, advances the hash chain,
    /// stores the vote. A refusal stores nothing and leaves the token as it was.
    ///
    /// The check of `state_election` is in the transaction (one writer connection) so
    /// that the end of the election and a vote are ordered: a vote either commits before
    /// the election ends, and the close includes it, or is refused. Checked only before
    /// the transaction, a vote opened while `POST /end` and the close ran was stored
    /// and acknowledged after the close, and never reached the server.
    ///
    /// `signed_json` is `m1`, the vote as the gateway signs it; `genesis` the chain
    /// before the first vote.
    ///
    /// # Errors
    /// [`Error::Database`]; `Ok(Err(_))` for a refusal.
    pub async fn cast_vote(
        &self,
        vote: &electie_core::Vote,
        signed_json: &str,
        terminal_id: &str,
        genesis: &ChainHead,
    ) -> Result<std::result::Result<i64, CastRefusal>> {
        let mut tx = self.writer.begin().await.map_err(Error::Database)?;
        let running: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(keys::STATE_ELECTION)
            .fetch_optional(&mut *tx)
            .await
            .map_err(Error::Database)?;
        if running.as_deref() != Some("1") {
            tx.rollback().await.map_err(Error::Database)?;
            return Ok(Err(CastRefusal::ElectionNotRunning));
        }
        let used =
            sqlx::query("UPDATE tokens SET active = 0, used = 1 WHERE token = ? AND active = 1")
                .bind(&vote.token)
                .execute(&mut *tx)
                .await
                .map_err(Error::Database)?;
        if used.rows_affected() != 1 {
            tx.rollback().await.map_err(Error::Database)?;
            return Ok(Err(CastRefusal::TokenInvalid));
        }
        let (seqno, head) = last_vote(&mut tx, genesis).await?;
        let seqno = seqno + 1;
        let head = head.advance(seqno.unsigned_abs(), signed_json.as_bytes());
        let candidates = serde_json::to_string(&vote.candidate_ids).map_err(Error::Json)?;
        sqlx::query(
            "INSERT INTO votes (seqno, token, election_id, party_id, candidate_ids, signed_json,
                                chain_head, terminal_id, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(seqno)
        .bind(&vote.token)
        .bind(&vote.election_id)
        .bind(vote.party_id.map(|party| party.0))
        .bind(candidates)
        .bind(signed_json)
        .bind(head.to_string())
        .bind(terminal_id)
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(Error::Database)?;
        tx.commit().await.map_err(Error::Database)?;
        Ok(Ok(seqno))
    }

    /// The last sequence number and the chain after it (0 and `genesis` before the
    /// first vote).
    ///
    /// # Errors
    /// [`Error::Database`], [`Error::Corrupt`] for a stored chain that is not hex.
    pub async fn chain_state(&self, genesis: &ChainHead) -> Result<(i64, ChainHead)> {
        let mut connection = self.reader.acquire().await.map_err(Error::Database)?;
        let mut tx = sqlx::Connection::begin(&mut *connection)
            .await
            .map_err(Error::Database)?;
        last_vote(&mut tx, genesis).await
    }

    /// The chain after vote `seqno`, hex (`None` when there is no such vote).
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn chain_at(&self, seqno: i64) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT chain_head FROM votes WHERE seqno = ?")
            .bind(seqno)
            .fetch_optional(&self.reader)
            .await
            .map_err(Error::Database)
    }

    /// Votes with `from <= seqno <= to`, in order.
    ///
    /// # Errors
    /// [`Error::Database`], [`Error::Corrupt`].
    pub async fn votes_between(&self, from: i64, to: i64) -> Result<Vec<StoredVote>> {
        let rows = sqlx::query(
            "SELECT seqno, party_id, candidate_ids, token, election_id, signed_json, chain_head
             FROM votes WHERE seqno BETWEEN ? AND ? ORDER BY seqno",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.reader)
        .await
        .map_err(Error::Database)?;
        rows.into_iter()
            .map(|row| {
                let candidates: String = row.get(2);
                Ok(StoredVote {
                    seqno: row.get(0),
                    party_id: row.get::<Option<i64>, _>(1).map(PartyId),
                    candidate_ids: serde_json::from_str(&candidates)
                        .map_err(|_| Error::Corrupt("candidate_ids of a stored vote"))?,
                    token: row.get(3),
                    election_id: row.get(4),
                    signed_json: row.get(5),
                    chain_head: row.get(6),
                })
            })
            .collect()
    }

    /// Sequence numbers at or below `up_to` the server has not confirmed yet.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn pending_up_to(&self, up_to: i64) -> Result<Vec<i64>> {
        sqlx::query_scalar(
            "SELECT seqno FROM votes WHERE sync_status = 'pending' AND seqno <= ? ORDER BY seqno",
        )
        .bind(up_to)
        .fetch_all(&self.reader)
        .await
        .map_err(Error::Database)
    }

    /// Records the server's verdicts in one transaction.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn record_outcomes(&self, outcomes: &[(i64, SyncOutcome)]) -> Result<()> {
        let at = now();
        let mut tx = self.writer.begin().await.map_err(Error::Database)?;
        for (seqno, outcome) in outcomes {
            let (status, message) = match outcome {
                SyncOutcome::Accepted => ("accepted", None),
                SyncOutcome::Rejected(message) => ("rejected", Some(message.as_str())),
            };
            sqlx::query(
                "UPDATE votes SET sync_status = ?, sync_message = ?, synced_at = ? WHERE seqno = ?",
            )
            .bind(status)
            .bind(message)
            .bind(&at)
            .bind(seqno)
            .execute(&mut *tx)
            .await
            .map_err(Error::Database)?;
        }
        tx.commit().await.map_err(Error::Database)?;
        Ok(())
    }

    /// Counts for `/statistics`.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn sync_counts(&self) -> Result<SyncCounts> {
        let row = sqlx::query(
            "SELECT COUNT(*),
                    COALESCE(SUM(sync_status <> 'pending'), 0),
                    COALESCE(SUM(sync_status = 'rejected'), 0)
             FROM votes",
        )
        .fetch_one(&self.reader)
        .await
        .map_err(Error::Database)?;
        Ok(SyncCounts {
            all: row.get(0),
            synchronized: row.get(1),
            rejected: row.get(2),
        })
    }

    /// Votes the server recorded as rejected: `(seqno, reason)`.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn rejected_votes(&self) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT seqno, COALESCE(sync_message, '') FROM votes
             WHERE sync_status = 'rejected' ORDER BY seqno",
        )
        .fetch_all(&self.reader)
        .await
        .map_err(Error::Database)?;
        Ok(rows
            .into_iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect())
    }

    /// Votes per party id (`None` = blank), not counting votes the server rejected.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn votes_per_party(&self) -> Result<Vec<(Option<i64>, i64)>> {
        let rows = sqlx::query(
            "SELECT party_id, COUNT(*) FROM votes WHERE sync_status <> 'rejected' GROUP BY party_id",
        )
        .fetch_all(&self.reader)
        .await
        .map_err(Error::Database)?;
        Ok(rows
            .into_iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect())
    }

    // ---- commission paper -----------------------------------------------------------

    /// Stores (replaces) the rendered zápisnica.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn store_paper(&self, pdf: &[u8], sha256: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO commission_paper (id, pdf, sha256, generated_at) VALUES (1, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET pdf = excluded.pdf, sha256 = excluded.sha256,
                 generated_at = excluded.generated_at, sent_at = NULL",
        )
        .bind(pdf)
        .bind(sha256)
        .bind(now())
        .execute(&self.writer)
        .await
        .map_err(Error::Database)?;
        Ok(())
    }

    /// The stored zápisnica and its SHA-256 (hex).
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn paper(&self) -> Result<Option<(Vec<u8>, String)>> {
        let row = sqlx::query("SELECT pdf, sha256 FROM commission_paper WHERE id = 1")
            .fetch_optional(&self.reader)
            .await
            .map_err(Error::Database)?;
        Ok(row.map(|row| (row.get(0), row.get(1))))
    }

    /// Records that the server stored the zápisnica.
    ///
    /// # Errors
    /// [`Error::Database`].
    pub async fn paper_sent(&self) -> Result<()> {
        sqlx::query("UPDATE commission_paper SET sent_at = ? WHERE id = 1")
            .bind(now())
            .execute(&self.writer)
            .await
            .map_err(Error::Database)?;
        Ok(())
    }
}

async fn last_vote(
    tx: &mut Transaction<'_, Sqlite>,
    genesis: &ChainHead,
) -> Result<(i64, ChainHead)> {
    let row = sqlx::query("SELECT seqno, chain_head FROM votes ORDER BY seqno DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await
        .map_err(Error::Database)?;
    match row {
        None => Ok((0, *genesis)),
        Some(row) => {
            let head: String = row.get(1);
            let head: ChainHead = head
                .parse()
                .map_err(|_| Error::Corrupt("stored chain head"))?;
            Ok((row.get(0), head))
        }
    }
}

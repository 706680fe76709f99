//! The SQL both databases run, through sqlx's `Any` driver.
//!
//! Integers are `BIGINT` (booleans too, as 0/1) so that the `Any` driver reads them the
//! same way from both databases; candidate lists are JSON text.

use sqlx::{AnyConnection, AnyPool, Executor, Row};
use zeroize::Zeroizing;

use super::{
    FeedEntry, LoggedBallot, LoggedPage, Result, StoreError, StoredKeys, StoredPaper,
    StoredVerdict, SyncRow, VoteRow,
};

/// A write, run inside a transaction of its own or a savepoint of a group commit.
#[derive(Debug)]
#[non_exhaustive]
pub enum WriteOp {
    /// A batch of the vote log, and the polling place's sync state advanced with it.
    Batch(BatchWrite),
    /// Close a polling place: its accepted ballots enter the feed in a fresh random order.
    Close(CloseWrite),
    /// Store a commission paper.
    Paper(StoredPaper),
    /// Set a setting.
    SetSetting {
        /// Name.
        key: String,
        /// Value.
        value: String,
    },
    /// Store a setting unless present; answers the stored value.
    SettingIfAbsent {
        /// Name.
        key: String,
        /// Value used when absent.
        value: String,
    },
    /// Store an admin's password hash.
    SetAdmin {
        /// User name.
        username: String,
        /// Argon2 PHC string.
        password_hash: String,
    },
    /// Store a polling place's keys unless present; record the gateway key either way.
    Enroll(StoredKeys),
}

/// What a write answers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteReply {
    /// Written.
    Done,
    /// A stored text.
    Text(String),
    /// A batch is in the log at this position (see the `log_head` table).
    Logged {
        /// The batch's log position.
        position: i64,
    },
    /// The close: feed positions given to the polling place's ballots (`first..=last`,
    /// empty when `first > last`).
    Closed {
        /// First feed seqno.
        first: i64,
        /// Last feed seqno.
        last: i64,
    },
}

/// A batch for the vote log.
#[derive(Debug, Clone)]
pub struct BatchWrite {
    /// The polling place.
    pub polling_place_id: i64,
    /// The rows, in order.
    pub rows: Vec<VoteRow>,
    /// With sync fields: the state the batch continues and the state after it.
    pub sync: Option<SyncAdvance>,
}

/// A sync state step: stored only if the state still is `from_last_seqno`.
#[derive(Debug, Clone)]
pub struct SyncAdvance {
    /// The last seqno the batch follows.
    pub from_last_seqno: i64,
    /// The last seqno after it.
    pub last_seqno: i64,
    /// The chain after it.
    pub chain_head: String,
}

/// The close of a polling place.
#[derive(Debug, Clone)]
pub struct CloseWrite {
    /// The polling place.
    pub polling_place_id: i64,
    /// Its last seqno (must equal the stored one).
    pub last_seqno: i64,
    /// Its chain head (must equal the stored one).
    pub chain_head: String,
    /// When the gateway closed it (as the gateway wrote it).
    pub closed_at: String,
}

fn bool_int(value: bool) -> i64 {
    i64::from(value)
}

fn ids_json(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

fn ids_from_json(text: &str) -> Result<Vec<i64>> {
    serde_json::from_str(text)
        .map_err(|error| StoreError::Setup(format!("stored candidate list is not JSON: {error}")))
}

fn conflict_on_unique(error: sqlx::Error, what: &'static str) -> StoreError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Database(error),
    }
}

/// The transaction of a group of writes and the log positions it hands out (migration
/// 0002): the head is read once when the transaction starts, each batch takes the next
/// position, and the last one taken is written back with the commit.
///
/// The read is an `UPDATE` of the single `log_head` row, so on PostgreSQL the row stays
/// locked until the transaction ends and groups (of this or another server instance)
/// commit in position order. It must come before any savepoint: a lock taken inside a
/// savepoint that is rolled back would be released with it.
///
/// Start and end are one round trip each: the statements go together as text without
/// parameters (SQLite runs them in turn, PostgreSQL's simple query protocol too), the
/// position written back being an integer this type counted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LogPositions {
    head: i64,
    taken: bool,
}

impl LogPositions {
    /// Runs `begin` (`BEGIN` or `BEGIN IMMEDIATE`), then locks and reads the log head.
    pub(crate) async fn begin(conn: &mut AnyConnection, begin: &str) -> Result<Self> {
        let text = format!(
            "{begin}; UPDATE log_head SET position = position WHERE id = 1 RETURNING position"
        );
        // All rows, not one: SQLite would stop after the first statement's result.
        let rows = conn.fetch_all(sqlx::raw_sql(&text)).await?;
        let head: i64 = rows.first().ok_or(sqlx::Error::RowNotFound)?.try_get(0)?;
        Ok(Self { head, taken: false })
    }

    /// The next position.
    fn next(&mut self) -> i64 {
        self.head += 1;
        self.taken = true;
        self.head
    }

    /// Writes back the last position taken, if one was, and commits.
    pub(crate) async fn commit(&self, conn: &mut AnyConnection) -> Result<()> {
        let text = if self.taken {
            format!(
                "UPDATE log_head SET position = {} WHERE id = 1; COMMIT",
                self.head
            )
        } else {
            "COMMIT".to_owned()
        };
        conn.execute(sqlx::raw_sql(&text)).await?;
        Ok(())
    }
}

/// Runs `op` on `conn`, which is inside a transaction (or savepoint) the caller
/// commits or rolls back; a batch takes its log position from `positions`.
pub(crate) async fn apply(
    conn: &mut AnyConnection,
    op: &WriteOp,
    positions: &mut LogPositions,
) -> Result<WriteReply> {
    match op {
        WriteOp::Batch(batch) => apply_batch(conn, batch, positions).await,
        WriteOp::Close(close) => apply_close(conn, close).await,
        WriteOp::Paper(paper) => {
            sqlx::query(
                "INSERT INTO commission_papers (polling_place_id, received_at, sha256, data, encrypted_message, encrypted_object) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(paper.polling_place_id)
            .bind(now_rfc3339())
            .bind(&paper.sha256)
            .bind(&paper.data)
            .bind(&paper.encrypted_message)
            .bind(&paper.encrypted_object)
            .execute(&mut *conn)
            .await?;
            Ok(WriteReply::Done)
        }
        WriteOp::SetSetting { key, value } => {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(value)
                .execute(&mut *conn)
                .await?;
            Ok(WriteReply::Done)
        }
        WriteOp::SettingIfAbsent { key, value } => {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(value)
            .execute(&mut *conn)
            .await?;
            let stored: String = sqlx::query("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_one(&mut *conn)
                .await?
                .try_get(0)?;
            Ok(WriteReply::Text(stored))
        }
        WriteOp::SetAdmin {
            username,
            password_hash,
        } => {
            sqlx::query("INSERT INTO admins (username, password_hash) VALUES ($1, $2) ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash")
                .bind(username)
                .bind(password_hash)
                .execute(&mut *conn)
                .await?;
            Ok(WriteReply::Done)
        }
        WriteOp::Enroll(keys) => {
            sqlx::query("INSERT INTO polling_place_keys (polling_place_id, server_private_key_pem, server_public_key_pem, gateway_public_key_pem) VALUES ($1, $2, $3, $4) ON CONFLICT (polling_place_id) DO NOTHING")
                .bind(keys.polling_place_id)
                .bind(keys.server_private_key_pem.as_str())
                .bind(&keys.server_public_key_pem)
                .bind(&keys.gateway_public_key_pem)
                .execute(&mut *conn)
                .await?;
            sqlx::query("UPDATE polling_place_keys SET gateway_public_key_pem = $1 WHERE polling_place_id = $2")
                .bind(&keys.gateway_public_key_pem)
                .bind(keys.polling_place_id)
                .execute(&mut *conn)
                .await?;
            Ok(WriteReply::Done)
        }
    }
}

async fn closed(conn: &mut AnyConnection, polling_place_id: i64) -> Result<bool> {
    let row = sqlx::query("SELECT closed FROM sync_state WHERE polling_place_id = $1")
        .bind(polling_place_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(row) => row.try_get::<i64, _>(0)? != 0,
        None => false,
    })
}

/// Two statements for a batch with sync fields (the sync state advanced, the rows
/// inserted), since every statement is a round trip; the reads that tell one refusal
/// from another run only once the sync state did not move.
async fn apply_batch(
    conn: &mut AnyConnection,
    batch: &BatchWrite,
    positions: &mut LogPositions,
) -> Result<WriteReply> {
    match &batch.sync {
        Some(sync) => advance_sync_state(conn, batch.polling_place_id, sync).await?,
        None => {
            if closed(conn, batch.polling_place_id).await? {
                return Err(StoreError::Conflict("Polling place is closed"));
            }
        }
    }
    let position = positions.next();
    let rows: Vec<(&VoteRow, i64)> = batch.rows.iter().map(|row| (row, position)).collect();
    insert_rows(conn, &rows).await?;
    Ok(WriteReply::Logged { position })
}

/// A batch that continues its polling place's stored sync state.
pub(crate) struct Continuing<'a> {
    batch: &'a BatchWrite,
    sync: &'a SyncAdvance,
}

/// The writes as batches for [`apply_continuing_batches`], if they all are: each
/// continues a stored sync state (sync fields, not a polling place's first batch), one
/// a polling place.
pub(crate) fn continuing<'a>(ops: &[&'a WriteOp]) -> Option<Vec<Continuing<'a>>> {
    let mut places = std::collections::HashSet::new();
    ops.iter()
        .map(|op| match op {
            WriteOp::Batch(batch) => batch
                .sync
                .as_ref()
                .filter(|sync| sync.from_last_seqno > 0 && places.insert(batch.polling_place_id))
                .map(|sync| Continuing { batch, sync }),
            _ => None,
        })
        .collect()
}

/// Writes batches that each continue a stored sync state (see [`continuing`]) in two
/// statements whatever their number: one update of all their sync states, one insert
/// of all their rows (more only past [`ROWS_PER_INSERT`] rows). A state that is not
/// where its batch continues it (closed, moved on) fails the whole call; the caller
/// then judges the batches one by one.
pub(crate) async fn apply_continuing_batches(
    conn: &mut AnyConnection,
    batches: &[Continuing<'_>],
    positions: &mut LogPositions,
) -> Result<Vec<WriteReply>> {
    let style = Placeholders::of(conn);
    let text = format!(
        "UPDATE sync_state SET last_seqno = v.column3, chain_head = v.column4 FROM (VALUES {}) AS v WHERE sync_state.polling_place_id = v.column1 AND sync_state.last_seqno = v.column2 AND sync_state.closed = 0",
        style.rows(
            batches.len(),
            &[
                "CAST({} AS BIGINT)",
                "CAST({} AS BIGINT)",
                "CAST({} AS BIGINT)",
                "CAST({} AS TEXT)"
            ]
        )
    );
    let mut query = sqlx::query(&text);
    for Continuing { batch, sync } in batches {
        query = query
            .bind(batch.polling_place_id)
            .bind(sync.from_last_seqno)
            .bind(sync.last_seqno)
            .bind(&sync.chain_head);
    }
    let updated = query.execute(&mut *conn).await?.rows_affected();
    if updated != batches.len() as u64 {
        return Err(StoreError::Conflict("Out of sequence"));
    }
    let mut replies = Vec::with_capacity(batches.len());
    let mut rows = Vec::new();
    for Continuing { batch, .. } in batches {
        let position = positions.next();
        rows.extend(batch.rows.iter().map(|row| (row, position)));
        replies.push(WriteReply::Logged { position });
    }
    insert_rows(conn, &rows).await?;
    Ok(replies)
}

/// Most vote rows one `INSERT` carries (10 parameters each; SQLite takes 32 766
/// parameters a statement, PostgreSQL 65 535).
const ROWS_PER_INSERT: usize = 500;

/// Inserts vote rows, each with its batch's log position.
async fn insert_rows(conn: &mut AnyConnection, rows: &[(&VoteRow, i64)]) -> Result<()> {
    let style = Placeholders::of(conn);
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let text = format!(
            "INSERT INTO votes (polling_place_id, seqno, chain, accepted, reason, token, party_id, candidate_ids, election_id, log_position) VALUES {}",
            style.rows(chunk.len(), &["{}"; 10])
        );
        let mut query = sqlx::query(&text);
        for (row, position) in chunk {
            query = query
                .bind(row.polling_place_id)
                .bind(row.seqno)
                .bind(row.chain.clone())
                .bind(bool_int(row.accepted))
                .bind(row.reason.clone())
                .bind(row.token.clone())
                .bind(row.party_id)
                .bind(ids_json(&row.candidate_ids))
                .bind(row.election_id.clone())
                .bind(*position);
        }
        query.execute(&mut *conn).await.map_err(|error| {
            conflict_on_unique(error, "Duplicate combination of token and polling place id")
        })?;
    }
    Ok(())
}

/// How a statement names its parameters. PostgreSQL needs `$N`. SQLite takes `?` in
/// order: sqlx looks the name of every parameter up, and SQLite finds a `$N` name by
/// walking the statement's list of names, which made binding a 100-row insert cost
/// more than running it.
#[derive(Debug, Clone, Copy)]
enum Placeholders {
    Numbered,
    InOrder,
}

impl Placeholders {
    fn of(conn: &AnyConnection) -> Self {
        if conn.backend_name().eq_ignore_ascii_case("sqlite") {
            Self::InOrder
        } else {
            Self::Numbered
        }
    }

    /// `count` rows of `(…)`, one parameter a column, each written into its column's
    /// pattern at `{}` (e.g. a cast).
    fn rows(self, count: usize, columns: &[&str]) -> String {
        let mut text = String::new();
        let mut number = 0;
        for row in 0..count {
            if row > 0 {
                text.push_str(", ");
            }
            text.push('(');
            for (index, pattern) in columns.iter().enumerate() {
                if index > 0 {
                    text.push_str(", ");
                }
                number += 1;
                let parameter = match self {
                    Self::Numbered => format!("${number}"),
                    Self::InOrder => "?".to_owned(),
                };
                text.push_str(&pattern.replace("{}", &parameter));
            }
            text.push(')');
        }
        text
    }
}

/// Moves the polling place's sync state from `sync.from_last_seqno` on, or refuses
/// with nothing written: closed, or the state is not the one the batch continues.
async fn advance_sync_state(
    conn: &mut AnyConnection,
    polling_place_id: i64,
    sync: &SyncAdvance,
) -> Result<()> {
    let updated = sqlx::query(
        "UPDATE sync_state SET last_seqno = $1, chain_head = $2 WHERE polling_place_id = $3 AND last_seqno = $4 AND closed = 0",
    )
    .bind(sync.last_seqno)
    .bind(&sync.chain_head)
    .bind(polling_place_id)
    .bind(sync.from_last_seqno)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if updated == 1 {
        return Ok(());
    }
    if closed(conn, polling_place_id).await? {
        return Err(StoreError::Conflict("Polling place is closed"));
    }
    // The first batch of a polling place creates its sync state.
    let inserted = if sync.from_last_seqno == 0 {
        sqlx::query(
            "INSERT INTO sync_state (polling_place_id, last_seqno, chain_head, closed) VALUES ($1, $2, $3, 0) ON CONFLICT (polling_place_id) DO NOTHING",
        )
        .bind(polling_place_id)
        .bind(sync.last_seqno)
        .bind(&sync.chain_head)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    } else {
        0
    };
    if inserted == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict("Out of sequence"))
    }
}

async fn apply_close(conn: &mut AnyConnection, close: &CloseWrite) -> Result<WriteReply> {
    let state = sqlx::query(
        "SELECT last_seqno, chain_head, closed FROM sync_state WHERE polling_place_id = $1",
    )
    .bind(close.polling_place_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (last_seqno, chain_head, is_closed) = match state {
        Some(row) => (
            row.try_get::<i64, _>(0)?,
            row.try_get::<String, _>(1)?,
            row.try_get::<i64, _>(2)? != 0,
        ),
        None => (0, String::new(), false),
    };
    if is_closed {
        return Err(StoreError::Conflict("Polling place is closed"));
    }
    if last_seqno != close.last_seqno || (last_seqno != 0 && chain_head != close.chain_head) {
        return Err(StoreError::Conflict("Out of sequence"));
    }
    let updated = sqlx::query("UPDATE sync_state SET closed = 1, closed_at = $1, chain_head = $2 WHERE polling_place_id = $3 AND closed = 0")
        .bind(&close.closed_at)
        .bind(&close.chain_head)
        .bind(close.polling_place_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if updated != 1 {
        sqlx::query("INSERT INTO sync_state (polling_place_id, last_seqno, chain_head, closed, closed_at) VALUES ($1, $2, $3, 1, $4)")
            .bind(close.polling_place_id)
            .bind(close.last_seqno)
            .bind(&close.chain_head)
            .bind(&close.closed_at)
            .execute(&mut *conn)
            .await
            .map_err(|error| conflict_on_unique(error, "Polling place is closed"))?;
    }
    let rows = sqlx::query("SELECT party_id, candidate_ids FROM votes WHERE polling_place_id = $1 AND accepted = 1 ORDER BY id")
        .bind(close.polling_place_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut ballots: Vec<(Option<i64>, String)> = rows
        .iter()
        .map(|row| {
            Ok((
                row.try_get::<Option<i64>, _>(0)?,
                row.try_get::<String, _>(1)?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    crate::ingest::shuffle_with_os_rng(&mut ballots)
        .map_err(|error| StoreError::Setup(format!("the OS random generator failed: {error}")))?;
    let feed_last: i64 = sqlx::query("SELECT COALESCE(MAX(seqno), 0) FROM feed")
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let mut seqno = feed_last;
    for chunk in ballots.chunks(200) {
        let text = format!(
            "INSERT INTO feed (seqno, polling_place_id, party_id, candidate_ids) VALUES {}",
            Placeholders::of(conn).rows(chunk.len(), &["{}"; 4])
        );
        let mut query = sqlx::query(&text);
        for (party_id, candidate_ids) in chunk {
            seqno += 1;
            query = query
                .bind(seqno)
                .bind(close.polling_place_id)
                .bind(*party_id)
                .bind(candidate_ids.clone());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(WriteReply::Closed {
        first: feed_last + 1,
        last: seqno,
    })
}

/// The present time in RFC 3339 (UTC, seconds).
pub(crate) fn now_rfc3339() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

pub(crate) async fn setting(pool: &AnyPool, key: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|row| row.try_get(0)).transpose()?)
}

pub(crate) async fn admin_hash(pool: &AnyPool, username: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT password_hash FROM admins WHERE username = $1")
        .bind(username)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|row| row.try_get(0)).transpose()?)
}

pub(crate) async fn has_admin(pool: &AnyPool) -> Result<bool> {
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM admins")
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    Ok(count > 0)
}

fn keys_of(row: &sqlx::any::AnyRow) -> Result<StoredKeys> {
    Ok(StoredKeys {
        polling_place_id: row.try_get(0)?,
        server_private_key_pem: Zeroizing::new(row.try_get(1)?),
        server_public_key_pem: row.try_get(2)?,
        gateway_public_key_pem: row.try_get(3)?,
    })
}

const KEY_COLUMNS: &str = "SELECT polling_place_id, server_private_key_pem, server_public_key_pem, gateway_public_key_pem FROM polling_place_keys";

pub(crate) async fn keys(pool: &AnyPool, polling_place_id: i64) -> Result<Option<StoredKeys>> {
    let row = sqlx::query(&format!("{KEY_COLUMNS} WHERE polling_place_id = $1"))
        .bind(polling_place_id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(keys_of).transpose()
}

pub(crate) async fn all_keys(pool: &AnyPool) -> Result<Vec<StoredKeys>> {
    let rows = sqlx::query(&format!("{KEY_COLUMNS} ORDER BY polling_place_id"))
        .fetch_all(pool)
        .await?;
    rows.iter().map(keys_of).collect()
}

pub(crate) async fn sync_states(pool: &AnyPool) -> Result<Vec<SyncRow>> {
    let rows = sqlx::query("SELECT polling_place_id, last_seqno, chain_head, closed FROM sync_state ORDER BY polling_place_id")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(SyncRow {
                polling_place_id: row.try_get(0)?,
                last_seqno: row.try_get(1)?,
                chain_head: row.try_get(2)?,
                closed: row.try_get::<i64, _>(3)? != 0,
            })
        })
        .collect()
}

/// The log position of the last committed batch (0 before the first).
pub(crate) async fn log_head(pool: &AnyPool) -> Result<i64> {
    Ok(sqlx::query("SELECT position FROM log_head WHERE id = 1")
        .fetch_one(pool)
        .await?
        .try_get(0)?)
}

/// PostgreSQL only (see [`super::Store::analyze_log_without_statistics`]).
pub(crate) async fn analyze_log_without_statistics(pool: &AnyPool) -> Result<bool> {
    let has_statistics = sqlx::query(
        "SELECT 1 FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'votes' LIMIT 1",
    )
    .fetch_optional(pool)
    .await?
    .is_some();
    let empty = sqlx::query("SELECT 1 FROM votes LIMIT 1")
        .fetch_optional(pool)
        .await?
        .is_none();
    if has_statistics || empty {
        return Ok(false);
    }
    match sqlx::query("ANALYZE votes").execute(pool).await {
        Ok(_) => Ok(true),
        Err(error) => {
            tracing::warn!(%error, "the vote log has no statistics and ANALYZE was refused: the first page reads may be slow");
            Ok(false)
        }
    }
}

/// One page of the log's accepted ballots as a single row: the count and every ballot
/// as text, `log_position,id,polling_place_id,party_id,[candidates],token` (party empty
/// for blank; `%` and `;` of the token written `%25` and `%3B`), joined by `;`. The
/// ballots are exactly the first `$4` accepted rows after `($1, $2)` up to position
/// `$3` in `(log_position, id)` order, the rows one row each would be.
///
/// Reading the log a row at a time costs far more in the driver (a row object, its
/// values and their allocations, and for SQLite a hand-off from the connection's
/// thread, for every row) than the database spends finding the rows; one aggregated
/// row per page makes that cost per page. `string_agg`, `||`, `CAST`, `replace` and
/// `COALESCE` mean the same in PostgreSQL and in SQLite (3.44 or later; sqlx bundles
/// 3.46), so the text is shared like every other query.
///
/// The aggregate has no `ORDER BY` of its own: both databases hand it the subquery's
/// rows in the subquery's order, and an ordered aggregate costs SQLite a temporary
/// B-tree per page (a fifth of the read). Which rows form the page does not depend on
/// that: the subquery's `ORDER BY … LIMIT` chooses them. [`parse_logged_page`] checks
/// the order and sorts a page that came otherwise, so the page's last ballot is its
/// greatest `(log_position, id)` whatever the database did.
const LOGGED_PAGE: &str = "SELECT COUNT(*), COALESCE(string_agg(CAST(log_position AS TEXT) || ',' || CAST(id AS TEXT) || ',' || CAST(polling_place_id AS TEXT) || ',' || COALESCE(CAST(party_id AS TEXT), '') || ',' || candidate_ids || ',' || replace(replace(COALESCE(token, ''), '%', '%25'), ';', '%3B'), ';'), '') FROM (SELECT log_position, id, polling_place_id, token, party_id, candidate_ids FROM votes WHERE accepted = 1 AND (log_position, id) > ($1, $2) AND log_position <= $3 ORDER BY log_position, id LIMIT $4) AS page";

pub(crate) async fn logged_page(
    pool: &AnyPool,
    after: (i64, i64),
    up_to_position: i64,
    limit: i64,
) -> Result<LoggedPage> {
    let row = sqlx::query(LOGGED_PAGE)
        .bind(after.0)
        .bind(after.1)
        .bind(up_to_position)
        .bind(limit)
        .fetch_one(pool)
        .await?;
    let count: i64 = row.try_get(0)?;
    let text: String = row.try_get(1)?;
    parse_logged_page(count, &text)
}

fn page_error(what: &str, record: &str) -> StoreError {
    let shown: String = record.chars().take(200).collect();
    StoreError::Setup(format!("stored vote log: {what} in {shown:?}"))
}

/// Parses [`LOGGED_PAGE`]'s text of `count` ballots.
fn parse_logged_page(count: i64, text: &str) -> Result<LoggedPage> {
    let expected = usize::try_from(count).map_err(|_| page_error("a negative count", ""))?;
    let mut page = LoggedPage::with_capacity(expected, text.len());
    if expected == 0 {
        return if text.is_empty() {
            Ok(page)
        } else {
            Err(page_error("ballots beyond the count", text))
        };
    }
    let mut candidates = Vec::new();
    let mut unescaped = String::new();
    for record in text.split(';') {
        let mut rest = record;
        let mut field = || -> Result<&str> {
            let (field, after) = rest
                .split_once(',')
                .ok_or_else(|| page_error("a missing field", record))?;
            rest = after;
            Ok(field)
        };
        let integer = |text: &str| -> Result<i64> {
            text.parse()
                .map_err(|_| page_error("a field that is not an integer", record))
        };
        let log_position = integer(field()?)?;
        let id = integer(field()?)?;
        let polling_place_id = integer(field()?)?;
        let party = field()?;
        let party_id = if party.is_empty() {
            None
        } else {
            Some(integer(party)?)
        };
        // The candidate list (JSON integers: no `]` inside), then the token.
        let (list, after) = rest
            .split_once("],")
            .ok_or_else(|| page_error("a candidate list without its end", record))?;
        let list = list
            .trim_start()
            .strip_prefix('[')
            .ok_or_else(|| page_error("a candidate list that is not a list", record))?;
        candidates.clear();
        if !list.trim().is_empty() {
            for candidate in list.split(',') {
                candidates.push(integer(candidate.trim())?);
            }
        }
        let token = if after.contains('%') {
            unescaped.clear();
            let mut pieces = after.split('%');
            unescaped.push_str(pieces.next().unwrap_or_default());
            for piece in pieces {
                match piece.get(..2) {
                    Some("25") => unescaped.push('%'),
                    Some("3B") => unescaped.push(';'),
                    _ => return Err(page_error("a token escape that is not %25 or %3B", record)),
                }
                unescaped.push_str(&piece[2..]);
            }
            unescaped.as_str()
        } else {
            after
        };
        page.push(LoggedBallot {
            log_position,
            id,
            polling_place_id,
            token,
            party_id,
            candidate_ids: &candidates,
        });
    }
    if page.len() != expected {
        return Err(StoreError::Setup(format!(
            "stored vote log: a page of {expected} ballots read as {}",
            page.len()
        )));
    }
    Ok(page.into_log_order())
}

pub(crate) async fn sync_state(pool: &AnyPool, polling_place_id: i64) -> Result<Option<SyncRow>> {
    let row = sqlx::query("SELECT polling_place_id, last_seqno, chain_head, closed FROM sync_state WHERE polling_place_id = $1")
        .bind(polling_place_id)
        .fetch_optional(pool)
        .await?;
    row.map(|row| {
        Ok(SyncRow {
            polling_place_id: row.try_get(0)?,
            last_seqno: row.try_get(1)?,
            chain_head: row.try_get(2)?,
            closed: row.try_get::<i64, _>(3)? != 0,
        })
    })
    .transpose()
}

pub(crate) async fn chain_at(
    pool: &AnyPool,
    polling_place_id: i64,
    seqno: i64,
) -> Result<Option<String>> {
    let row = sqlx::query("SELECT chain FROM votes WHERE polling_place_id = $1 AND seqno = $2")
        .bind(polling_place_id)
        .bind(seqno)
        .fetch_optional(pool)
        .await?;
    Ok(row
        .map(|row| row.try_get::<Option<String>, _>(0))
        .transpose()?
        .flatten())
}

pub(crate) async fn verdicts(
    pool: &AnyPool,
    polling_place_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<StoredVerdict>> {
    let rows = sqlx::query("SELECT seqno, accepted, reason FROM votes WHERE polling_place_id = $1 AND seqno >= $2 AND seqno <= $3 ORDER BY seqno")
        .bind(polling_place_id)
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(StoredVerdict {
                seqno: row.try_get(0)?,
                accepted: row.try_get::<i64, _>(1)? != 0,
                reason: row.try_get(2)?,
            })
        })
        .collect()
}

pub(crate) async fn vote_log(pool: &AnyPool) -> Result<Vec<VoteRow>> {
    let rows = sqlx::query("SELECT polling_place_id, seqno, chain, accepted, reason, token, party_id, candidate_ids, election_id FROM votes ORDER BY id")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(VoteRow {
                polling_place_id: row.try_get(0)?,
                seqno: row.try_get(1)?,
                chain: row.try_get(2)?,
                accepted: row.try_get::<i64, _>(3)? != 0,
                reason: row.try_get(4)?,
                token: row.try_get(5)?,
                party_id: row.try_get(6)?,
                candidate_ids: ids_from_json(&row.try_get::<String, _>(7)?)?,
                election_id: row.try_get(8)?,
            })
        })
        .collect()
}

pub(crate) async fn feed_last_seqno(pool: &AnyPool) -> Result<i64> {
    Ok(sqlx::query("SELECT COALESCE(MAX(seqno), 0) FROM feed")
        .fetch_one(pool)
        .await?
        .try_get(0)?)
}

pub(crate) async fn feed_batch(pool: &AnyPool, from: i64, limit: i64) -> Result<Vec<FeedEntry>> {
    let rows = sqlx::query("SELECT seqno, polling_place_id, party_id, candidate_ids FROM feed WHERE seqno >= $1 ORDER BY seqno LIMIT $2")
        .bind(from)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(FeedEntry {
                seqno: row.try_get(0)?,
                polling_place_id: row.try_get(1)?,
                party_id: row.try_get(2)?,
                candidate_ids: ids_from_json(&row.try_get::<String, _>(3)?)?,
            })
        })
        .collect()
}

pub(crate) async fn papers(pool: &AnyPool, polling_place_id: i64) -> Result<Vec<StoredPaper>> {
    let rows = sqlx::query("SELECT polling_place_id, sha256, data, encrypted_message, encrypted_object FROM commission_papers WHERE polling_place_id = $1 ORDER BY id")
        .bind(polling_place_id)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(StoredPaper {
                polling_place_id: row.try_get(0)?,
                sha256: row.try_get(1)?,
                data: row.try_get(2)?,
                encrypted_message: row.try_get(3)?,
                encrypted_object: row.try_get(4)?,
            })
        })
        .collect()
}

pub(crate) async fn sqlite_integrity_check(pool: &AnyPool) -> Result<String> {
    Ok(sqlx::query("PRAGMA integrity_check")
        .fetch_one(pool)
        .await?
        .try_get(0)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ballot owned: position, id, polling place, token, party, candidates.
    type Owned = (i64, i64, i64, String, Option<i64>, Vec<i64>);

    fn ballots(page: &LoggedPage) -> Vec<Owned> {
        page.iter()
            .map(|b| {
                (
                    b.log_position,
                    b.id,
                    b.polling_place_id,
                    b.token.to_owned(),
                    b.party_id,
                    b.candidate_ids.to_vec(),
                )
            })
            .collect()
    }

    #[test]
    fn a_page_parses_with_escaped_tokens_blank_votes_and_empty_lists() {
        let text = "1,7,100,4,[1075,1076],t-1;1,8,100,,[],;2,3,200,11,[ 5 , 6 ],a%3Bb%25c,],d;2,9,200,11,[],%253B";
        let page = parse_logged_page(4, text).unwrap();
        assert_eq!(
            ballots(&page),
            vec![
                (1, 7, 100, "t-1".into(), Some(4), vec![1075, 1076]),
                (1, 8, 100, String::new(), None, vec![]),
                (2, 3, 200, "a;b%c,],d".into(), Some(11), vec![5, 6]),
                (2, 9, 200, "%3B".into(), Some(11), vec![]),
            ]
        );
        assert_eq!(page.last(), Some((2, 9)));
    }

    #[test]
    fn an_empty_page_is_empty() {
        let page = parse_logged_page(0, "").unwrap();
        assert!(page.is_empty());
        assert_eq!(page.last(), None);
    }

    #[test]
    fn a_page_out_of_order_is_sorted_by_position_and_id() {
        let page = parse_logged_page(3, "2,1,5,,[],c;1,9,5,3,[4],b;1,2,6,3,[],a").unwrap();
        let order: Vec<_> = page
            .iter()
            .map(|b| (b.log_position, b.id, b.token))
            .collect();
        assert_eq!(order, vec![(1, 2, "a"), (1, 9, "b"), (2, 1, "c")]);
        assert_eq!(page.last(), Some((2, 1)));
    }

    #[test]
    fn a_page_that_does_not_parse_is_an_error() {
        for (count, text) in [
            (1, "1,2,3,,[],t;1,3,3,,[],u"),
            (3, "1,2,3,,[],t;1,3,3,,[],u"),
            (0, "1,2,3,,[],t"),
            (-1, ""),
            (1, "1,2,3,,[],t%41"),
            (1, "1,2,3,,[],t%"),
            (1, "1,x,3,,[],t"),
            (1, "1,2,3,blank,[],t"),
            (1, "1,2,3,,[1;2],t"),
            (1, "1,2,3,,1,t"),
            (1, "1,2,3,,[a],t"),
            (1, "1,2,3"),
        ] {
            let outcome = parse_logged_page(count, text);
            assert!(
                matches!(outcome, Err(StoreError::Setup(_))),
                "{count} {text:?}: {outcome:?}"
            );
        }
    }
}

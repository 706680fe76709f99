//! SQLite: one writer task with group commit, a pool of WAL readers.

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, AnyPool, Connection, Executor, Row};
use tokio::sync::{Mutex, mpsc, oneshot};

use super::sql::{self, WriteOp, WriteReply};
use super::{Result, Storage, StoreError};

/// Most writes committed together (one fsync).
const GROUP_LIMIT: usize = 64;

type Job = (WriteOp, oneshot::Sender<Result<WriteReply>>);

/// SQLite storage: the writer task and the readers.
pub struct SqliteStorage {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    writer: Mutex<Option<tokio::task::JoinHandle<()>>>,
    readers: AnyPool,
}

/// Settings every connection gets. `synchronous=FULL`: a commit is on disk (WAL
/// fsynced) before it is acknowledged, so nothing acknowledged is lost on a crash or a
/// power cut.
const PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;";

impl SqliteStorage {
    /// Opens (creating with mode 0600: it holds private keys) the database file at
    /// `path`, migrates it, checks WAL and `synchronous=FULL`, and starts the writer.
    ///
    /// # Errors
    /// [`StoreError`] when any of that fails.
    pub async fn open(path: &Path) -> Result<Self> {
        create_private_file(path)?;
        let url = format!("sqlite://{}", path.display());
        let mut writer = AnyConnection::connect(&url).await?;
        writer.execute(PRAGMAS).await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&mut writer)
            .await?;
        check_settings(&mut writer).await?;
        let readers = AnyPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(PRAGMAS).await?;
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        for suffix in ["-wal", "-shm"] {
            let mut companion = path.as_os_str().to_owned();
            companion.push(suffix);
            restrict_mode(Path::new(&companion))?;
        }
        let (jobs, receiver) = mpsc::channel::<Job>(1024);
        let writer = tokio::spawn(write_loop(writer, receiver));
        Ok(Self {
            jobs: Mutex::new(Some(jobs)),
            writer: Mutex::new(Some(writer)),
            readers,
        })
    }
}

/// Creates the file with mode 0600 when missing, and makes an existing one 0600.
fn create_private_file(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map_err(|error| StoreError::Setup(format!("cannot create {}: {error}", path.display())))?;
    restrict_mode(path)
}

fn restrict_mode(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(
                |error| {
                    StoreError::Setup(format!(
                        "cannot set mode 0600 on {}: {error}",
                        path.display()
                    ))
                },
            )?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Checks that the writer runs in WAL mode with `synchronous=FULL` (2).
async fn check_settings(conn: &mut AnyConnection) -> Result<()> {
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Setup(format!(
            "SQLite journal_mode is {mode}, not wal"
        )));
    }
    let synchronous: i64 = sqlx::query("PRAGMA synchronous")
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    if synchronous != 2 {
        return Err(StoreError::Setup(format!(
            "SQLite synchronous is {synchronous}, not 2 (FULL)"
        )));
    }
    Ok(())
}

/// The writer: takes the queued writes (at most [`GROUP_LIMIT`]), runs each in its own
/// savepoint of one transaction, commits once, then answers them all.
async fn write_loop(mut conn: AnyConnection, mut jobs: mpsc::Receiver<Job>) {
    while let Some(first) = jobs.recv().await {
        let mut group = vec![first];
        while group.len() < GROUP_LIMIT {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let results = run_group(&mut conn, &group).await;
        for ((_, reply), result) in group.into_iter().zip(results) {
            // The requester may have gone (a client that hung up): nothing to answer.
            let _ = reply.send(result);
        }
    }
    let _ = conn.close().await;
}

/// One group commit: each result is final (durable or refused).
async fn run_group(conn: &mut AnyConnection, group: &[Job]) -> Vec<Result<WriteReply>> {
    if let Err(error) = conn.execute("BEGIN IMMEDIATE").await {
        return group.iter().map(|_| Err(copy_error(&error))).collect();
    }
    let mut results = Vec::with_capacity(group.len());
    for (op, _) in group {
        let result = match conn.execute("SAVEPOINT write").await {
            Ok(_) => {
                let result = sql::apply(conn, op).await;
                let end = if result.is_ok() {
                    conn.execute("RELEASE write").await
                } else {
                    match conn.execute("ROLLBACK TO write").await {
                        Ok(_) => conn.execute("RELEASE write").await,
                        Err(error) => Err(error),
                    }
                };
                match end {
                    Ok(_) => result,
                    Err(error) => {
                        // The transaction is in an unknown state: give up the whole group.
                        let _ = conn.execute("ROLLBACK").await;
                        return group.iter().map(|_| Err(copy_error(&error))).collect();
                    }
                }
            }
            Err(error) => Err(StoreError::Database(error)),
        };
        results.push(result);
    }
    #[cfg(feature = "crash-points")]
    if group.iter().any(|(op, _)| matches!(op, WriteOp::Batch(_))) {
        crate::ingest::crash_point("before-commit");
    }
    if let Err(error) = conn.execute("COMMIT").await {
        let _ = conn.execute("ROLLBACK").await;
        return group.iter().map(|_| Err(copy_error(&error))).collect();
    }
    results
}

fn copy_error(error: &sqlx::Error) -> StoreError {
    StoreError::Setup(format!("SQLite transaction failed: {error}"))
}

#[async_trait]
impl Storage for SqliteStorage {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    async fn write(&self, op: WriteOp) -> Result<WriteReply> {
        let sender = self
            .jobs
            .lock()
            .await
            .clone()
            .ok_or(StoreError::WriterStopped)?;
        let (reply, answer) = oneshot::channel();
        sender
            .send((op, reply))
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }

    fn readers(&self) -> &AnyPool {
        &self.readers
    }

    async fn shutdown(&self) {
        // Dropping the sender lets the writer finish what is queued and stop.
        self.jobs.lock().await.take();
        if let Some(writer) = self.writer.lock().await.take() {
            let _ = writer.await;
        }
        self.readers.close().await;
    }
}

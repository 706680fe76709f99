//! SQLite: the group writer on the only writing connection, a pool of WAL readers.

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, AnyPool, Connection, Executor, Row};

use super::group::{Connections, GroupWriter};
use super::sql::{WriteOp, WriteReply};
use super::{Result, Storage, StoreError};

/// SQLite storage: the writer and the readers.
pub struct SqliteStorage {
    writer: GroupWriter,
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
        Ok(Self {
            writer: GroupWriter::start(Connections::Dedicated(writer), "BEGIN IMMEDIATE"),
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

#[async_trait]
impl Storage for SqliteStorage {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    async fn write(&self, op: WriteOp) -> Result<WriteReply> {
        self.writer.write(op).await
    }

    fn announce_write(&self) -> super::WriteAnnouncement {
        self.writer.announce()
    }

    fn readers(&self) -> &AnyPool {
        &self.readers
    }

    async fn shutdown(&self) {
        self.writer.shutdown().await;
        self.readers.close().await;
    }
}

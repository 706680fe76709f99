//! SQLite: the group writer on the only writing connection, a pool of WAL readers.

use std::path::Path;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, Connection, Executor, Row};

use super::group::{Connections, GroupWriter};
use super::{Database, Result, StoreError};

/// Settings every connection gets. `synchronous=FULL`: a commit is on disk (WAL
/// fsynced) before it is acknowledged, so nothing acknowledged is lost on a crash or a
/// power cut.
const PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;";

/// Opens (creating with mode 0600: it holds private keys) the database file at
/// `path`, migrates it, checks WAL and `synchronous=FULL`, and starts the writer.
///
/// # Errors
/// [`StoreError`] when any of that fails.
pub(super) async fn open(path: &Path) -> Result<Database> {
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
    Ok(Database {
        kind: "sqlite",
        writer: GroupWriter::start(Connections::Dedicated(writer), "BEGIN IMMEDIATE"),
        readers,
    })
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

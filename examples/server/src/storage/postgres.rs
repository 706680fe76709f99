//! PostgreSQL: the group writer on a connection of the pool, reads on the pool.

use std::time::Duration;

use sqlx::any::AnyPoolOptions;

use super::group::{Connections, GroupWriter};
use super::{Database, Result};

/// Connects to `url`, migrates the database and starts the writer.
///
/// # Errors
/// When the database cannot be reached or migrated.
pub(super) async fn open(url: &str) -> Result<Database> {
    let pool = AnyPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(30))
        .connect(url)
        .await?;
    sqlx::migrate!("./migrations/postgres").run(&pool).await?;
    Ok(Database {
        kind: "postgres",
        writer: GroupWriter::start(Connections::pool(pool.clone()), "BEGIN"),
        readers: pool,
    })
}

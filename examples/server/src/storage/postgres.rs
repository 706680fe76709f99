//! PostgreSQL: the group writer on a connection of the pool, reads on the pool.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

use super::group::{Connections, GroupWriter};
use super::sql::{WriteOp, WriteReply};
use super::{Result, Storage};

/// PostgreSQL storage.
pub struct PostgresStorage {
    writer: GroupWriter,
    pool: AnyPool,
}

impl PostgresStorage {
    /// Connects to `url` and migrates the database.
    ///
    /// # Errors
    /// When the database cannot be reached or migrated.
    pub async fn open(url: &str) -> Result<Self> {
        let pool = AnyPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self {
            writer: GroupWriter::start(Connections::pool(pool.clone()), "BEGIN"),
            pool,
        })
    }
}

#[async_trait]
impl Storage for PostgresStorage {
    fn kind(&self) -> &'static str {
        "postgres"
    }

    async fn write(&self, op: WriteOp) -> Result<WriteReply> {
        self.writer.write(op).await
    }

    fn announce_write(&self) -> super::WriteAnnouncement {
        self.writer.announce()
    }

    fn readers(&self) -> &AnyPool {
        &self.pool
    }

    async fn shutdown(&self) {
        self.writer.shutdown().await;
        self.pool.close().await;
    }
}

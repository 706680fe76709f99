//! PostgreSQL: a pool, one transaction per write.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Connection};

use super::sql::{self, WriteOp, WriteReply};
use super::{Result, Storage};

/// PostgreSQL storage.
pub struct PostgresStorage {
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
        Ok(Self { pool })
    }
}

#[async_trait]
impl Storage for PostgresStorage {
    fn kind(&self) -> &'static str {
        "postgres"
    }

    async fn write(&self, op: WriteOp) -> Result<WriteReply> {
        let mut conn = self.pool.acquire().await?;
        let mut transaction = conn.begin().await?;
        let reply = sql::apply(&mut transaction, &op).await?;
        #[cfg(feature = "crash-points")]
        if matches!(op, WriteOp::Batch(_)) {
            crate::ingest::crash_point("before-commit");
        }
        transaction.commit().await?;
        Ok(reply)
    }

    fn readers(&self) -> &AnyPool {
        &self.pool
    }

    async fn shutdown(&self) {
        self.pool.close().await;
    }
}

//! Group commit, for both databases: one writer task takes the writes queued (at most
//! [`GROUP_LIMIT`]) and commits them in one transaction, then answers them all.
//!
//! Why one writer, on PostgreSQL too: a batch's write takes the next log position by
//! locking the single `log_head` row until it commits (migration 0002), so batches
//! written in transactions of their own commit one after another, each waiting for the
//! previous one's flush. Committing the queued batches together makes that one flush
//! (and one lock) for the group, and the positions stay in commit order. Several server
//! instances on one PostgreSQL still serialise on the row, now a group at a time.
//!
//! Why two paths: every statement is a round trip to another thread (sqlx's SQLite
//! worker) or process (the PostgreSQL backend), and every round trip wakes a thread,
//! which costs more than the statement on a busy 2-core machine. So a group is first
//! run as it should go: the log head is read with the transaction's start and written
//! back with its commit; a group of batches that each continue their polling place's
//! sync state (the usual case) is two more statements however many batches it holds
//! (all the sync states advanced, all the rows inserted); any other group is two
//! statements a batch with sync fields. Only when some write fails (a conflict another
//! instance caused, a (token, polling place) already stored, a database error) is the
//! group rolled back and run again with each write in a savepoint of its own, so that
//! the failing write is refused and the others still commit. Either way each answer
//! is final: durable, or refused with nothing written.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor};
use tokio::sync::{Mutex, mpsc, oneshot};

use super::sql::{self, LogPositions, WriteOp, WriteReply};
use super::{Result, StoreError};

/// Most writes committed together.
pub(super) const GROUP_LIMIT: usize = 64;

/// Longest a group waits for announced writes (see [`WriteAnnouncement`]) before it
/// commits. Every group costs a flush and four round trips however many batches it
/// holds; under load a batch is opened every millisecond or two, so waiting up to
/// this long lets a group take the next one, and adds at most this much to a batch's
/// answer. A group waits only while some write is announced: a lone gateway's batch
/// is committed at once.
const GROUP_WAIT: Duration = Duration::from_millis(2);

/// A write on its way: a batch being opened and judged, whose write will follow. While
/// one is held, a group that is about to commit waits a little for it (up to
/// 2 ms, `GROUP_WAIT`), as PostgreSQL's `commit_delay` does when `commit_siblings` other
/// transactions are running. Dropping it withdraws the announcement; drop it before
/// the write is queued, or the group would wait for the write it already holds.
#[derive(Debug)]
pub struct WriteAnnouncement {
    announced: Arc<AtomicUsize>,
}

impl Drop for WriteAnnouncement {
    fn drop(&mut self) {
        self.announced.fetch_sub(1, Ordering::AcqRel);
    }
}

type Job = (WriteOp, oneshot::Sender<Result<WriteReply>>);

/// Where the writer's connection comes from.
pub(super) enum Connections {
    /// SQLite: the only writing connection, owned by the writer for its lifetime.
    Dedicated(AnyConnection),
    /// PostgreSQL: a connection taken from the pool and kept (its prepared
    /// statements and the backend's caches stay warm), given back and replaced after a
    /// group whose transaction failed as a whole, so a lost connection is replaced.
    Pool {
        /// Where connections come from.
        pool: AnyPool,
        /// The connection in use.
        held: Option<PoolConnection<Any>>,
    },
}

impl Connections {
    /// Connections from `pool`, one kept at a time.
    pub(super) fn pool(pool: AnyPool) -> Self {
        Self::Pool { pool, held: None }
    }
}

/// A group's transaction failed as a whole: nothing of it was committed, and the
/// connection may be broken.
struct GroupFailed(String);

impl<E: std::fmt::Display> From<E> for GroupFailed {
    fn from(error: E) -> Self {
        Self(error.to_string())
    }
}

/// The writer task and the queue to it.
pub(super) struct GroupWriter {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    announced: Arc<AtomicUsize>,
}

impl GroupWriter {
    /// Starts the writer. `begin` opens a group's transaction (`BEGIN IMMEDIATE` for
    /// SQLite, which takes the write lock at once; `BEGIN` for PostgreSQL).
    pub(super) fn start(connections: Connections, begin: &'static str) -> Self {
        let (jobs, receiver) = mpsc::channel::<Job>(1024);
        let announced = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(write_loop(
            connections,
            begin,
            receiver,
            Arc::clone(&announced),
        ));
        Self {
            jobs: Mutex::new(Some(jobs)),
            task: Mutex::new(Some(task)),
            announced,
        }
    }

    /// Announces a write that will follow (see [`WriteAnnouncement`]).
    pub(super) fn announce(&self) -> WriteAnnouncement {
        self.announced.fetch_add(1, Ordering::AcqRel);
        WriteAnnouncement {
            announced: Arc::clone(&self.announced),
        }
    }

    /// Queues `op`; the answer comes once it is durable (or refused).
    pub(super) async fn write(&self, op: WriteOp) -> Result<WriteReply> {
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

    /// Stops taking writes, finishes those queued and waits for the writer to end.
    pub(super) async fn shutdown(&self) {
        // Dropping the sender lets the writer finish what is queued and stop.
        self.jobs.lock().await.take();
        if let Some(task) = self.task.lock().await.take() {
            let _ = task.await;
        }
    }
}

async fn write_loop(
    mut connections: Connections,
    begin: &'static str,
    mut jobs: mpsc::Receiver<Job>,
    announced: Arc<AtomicUsize>,
) {
    while let Some(first) = jobs.recv().await {
        let mut group = vec![first];
        let deadline = tokio::time::Instant::now() + GROUP_WAIT;
        loop {
            while group.len() < GROUP_LIMIT {
                match jobs.try_recv() {
                    Ok(job) => group.push(job),
                    Err(_) => break,
                }
            }
            if group.len() >= GROUP_LIMIT || announced.load(Ordering::Acquire) == 0 {
                break;
            }
            match tokio::time::timeout_at(deadline, jobs.recv()).await {
                Ok(Some(job)) => group.push(job),
                // the deadline, or the server stopping: commit what there is
                Ok(None) | Err(_) => break,
            }
        }
        let ops: Vec<&WriteOp> = group.iter().map(|(op, _)| op).collect();
        let outcome = match &mut connections {
            Connections::Dedicated(connection) => run_group(connection, begin, &ops).await,
            Connections::Pool { pool, held } => {
                let connection = match held.take() {
                    Some(connection) => Ok(connection),
                    None => pool.acquire().await,
                };
                match connection {
                    Ok(mut connection) => {
                        let outcome = run_group(&mut connection, begin, &ops).await;
                        if outcome.is_ok() {
                            *held = Some(connection);
                        }
                        outcome
                    }
                    Err(error) => Err(GroupFailed::from(error)),
                }
            }
        };
        let results = outcome.unwrap_or_else(|GroupFailed(error)| fail_all(&ops, &error));
        for ((_, reply), result) in group.into_iter().zip(results) {
            // The requester may have gone (a client that hung up): nothing to answer.
            let _ = reply.send(result);
        }
    }
    if let Connections::Dedicated(connection) = connections {
        let _ = connection.close().await;
    }
}

/// One group: the straight run, and the run with savepoints when that fails.
async fn run_group(
    connection: &mut AnyConnection,
    begin: &str,
    ops: &[&WriteOp],
) -> Result<Vec<Result<WriteReply>>, GroupFailed> {
    match straight(connection, begin, ops).await {
        Ok(results) => Ok(results),
        Err(_) => {
            // Nothing of the straight run was committed; each write is judged alone.
            let _ = connection.execute("ROLLBACK").await;
            with_savepoints(connection, begin, ops).await
        }
    }
}

/// Writes back the log head and commits, after the test crash point.
async fn commit_group(
    connection: &mut AnyConnection,
    ops: &[&WriteOp],
    positions: &LogPositions,
) -> Result<()> {
    #[cfg(feature = "crash-points")]
    if ops.iter().any(|op| matches!(op, WriteOp::Batch(_))) {
        crate::ingest::crash_point("before-commit");
    }
    #[cfg(not(feature = "crash-points"))]
    let _ = ops;
    positions.commit(connection).await
}

/// Every write in one transaction, no savepoints; the first failure fails the run.
async fn straight(
    connection: &mut AnyConnection,
    begin: &str,
    ops: &[&WriteOp],
) -> Result<Vec<Result<WriteReply>>> {
    let mut positions = LogPositions::begin(connection, begin).await?;
    let mut results = Vec::with_capacity(ops.len());
    match sql::continuing(ops) {
        Some(batches) => {
            let replies =
                sql::apply_continuing_batches(connection, &batches, &mut positions).await?;
            results.extend(replies.into_iter().map(Ok));
        }
        None => {
            for op in ops {
                results.push(Ok(sql::apply(connection, op, &mut positions).await?));
            }
        }
    }
    commit_group(connection, ops, &positions).await?;
    Ok(results)
}

/// Every write in a savepoint of its own: a failing write is refused alone.
async fn with_savepoints(
    connection: &mut AnyConnection,
    begin: &str,
    ops: &[&WriteOp],
) -> Result<Vec<Result<WriteReply>>, GroupFailed> {
    let outcome = savepoint_each(connection, begin, ops).await;
    if outcome.is_err() {
        let _ = connection.execute("ROLLBACK").await;
    }
    outcome
}

async fn savepoint_each(
    connection: &mut AnyConnection,
    begin: &str,
    ops: &[&WriteOp],
) -> Result<Vec<Result<WriteReply>>, GroupFailed> {
    let mut positions = LogPositions::begin(connection, begin).await?;
    let mut results = Vec::with_capacity(ops.len());
    for op in ops {
        connection.execute("SAVEPOINT write").await?;
        let before = positions;
        let result = sql::apply(connection, op, &mut positions).await;
        if result.is_ok() {
            connection.execute("RELEASE write").await?;
        } else {
            // A refused write gives its position back.
            positions = before;
            connection.execute("ROLLBACK TO write").await?;
            connection.execute("RELEASE write").await?;
        }
        results.push(result);
    }
    commit_group(connection, ops, &positions).await?;
    Ok(results)
}

/// Every write of the group refused with the same error: nothing of it was committed.
fn fail_all(ops: &[&WriteOp], error: &dyn std::fmt::Display) -> Vec<Result<WriteReply>> {
    ops.iter()
        .map(|_| {
            Err(StoreError::Setup(format!(
                "the database transaction failed: {error}"
            )))
        })
        .collect()
}

//! Synchronization with the server (spec 41 §2) and the polling place's close (§3).
//!
//! One run: ask the server what it holds from this polling place
//! (`GET /elections/sync-state`), check that its chain head at its `last_seqno` is the
//! gateway's own chain at that number, fetch the verdicts of votes whose answer was lost
//! (resending a batch at or below `last_seqno` is answered as the first time and stores
//! nothing), then send every further vote in batches of [`BATCH_SIZE`] sealed to the
//! server key of this polling place and signed by the gateway key, each batch carrying
//! `first_seqno` and `chain_head`, with `?mode=verdicts` so a bad vote is recorded with
//! its reason and never blocks the ones behind it. After `POST /end`, once the server
//! has every vote, the gateway closes the polling place.
//!
//! Runs start at start-up, every `--sync-interval`, after `/end` and on
//! `POST /synchronize`; a failed run is retried with capped exponential backoff and
//! full jitter. Nothing is lost or counted twice whatever fails in between: the server
//! advances `last_seqno` and the chain in the transaction that stores the votes, and the
//! gateway only ever sends what comes after the server's `last_seqno`.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine;
use electie_core::python_json::{self, Object, Value as PyValue};
use electie_crypto::{AesKeyLength, Backend, Sealed, Sealer};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::chain::ChainHead;
use crate::config::GatewayConfig;
use crate::http::ApiError;
use crate::store::{StoredVote, Switch, SyncOutcome, keys};

/// Votes per batch.
pub const BATCH_SIZE: i64 = 200;
/// First retry delay after a failed run.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// How often one run re-reads the server's state after `Out of sequence`.
const OUT_OF_SEQUENCE_RETRIES: u32 = 5;

/// Why a run did not finish.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No configuration yet.
    #[error("no configuration yet")]
    NoConfig,
    /// The server could not be reached or answered garbage.
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// The server answered with an unexpected status.
    #[error("server answered HTTP {status}: {body}")]
    Server {
        /// The HTTP status.
        status: u16,
        /// Its body.
        body: String,
    },
    /// The server's record disagrees with the gateway's: never resolved automatically.
    #[error("the server's record disagrees with this gateway's: {0}")]
    Diverged(String),
    /// The server kept answering `Out of sequence`.
    #[error("the server keeps answering Out of sequence")]
    OutOfSequence,
    /// The gateway's own storage or keys failed.
    #[error("gateway: {0}")]
    Local(#[from] crate::error::Error),
}

/// Capped exponential backoff with full jitter: the n-th delay is uniform in
/// `[d/2, d]` with `d = min(cap, FIRST_BACKOFF · 2ⁿ)`.
#[derive(Debug)]
pub struct Backoff {
    attempt: u32,
    cap: Duration,
}

impl Backoff {
    /// A backoff capped at `cap`.
    pub fn new(cap: Duration) -> Backoff {
        Backoff { attempt: 0, cap }
    }

    /// The next delay.
    pub fn next_delay(&mut self) -> Duration {
        let exponential = FIRST_BACKOFF.saturating_mul(1u32 << self.attempt.min(20));
        self.attempt = self.attempt.saturating_add(1);
        let ceiling = exponential.min(self.cap).max(Duration::from_millis(1));
        let fraction =
            0.5 + 0.5 * f64::from(crate::random::u32().unwrap_or(u32::MAX)) / f64::from(u32::MAX);
        ceiling.mul_f64(fraction)
    }

    /// After a success.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// What `/statistics` shows about the runs.
#[derive(Debug, Clone, Default)]
pub struct SyncStatus {
    /// When the last run ended.
    pub last_attempt: Option<String>,
    /// When the last successful run ended.
    pub last_success: Option<String>,
    /// Why the last run failed, when it did.
    pub last_error: Option<String>,
}

type Waiter = oneshot::Sender<()>;

/// The handle routes use to start runs and read their status.
#[derive(Debug)]
pub struct SyncHandle {
    requests: mpsc::UnboundedSender<Option<Waiter>>,
    receiver: Mutex<Option<mpsc::UnboundedReceiver<Option<Waiter>>>>,
    running: AtomicBool,
    status: Mutex<SyncStatus>,
}

impl Default for SyncHandle {
    fn default() -> Self {
        Self::new()
    }
}

impl SyncHandle {
    /// A handle whose loop is started by [`spawn`].
    pub fn new() -> SyncHandle {
        let (requests, receiver) = mpsc::unbounded_channel();
        SyncHandle {
            requests,
            receiver: Mutex::new(Some(receiver)),
            running: AtomicBool::new(false),
            status: Mutex::new(SyncStatus::default()),
        }
    }

    /// Asks for a run as soon as possible (also cuts a backoff wait short).
    pub fn trigger(&self) {
        let _ = self.requests.send(None);
    }

    /// Starts a run now and waits for it to end; `false` (at once) when a run is
    /// already going on.
    pub async fn run_now(&self) -> bool {
        if self.running.load(Ordering::SeqCst) {
            return false;
        }
        let (done, wait) = oneshot::channel();
        if self.requests.send(Some(done)).is_err() {
            return true;
        }
        let _ = wait.await;
        true
    }

    /// The status of the runs.
    pub fn status(&self) -> SyncStatus {
        self.status
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

/// Starts the loop; send `true` on the returned channel to stop it.
pub fn spawn(state: Arc<AppState>) -> (watch::Sender<bool>, JoinHandle<()>) {
    let (stop, mut stopped) = watch::channel(false);
    let receiver = state
        .sync
        .receiver
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take();
    let task = tokio::spawn(async move {
        let Some(mut receiver) = receiver else {
            return;
        };
        let mut backoff = Backoff::new(state.sync_interval);
        let mut delay = Duration::ZERO;
        loop {
            let mut waiters = Vec::new();
            tokio::select! {
                _ = stopped.changed() => return,
                request = receiver.recv() => {
                    match request {
                        None => return,
                        Some(waiter) => waiters.extend(waiter),
                    }
                }
                () = tokio::time::sleep(delay) => {}
            }
            while let Ok(request) = receiver.try_recv() {
                waiters.extend(request);
            }
            state.sync.running.store(true, Ordering::SeqCst);
            let result = tokio::select! {
                _ = stopped.changed() => return,
                result = run_once(&state) => result,
            };
            state.sync.running.store(false, Ordering::SeqCst);
            let now = crate::time::now_iso();
            {
                let mut status = state
                    .sync
                    .status
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                status.last_attempt = Some(now.clone());
                match &result {
                    Ok(()) => {
                        status.last_success = Some(now);
                        status.last_error = None;
                    }
                    Err(error) => status.last_error = Some(error.to_string()),
                }
            }
            delay = match result {
                Ok(()) => {
                    backoff.reset();
                    state.sync_interval
                }
                Err(SyncError::NoConfig) => state.sync_interval.min(Duration::from_secs(1)),
                Err(error) => {
                    let wait = backoff.next_delay();
                    tracing::warn!(%error, retry_in = ?wait, "synchronization failed");
                    wait
                }
            };
            for waiter in waiters {
                let _ = waiter.send(());
            }
        }
    });
    (stop, task)
}

/// The server's `sync-state` answer.
#[derive(Debug, Deserialize)]
struct ServerState {
    last_seqno: i64,
    chain_head: ChainHead,
    #[serde(default)]
    closed: bool,
}

/// One verdict of `?mode=verdicts`.
#[derive(Debug, Deserialize)]
struct VerdictJson {
    #[serde(default)]
    seqno: Option<i64>,
    accepted: bool,
    #[serde(default)]
    message: Option<String>,
}

enum BatchAnswer {
    Verdicts(Vec<(i64, SyncOutcome)>),
    OutOfSequence,
    Closed,
}

fn unreachable(error: impl std::fmt::Display) -> SyncError {
    SyncError::Unreachable(error.to_string())
}

async fn server_state(state: &AppState) -> Result<ServerState, SyncError> {
    let url = format!(
        "{}/elections/sync-state?polling_place_id={}",
        state.server_url, state.polling_place_id
    );
    let response = state.http.get(&url).send().await.map_err(unreachable)?;
    let status = response.status();
    let body = response.text().await.map_err(unreachable)?;
    if !status.is_success() {
        return Err(SyncError::Server {
            status: status.as_u16(),
            body,
        });
    }
    serde_json::from_str(&body).map_err(|error| unreachable(format!("sync-state: {error}: {body}")))
}

fn sealer(state: &AppState, config: &GatewayConfig) -> Sealer {
    Sealer::with_backend(&state.gateway_key, &config.server_key, Backend::AwsLc)
        .unwrap_or_else(|_| Sealer::new(&state.gateway_key, &config.server_key))
}

fn sealed_json(sealed: &Sealed) -> Value {
    json!({
        "encrypted_message": sealed.encrypted_message,
        "encrypted_object": sealed.encrypted_object,
    })
}

/// Seals stored votes exactly as they were signed into the chain (`m1` re-parsed, so
/// the signed bytes are the stored ones).
async fn seal_votes(
    state: &AppState,
    config: &GatewayConfig,
    votes: Vec<StoredVote>,
) -> Result<Vec<Value>, SyncError> {
    let sealer = sealer(state, config);
    tokio::task::spawn_blocking(move || {
        let mut rng = electie_crypto::system_rng();
        votes
            .iter()
            .map(|vote| {
                let value = python_json::loads(&vote.signed_json)
                    .map_err(|_| crate::error::Error::Corrupt("signed vote JSON"))?;
                let sealed = sealer.seal_value(&value, AesKeyLength::Aes256, &mut rng)?;
                Ok(sealed_json(&sealed))
            })
            .collect::<Result<Vec<_>, crate::error::Error>>()
    })
    .await
    .map_err(|error| SyncError::Local(crate::error::Error::Random(error.to_string())))?
    .map_err(SyncError::Local)
}

/// Sends votes `from..=to` as one batch.
async fn send_batch(
    state: &AppState,
    config: &GatewayConfig,
    from: i64,
    to: i64,
) -> Result<BatchAnswer, SyncError> {
    let votes = state.store.votes_between(from, to).await?;
    let Some(last) = votes.last() else {
        return Ok(BatchAnswer::Verdicts(Vec::new()));
    };
    let chain_head = last.chain_head.clone();
    let count = i64::try_from(votes.len()).unwrap_or(i64::MAX);
    if votes.first().map(|vote| vote.seqno) != Some(from) || count != to - from + 1 {
        return Err(SyncError::Local(crate::error::Error::Corrupt(
            "a gap in the local sequence numbers",
        )));
    }
    let sealed = seal_votes(state, config, votes).await?;
    let body = json!({
        "polling_place_id": state.polling_place_id,
        "votes": sealed,
        "first_seqno": from,
        "chain_head": chain_head,
    });
    let url = format!("{}/elections/vote?mode=verdicts", state.server_url);
    #[cfg(feature = "crash-points")]
    crate::crash_points::crash_point("sync-before-send");
    let response = state
        .http
        .post(&url)
        .json(&body)
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status();
    let text = response.text().await.map_err(unreachable)?;
    let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    match status.as_u16() {
        // A 200 whose body did not arrive whole counts as a lost answer: the batch is
        // sent again and the server repeats its verdicts.
        200 if answer.is_null() => Err(unreachable(format!("unreadable answer: {text}"))),
        200 => {
            let outcomes = verdicts(&answer, from, to)?;
            #[cfg(feature = "crash-points")]
            crate::crash_points::crash_point("sync-after-answer");
            Ok(BatchAnswer::Verdicts(outcomes))
        }
        409 => {
            let message = answer
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if message == "Polling place is closed" {
                Ok(BatchAnswer::Closed)
            } else {
                Ok(BatchAnswer::OutOfSequence)
            }
        }
        code => Err(SyncError::Server {
            status: code,
            body: text,
        }),
    }
}

/// The verdicts of a 200 answer: a list, or an object holding one under `verdicts`; a
/// compatibility-mode answer (`Vote was successfully precessed`) accepts every vote.
fn verdicts(answer: &Value, from: i64, to: i64) -> Result<Vec<(i64, SyncOutcome)>, SyncError> {
    let list = match answer {
        Value::Array(_) => Some(answer),
        Value::Object(object) => object.get("verdicts"),
        _ => None,
    };
    let Some(list) = list else {
        return Ok((from..=to)
            .map(|seqno| (seqno, SyncOutcome::Accepted))
            .collect());
    };
    let parsed: Vec<VerdictJson> = serde_json::from_value(list.clone())
        .map_err(|error| unreachable(format!("verdicts: {error}")))?;
    let mut outcomes = Vec::with_capacity(parsed.len());
    for (index, verdict) in parsed.into_iter().enumerate() {
        let seqno = verdict
            .seqno
            .unwrap_or(from + i64::try_from(index).unwrap_or(i64::MAX));
        if !(from..=to).contains(&seqno) {
            return Err(unreachable(format!(
                "verdict for seqno {seqno} outside {from}..={to}"
            )));
        }
        let outcome = if verdict.accepted {
            SyncOutcome::Accepted
        } else {
            SyncOutcome::Rejected(verdict.message.unwrap_or_default())
        };
        outcomes.push((seqno, outcome));
    }
    Ok(outcomes)
}

/// Contiguous runs of sequence numbers, each at most [`BATCH_SIZE`] long.
fn ranges(seqnos: &[i64]) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    for &seqno in seqnos {
        match out.last_mut() {
            Some((start, end)) if *end + 1 == seqno && seqno - *start < BATCH_SIZE => *end = seqno,
            _ => out.push((seqno, seqno)),
        }
    }
    out
}

/// Checks the server's record against the gateway's and returns the server's
/// `last_seqno`.
async fn agree(
    state: &AppState,
    config: &GatewayConfig,
    server: &ServerState,
    local_last: i64,
) -> Result<i64, SyncError> {
    if server.last_seqno > local_last || server.last_seqno < 0 {
        return Err(SyncError::Diverged(format!(
            "the server has {} votes of this polling place, this gateway only {local_last}",
            server.last_seqno
        )));
    }
    let local_head = if server.last_seqno == 0 {
        config.genesis
    } else {
        state
            .store
            .chain_at(server.last_seqno)
            .await?
            .and_then(|text| text.parse().ok())
            .ok_or(crate::error::Error::Corrupt("stored chain head"))?
    };
    if local_head != server.chain_head {
        return Err(SyncError::Diverged(format!(
            "at seqno {} the server's chain is {}, this gateway's {local_head}",
            server.last_seqno, server.chain_head
        )));
    }
    Ok(server.last_seqno)
}

/// One synchronization run.
///
/// # Errors
/// Why it stopped; the next run starts over from the server's state.
pub async fn run_once(state: &AppState) -> Result<(), SyncError> {
    let config = state.config().ok_or(SyncError::NoConfig)?;
    let mut retries = 0;
    'run: loop {
        let server = server_state(state).await?;
        let (local_last, local_head) = state.store.chain_state(&config.genesis).await?;
        let mut confirmed = agree(state, &config, &server, local_last).await?;

        // Votes the server holds whose answer never arrived: the same batch again is
        // answered as the first time, with its verdicts, and stores nothing.
        let lost = state.store.pending_up_to(confirmed).await?;
        for (from, to) in ranges(&lost) {
            match send_batch(state, &config, from, to).await? {
                BatchAnswer::Verdicts(outcomes) => state.store.record_outcomes(&outcomes).await?,
                BatchAnswer::Closed | BatchAnswer::OutOfSequence => {
                    // The server holds these votes (they are below its last_seqno) but
                    // will not repeat its verdicts: they count as delivered.
                    let outcomes: Vec<_> = (from..=to)
                        .map(|seqno| (seqno, SyncOutcome::Accepted))
                        .collect();
                    state.store.record_outcomes(&outcomes).await?;
                }
            }
        }

        while confirmed < local_last && !server.closed {
            let to = (confirmed + BATCH_SIZE).min(local_last);
            match send_batch(state, &config, confirmed + 1, to).await? {
                BatchAnswer::Verdicts(outcomes) => {
                    state.store.record_outcomes(&outcomes).await?;
                    confirmed = to;
                }
                BatchAnswer::OutOfSequence => {
                    retries += 1;
                    if retries > OUT_OF_SEQUENCE_RETRIES {
                        return Err(SyncError::OutOfSequence);
                    }
                    continue 'run;
                }
                BatchAnswer::Closed => {
                    return Err(SyncError::Diverged(format!(
                        "the server closed this polling place at seqno {confirmed}, this gateway has {local_last} votes"
                    )));
                }
            }
        }

        if server.closed {
            if state.store.meta(keys::CLOSED).await?.is_none() {
                let record = json!({
                    "last_seqno": server.last_seqno,
                    "chain_head": server.chain_head,
                    "closed_at": crate::time::now_iso(),
                });
                state
                    .store
                    .set_meta(keys::CLOSED, &record.to_string())
                    .await?;
            }
            return Ok(());
        }
        if confirmed == local_last {
            #[cfg(feature = "crash-points")]
            crate::crash_points::pause_point("sync-before-close").await;
            close_if_ended(state, &config, local_last, &local_head).await?;
        }
        return Ok(());
    }
}

/// Closes the polling place once the election has ended here and the server has every
/// vote (§3).
async fn close_if_ended(
    state: &AppState,
    config: &GatewayConfig,
    last_seqno: i64,
    chain_head: &ChainHead,
) -> Result<(), SyncError> {
    let _guard = state.lifecycle.lock().await;
    if state.store.meta(keys::CLOSED).await?.is_some()
        || state.store.switch(Switch::Election).await?
    {
        return Ok(());
    }
    let ended = state
        .store
        .events()
        .await?
        .iter()
        .any(|(action, _)| action == "elections_stopped");
    if !ended {
        return Ok(());
    }
    // `last_seqno` was read before this run sent its batches; a vote stored after that
    // and before the election ended is not among them. Votes can no longer be stored
    // (the election has ended, and the vote's transaction checks that), so the chain
    // read now is final: close only when it is what the server confirmed, otherwise
    // the next run sends the rest first.
    let (stored_last, _) = state.store.chain_state(&config.genesis).await?;
    if stored_last != last_seqno {
        state.sync.trigger();
        return Ok(());
    }
    let closed_at = crate::time::now_iso();
    let mut plaintext = Object::new();
    plaintext.insert("polling_place_id".into(), state.polling_place_id.into());
    plaintext.insert("last_seqno".into(), last_seqno.into());
    plaintext.insert("chain_head".into(), chain_head.to_string().into());
    plaintext.insert("closed_at".into(), closed_at.as_str().into());
    let sealed = seal_object(state, config, plaintext).await?;
    let url = format!(
        "{}/elections/polling-places/{}/close",
        state.server_url, state.polling_place_id
    );
    let response = state
        .http
        .post(&url)
        .json(&sealed_json(&sealed))
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status();
    let text = response.text().await.map_err(unreachable)?;
    if status.is_success() {
        let record = json!({
            "last_seqno": last_seqno,
            "chain_head": chain_head,
            "closed_at": closed_at,
        });
        state
            .store
            .set_meta(keys::CLOSED, &record.to_string())
            .await?;
        tracing::info!(last_seqno, %chain_head, "polling place closed");
        return Ok(());
    }
    Err(SyncError::Server {
        status: status.as_u16(),
        body: text,
    })
}

async fn seal_object(
    state: &AppState,
    config: &GatewayConfig,
    object: Object,
) -> Result<Sealed, SyncError> {
    let sealer = sealer(state, config);
    tokio::task::spawn_blocking(move || {
        sealer.seal_value(
            &PyValue::Object(object),
            AesKeyLength::Aes256,
            &mut electie_crypto::system_rng(),
        )
    })
    .await
    .map_err(|error| SyncError::Local(crate::error::Error::Random(error.to_string())))?
    .map_err(|error| SyncError::Local(error.into()))
}

/// Sends the zápisnica to the server (`POST /database/commission-paper`), sealed with
/// the gateway key: plaintext `{"data": "<base64 PDF>", "sha256": "<hex>"}`.
///
/// # Errors
/// 502 when the server cannot be reached or refuses it.
pub async fn send_paper(
    state: &AppState,
    config: &GatewayConfig,
    pdf: &[u8],
    sha256: &str,
) -> Result<(), ApiError> {
    let mut plaintext = Object::new();
    plaintext.insert(
        "data".into(),
        base64::engine::general_purpose::STANDARD.encode(pdf).into(),
    );
    plaintext.insert("sha256".into(), sha256.into());
    let sealed = seal_object(state, config, plaintext)
        .await
        .map_err(ApiError::internal)?;
    let mut body = sealed_json(&sealed);
    if let Value::Object(object) = &mut body {
        object.insert("polling_place_id".into(), json!(state.polling_place_id));
    }
    let url = format!("{}/database/commission-paper", state.server_url);
    let failed = |detail: String| {
        ApiError::detail(
            axum::http::StatusCode::BAD_GATEWAY,
            format!("The server did not store the commission paper: {detail}"),
        )
    };
    let response = state
        .http
        .post(&url)
        .json(&body)
        .send()
        .await
        .map_err(|error| failed(error.to_string()))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        let text = response.text().await.unwrap_or_default();
        Err(failed(format!("HTTP {status}: {text}")))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ranges_split_at_gaps_and_batch_size() {
        assert_eq!(ranges(&[1, 2, 3, 5, 6, 9]), vec![(1, 3), (5, 6), (9, 9)]);
        let long: Vec<i64> = (1..=BATCH_SIZE + 1).collect();
        assert_eq!(
            ranges(&long),
            vec![(1, BATCH_SIZE), (BATCH_SIZE + 1, BATCH_SIZE + 1)]
        );
        assert!(ranges(&[]).is_empty());
    }

    #[test]
    fn backoff_grows_to_its_cap_with_jitter() {
        let cap = Duration::from_secs(4);
        let mut backoff = Backoff::new(cap);
        let delays: Vec<Duration> = (0..10).map(|_| backoff.next_delay()).collect();
        assert!(delays[0] >= FIRST_BACKOFF / 2 && delays[0] <= FIRST_BACKOFF);
        assert!(delays.iter().all(|delay| *delay <= cap));
        assert!(delays[9] >= cap / 2);
        backoff.reset();
        assert!(backoff.next_delay() <= FIRST_BACKOFF);
    }

    #[test]
    fn verdicts_read_lists_objects_and_compat_answers() {
        let list = json!([{"seqno": 3, "accepted": true}, {"seqno": 4, "accepted": false, "message": "Invalid election id"}]);
        assert_eq!(
            verdicts(&list, 3, 4).unwrap(),
            vec![
                (3, SyncOutcome::Accepted),
                (4, SyncOutcome::Rejected("Invalid election id".into()))
            ]
        );
        let object = json!({"status": "success", "verdicts": [{"accepted": true}]});
        assert_eq!(
            verdicts(&object, 7, 7).unwrap(),
            vec![(7, SyncOutcome::Accepted)]
        );
        let compat = json!({"status": "success", "message": "Vote was successfully precessed"});
        assert_eq!(verdicts(&compat, 1, 2).unwrap().len(), 2);
        let outside = json!([{"seqno": 9, "accepted": true}]);
        assert!(verdicts(&outside, 1, 2).is_err());
    }
}

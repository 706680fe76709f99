//! What the server keeps in memory, rebuilt from storage at start.
//!
//! - the configuration and its lookups (once);
//! - an [`Opener`] per enrolled polling place (keys parsed once, loaded on first use);
//! - per polling place: the sync state and a lock that serializes its batches, so
//!   that the check of rule 9 and the insert of a batch's tokens cannot interleave
//!   with another batch of the same polling place; the state is read again from the
//!   database under the lock for `sync-state`, a close, and a batch that does not
//!   continue it (another server instance on the same database may have moved it);
//! - the tokens stored (rule 9) and the tally: a fold over the accepted votes of the
//!   log.
//!
//! # The fold
//!
//! Every batch is written with a *log position* (storage migration 0002): positions
//! are taken in the batch's own transaction under a row lock, so batches commit in
//! position order and the committed head `H` says that every batch at or below `H` is
//! visible. The fold remembers how far it has counted (a `(position, row id)`
//! cursor). It moves on in two ways, serialized by one lock so that nothing is
//! counted twice:
//!
//! - this instance's own commits are counted from memory right after they commit
//!   (no read back), in position order: a commit whose position is not the next one
//!   waits in `pending` until the positions below are counted;
//! - [`AppState::catch_up`] reads the committed head and counts the log's rows between
//!   the cursor and it, which brings in what other instances committed (and any own
//!   commit still pending). It runs at start (the rebuild), before every results
//!   answer, after a write refused on rule 9 (the token may come from another
//!   instance), and on a short poll.
//!
//! So several instances on one database all answer the same results from the same
//! log, each caught up to the committed head before answering.
//!
//! The log is read a page of rows at a time, each page one aggregated row of the
//! database (see [`Store::logged_page`]), the next page read while the one before is
//! counted. The rebuild counts a fresh tally up to the head read at its start, in
//! which order does not matter: it reads disjoint ranges of positions on several
//! connections at once and sets the cursor to the head when all are counted. The
//! catch-up reads in cursor order.
//!
//! A vote of the log that does not count (it cannot happen: validation accepted it
//! against the same configuration) is a fault: results answer 503 from then on, and
//! the next catch-up rebuilds the tally from the whole log; while the rebuild fails
//! too, results stay 503 with the reason.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use electie_core::{
    CandidateId, ElectionConfig, InMemoryTokenStore, PartyId, PollingPlaceId, TokenStore,
};
use electie_crypto::{Backend, Opener, PrivateKey, PublicKey};
use electie_tally::coalition::CoalitionSizes;
use electie_tally::count::{Ballots, Tally};
use electie_tally::results::ResultsOptions;

use crate::auth::Tokens;
use crate::error::ApiError;
use crate::storage::{LoggedPage, Store, StoreError};

/// Limits and policies chosen on the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Most votes in one batch (more: 413).
    pub max_batch: usize,
    /// Most entries in one feed answer.
    pub feed_batch_size: i64,
    /// Unix time after which the feed answers 410; `None`: never.
    pub feed_until: Option<u64>,
}

/// A polling place's sync state in memory (spec 41 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceState {
    /// The last seqno stored (0 before the first).
    pub last_seqno: i64,
    /// The chain after it (hex).
    pub chain_head: String,
    /// Closed: no more votes, the ballots are in the feed.
    pub closed: bool,
}

/// Everything the handlers share.
pub struct AppState {
    /// The election.
    pub config: Arc<ElectionConfig>,
    /// The seat rules of the published results (see [`crate::results::options`]).
    pub seat_rules: ResultsOptions,
    /// The database.
    pub store: Store,
    /// Limits.
    pub settings: Settings,
    /// Bearer tokens.
    pub tokens: Tokens,
    /// Whether results are public (persisted).
    pub published: AtomicBool,
    /// The pool batches are opened on.
    pub pool: rayon::ThreadPool,
    openers: RwLock<HashMap<i64, Arc<Opener>>>,
    places: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<PlaceState>>>>,
    stored_tokens: Mutex<InMemoryTokenStore>,
    tally: RwLock<Tally>,
    /// Held by whoever moves the fold on (see the module documentation).
    fold: tokio::sync::Mutex<Fold>,
    /// Why the tally cannot be trusted, until a rebuild from the log succeeds.
    fault: Mutex<Option<String>>,
}

/// How far the tally has counted the log.
struct Fold {
    /// Every accepted row up to this `(log_position, id)` is counted, no other; an id
    /// of `i64::MAX` means the whole position is.
    cursor: (i64, i64),
    /// This instance's commits above the cursor, waiting for the positions below.
    pending: BTreeMap<i64, OwnBatch>,
}

/// An own committed batch's accepted votes, as counted.
struct OwnBatch {
    polling_place: PollingPlaceId,
    votes: Ballots,
}

/// Rows read from the log at a time (one aggregated row per page, see
/// [`Store::logged_page`]) when catching up.
const FOLD_PAGE: i64 = 20_000;

/// Before any row: row ids and positions are never negative.
const FOLD_START: (i64, i64) = (-1, i64::MAX);

/// The settings key of the publish flag.
pub const PUBLISHED_KEY: &str = "results_published";

impl AppState {
    /// Loads everything from `store`: the JWT secret (created on first start), the
    /// publish flag, the sync states, and the tally and token store rebuilt from the
    /// vote log.
    ///
    /// # Errors
    /// Storage errors, or an accepted vote in the log that does not fit the
    /// configuration (the wrong configuration for this database).
    pub async fn load(
        config: Arc<ElectionConfig>,
        coalition_sizes: CoalitionSizes,
        store: Store,
        settings: Settings,
        threads: usize,
    ) -> Result<Self, StoreError> {
        let secret = crate::auth::new_secret().map_err(StoreError::Setup)?;
        let secret = store
            .setting_or_insert(crate::auth::JWT_SECRET_KEY, secret)
            .await?;
        let published = store.setting(PUBLISHED_KEY).await?.as_deref() == Some("1");
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|index| format!("open-{index}"))
            .build()
            .map_err(|error| StoreError::Setup(format!("thread pool: {error}")))?;
        let state = Self {
            tally: RwLock::new(Tally::new(&config)),
            config,
            seat_rules: crate::results::options(coalition_sizes),
            store,
            settings,
            tokens: Tokens::new(&secret),
            published: AtomicBool::new(published),
            pool,
            openers: RwLock::new(HashMap::new()),
            places: Mutex::new(HashMap::new()),
            stored_tokens: Mutex::new(InMemoryTokenStore::new()),
            fold: tokio::sync::Mutex::new(Fold {
                cursor: FOLD_START,
                pending: BTreeMap::new(),
            }),
            fault: Mutex::new(None),
        };
        for row in state.store.sync_states().await? {
            let place = PlaceState {
                last_seqno: row.last_seqno,
                chain_head: row.chain_head,
                closed: row.closed,
            };
            lock(&state.places).insert(
                row.polling_place_id,
                Arc::new(tokio::sync::Mutex::new(place)),
            );
        }
        if state.store.analyze_log_without_statistics().await? {
            tracing::info!("the vote log had no statistics: analyzed before reading it");
        }
        state.rebuild().await?;
        if let Some(fault) = state.tally_fault() {
            return Err(StoreError::Setup(fault));
        }
        Ok(state)
    }

    /// Counts the log from the start into a fresh tally and puts it in place (the
    /// rebuild at start and after a fault). The token set is only added to: every
    /// token in it is committed.
    ///
    /// # Errors
    /// Storage errors; the tally in place is then left as it was.
    async fn rebuild(&self) -> Result<(), StoreError> {
        let mut fold = self.fold.lock().await;
        let head = self.store.log_head().await?;
        let mut tally = Tally::new(&self.config);
        let mut fault = None;
        self.read_whole_log(head, |page| {
            self.insert_tokens(page);
            if let Err(error) = self.count_ballots(&mut tally, page) {
                fault.get_or_insert(error);
            }
        })
        .await?;
        *write(&self.tally) = tally;
        *lock(&self.fault) = fault.clone();
        fold.cursor = (head, i64::MAX);
        fold.pending = fold.pending.split_off(&(head + 1));
        self.drain(&mut fold);
        match fault {
            Some(fault) => tracing::error!(%fault, "the tally rebuilt from the log is wrong"),
            None => tracing::debug!(head, "tally rebuilt from the log"),
        }
        Ok(())
    }

    /// Counts what the log holds beyond the fold's cursor, up to the committed head
    /// (other instances' batches, own commits still pending); after a fault, rebuilds
    /// the tally from the whole log instead.
    ///
    /// # Errors
    /// Storage errors. Rows counted before the error stay counted and the cursor says
    /// so: the next call goes on from there.
    pub async fn catch_up(&self) -> Result<(), StoreError> {
        if lock(&self.fault).is_some() {
            return self.rebuild().await;
        }
        let mut fold = self.fold.lock().await;
        let head = self.store.log_head().await?;
        if head <= fold.cursor.0 {
            return Ok(());
        }
        let from = fold.cursor;
        self.read_log(from, head, |page| {
            self.insert_tokens(page);
            let counted = self.count_ballots(&mut write(&self.tally), page);
            if let Err(fault) = counted {
                self.set_fault(fault);
            }
            if let Some(last) = page.last() {
                fold.cursor = last;
            }
        })
        .await?;
        fold.cursor = (head, i64::MAX);
        fold.pending = fold.pending.split_off(&(head + 1));
        self.drain(&mut fold);
        Ok(())
    }

    /// Hands `fold_page` the log's accepted rows after `from` (a `(position, id)`
    /// cursor) up to position `head`, page after page in `(position, id)` order, each
    /// page once. While a page is folded, the next one is already being read (and
    /// parsed) on another task: the database's work and the counting overlap.
    ///
    /// # Errors
    /// Storage errors; the pages handed over before the error stay handed over.
    async fn read_log(
        &self,
        from: (i64, i64),
        head: i64,
        fold_page: impl FnMut(&LoggedPage),
    ) -> Result<(), StoreError> {
        self.read_log_ranges(vec![(from, head)], fold_page).await
    }

    /// Hands `fold_page` every accepted row of the log up to position `head`, each
    /// once, read in [`rebuild_ranges`] ranges of positions at once (on several
    /// connections, so on several cores of the database): the pages of one range come
    /// in order, the ranges' pages interleaved. A fresh count does not depend on the
    /// order (the tally adds, the token set is a set); a cursor does, so the catch-up
    /// reads one range.
    ///
    /// # Errors
    /// Storage errors.
    async fn read_whole_log(
        &self,
        head: i64,
        fold_page: impl FnMut(&LoggedPage),
    ) -> Result<(), StoreError> {
        self.read_log_ranges(rebuild_ranges(head, rebuild_readers()), fold_page)
            .await
    }

    /// Reads each `(after, up_to_position)` range on a task of its own, page after
    /// page (a task reads its next page while the one before waits to be folded),
    /// and hands the pages to `fold_page` as they come. The ranges must not overlap.
    async fn read_log_ranges(
        &self,
        ranges: Vec<((i64, i64), i64)>,
        mut fold_page: impl FnMut(&LoggedPage),
    ) -> Result<(), StoreError> {
        let (pages, mut read) = tokio::sync::mpsc::channel(1);
        // Dropped on return, which stops the readers still running.
        let mut readers = tokio::task::JoinSet::new();
        for (after, up_to) in ranges {
            let store = self.store.clone();
            let pages = pages.clone();
            readers.spawn(async move {
                let mut cursor = after;
                loop {
                    let page = store.logged_page(cursor, up_to, FOLD_PAGE).await?;
                    let Some(last) = page.last() else { break };
                    // A short page is the last one; after a full one there may be more.
                    let full = page.len() as i64 == FOLD_PAGE;
                    if pages.send(page).await.is_err() || !full {
                        break;
                    }
                    cursor = last;
                }
                Ok::<(), StoreError>(())
            });
        }
        drop(pages);
        loop {
            tokio::select! {
                biased;
                page = read.recv() => match page {
                    Some(page) => fold_page(&page),
                    None => break,
                },
                Some(done) = readers.join_next() => stopped(done)?,
            }
        }
        while let Some(done) = readers.join_next().await {
            stopped(done)?;
        }
        Ok(())
    }

    /// Counts own pending commits while the next one is the cursor's next position.
    fn drain(&self, fold: &mut Fold) {
        while fold.cursor.1 == i64::MAX {
            let next = fold.cursor.0 + 1;
            let Some(batch) = fold.pending.remove(&next) else {
                break;
            };
            let counted = count_batch(
                &self.config,
                &mut write(&self.tally),
                batch.polling_place,
                &batch.votes,
            );
            if let Err(fault) = counted {
                self.set_fault(fault);
            }
            fold.cursor = (next, i64::MAX);
        }
    }

    fn insert_tokens(&self, page: &LoggedPage) {
        let mut tokens = lock(&self.stored_tokens);
        for ballot in page.iter() {
            tokens.insert(PollingPlaceId(ballot.polling_place_id), ballot.token);
        }
    }

    /// Counts `page` (runs of one batch at a time) into `tally`.
    fn count_ballots(&self, tally: &mut Tally, page: &LoggedPage) -> Result<(), String> {
        let mut fault = None;
        let mut votes = Ballots::new();
        let mut candidates = Vec::new();
        let mut ballots = page.iter().peekable();
        while let Some(first) = ballots.next() {
            votes.clear();
            let mut ballot = first;
            loop {
                candidates.clear();
                candidates.extend(ballot.candidate_ids.iter().copied().map(CandidateId));
                votes.push(ballot.party_id.map(PartyId), &candidates);
                match ballots.next_if(|next| {
                    next.log_position == first.log_position
                        && next.polling_place_id == first.polling_place_id
                }) {
                    Some(next) => ballot = next,
                    None => break,
                }
            }
            if let Err(error) = count_batch(
                &self.config,
                tally,
                PollingPlaceId(first.polling_place_id),
                &votes,
            ) {
                fault.get_or_insert(format!("log position {}: {error}", first.log_position));
            }
        }
        fault.map_or(Ok(()), Err)
    }

    fn set_fault(&self, fault: String) {
        tracing::error!(%fault, "a vote of the log did not count: results are withheld until the tally is rebuilt");
        lock(&self.fault).get_or_insert(fault);
    }

    /// Why the tally cannot be trusted now, if it cannot.
    pub fn tally_fault(&self) -> Option<String> {
        lock(&self.fault).clone()
    }

    /// Brings the tally up to the committed log (rebuilding it after a fault) before
    /// results are answered.
    ///
    /// # Errors
    /// 503 when the database cannot be read or the tally is wrong and could not be
    /// rebuilt.
    pub async fn tally_for_results(&self) -> Result<(), ApiError> {
        self.catch_up().await?;
        match self.tally_fault() {
            None => Ok(()),
            Some(fault) => Err(ApiError::detail(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "Results are unavailable: the tally does not match the vote log ({fault}); it is rebuilt from the log when the fault is gone"
                ),
            )),
        }
    }

    /// Reads the polling place's sync state from the database into `place` (another
    /// instance may have moved it); a polling place without one keeps `place`.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn refresh_place(
        &self,
        polling_place: i64,
        place: &mut PlaceState,
    ) -> Result<(), StoreError> {
        if let Some(row) = self.store.sync_state(polling_place).await? {
            place.last_seqno = row.last_seqno;
            place.chain_head = row.chain_head;
            place.closed = row.closed;
        }
        Ok(())
    }

    /// The opener of a polling place's batches, `None` when it has no keys (rule 1).
    ///
    /// # Errors
    /// Storage errors, or stored keys that do not parse.
    pub async fn opener(&self, polling_place: i64) -> Result<Option<Arc<Opener>>, StoreError> {
        if let Some(opener) = read(&self.openers).get(&polling_place) {
            return Ok(Some(Arc::clone(opener)));
        }
        let Some(keys) = self.store.keys(polling_place).await? else {
            return Ok(None);
        };
        let server = PrivateKey::from_pem(&keys.server_private_key_pem).map_err(|error| {
            StoreError::Setup(format!("stored server key of {polling_place}: {error}"))
        })?;
        let gateway = PublicKey::from_pem(&keys.gateway_public_key_pem).map_err(|error| {
            StoreError::Setup(format!("stored gateway key of {polling_place}: {error}"))
        })?;
        let opener = Opener::with_backend(&server, &gateway, Backend::fastest())
            .map_err(|error| StoreError::Setup(error.to_string()))?;
        let opener = Arc::new(opener);
        write(&self.openers).insert(polling_place, Arc::clone(&opener));
        Ok(Some(opener))
    }

    /// The lock and sync state of a polling place (created at the chain's start).
    pub fn place(&self, polling_place: i64) -> Arc<tokio::sync::Mutex<PlaceState>> {
        let mut places = lock(&self.places);
        Arc::clone(places.entry(polling_place).or_insert_with(|| {
            Arc::new(tokio::sync::Mutex::new(PlaceState {
                last_seqno: 0,
                chain_head: crate::ingest::genesis_hex(&self.config, polling_place),
                closed: false,
            }))
        }))
    }

    /// Runs `check` with the stored tokens (rule 9).
    pub fn with_stored_tokens<T>(&self, check: impl FnOnce(&dyn TokenStore) -> T) -> T {
        check(&*lock(&self.stored_tokens))
    }

    /// Records the accepted votes of a batch this instance committed at log position
    /// `position`: their tokens at once (rule 9 for the polling place's next batch),
    /// their counts in position order (see the module documentation).
    pub async fn record_committed(
        &self,
        polling_place: PollingPlaceId,
        position: i64,
        accepted: &[electie_core::Vote],
    ) {
        {
            let mut tokens = lock(&self.stored_tokens);
            for vote in accepted {
                tokens.insert(polling_place, &vote.token);
            }
        }
        let mut fold = self.fold.lock().await;
        if position <= fold.cursor.0 {
            // A catch-up has counted it from the log already (or is counting it).
            return;
        }
        fold.pending.insert(
            position,
            OwnBatch {
                polling_place,
                votes: accepted
                    .iter()
                    .map(|vote| (vote.party_id, vote.candidate_ids.as_slice()))
                    .collect(),
            },
        );
        self.drain(&mut fold);
    }

    /// Runs `read` on the tally.
    pub fn with_tally<T>(&self, read_tally: impl FnOnce(&Tally) -> T) -> T {
        read_tally(&read(&self.tally))
    }

    /// Whether results are published, read from the database (another instance on
    /// the same database may have changed it) and remembered.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn published_now(&self) -> Result<bool, StoreError> {
        let published = self.store.setting(PUBLISHED_KEY).await?.as_deref() == Some("1");
        self.published.store(published, Ordering::SeqCst);
        Ok(published)
    }

    /// Whether results are published, as last read or set here.
    pub fn is_published(&self) -> bool {
        self.published.load(Ordering::SeqCst)
    }
}

/// How a log reader ended: a storage error, or a panic, is the fold's error.
fn stopped(done: Result<Result<(), StoreError>, tokio::task::JoinError>) -> Result<(), StoreError> {
    match done {
        Ok(outcome) => outcome,
        Err(error) => Err(StoreError::Setup(format!("reading the vote log: {error}"))),
    }
}

/// Readers of the log at a rebuild: one per core, at most 3, which leaves one of the
/// SQLite reader pool's four connections to requests while a rebuild after a fault
/// runs.
fn rebuild_readers() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| cores.get().min(3))
}

/// `parts` ranges of log positions that together hold every position up to `head`
/// once: `(after, up_to_position)` pairs, `after` a cursor past the whole position
/// before the range.
fn rebuild_ranges(head: i64, parts: usize) -> Vec<((i64, i64), i64)> {
    // Positions run from 0 (rows written before positions existed) to `head`.
    let first = FOLD_START.0;
    let span = head - first;
    let parts = i64::try_from(parts).unwrap_or(1).clamp(1, span.max(1));
    (0..parts)
        .map(|part| {
            let after = first + span * part / parts;
            let up_to = first + span * (part + 1) / parts;
            ((after, i64::MAX), up_to)
        })
        .collect()
}

/// Counts one batch of one polling place; `Err` names the fault (the batch is then
/// partly counted and the tally must be rebuilt).
fn count_batch(
    config: &ElectionConfig,
    tally: &mut Tally,
    polling_place: PollingPlaceId,
    votes: &Ballots,
) -> Result<(), String> {
    #[cfg(feature = "crash-points")]
    if injected_fold_fault() {
        return Err(format!(
            "a batch of polling place {} did not count: injected fault",
            polling_place.0
        ));
    }
    tally
        .add_ballots(config, polling_place, votes)
        .map(drop)
        .map_err(|(counted, error)| {
            format!(
                "a batch of polling place {} did not count after {counted} votes: {error}",
                polling_place.0
            )
        })
}

/// Feature `crash-points` (tests only): `ELECTIE_FAULT_POINT=fold-once` makes the
/// first batch counted fail as a vote that does not count would; `fold-always` makes
/// every one fail.
#[cfg(feature = "crash-points")]
fn injected_fold_fault() -> bool {
    static FIRED: AtomicBool = AtomicBool::new(false);
    match std::env::var("ELECTIE_FAULT_POINT").as_deref() {
        Ok("fold-always") => true,
        Ok("fold-once") => !FIRED.swap(true, Ordering::SeqCst),
        _ => false,
    }
}

// A poisoned lock means a panic while holding it; the data it guards is updated in
// whole steps, so carrying on with it is sound.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebuild_ranges_hold_every_position_once() {
        for head in [0, 1, 2, 3, 7, 100, 6_001] {
            for parts in 1..=5 {
                let ranges = rebuild_ranges(head, parts);
                assert!(!ranges.is_empty() && ranges.len() <= parts);
                // Each range is the positions in (after, up_to]; together -1 < p <= head.
                let mut next = FOLD_START.0;
                for ((after, id), up_to) in ranges {
                    assert_eq!((after, id), (next, i64::MAX), "head {head}, {parts} parts");
                    assert!(up_to > after, "head {head}, {parts} parts: empty range");
                    next = up_to;
                }
                assert_eq!(next, head, "head {head}, {parts} parts");
            }
        }
    }
}

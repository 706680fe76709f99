//! What the server keeps in memory, rebuilt from storage at start.
//!
//! - the configuration and its lookups (once);
//! - an [`Opener`] per enrolled polling place (keys parsed once, loaded on first use);
//! - per polling place: the sync state and a lock that serializes its batches, so
//!   that the check of rule 9 and the insert of a batch's tokens cannot interleave
//!   with another batch of the same polling place;
//! - the tokens stored (rule 9) and the tally (a fold over the accepted votes of the
//!   log), both updated only after the batch's transaction has committed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use electie_core::{
    CandidateId, ElectionConfig, InMemoryTokenStore, PartyId, PollingPlaceId, TokenStore,
};
use electie_crypto::{Backend, Opener, PrivateKey, PublicKey};
use electie_tally::count::Tally;

use crate::auth::Tokens;
use crate::storage::{Store, StoreError};

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
}

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
            store,
            settings,
            tokens: Tokens::new(&secret),
            published: AtomicBool::new(published),
            pool,
            openers: RwLock::new(HashMap::new()),
            places: Mutex::new(HashMap::new()),
            stored_tokens: Mutex::new(InMemoryTokenStore::new()),
        };
        state.rebuild().await?;
        Ok(state)
    }

    async fn rebuild(&self) -> Result<(), StoreError> {
        for row in self.store.sync_states().await? {
            let place = PlaceState {
                last_seqno: row.last_seqno,
                chain_head: row.chain_head,
                closed: row.closed,
            };
            lock(&self.places).insert(
                row.polling_place_id,
                Arc::new(tokio::sync::Mutex::new(place)),
            );
        }
        let mut after = 0;
        loop {
            let page = self.store.ballots_after(after, 20_000).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            let mut tokens = lock(&self.stored_tokens);
            let mut tally = write(&self.tally);
            for ballot in &page {
                let place = PollingPlaceId(ballot.polling_place_id);
                tokens.insert(place, &ballot.token);
                let candidates: Vec<CandidateId> = ballot
                    .candidate_ids
                    .iter()
                    .copied()
                    .map(CandidateId)
                    .collect();
                tally
                    .add(
                        &self.config,
                        place,
                        ballot.party_id.map(PartyId),
                        &candidates,
                    )
                    .map_err(|error| {
                        StoreError::Setup(format!(
                            "stored vote {} does not fit the configuration: {error}",
                            ballot.id
                        ))
                    })?;
            }
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

    /// Records the accepted votes of a committed batch: their tokens and their counts.
    pub fn record_committed(&self, polling_place: PollingPlaceId, accepted: &[electie_core::Vote]) {
        {
            let mut tokens = lock(&self.stored_tokens);
            for vote in accepted {
                tokens.insert(polling_place, &vote.token);
            }
        }
        let mut tally = write(&self.tally);
        let votes = accepted
            .iter()
            .map(|vote| (vote.party_id, vote.candidate_ids.as_slice()));
        if let Err((counted, error)) = tally.add_batch(&self.config, polling_place, votes) {
            // Validation accepted these votes against the same configuration, so this
            // cannot happen; if it does, the log stays right and a restart recounts.
            tracing::error!(%error, counted, "a validated vote did not count");
        }
    }

    /// Runs `read` on the tally.
    pub fn with_tally<T>(&self, read_tally: impl FnOnce(&Tally) -> T) -> T {
        read_tally(&read(&self.tally))
    }

    /// Whether results are published.
    pub fn is_published(&self) -> bool {
        self.published.load(Ordering::SeqCst)
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

//! The stages of an election as `electie simulate` runs them and `electie bench`
//! measures them: keys, sealing as gateways seal, opening, validation with per-place
//! token stores, counting into dense tallies, merging.
//!
//! Work runs on the current rayon pool: callers install a pool of `--jobs` threads.

use std::collections::BTreeMap;

use electie_core::decode::decode_opened;
use electie_core::validation::Verdict;
use electie_core::{
    ElectionConfig, InMemoryTokenStore, PollingPlaceId, PollingPlaceIndex, Rejection,
};
use electie_core::{Validator, Vote};
use electie_crypto::{AesKeyLength, Backend, Opener, PrivateKey, Sealed, Sealer};
use electie_tally::count::Tally;
use indicatif::ProgressBar;
use rayon::prelude::*;

use electie_cli::generate::CastVote;

/// The keys of one polling place: the server's pair for it and its gateway's pair.
pub(crate) struct PlaceKeys {
    pub(crate) server: PrivateKey,
    pub(crate) gateway: PrivateKey,
}

/// One RSA key pair per polling place and gateway, generated in parallel.
pub(crate) fn generate_keys(
    places: &[PollingPlaceId],
    bits: usize,
    progress: &ProgressBar,
) -> Result<Vec<PlaceKeys>, String> {
    let keys: Vec<PrivateKey> = (0..places.len() * 2)
        .into_par_iter()
        .map(|_| {
            let key = PrivateKey::generate(bits).map_err(|e| format!("key generation: {e}"));
            progress.inc(1);
            key
        })
        .collect::<Result<_, _>>()?;
    let mut keys = keys.into_iter();
    places
        .iter()
        .map(|_| match (keys.next(), keys.next()) {
            (Some(server), Some(gateway)) => Ok(PlaceKeys { server, gateway }),
            _ => Err("key generation: too few keys".to_owned()),
        })
        .collect()
}

/// Votes of one polling place as one gateway request carries them.
pub(crate) struct Batch {
    /// Index of the polling place in the sampled list (and in the keys).
    pub(crate) slot: usize,
    pub(crate) votes: Vec<Vote>,
}

/// Splits generated votes into batches: runs from one polling place, at most
/// `batch_size` votes each.
pub(crate) fn batches(
    cast: Vec<CastVote>,
    places: &[PollingPlaceId],
    batch_size: usize,
) -> Result<Vec<Batch>, String> {
    let slot_of: BTreeMap<PollingPlaceId, usize> = places
        .iter()
        .enumerate()
        .map(|(slot, &id)| (id, slot))
        .collect();
    let mut batches: Vec<Batch> = Vec::with_capacity(cast.len() / batch_size.max(1) + 1);
    for CastVote {
        polling_place,
        vote,
    } in cast
    {
        let slot = *slot_of
            .get(&polling_place)
            .ok_or_else(|| format!("vote for unsampled polling place {}", polling_place.0))?;
        match batches.last_mut() {
            Some(batch) if batch.slot == slot && batch.votes.len() < batch_size.max(1) => {
                batch.votes.push(vote);
            }
            _ => batches.push(Batch {
                slot,
                votes: vec![vote],
            }),
        }
    }
    Ok(batches)
}

/// A sealed batch (`VotesEncrypted`).
pub(crate) struct SealedBatch {
    pub(crate) slot: usize,
    pub(crate) votes: Vec<Sealed>,
}

/// Seals every vote as its gateway does: signed by the gateway's private key, sealed
/// for the server key of its polling place (AES-256, electiersa's default).
pub(crate) fn seal_all(
    batches: &[Batch],
    keys: &[PlaceKeys],
    backend: Backend,
    progress: &ProgressBar,
) -> Result<Vec<SealedBatch>, String> {
    let sealers: Vec<Sealer> = keys
        .iter()
        .map(|place| Sealer::with_backend(&place.gateway, &place.server.public_key(), backend))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("sealer: {e}"))?;
    batches
        .par_iter()
        .map_init(electie_crypto::system_rng, |rng, batch| {
            let sealer = &sealers[batch.slot];
            let votes = batch
                .votes
                .iter()
                .map(|vote| sealer.seal_value(&vote.to_json(), AesKeyLength::Aes256, rng))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("seal: {e}"))?;
            progress.inc(votes.len() as u64);
            Ok(SealedBatch {
                slot: batch.slot,
                votes,
            })
        })
        .collect()
}

/// Openers for every polling place (server private key, gateway public key).
pub(crate) fn openers(keys: &[PlaceKeys], backend: Backend) -> Result<Vec<Opener>, String> {
    keys.iter()
        .map(|place| Opener::with_backend(&place.server, &place.gateway.public_key(), backend))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("opener: {e}"))
}

/// A vote as it comes out of the crypto layer: decoded, or why not (rules 2, 3, format).
pub(crate) type Decoded = Result<Vote, Rejection>;

/// Opens, verifies and decodes every vote, batches in parallel.
pub(crate) fn open_all(
    sealed: &[SealedBatch],
    openers: &[Opener],
    progress: &ProgressBar,
) -> Vec<Vec<Decoded>> {
    sealed
        .par_iter()
        .map(|batch| {
            let opener = &openers[batch.slot];
            let decoded = batch
                .votes
                .iter()
                .map(|sealed| match opener.open(sealed) {
                    Ok(opened) => decode_opened(opened.value()),
                    Err(_) => Err(Rejection::InvalidEncryption),
                })
                .collect::<Vec<_>>();
            progress.inc(decoded.len() as u64);
            decoded
        })
        .collect()
}

/// Verdict mode per batch, as the server judges them: the batches of one polling
/// place in order against that place's token store (rule 9 across batches), polling
/// places in parallel. One verdict list per batch, in batch order.
pub(crate) fn validate_all(
    config: &ElectionConfig,
    places: &[PollingPlaceId],
    slots: &[usize],
    decoded: &[Vec<Decoded>],
) -> Vec<Vec<Verdict>> {
    let validator = Validator::new(config);
    let mut by_place: Vec<Vec<usize>> = vec![Vec::new(); places.len()];
    for (batch, &slot) in slots.iter().enumerate() {
        by_place[slot].push(batch);
    }
    let judged: Vec<Vec<(usize, Vec<Verdict>)>> = by_place
        .par_iter()
        .enumerate()
        .map(|(slot, batch_indices)| {
            let place = places[slot];
            let mut store = InMemoryTokenStore::new();
            batch_indices
                .iter()
                .map(|&batch| {
                    (
                        batch,
                        validator.accept_verdicts(place, &decoded[batch], &mut store),
                    )
                })
                .collect()
        })
        .collect();
    let mut verdicts: Vec<Vec<Verdict>> = vec![Vec::new(); decoded.len()];
    for (batch, list) in judged.into_iter().flatten() {
        verdicts[batch] = list;
    }
    verdicts
}

/// Counted votes: a tally over the sampled polling places plus what was refused.
pub(crate) struct Counted {
    pub(crate) tally: Tally,
    pub(crate) rejected: u64,
    pub(crate) rejections: BTreeMap<String, u64>,
}

impl Counted {
    fn new(config: &ElectionConfig, places: usize) -> Self {
        Self {
            tally: Tally::with_shape(config.parties().len(), config.candidates().len(), places),
            rejected: 0,
            rejections: BTreeMap::new(),
        }
    }

    /// Adds `other` (same shape) into `self`.
    pub(crate) fn merge(&mut self, other: &Counted) -> Result<(), String> {
        self.tally
            .merge(&other.tally)
            .map_err(|e| format!("merge: {e}"))?;
        self.rejected += other.rejected;
        for (reason, count) in &other.rejections {
            *self.rejections.entry(reason.clone()).or_default() += count;
        }
        Ok(())
    }
}

/// Counts accepted votes into `parts` tallies shaped over the sampled polling places
/// (dense indices; the slot of a batch is its polling place's index), contiguous runs
/// of batches per part, parts in parallel.
pub(crate) fn count_all(
    config: &ElectionConfig,
    places: usize,
    slots: &[usize],
    decoded: &[Vec<Decoded>],
    verdicts: &[Vec<Verdict>],
    parts: usize,
) -> Result<Vec<Counted>, String> {
    let parts = parts.clamp(1, slots.len().max(1));
    let chunk = slots.len().div_ceil(parts).max(1);
    (0..parts)
        .into_par_iter()
        .map(|part| {
            let mut counted = Counted::new(config, places);
            let start = (part * chunk).min(slots.len());
            let end = ((part + 1) * chunk).min(slots.len());
            let mut candidates = Vec::with_capacity(16);
            for batch in start..end {
                for (item, verdict) in decoded[batch].iter().zip(&verdicts[batch]) {
                    let vote = match (item, verdict) {
                        (Ok(vote), Ok(())) => vote,
                        (_, Err(rejection)) | (Err(rejection), _) => {
                            counted.rejected += 1;
                            *counted.rejections.entry(rejection.to_string()).or_default() += 1;
                            continue;
                        }
                    };
                    // Validated: every id is known.
                    let party = vote.party_id.and_then(|p| config.party_index(p));
                    candidates.clear();
                    candidates.extend(
                        vote.candidate_ids
                            .iter()
                            .filter_map(|&c| config.candidate_index(c)),
                    );
                    counted
                        .tally
                        .add_indexed(PollingPlaceIndex(slots[batch]), party, &candidates)
                        .map_err(|e| format!("count: {e}"))?;
                }
            }
            Ok(counted)
        })
        .collect()
}

/// Merges counted parts into one (exact, in any order).
pub(crate) fn merge_all(mut parts: Vec<Counted>) -> Result<Counted, String> {
    let mut total = parts
        .pop()
        .ok_or_else(|| "merge: nothing counted".to_owned())?;
    for part in &parts {
        total.merge(part)?;
    }
    Ok(total)
}

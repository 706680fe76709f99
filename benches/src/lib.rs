//! Generated workloads shared by the electie benchmarks and their Python baselines.
//!
//! The generator is deterministic for a seed across releases (a SplitMix64 stream,
//! not a library RNG whose algorithm may change between versions), so a Rust bench and
//! its Python baseline read exactly the same votes.

use std::io::Write;
use std::path::{Path, PathBuf};

use electie_core::python_json;
use electie_core::{CandidateId, ElectionConfig, PartyId, PollingPlaceId, Vote};

/// SplitMix64: small, fast, and stable forever for a given seed.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A stream from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..bound` (`bound > 0`).
    pub fn below(&mut self, bound: u64) -> u64 {
        // Multiply-shift: unbiased enough for workloads, and cheap.
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }
}

/// The bundled NR SR 2020 configuration.
pub fn nrsr_2020_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/nrsr_2020")
}

/// Loads the bundled NR SR 2020 configuration.
pub fn nrsr_2020() -> ElectionConfig {
    match ElectionConfig::load(nrsr_2020_dir()) {
        Ok(config) => config,
        Err(error) => panic!("the bundled configuration must load: {error}"),
    }
}

/// A vote with the polling place it was cast at.
#[derive(Debug, Clone)]
pub struct CastVote {
    /// Where it was cast.
    pub polling_place: PollingPlaceId,
    /// The decrypted vote.
    pub vote: Vote,
}

/// `count` votes over `config`, grouped in batches of `batch_size` from one polling
/// place each (as gateways send them). Parties are drawn from a skewed distribution
/// (party `i` has weight `1 / (i % 7 + 1)`), 2 % of votes are blank, about 60 % circle
/// 1–4 candidates from the top 30 of their list, and `invalid_per_million` votes in a
/// million break a rule (unknown party, a candidate of another party, or a repeated
/// candidate).
pub fn generate_votes(
    config: &ElectionConfig,
    count: usize,
    batch_size: usize,
    invalid_per_million: u64,
    seed: u64,
) -> Vec<CastVote> {
    let mut rng = SplitMix64::new(seed);
    let parties = config.parties();
    let weights: Vec<u64> = (0..parties.len())
        .map(|index| 420 / (index as u64 % 7 + 1))
        .collect();
    let total_weight: u64 = weights.iter().sum();
    let places = config.polling_places().len().max(1) as u64;
    let mut votes = Vec::with_capacity(count);
    let mut polling_place = PollingPlaceId(0);
    for index in 0..count {
        if index % batch_size.max(1) == 0 {
            polling_place = config
                .polling_places()
                .get(rng.below(places) as usize)
                .map_or(PollingPlaceId(0), |place| place.id);
        }
        let token = format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64());
        let mut vote = Vote {
            party_id: None,
            candidate_ids: Vec::new(),
            token,
            election_id: config.election_id().to_owned(),
        };
        if rng.below(100) >= 2 {
            let mut pick = rng.below(total_weight);
            let mut party_index = 0;
            while pick >= weights[party_index] {
                pick -= weights[party_index];
                party_index += 1;
            }
            vote.party_id = Some(parties[party_index].id);
            let list = &parties[party_index].candidates;
            if !list.is_empty() && rng.below(10) < 6 {
                let circles = 1 + rng.below(4) as usize;
                let top = list.len().min(30) as u64;
                while vote.candidate_ids.len() < circles.min(top as usize) {
                    let candidate = list[rng.below(top) as usize].id;
                    if !vote.candidate_ids.contains(&candidate) {
                        vote.candidate_ids.push(candidate);
                    }
                }
            }
        }
        let breaks_a_rule = rng.below(1_000_000) < invalid_per_million;
        match rng.below(3) {
            _ if !breaks_a_rule => {}
            0 => vote.party_id = Some(PartyId(-1)),
            1 => vote.candidate_ids.push(CandidateId(0)),
            _ => {
                if let Some(&first) = vote.candidate_ids.first() {
                    vote.candidate_ids.push(first);
                }
            }
        }
        votes.push(CastVote {
            polling_place,
            vote,
        });
    }
    votes
}

/// Writes votes as JSON lines `{"polling_place_id", "party_id", "candidate_ids",
/// "token", "election_id"}` for the Python baselines.
pub fn write_votes_jsonl(votes: &[CastVote], path: &Path) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for cast in votes {
        let mut object = python_json::Object::new();
        object.insert("polling_place_id".into(), cast.polling_place.0.into());
        if let python_json::Value::Object(vote) = cast.vote.to_json() {
            object.extend(vote);
        }
        writeln!(out, "{}", python_json::dumps(&object.into()))?;
    }
    out.flush()
}

/// Median of a list of measurements.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.is_empty() {
        f64::NAN
    } else if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    }
}

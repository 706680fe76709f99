//! Generated workloads shared by the electie benchmarks and their Python baselines.
//!
//! The votes come from the one generator of the project, `electie_cli::generate` (the
//! one `electie simulate` and `electie bench` use): deterministic for a seed across
//! releases (a SplitMix64 stream, not a library RNG whose algorithm may change between
//! versions), so a Rust bench and its Python baseline read exactly the same votes.

use std::io::Write;
use std::path::{Path, PathBuf};

pub use electie_cli::generate::{CastVote, Profile, SplitMix64, generate, generate_votes};
pub use electie_cli::measure::median;
use electie_core::ElectionConfig;
use electie_core::python_json;

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

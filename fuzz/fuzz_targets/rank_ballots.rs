//! Rank candidates from arbitrary ranked ballots with Schulze (JSON input
//! `{"candidates": n, "ballots": [[rank or null, ...], ...]}`): a ranking of every
//! candidate exactly once, or an error, never a panic.
#![no_main]

use electie_tally::ranked::schulze;
use libfuzzer_sys::fuzz_target;

#[derive(serde::Deserialize)]
struct Input {
    candidates: usize,
    ballots: Vec<Vec<Option<u32>>>,
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = serde_json::from_slice::<Input>(data) else { return };
    if let Ok(result) = schulze(input.candidates, &input.ballots) {
        let mut ranked: Vec<usize> = result.ranking.concat();
        ranked.sort_unstable();
        assert_eq!(ranked, (0..input.candidates).collect::<Vec<_>>());
    }
});

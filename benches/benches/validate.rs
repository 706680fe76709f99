//! Validation of 1 M generated votes against the NR SR 2020 configuration, single
//! core, and the same checks in plain Python on the same votes in the same run.
//!
//! Every vote is valid, so both sides do the full work for every batch (with invalid
//! votes both would stop early at the first failure of a batch).
//!
//! Rust validates the same votes in two representations: `Vec<Vote>` (three heap
//! blocks per vote) and `VoteBatch` (stored by field, validated with few branches).
//!
//! Rule 9 (token already stored for the polling place) is measured twice: with an
//! empty store, and with 1 000 other tokens stored for every polling place of the run
//! (a polling place later in election day). With the empty store Rust asks the store
//! once per batch and finds nothing for the polling place, while the Python baseline
//! looks each vote up in its (empty) set; with stored tokens both look up every vote.
//!
//! `cargo bench -p electie-benches --bench validate` prints criterion's figures, then
//! one line per store `validate (…): python … votes/s; rust VoteBatch … = N×; rust
//! Vec<Vote> … = N×` from medians.

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use criterion::{Criterion, Throughput};
use electie_benches::{
    SplitMix64, generate_votes, median, nrsr_2020, nrsr_2020_dir, write_votes_jsonl,
};
use electie_core::{InMemoryTokenStore, PollingPlaceId, TokenStore, Validator, Vote, VoteBatch};

const VOTES: usize = 1_000_000;
const BATCH: usize = 1_000;
/// Tokens stored per polling place in the second measurement.
const STORED_PER_PLACE: usize = 1_000;

fn validate_all(
    validator: &Validator<'_>,
    batches: &[(PollingPlaceId, Vec<Vote>)],
    store: &InMemoryTokenStore,
) -> usize {
    batches
        .iter()
        .filter(|(place, votes)| validator.check_batch(*place, votes, store).is_ok())
        .count()
}

fn validate_all_columnar(
    validator: &Validator<'_>,
    batches: &[(PollingPlaceId, VoteBatch)],
    store: &InMemoryTokenStore,
) -> usize {
    batches
        .iter()
        .filter(|(place, votes)| validator.check_vote_batch(*place, votes, store).is_ok())
        .count()
}

/// The Python baseline's median rate and accepted batches; `stored_path` lists the
/// stored tokens as `polling_place_id<TAB>token` lines.
fn python_rate(
    votes_path: &std::path::Path,
    stored_path: &std::path::Path,
) -> Option<(f64, usize)> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/validate_baseline.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(nrsr_2020_dir())
        .arg(votes_path)
        .arg(BATCH.to_string())
        .arg("3")
        .arg(stored_path)
        .output()
        .ok()?;
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    Some((
        report["votes_per_second"].as_f64()?,
        report["accepted_batches"].as_u64()? as usize,
    ))
}

/// `STORED_PER_PLACE` random 32-hex-digit tokens for every polling place of `batches`
/// (none of them a token of the votes, which come from another stream).
fn stored_tokens(batches: &[(PollingPlaceId, Vec<Vote>)]) -> Vec<(PollingPlaceId, String)> {
    let mut places: Vec<PollingPlaceId> = batches.iter().map(|(place, _)| *place).collect();
    places.sort_unstable();
    places.dedup();
    let mut rng = SplitMix64::new(0x5704_ED70_4E45);
    places
        .into_iter()
        .flat_map(|place| (0..STORED_PER_PLACE).map(move |_| place))
        .map(|place| {
            (
                place,
                format!("stored-{:016x}{:016x}", rng.next_u64(), rng.next_u64()),
            )
        })
        .collect()
}

fn main() {
    let config = nrsr_2020();
    let cast = generate_votes(&config, VOTES, BATCH, 0, 2020);
    let batches: Vec<(PollingPlaceId, Vec<Vote>)> = cast
        .chunks(BATCH)
        .map(|chunk| {
            (
                chunk[0].polling_place,
                chunk.iter().map(|cast| cast.vote.clone()).collect(),
            )
        })
        .collect();
    let columnar: Vec<(PollingPlaceId, VoteBatch)> = batches
        .iter()
        .map(|(place, votes)| match VoteBatch::from_votes(votes) {
            Ok(batch) => (*place, batch),
            Err(error) => panic!("{error}"),
        })
        .collect();
    let validator = Validator::new(&config);
    let store = InMemoryTokenStore::new();
    let stored = stored_tokens(&batches);
    let mut full_store = InMemoryTokenStore::new();
    for (place, token) in &stored {
        full_store.insert(*place, token);
    }

    let mut criterion = Criterion::default().configure_from_args().sample_size(10);
    let mut group = criterion.benchmark_group("validate");
    group.throughput(Throughput::Elements(VOTES as u64));
    group.bench_function("1M votes, batches of 1000, one core", |bench| {
        bench.iter(|| validate_all(&validator, black_box(&batches), &store))
    });
    group.bench_function("1M votes, columnar batches of 1000, one core", |bench| {
        bench.iter(|| validate_all_columnar(&validator, black_box(&columnar), &store))
    });
    group.bench_function(
        "1M votes, columnar batches of 1000, 1000 tokens stored per place, one core",
        |bench| bench.iter(|| validate_all_columnar(&validator, black_box(&columnar), &full_store)),
    );
    // The same work on one batch that stays in cache: the compute cost alone, for
    // telling it apart from the memory traffic of 1 M scattered votes.
    let (hot_place, hot_votes) = &batches[0];
    group.throughput(Throughput::Elements(hot_votes.len() as u64));
    group.bench_function("one batch of 1000 in cache", |bench| {
        bench.iter(|| validator.check_batch(*hot_place, black_box(hot_votes), &store))
    });
    let (hot_place, hot_batch) = &columnar[0];
    group.bench_function("one columnar batch of 1000 in cache", |bench| {
        bench.iter(|| validator.check_vote_batch(*hot_place, black_box(hot_batch), &store))
    });
    // Rule 9's compute cost alone: the polling place's filter and table stay in cache.
    group.bench_function(
        "one columnar batch of 1000 in cache, 1000 tokens stored",
        |bench| {
            bench.iter(|| validator.check_vote_batch(*hot_place, black_box(hot_batch), &full_store))
        },
    );
    group.finish();

    // Medians of 31 timed passes over all 1 M votes, for each representation and store:
    // a pass takes milliseconds, and a median of few is moved by one slow stretch of a
    // shared machine.
    let rate_of = |pass: &dyn Fn() -> usize| {
        let rates: Vec<f64> = (0..31)
            .map(|_| {
                let start = Instant::now();
                black_box(pass());
                VOTES as f64 / start.elapsed().as_secs_f64()
            })
            .collect();
        median(rates)
    };
    let votes_path =
        std::env::temp_dir().join(format!("electie-validate-{}.jsonl", std::process::id()));
    let stored_path =
        std::env::temp_dir().join(format!("electie-validate-{}.stored", std::process::id()));
    let empty_path = std::env::temp_dir().join(format!(
        "electie-validate-{}.nothing-stored",
        std::process::id()
    ));
    let written = write_votes_jsonl(&cast, &votes_path).is_ok()
        && std::fs::write(&empty_path, "").is_ok()
        && std::fs::write(
            &stored_path,
            stored
                .iter()
                .map(|(place, token)| format!("{}\t{token}\n", place.0))
                .collect::<String>(),
        )
        .is_ok();
    for (label, store, path) in [
        ("empty store", &store, &empty_path),
        (
            "1000 tokens stored per polling place",
            &full_store,
            &stored_path,
        ),
    ] {
        let list_rate = rate_of(&|| validate_all(&validator, &batches, store));
        let columnar_rate = rate_of(&|| validate_all_columnar(&validator, &columnar, store));
        let accepted = validate_all(&validator, &batches, store);
        assert_eq!(
            accepted,
            validate_all_columnar(&validator, &columnar, store),
            "both representations must accept the same batches"
        );
        match written.then(|| python_rate(&votes_path, path)).flatten() {
            Some((python_rate, python_accepted)) => {
                assert_eq!(
                    accepted, python_accepted,
                    "Rust and Python must accept the same batches"
                );
                println!(
                    "validate ({label}): python {python_rate:.0} votes/s; rust VoteBatch {columnar_rate:.0} votes/s = {:.1}x; rust Vec<Vote> {list_rate:.0} votes/s = {:.1}x (medians; {accepted} of {} batches accepted by all)",
                    columnar_rate / python_rate,
                    list_rate / python_rate,
                    batches.len()
                );
            }
            None => println!(
                "validate ({label}): rust VoteBatch {columnar_rate:.0} votes/s, Vec<Vote> {list_rate:.0} votes/s (python3 not available for the baseline)"
            ),
        }
    }
    for path in [&votes_path, &stored_path, &empty_path] {
        let _ = std::fs::remove_file(path);
    }
    criterion.final_summary();
}

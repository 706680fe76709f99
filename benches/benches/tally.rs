//! Counting, merging and seat allocation, on the NR SR 2020 configuration.
//!
//! * count and validate+count of 10 M generated votes on one core, against plain
//!   Python (`tally_baseline.py`) on the first 1 M of the same votes in the same run;
//! * merge of two full-size tallies (5 998 polling places × 2 736 candidates);
//! * seat allocation: NR SR 2020 (150 seats, 24 subjects), D'Hondt 150 × 25, and
//!   10 000 seats × 1 000 parties for D'Hondt, Sainte-Laguë, Huntington-Hill and Hare;
//! * validate+count on 1 and 2 threads (fresh tallies, merged) at 1 M and 10 M votes;
//! * the memory of the tally of 10 M votes (every polling place counted).
//!
//! `cargo bench -p electie-benches --bench tally` prints criterion's figures, then
//! `count: …`, `validate+count: …` lines with medians and ratios.

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use electie_benches::{generate_votes, median, nrsr_2020, nrsr_2020_dir, write_votes_jsonl};
use electie_core::{ElectionConfig, PollingPlaceId};
use electie_tally::TiePolicy;
use electie_tally::apportion::quota::{QuotaMethod, QuotaRounding};
use electie_tally::apportion::{DivisorMethod, Method};
use electie_tally::count::{Ballots, CirclePolicy, Counter, Tally};
use electie_tally::preset::SlovakElection;
use electie_tally::threshold::Contender;

const VOTES: usize = 10_000_000;
const CHUNK: usize = 1_000_000;
const BATCH: usize = 1_000;

/// One polling place's batch of decoded votes, without tokens, stored by column as
/// counting reads them (about 30 bytes per vote).
struct Batch {
    place: PollingPlaceId,
    ballots: Ballots,
}

fn batches(config: &ElectionConfig, jsonl: &std::path::Path) -> Vec<Batch> {
    let mut all = Vec::with_capacity(VOTES / BATCH);
    for chunk in 0..VOTES / CHUNK {
        let cast = generate_votes(config, CHUNK, BATCH, 0, 2020 + chunk as u64);
        if chunk == 0
            && let Err(error) = write_votes_jsonl(&cast, jsonl)
        {
            panic!("cannot write the votes for the Python baseline: {error}");
        }
        for group in cast.chunks(BATCH) {
            all.push(Batch {
                place: group[0].polling_place,
                ballots: group
                    .iter()
                    .map(|c| (c.vote.party_id, c.vote.candidate_ids.as_slice()))
                    .collect(),
            });
        }
    }
    all
}

// Counting goes into a tally that already exists (as a server counts incrementally):
// allocating and first touching 63 MiB of counters is not part of counting a vote.

fn count_into(tally: &mut Tally, config: &ElectionConfig, batches: &[Batch]) {
    for batch in batches {
        // generated votes are valid: an error here would be a bug in the bench
        let _ = tally.add_ballots(config, batch.place, &batch.ballots);
    }
}

/// The same count through the per-vote iterator of `Tally::add_batch`.
fn count_by_iterator(tally: &mut Tally, config: &ElectionConfig, batches: &[Batch]) {
    for batch in batches {
        let _ = tally.add_batch(config, batch.place, batch.ballots.iter());
    }
}

fn count_all(config: &ElectionConfig, batches: &[Batch]) -> Tally {
    let mut tally = Tally::new(config);
    count_into(&mut tally, config, batches);
    tally
}

fn count_one_by_one(tally: &mut Tally, config: &ElectionConfig, batches: &[Batch]) {
    for batch in batches {
        for (party, candidates) in batch.ballots.iter() {
            let _ = tally.add(config, batch.place, party, candidates);
        }
    }
}

fn validate_count_into(tally: &mut Tally, counter: &Counter<'_>, batches: &[Batch]) -> usize {
    let mut rejected = 0;
    for batch in batches {
        if let Err(fault) =
            counter.count_ballots(tally, batch.place, &batch.ballots, |_, _| rejected += 1)
        {
            panic!("counting generated votes failed: {fault}");
        }
    }
    rejected
}

/// Validate + count on `threads` scoped threads, each into a fresh tally of its own
/// contiguous share of the batches, then merged: what `electie tally --jobs` does
/// after reading.
fn count_threads(counter: &Counter<'_>, batches: &[Batch], threads: usize) -> Tally {
    let share = batches.len().div_ceil(threads);
    let parts: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = batches
            .chunks(share)
            .map(|part| {
                scope.spawn(move || {
                    let mut tally = Tally::new(counter.config());
                    validate_count_into(&mut tally, counter, part);
                    tally
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut parts = parts.into_iter();
    let mut total = parts.next().unwrap_or_else(|| Tally::new(counter.config()));
    for part in parts {
        if let Err(fault) = total.merge(&part) {
            panic!("merging generated counts failed: {fault}");
        }
    }
    total
}

/// Median votes per second of `job` over `runs`, by wall clock.
fn rate_of(votes: usize, runs: usize, mut job: impl FnMut()) -> f64 {
    let mut rates = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        job();
        rates.push(votes as f64 / start.elapsed().as_secs_f64());
    }
    median(rates)
}

fn python(mode: &str, votes_path: &std::path::Path) -> Option<(f64, f64, u64)> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tally_baseline.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(mode)
        .arg(nrsr_2020_dir())
        .arg(votes_path)
        .arg("3")
        .output()
        .ok()?;
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    Some((
        report["votes_per_second"].as_f64()?,
        report["votes_per_cpu_second"].as_f64()?,
        report["accepted"].as_u64()?,
    ))
}

/// CPU time of this thread in seconds (Linux `/proc/thread-self/schedstat`, ns).
fn thread_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e9)
}

/// Median votes per second over `runs`, by wall clock and by thread CPU time.
fn rate(runs: usize, mut job: impl FnMut()) -> (f64, Option<f64>) {
    let mut wall = Vec::with_capacity(runs);
    let mut cpu = Vec::with_capacity(runs);
    for _ in 0..runs {
        let cpu_start = thread_cpu_seconds();
        let start = Instant::now();
        job();
        wall.push(VOTES as f64 / start.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (cpu_start, thread_cpu_seconds()) {
            cpu.push(VOTES as f64 / (b - a));
        }
    }
    let cpu = (cpu.len() == runs).then(|| median(cpu));
    (median(wall), cpu)
}

fn main() {
    let config = nrsr_2020();
    let votes_path =
        std::env::temp_dir().join(format!("electie-tally-{}.jsonl", std::process::id()));
    let votes = batches(&config, &votes_path);
    let counter = Counter::new(&config, CirclePolicy::Reject);
    let mut criterion = Criterion::default().configure_from_args().sample_size(10);

    let mut group = criterion.benchmark_group("count");
    group.throughput(Throughput::Elements(VOTES as u64));
    let mut tally = count_all(&config, &votes);
    group.bench_function("10M votes, one core", |b| {
        b.iter(|| count_into(&mut tally, &config, black_box(&votes)))
    });
    group.bench_function("10M votes through add_batch's iterator, one core", |b| {
        b.iter(|| count_by_iterator(&mut tally, &config, black_box(&votes)))
    });
    group.bench_function("10M votes one by one (Tally::add), one core", |b| {
        b.iter(|| count_one_by_one(&mut tally, &config, black_box(&votes)))
    });
    group.bench_function("validate+count 10M votes, one core", |b| {
        b.iter(|| validate_count_into(&mut tally, &counter, black_box(&votes)))
    });
    group.finish();

    let half = votes.len() / 2;
    let full_a = count_all(&config, &votes[..half]);
    let full_b = count_all(&config, &votes[half..]);
    criterion.bench_function("merge two full-size NR SR 2020 tallies", |b| {
        b.iter_batched_ref(
            || full_a.clone(),
            |merged| merged.merge(black_box(&full_b)),
            BatchSize::LargeInput,
        )
    });

    // seat allocation
    let nrsr_2020_votes: [u64; 24] = [
        8191, 88220, 179246, 237531, 1966, 166325, 9260, 91171, 4194, 721166, 200780, 2018, 991,
        134099, 809, 84507, 59174, 527172, 3296, 1887, 112662, 1261, 229660, 15925,
    ];
    let subjects: Vec<Contender> = nrsr_2020_votes
        .iter()
        .enumerate()
        .map(|(i, &votes)| Contender {
            votes,
            coalition_size: if i == 10 { 2 } else { 1 },
            won_district_seat: false,
        })
        .collect();
    let nrsr = SlovakElection::national_council();
    criterion.bench_function("seats sk-nrsr 2020 (150 seats, 24 subjects)", |b| {
        b.iter(|| nrsr.allocate(black_box(&subjects)))
    });
    let mut rng = electie_benches::SplitMix64::new(7);
    let votes_25: Vec<u64> = (0..25).map(|_| 1 + rng.below(1_000_000)).collect();
    let votes_1000: Vec<u64> = (0..1000).map(|_| 1 + rng.below(1_000_000)).collect();
    let mut seats_group = criterion.benchmark_group("seats");
    for (label, method) in [
        ("dhondt", Method::Divisor(DivisorMethod::DHondt)),
        ("sainte-lague", Method::Divisor(DivisorMethod::SainteLague)),
        (
            "huntington-hill",
            Method::Divisor(DivisorMethod::HuntingtonHill),
        ),
        (
            "hare",
            Method::Quota {
                quota: QuotaMethod::Hare,
                rounding: QuotaRounding::Exact,
            },
        ),
    ] {
        seats_group.bench_with_input(
            BenchmarkId::new(label, "150 seats x 25 parties"),
            &votes_25,
            |b, v| {
                b.iter(|| {
                    method.allocate(black_box(v), 150, TiePolicy::MoreVotesThenLot { seed: 1 })
                })
            },
        );
        seats_group.bench_with_input(
            BenchmarkId::new(label, "10000 seats x 1000 parties"),
            &votes_1000,
            |b, v| {
                b.iter(|| {
                    method.allocate(
                        black_box(v),
                        10_000,
                        TiePolicy::MoreVotesThenLot { seed: 1 },
                    )
                })
            },
        );
    }
    seats_group.finish();

    // medians side by side with Python
    let mut tally = count_all(&config, &votes);
    let count_rate = rate(5, || count_into(&mut tally, &config, &votes));
    let validate_rate = rate(5, || {
        black_box(validate_count_into(&mut tally, &counter, &votes));
    });
    let rust_rejected = validate_count_into(&mut tally, &counter, &votes[..CHUNK / BATCH]);
    let memory = count_all(&config, &votes).heap_bytes();
    println!(
        "tally memory: NR SR 2020 tally of {VOTES} votes (every polling place counted) {} bytes ({:.1} MiB)",
        memory,
        memory as f64 / 1048576.0
    );
    for n in [CHUNK, VOTES] {
        let batches = &votes[..n / BATCH];
        let one = rate_of(n, 5, || {
            black_box(count_threads(&counter, batches, 1));
        });
        let two = rate_of(n, 5, || {
            black_box(count_threads(&counter, batches, 2));
        });
        println!(
            "validate+count threads: {n} votes, 1 thread {one:.0} votes/s, 2 threads {two:.0} votes/s, ratio {:.2} (wall-clock medians, fresh tallies merged)",
            two / one
        );
    }
    for (mode, (rust_rate, rust_cpu)) in [("count", count_rate), ("validate-count", validate_rate)]
    {
        match python(mode, &votes_path) {
            Some((python_rate, python_cpu, accepted)) => {
                assert_eq!(
                    accepted as usize,
                    CHUNK - rust_rejected,
                    "Python and Rust must accept the same votes"
                );
                println!(
                    "{mode}: rust {rust_rate:.0} votes/s ({VOTES} votes), python {python_rate:.0} votes/s (first {CHUNK}), ratio {:.1} (wall-clock medians, one core)",
                    rust_rate / python_rate
                );
                if let Some(rust_cpu) = rust_cpu {
                    println!(
                        "{mode}: rust {rust_cpu:.0} votes per CPU second, python {python_cpu:.0}, ratio {:.1} (thread CPU time medians)",
                        rust_cpu / python_cpu
                    );
                }
            }
            None => println!(
                "{mode}: rust {rust_rate:.0} votes/s (python3 not available for the baseline)"
            ),
        }
    }
    let _ = std::fs::remove_file(&votes_path);
    criterion.final_summary();
}

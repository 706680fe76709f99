//! `electie bench`: throughput of every stage on generated data, on one core and on all.
//!
//! Open (per compiled RSA backend), validate, count, merge and seat allocation, each
//! repeated and reported as the median, in items per second and per core. The votes come
//! from the project's one generator (`electie_cli::generate`, the benchmark workload
//! over every NR SR 2020 polling place); the machines are shared, so compare figures
//! measured side by side in one run, not across runs.

use std::hint::black_box;
use std::time::{Duration, Instant};

use electie_cli::generate::{self, CastVote};
use electie_core::{
    ElectionConfig, InMemoryTokenStore, PollingPlaceId, Validator, Vote, VoteBatch,
};
use electie_crypto::{AesKeyLength, Backend, Opener, PrivateKey, Sealed, Sealer};
use electie_tally::TiePolicy;
use electie_tally::apportion::Method;
use electie_tally::apportion::divisor::DivisorMethod;
use electie_tally::count::{Ballots, CirclePolicy, Counter, Tally};
use electie_tally::preset::SlovakElection;
use electie_tally::threshold::Contender;
use rayon::prelude::*;
use serde::Serialize;

use crate::simulate::Format;

/// Votes per validated batch (the criterion bench's size).
const BATCH: usize = 1_000;

#[derive(Debug, clap::Args)]
pub(crate) struct BenchArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Decoded votes for the validate and count stages.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    votes: u64,
    /// Sealed votes for the open stage (each costs one RSA private-key operation).
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    sealed: u64,
    /// Threads of the "all cores" runs (default: all cores).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    jobs: Option<u64>,
    /// Runs per measurement; the median is reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=100))]
    repeat: u64,
    /// Seed of the generated votes.
    #[arg(long, default_value_t = 2020)]
    seed: u64,
}

/// One measured figure.
#[derive(Debug, Serialize)]
struct Measurement {
    stage: &'static str,
    /// What varies within a stage (a backend, a case).
    variant: String,
    threads: usize,
    /// Items processed per run.
    items: u64,
    /// What an item is: votes, merges, allocations.
    unit: &'static str,
    /// Median seconds per run.
    seconds: f64,
    per_second: f64,
    per_second_per_core: f64,
}

#[derive(Debug, Serialize)]
struct Report {
    jobs: usize,
    votes: u64,
    sealed: u64,
    repeat: u64,
    /// Bytes of the counted NR SR 2020 tally (`votes` votes; dense party rows, sparse
    /// preferential votes).
    full_tally_bytes: usize,
    measurements: Vec<Measurement>,
}

pub(crate) fn run(args: &BenchArgs) -> crate::error::Result {
    crate::error::print(&execute(args)?)
}

fn pool(threads: usize) -> Result<rayon::ThreadPool, String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| format!("thread pool of {threads}: {e}"))
}

/// Median seconds of `repeat` runs of `work`.
fn median_seconds(repeat: u64, mut work: impl FnMut()) -> f64 {
    electie_cli::measure::median(
        (0..repeat.max(1))
            .map(|_| {
                let clock = Instant::now();
                work();
                clock.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

/// [`median_seconds`] of work that may fail: the first failure, named by `what`,
/// instead of a time.
fn median_seconds_of_fallible<E: std::fmt::Display>(
    repeat: u64,
    what: &str,
    mut work: impl FnMut() -> Result<(), E>,
) -> Result<f64, String> {
    let mut failure = None;
    let seconds = median_seconds(repeat, || {
        if let Err(error) = work() {
            failure.get_or_insert_with(|| error.to_string());
        }
    });
    match failure {
        Some(error) => Err(format!("{what}: {error}")),
        None => Ok(seconds),
    }
}

#[allow(clippy::cast_precision_loss)]
fn measurement(
    stage: &'static str,
    variant: impl Into<String>,
    threads: usize,
    items: u64,
    unit: &'static str,
    seconds: f64,
) -> Measurement {
    let per_second = if seconds > 0.0 {
        items as f64 / seconds
    } else {
        f64::INFINITY
    };
    Measurement {
        stage,
        variant: variant.into(),
        threads,
        items,
        unit,
        seconds,
        per_second,
        per_second_per_core: per_second / threads.max(1) as f64,
    }
}

fn execute(args: &BenchArgs) -> Result<String, String> {
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        |jobs| jobs as usize,
    );
    let config =
        electie_tally::embedded::nrsr_2020().map_err(|e| format!("embedded configuration: {e}"))?;
    let thread_counts: Vec<usize> = if jobs > 1 { vec![1, jobs] } else { vec![1] };
    let pools: Vec<(usize, rayon::ThreadPool)> = thread_counts
        .iter()
        .map(|&threads| pool(threads).map(|pool| (threads, pool)))
        .collect::<Result<_, _>>()?;
    let mut measurements = Vec::new();

    bench_open(args, &pools, &mut measurements)?;

    let votes = usize::try_from(args.votes).map_err(|_| "--votes: too large".to_owned())?;
    let cast = generate::generate_votes(&config, votes, BATCH, 0, args.seed);
    let batches: Vec<(PollingPlaceId, Vec<Vote>)> = cast
        .chunks(BATCH)
        .map(|chunk| {
            (
                chunk[0].polling_place,
                chunk.iter().map(|cast| cast.vote.clone()).collect(),
            )
        })
        .collect();
    bench_validate(args, &config, &batches, &pools, &mut measurements);
    let tally = bench_count(args, &config, &cast, &pools, &mut measurements)?;
    drop(batches);
    drop(cast);
    bench_merge(args, &tally, &mut measurements)?;
    bench_seats(args, &tally, &mut measurements)?;

    let report = Report {
        jobs,
        votes: args.votes,
        sealed: args.sealed,
        repeat: args.repeat,
        full_tally_bytes: tally.heap_bytes(),
        measurements,
    };
    match args.format {
        Format::Json => serde_json::to_string(&report).map_err(|e| e.to_string()),
        Format::Table => Ok(render_table(&report)),
    }
}

/// Opening sealed votes with every compiled backend, on one thread and on all.
fn bench_open(
    args: &BenchArgs,
    pools: &[(usize, rayon::ThreadPool)],
    measurements: &mut Vec<Measurement>,
) -> Result<(), String> {
    let server = PrivateKey::generate(2048).map_err(|e| format!("key generation: {e}"))?;
    let gateway = PrivateKey::generate(2048).map_err(|e| format!("key generation: {e}"))?;
    let sealer = Sealer::with_backend(&gateway, &server.public_key(), Backend::fastest())
        .map_err(|e| format!("sealer: {e}"))?;
    let config =
        electie_tally::embedded::nrsr_2020().map_err(|e| format!("embedded configuration: {e}"))?;
    let count = usize::try_from(args.sealed).map_err(|_| "--sealed: too large".to_owned())?;
    let votes: Vec<CastVote> = generate::generate_votes(&config, count, 10, 0, args.seed);
    let sealed: Vec<Sealed> = pools
        .last()
        .map(|(_, pool)| pool)
        .ok_or("no thread pool")?
        .install(|| {
            votes
                .par_iter()
                .map_init(electie_crypto::system_rng, |rng, cast| {
                    sealer.seal_value(&cast.vote.to_json(), AesKeyLength::Aes256, rng)
                })
                .collect::<Result<_, _>>()
        })
        .map_err(|e| format!("seal: {e}"))?;
    for backend in Backend::ALL.into_iter().filter(|b| b.is_available()) {
        let opener = Opener::with_backend(&server, &gateway.public_key(), backend)
            .map_err(|e| format!("opener: {e}"))?;
        for (threads, pool) in pools {
            let mut failures = 0;
            let seconds = median_seconds(args.repeat, || {
                let opened = pool.install(|| opener.open_batch(&sealed));
                failures = opened.iter().filter(|result| result.is_err()).count();
                black_box(opened);
            });
            if failures > 0 {
                return Err(format!("open ({backend}): {failures} votes did not open"));
            }
            measurements.push(measurement(
                "open",
                backend.name(),
                *threads,
                args.sealed,
                "votes",
                seconds,
            ));
        }
    }
    Ok(())
}

/// Validation (compatibility mode, rules 1 and 4–11) of batches of 1 000 decoded votes.
fn bench_validate(
    args: &BenchArgs,
    config: &ElectionConfig,
    batches: &[(PollingPlaceId, Vec<Vote>)],
    pools: &[(usize, rayon::ThreadPool)],
    measurements: &mut Vec<Measurement>,
) {
    let validator = Validator::new(config);
    let store = InMemoryTokenStore::new();
    for (threads, pool) in pools {
        let seconds = median_seconds(args.repeat, || {
            let accepted = pool.install(|| {
                batches
                    .par_iter()
                    .filter(|(place, votes)| validator.check_batch(*place, votes, &store).is_ok())
                    .count()
            });
            black_box(accepted);
        });
        measurements.push(measurement(
            "validate",
            "batches of 1000",
            *threads,
            args.votes,
            "votes",
            seconds,
        ));
    }
    // The same batches stored by field (VoteBatch), the server's fast path.
    let columnar: Vec<(PollingPlaceId, VoteBatch)> = batches
        .iter()
        .filter_map(|(place, votes)| Some((*place, VoteBatch::from_votes(votes).ok()?)))
        .collect();
    for (threads, pool) in pools {
        let seconds = median_seconds(args.repeat, || {
            let accepted = pool.install(|| {
                columnar
                    .par_iter()
                    .filter(|(place, batch)| {
                        validator.check_vote_batch(*place, batch, &store).is_ok()
                    })
                    .count()
            });
            black_box(accepted);
        });
        measurements.push(measurement(
            "validate",
            "VoteBatch, batches of 1000",
            *threads,
            args.votes,
            "votes",
            seconds,
        ));
    }
}

/// Validate + count of decoded votes into full NR SR 2020 tallies: one tally per
/// thread, merged at the end (the merge is part of the figure). Votes are counted as
/// `electie tally` and the server count them: consecutive votes of one polling place
/// as one batch by column ([`Ballots`], built before the clock starts, as decoding
/// builds them).
fn bench_count(
    args: &BenchArgs,
    config: &ElectionConfig,
    cast: &[CastVote],
    pools: &[(usize, rayon::ThreadPool)],
    measurements: &mut Vec<Measurement>,
) -> Result<Tally, String> {
    let counter = Counter::new(config, CirclePolicy::Reject);
    let batches: Vec<(PollingPlaceId, Ballots)> = cast
        .chunk_by(|a, b| a.polling_place == b.polling_place)
        .map(|batch| {
            let ballots = batch
                .iter()
                .map(|cast| (cast.vote.party_id, &cast.vote.candidate_ids[..]))
                .collect();
            (batch[0].polling_place, ballots)
        })
        .collect();
    let mut last = None;
    for (threads, pool) in pools {
        let chunk = batches.len().div_ceil(*threads).max(1);
        let mut failure = None;
        let seconds = median_seconds(args.repeat, || {
            let parts: Result<Vec<Tally>, electie_tally::Error> = pool.install(|| {
                batches
                    .par_chunks(chunk)
                    .map(|share| {
                        let mut tally = Tally::new(config);
                        for (place, ballots) in share {
                            // Every generated vote is valid (no invalid ones requested).
                            counter.count_ballots(&mut tally, *place, ballots, |_, _| {})?;
                        }
                        Ok(tally)
                    })
                    .collect()
            });
            let mut parts = match parts {
                Ok(parts) => parts.into_iter(),
                Err(error) => {
                    failure = Some(error.to_string());
                    return;
                }
            };
            let Some(mut total) = parts.next() else {
                return;
            };
            for part in parts {
                if let Err(error) = total.merge(&part) {
                    failure = Some(error.to_string());
                }
            }
            last = Some(total);
        });
        if let Some(error) = failure {
            return Err(format!("count: {error}"));
        }
        measurements.push(measurement(
            "count",
            "validate + count, full NR SR 2020 tally",
            *threads,
            args.votes,
            "votes",
            seconds,
        ));
    }
    let tally = last.ok_or("count: nothing counted")?;
    if tally.total_votes() != args.votes {
        return Err(format!(
            "count: {} votes counted of {}",
            tally.total_votes(),
            args.votes
        ));
    }
    Ok(tally)
}

/// Merging two full-size NR SR 2020 tallies (5 998 polling places).
fn bench_merge(
    args: &BenchArgs,
    tally: &Tally,
    measurements: &mut Vec<Measurement>,
) -> Result<(), String> {
    let mut target = tally.clone();
    let seconds = median_seconds_of_fallible(args.repeat.max(5), "merge", || {
        target.merge(black_box(tally))
    })?;
    measurements.push(measurement(
        "merge",
        "two full NR SR 2020 tallies",
        1,
        1,
        "merges",
        seconds,
    ));
    Ok(())
}

/// Seat allocation: the NR SR preset on the counted totals, and D'Hondt with 10 000
/// seats over 1 000 parties.
fn bench_seats(
    args: &BenchArgs,
    tally: &Tally,
    measurements: &mut Vec<Measurement>,
) -> Result<(), String> {
    let subjects: Vec<Contender> = tally
        .party_totals()
        .into_iter()
        .map(|votes| Contender {
            votes,
            coalition_size: 1,
            won_district_seat: false,
        })
        .collect();
    let mut preset = SlovakElection::national_council();
    preset.tie = TiePolicy::MoreVotesThenLot { seed: args.seed };
    let rounds: u64 = 1_000;
    let seconds = median_seconds_of_fallible(args.repeat, "seats (NR SR)", || {
        (0..rounds).try_for_each(|_| preset.allocate(black_box(&subjects)).map(drop))
    })?;
    measurements.push(measurement(
        "seats",
        format!("NR SR preset, 150 seats, {} parties", subjects.len()),
        1,
        rounds,
        "allocations",
        seconds,
    ));

    let mut rng = generate::SplitMix64::new(args.seed);
    let votes: Vec<u64> = (0..1_000).map(|_| 1 + rng.below(1_000_000)).collect();
    let method = Method::Divisor(DivisorMethod::DHondt);
    let rounds: u64 = 10;
    let seconds = median_seconds_of_fallible(args.repeat, "seats (D'Hondt)", || {
        (0..rounds).try_for_each(|_| {
            method
                .allocate(
                    black_box(&votes),
                    10_000,
                    TiePolicy::MoreVotesThenLot { seed: 1 },
                )
                .map(drop)
        })
    })?;
    measurements.push(measurement(
        "seats",
        "D'Hondt, 10 000 seats, 1 000 parties",
        1,
        rounds,
        "allocations",
        seconds,
    ));
    Ok(())
}

fn human(value: f64) -> String {
    if !value.is_finite() {
        return "inf".to_owned();
    }
    if value >= 1_000_000.0 {
        format!("{:.2} M", value / 1_000_000.0)
    } else if value >= 10_000.0 {
        format!("{:.1} k", value / 1_000.0)
    } else {
        format!("{value:.0}")
    }
}

fn duration(seconds: f64) -> String {
    let elapsed = Duration::from_secs_f64(seconds.max(0.0));
    if seconds >= 1.0 {
        format!("{:.3} s", elapsed.as_secs_f64())
    } else if seconds >= 1e-3 {
        format!("{:.3} ms", seconds * 1e3)
    } else {
        format!("{:.3} µs", seconds * 1e6)
    }
}

fn render_table(report: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "electie bench: {} decoded votes, {} sealed votes, median of {} runs, all cores = {} threads\n",
        report.votes, report.sealed, report.repeat, report.jobs
    );
    let _ = writeln!(
        out,
        "{:<9} {:<42} {:>7} {:>12} {:>14} {:>14}  unit",
        "stage", "variant", "threads", "time/run", "per second", "per core"
    );
    for m in &report.measurements {
        let per_item = if m.items > 1 {
            format!(" ({} each)", duration(m.seconds / m.items as f64))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{:<9} {:<42} {:>7} {:>12} {:>14} {:>14}  {}{}",
            m.stage,
            m.variant,
            m.threads,
            duration(m.seconds),
            human(m.per_second),
            human(m.per_second_per_core),
            m.unit,
            if m.unit == "votes" {
                String::new()
            } else {
                per_item
            }
        );
    }
    let _ = write!(
        out,
        "\nNR SR 2020 tally of {} votes: {:.1} MB",
        report.votes,
        report.full_tally_bytes as f64 / 1e6
    );
    out
}

//! `electie tally`: decrypted votes (JSON lines) + configuration → results with seats.
//!
//! Lines are `{"polling_place_id", "party_id", "candidate_ids"}`, not yet validated:
//! each line is checked (format, polling place, rules 4–8 of electie-core's
//! validation) and counted, or counted as rejected with its reason. Work is split
//! into `--jobs` contiguous chunks, each counted into its own tally; the tallies are
//! merged (exact, order-independent).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use electie_core::decode::tally_line_into;
use electie_core::lines::{continued_lines, without_bom};
use electie_core::validation::Rejection;
use electie_core::{CandidateId, ElectionConfig, PartyId, PollingPlaceId};
use electie_tally::coalition::{CoalitionSize, CoalitionSizes};
use electie_tally::count::{CirclePolicy, Counter, Tally};
use electie_tally::results::{
    PartyResult, ResultsOptions, Status, party_results, seat_outcome, status,
};
use electie_tally::tie::NamedTiePolicy;
use serde::Serialize;

use crate::choice::choice;
use crate::error::{self, Error};
use crate::input;

#[derive(Debug, clap::Args)]
pub(crate) struct TallyArgs {
    /// Election configuration: a server or gateway JSON file, or a directory with
    /// parties.json, candidates.json and polling_places.json.
    #[arg(long)]
    config: PathBuf,
    /// Threads counting in parallel (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// The most candidates a vote may circle (default: the configuration's).
    #[arg(long)]
    max_candidates: Option<usize>,
    /// Policy for votes with too many circled candidates.
    #[arg(long, value_parser = choice::<CirclePolicy>(), default_value = "reject")]
    too_many_circles: CirclePolicy,
    /// Coalition size of a party, as PARTY_ID=SIZE (repeatable; default: the
    /// configuration directory's coalitions.json, else 1 each).
    #[arg(long = "coalition", value_name = "PARTY_ID=SIZE", value_parser = str::parse::<CoalitionSize>)]
    coalitions: Vec<CoalitionSize>,
    /// Seats to fill (default 150, the Slovak National Council).
    #[arg(long, default_value_t = 150)]
    seats: u64,
    /// Tie policy for the last seats.
    #[arg(long, value_parser = choice::<NamedTiePolicy>(), default_value = "more-votes")]
    tie: NamedTiePolicy,
    /// Seed of the lot for `--tie lot` (required with it).
    #[arg(long)]
    seed: Option<u64>,
    /// Decrypted votes, one JSON object per line; `-` reads standard input.
    votes: PathBuf,
}

#[derive(Serialize)]
struct TallyOutput {
    parties: Vec<PartyResult>,
    status: Status,
    rejected: u64,
    rejections: BTreeMap<String, u64>,
}

pub(crate) fn run(args: &TallyArgs) -> error::Result {
    error::print(&execute(args)?)
}

fn execute(args: &TallyArgs) -> error::Result<String> {
    let mut config = ElectionConfig::load(&args.config).map_err(|e| format!("--config: {e}"))?;
    if let Some(max) = args.max_candidates {
        config = config
            .with_max_candidates(max)
            .map_err(|e| format!("--max-candidates: {e}"))?;
    }
    let mut options = ResultsOptions::default();
    options.election.seats = args.seats;
    options.election.tie = args.tie.policy(args.seed)?;
    options.coalition_sizes = CoalitionSizes::beside(&config, &args.config)
        .map_err(|e| Error::from(e).context("--config"))?;
    for &given in &args.coalitions {
        options.coalition_sizes.set(&config, given).map_err(|e| {
            Error::from(e).context(format!("--coalition \"{}={}\"", given.party.0, given.size))
        })?;
    }
    let bytes = if args.votes.as_os_str() == "-" {
        let mut bytes = Vec::new();
        input::open(&args.votes)
            .and_then(|mut r| r.read_to_end(&mut bytes))
            .map_err(Error::read(&args.votes))?;
        bytes
    } else {
        std::fs::read(&args.votes).map_err(Error::read(&args.votes))?
    };
    let circles = args.too_many_circles;
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let (tally, rejections) = count_parallel(&config, circles, &bytes, jobs)?;
    let rejected = rejections.values().sum();
    let outcome = seat_outcome(&config, &tally, &options).map_err(|e| format!("seats: {e}"))?;
    let output = TallyOutput {
        parties: party_results(&config, &outcome, true),
        status: status(&config, &tally, None),
        rejected,
        rejections,
    };
    Ok(serde_json::to_string(&output).map_err(|e| e.to_string())?)
}

/// A thread's tally and its rejection reasons with how many votes each.
type Counted = (Tally, BTreeMap<String, u64>);

/// Splits `bytes` into `jobs` chunks at line ends and counts them on scoped threads.
///
/// # Errors
/// A fault of the count, which stops it (exit code 2) instead of going on with fewer
/// votes: a counting thread that panicked, a counter overflow, a merge failure.
pub(crate) fn count_parallel(
    config: &ElectionConfig,
    circles: CirclePolicy,
    bytes: &[u8],
    jobs: usize,
) -> Result<(Tally, BTreeMap<String, u64>), String> {
    let bytes = without_bom(bytes);
    // every job holds a full tally (63 MiB for NR SR 2020): no more jobs than 64 KiB
    // pieces of input, and at most 64
    let jobs = jobs.clamp(1, 64).min(bytes.len() / 65_536 + 1);
    let mut chunks = Vec::with_capacity(jobs);
    let mut start = 0;
    for j in 1..=jobs {
        let mut end = if j == jobs {
            bytes.len()
        } else {
            (bytes.len() * j / jobs).max(start)
        };
        while end > 0 && end < bytes.len() && bytes[end - 1] != b'\n' {
            end += 1;
        }
        chunks.push(&bytes[start..end]);
        start = end;
    }
    let counter = Counter::new(config, circles);
    let parts: Vec<Result<Counted, String>> = if jobs == 1 {
        vec![count_chunk(&counter, chunks[0]).map_err(|e| format!("counting failed: {e}"))]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = chunks
                .iter()
                .map(|&chunk| scope.spawn(move || count_chunk(&counter, chunk)))
                .collect();
            handles
                .into_iter()
                .enumerate()
                .map(|(worker, h)| match h.join() {
                    Ok(counted) => counted.map_err(|e| format!("counting failed: {e}")),
                    Err(_) => Err(format!(
                        "counting thread {worker} of {jobs} panicked; nothing is reported"
                    )),
                })
                .collect()
        })
    };
    let mut parts = parts.into_iter();
    let (mut tally, mut rejections) = parts
        .next()
        .unwrap_or_else(|| Ok((Tally::new(config), BTreeMap::new())))?;
    for part in parts {
        let (t, r) = part?;
        tally
            .merge(&t)
            .map_err(|e| format!("merging the threads' counts failed: {e}"))?;
        for (reason, n) in r {
            *rejections.entry(reason).or_default() += n;
        }
    }
    Ok((tally, rejections))
}

/// Counts one chunk of lines; consecutive lines from one polling place are counted
/// as a batch.
fn count_chunk(
    counter: &Counter<'_>,
    chunk: &[u8],
) -> Result<(Tally, BTreeMap<String, u64>), electie_tally::Error> {
    let mut tally = Tally::new(counter.config());
    let mut rejections: BTreeMap<String, u64> = BTreeMap::new();
    let mut reject =
        |rejection: Rejection| *rejections.entry(rejection.to_string()).or_default() += 1;
    // The pending batch: each vote's party and the end of its candidates in one
    // shared list.
    let mut pending: Vec<(Option<PartyId>, usize)> = Vec::with_capacity(1024);
    let mut candidates: Vec<CandidateId> = Vec::with_capacity(4096);
    let mut pending_place = PollingPlaceId(0);
    let flush = |tally: &mut Tally,
                 pending: &mut Vec<(Option<PartyId>, usize)>,
                 candidates: &mut Vec<CandidateId>,
                 place: PollingPlaceId,
                 reject: &mut dyn FnMut(Rejection)|
     -> Result<(), electie_tally::Error> {
        if !pending.is_empty() {
            let mut start = 0;
            counter.count_batch(
                tally,
                place,
                pending.iter().map(|&(party, end)| {
                    let ballot = (party, &candidates[start..end]);
                    start = end;
                    ballot
                }),
                |_, r| reject(r),
            )?;
            pending.clear();
            candidates.clear();
        }
        Ok(())
    };
    let mut line_candidates: Vec<CandidateId> = Vec::with_capacity(16);
    for line in continued_lines(chunk) {
        line_candidates.clear();
        match tally_line_into(line, &mut line_candidates) {
            Ok((place, party)) => {
                if place != pending_place || pending.len() >= 4096 {
                    flush(
                        &mut tally,
                        &mut pending,
                        &mut candidates,
                        pending_place,
                        &mut reject,
                    )?;
                    pending_place = place;
                }
                candidates.extend_from_slice(&line_candidates);
                pending.push((party, candidates.len()));
            }
            Err(error) => reject(Rejection::InvalidFormat(error)),
        }
    }
    flush(
        &mut tally,
        &mut pending,
        &mut candidates,
        pending_place,
        &mut reject,
    )?;
    Ok((tally, rejections))
}

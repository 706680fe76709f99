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
use std::process::ExitCode;

use electie_core::validation::Rejection;
use electie_core::{CandidateId, ElectionConfig, FormatError, PartyId, PollingPlaceId};
use electie_tally::count::{CirclePolicy, Counter, Tally};
use electie_tally::results::{
    PartyResult, ResultsOptions, Status, party_results, seat_outcome, status,
};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::input;

/// What to do with a vote circling more candidates than allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Circles {
    /// Reject it (the original server; validation rule 4).
    Reject,
    /// Count it for its party, ignoring its preferential votes (Slovak law).
    IgnorePreferences,
}

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
    #[arg(long, value_enum, default_value = "reject")]
    too_many_circles: Circles,
    /// Coalition size of a party, as PARTY_ID=SIZE (repeatable; default 1 each).
    #[arg(long = "coalition", value_name = "PARTY_ID=SIZE")]
    coalitions: Vec<String>,
    /// Seats to fill (default 150, the Slovak National Council).
    #[arg(long, default_value_t = 150)]
    seats: u64,
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

pub(crate) fn run(args: TallyArgs) -> ExitCode {
    match execute(&args) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("electie: tally: {message}");
            ExitCode::from(2)
        }
    }
}

fn execute(args: &TallyArgs) -> Result<String, String> {
    let mut config = ElectionConfig::load(&args.config).map_err(|e| format!("--config: {e}"))?;
    if let Some(max) = args.max_candidates {
        config = config
            .with_max_candidates(max)
            .map_err(|e| format!("--max-candidates: {e}"))?;
    }
    let mut options = ResultsOptions::default();
    options.election.seats = args.seats;
    options.coalition_sizes = vec![1; config.parties().len()];
    for spec in &args.coalitions {
        let (party, size) = spec
            .split_once('=')
            .ok_or_else(|| format!("--coalition {spec:?} must be PARTY_ID=SIZE"))?;
        let party: i64 = party
            .trim()
            .parse()
            .map_err(|_| format!("--coalition {spec:?}: party id must be an integer"))?;
        let size: u32 = size
            .trim()
            .parse()
            .map_err(|_| format!("--coalition {spec:?}: size must be a positive integer"))?;
        let index = config
            .party_index(PartyId(party))
            .ok_or_else(|| format!("--coalition {spec:?}: unknown party id {party}"))?;
        options.coalition_sizes[index] = size;
    }
    let mut bytes = Vec::new();
    input::open(&args.votes)
        .and_then(|mut r| r.read_to_end(&mut bytes))
        .map_err(|e| format!("{}: {e}", args.votes.display()))?;
    let circles = match args.too_many_circles {
        Circles::Reject => CirclePolicy::Reject,
        Circles::IgnorePreferences => CirclePolicy::IgnorePreferences,
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let (tally, rejections) = count_parallel(&config, circles, &bytes, jobs);
    let rejected = rejections.values().sum();
    let outcome = seat_outcome(&config, &tally, &options).map_err(|e| format!("seats: {e}"))?;
    let output = TallyOutput {
        parties: party_results(&config, &outcome, true),
        status: status(&config, &tally, None),
        rejected,
        rejections,
    };
    serde_json::to_string(&output).map_err(|e| e.to_string())
}

/// Splits `bytes` into `jobs` chunks at line ends and counts them on scoped threads.
pub(crate) fn count_parallel(
    config: &ElectionConfig,
    circles: CirclePolicy,
    bytes: &[u8],
    jobs: usize,
) -> (Tally, BTreeMap<String, u64>) {
    let mut chunks = Vec::with_capacity(jobs);
    let mut start = 0;
    for j in 1..=jobs {
        let mut end = if j == jobs {
            bytes.len()
        } else {
            (bytes.len() * j / jobs).max(start)
        };
        while end < bytes.len() && bytes[end - 1] != b'\n' {
            end += 1;
        }
        chunks.push(&bytes[start..end]);
        start = end;
    }
    let counter = Counter::new(config, circles);
    let mut parts: Vec<(Tally, BTreeMap<String, u64>)> = if jobs == 1 {
        vec![count_chunk(&counter, chunks[0])]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = chunks
                .iter()
                .map(|&chunk| scope.spawn(move || count_chunk(&counter, chunk)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| (Tally::new(config), BTreeMap::new()))
                })
                .collect()
        })
    };
    let (mut tally, mut rejections) = parts.swap_remove(0);
    for (t, r) in parts {
        // same configuration, so shapes agree; a counter overflow cannot happen below 2^32 votes per place
        if let Err(e) = tally.merge(&t) {
            *rejections.entry(format!("merge failed: {e}")).or_default() += 1;
        }
        for (reason, n) in r {
            *rejections.entry(reason).or_default() += n;
        }
    }
    (tally, rejections)
}

/// A field that distinguishes "absent" from `null`.
#[derive(Default)]
enum Field<T> {
    #[default]
    Missing,
    Given(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Field::Given)
    }
}

#[derive(Deserialize)]
struct Line {
    polling_place_id: i64,
    #[serde(default)]
    party_id: Field<Option<PartyId>>,
    #[serde(default)]
    candidate_ids: Vec<CandidateId>,
}

fn count_chunk(counter: &Counter<'_>, chunk: &[u8]) -> (Tally, BTreeMap<String, u64>) {
    let mut tally = Tally::new(counter.config());
    let mut rejections: BTreeMap<String, u64> = BTreeMap::new();
    for line in chunk.split(|&b| b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let verdict = match serde_json::from_slice::<Line>(line) {
            Ok(Line {
                polling_place_id,
                party_id: Field::Given(party),
                candidate_ids,
            }) => counter.count(
                &mut tally,
                PollingPlaceId(polling_place_id),
                party,
                &candidate_ids,
            ),
            _ => Err(Rejection::InvalidFormat(diagnose(line))),
        };
        if let Err(rejection) = verdict {
            *rejections.entry(rejection.to_string()).or_default() += 1;
        }
    }
    (tally, rejections)
}

/// Why a line is not a well-formed vote, naming the field (slow path only).
fn diagnose(line: &[u8]) -> FormatError {
    let value: Value = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(e) => return FormatError::Model(format!("not JSON: {e}")),
    };
    let Some(object) = value.as_object() else {
        return FormatError::NotAnObject {
            what: "vote",
            found: type_name(&value),
        };
    };
    let wrong = |field: &str, expected: &'static str, found: &Value| FormatError::WrongType {
        field: field.to_owned(),
        expected,
        found: type_name(found),
    };
    match object.get("polling_place_id") {
        None => {
            return FormatError::MissingField {
                field: "polling_place_id",
            };
        }
        Some(v) if v.as_i64().is_none() => return int_problem("polling_place_id", v, "an integer"),
        Some(_) => {}
    }
    match object.get("party_id") {
        None => return FormatError::MissingField { field: "party_id" },
        Some(Value::Null) => {}
        Some(v) if v.as_i64().is_none() => return int_problem("party_id", v, "an integer or null"),
        Some(_) => {}
    }
    match object.get("candidate_ids") {
        None => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if item.as_i64().is_none() {
                    return int_problem(&format!("candidate_ids[{i}]"), item, "an integer");
                }
            }
        }
        Some(other) => return wrong("candidate_ids", "a list of integers", other),
    }
    FormatError::Model("unreadable vote".into())
}

fn int_problem(field: &str, value: &Value, expected: &'static str) -> FormatError {
    match value {
        Value::Number(n) if n.is_u64() => FormatError::OutOfRange {
            field: field.to_owned(),
            value: n.to_string(),
        },
        other => FormatError::WrongType {
            field: field.to_owned(),
            expected,
            found: type_name(other),
        },
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a float",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

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

use electie_core::validation::Rejection;
use electie_core::{CandidateId, ElectionConfig, FormatError, PartyId, PollingPlaceId};
use electie_tally::coalition::{CoalitionSize, CoalitionSizes};
use electie_tally::count::{CirclePolicy, Counter, Tally};
use electie_tally::results::{
    PartyResult, ResultsOptions, Status, party_results, seat_outcome, status,
};
use electie_tally::tie::NamedTiePolicy;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

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
    let (tally, rejections) = count_parallel(&config, circles, &bytes, jobs);
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

/// Splits `bytes` into `jobs` chunks at line ends and counts them on scoped threads.
pub(crate) fn count_parallel(
    config: &ElectionConfig,
    circles: CirclePolicy,
    bytes: &[u8],
    jobs: usize,
) -> (Tally, BTreeMap<String, u64>) {
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

/// Up to 16 candidate ids, parsed without allocating; more than 16 sets `overflow`
/// (such a line is re-read on the slow path).
#[derive(Clone, Copy)]
struct Circled {
    ids: [CandidateId; 16],
    len: u8,
    overflow: bool,
}

impl Default for Circled {
    fn default() -> Self {
        Self {
            ids: [CandidateId(0); 16],
            len: 0,
            overflow: false,
        }
    }
}

impl Circled {
    fn as_slice(&self) -> &[CandidateId] {
        &self.ids[..usize::from(self.len)]
    }
}

impl<'de> Deserialize<'de> for Circled {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Circled;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of integers")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Circled, A::Error> {
                let mut out = Circled::default();
                while let Some(id) = seq.next_element::<CandidateId>()? {
                    if usize::from(out.len) < out.ids.len() {
                        out.ids[usize::from(out.len)] = id;
                        out.len += 1;
                    } else {
                        out.overflow = true;
                    }
                }
                Ok(out)
            }
        }
        deserializer.deserialize_seq(Visit)
    }
}

#[derive(Deserialize)]
struct Line {
    polling_place_id: i64,
    #[serde(default)]
    party_id: Field<Option<PartyId>>,
    #[serde(default)]
    candidate_ids: Circled,
}

#[derive(Deserialize)]
struct LongLine {
    polling_place_id: i64,
    party_id: Option<PartyId>,
    #[serde(default)]
    candidate_ids: Vec<CandidateId>,
}

/// Counts one chunk of lines; consecutive lines from one polling place are counted
/// as a batch.
fn count_chunk(counter: &Counter<'_>, chunk: &[u8]) -> (Tally, BTreeMap<String, u64>) {
    let mut tally = Tally::new(counter.config());
    let mut rejections: BTreeMap<String, u64> = BTreeMap::new();
    let mut reject =
        |rejection: Rejection| *rejections.entry(rejection.to_string()).or_default() += 1;
    let mut pending: Vec<(Option<PartyId>, Circled)> = Vec::with_capacity(1024);
    let mut pending_place = PollingPlaceId(0);
    let flush = |tally: &mut Tally,
                 pending: &mut Vec<(Option<PartyId>, Circled)>,
                 place: PollingPlaceId,
                 reject: &mut dyn FnMut(Rejection)| {
        if !pending.is_empty() {
            counter.count_batch(
                tally,
                place,
                pending.iter().map(|(p, c)| (*p, c.as_slice())),
                |_, r| reject(r),
            );
            pending.clear();
        }
    };
    for line in chunk.split(|&b| b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let parsed = scan(line).or_else(|| match serde_json::from_slice::<Line>(line) {
            Ok(Line {
                polling_place_id,
                party_id: Field::Given(party),
                candidate_ids,
            }) => Some((polling_place_id, party, candidate_ids)),
            _ => None,
        });
        match parsed {
            Some((polling_place_id, party, candidate_ids)) if !candidate_ids.overflow => {
                let place = PollingPlaceId(polling_place_id);
                if place != pending_place || pending.len() >= 4096 {
                    flush(&mut tally, &mut pending, pending_place, &mut reject);
                    pending_place = place;
                }
                pending.push((party, candidate_ids));
            }
            Some(_) => match serde_json::from_slice::<LongLine>(line) {
                Ok(long) => {
                    if let Err(r) = counter.count(
                        &mut tally,
                        PollingPlaceId(long.polling_place_id),
                        long.party_id,
                        &long.candidate_ids,
                    ) {
                        reject(r);
                    }
                }
                Err(_) => reject(Rejection::InvalidFormat(diagnose(line))),
            },
            None => reject(Rejection::InvalidFormat(diagnose(line))),
        }
    }
    flush(&mut tally, &mut pending, pending_place, &mut reject);
    (tally, rejections)
}

/// A strict scanner for the usual line shape, `{"polling_place_id": 1, "party_id": 2,
/// "candidate_ids": [3, 4]}` (keys in any order, other keys with plain string values
/// skipped). It answers only when the line is certainly valid JSON meaning exactly
/// that; anything else (escapes, floats, leading zeros, duplicate keys, more than 16
/// candidates, …) returns `None` and goes to serde_json, which decides.
fn scan(line: &[u8]) -> Option<(i64, Option<PartyId>, Circled)> {
    let mut s = Scanner { bytes: line, at: 0 };
    s.space();
    s.eat(b'{')?;
    let (mut place, mut party, mut circled) = (None, None, None);
    s.space();
    if s.peek()? == b'}' {
        return None;
    }
    loop {
        s.space();
        let key = s.plain_string()?;
        s.space();
        s.eat(b':')?;
        s.space();
        match key {
            b"polling_place_id" if place.is_none() => place = Some(s.integer()?),
            b"party_id" if party.is_none() => {
                party = Some(if s.literal(b"null") {
                    None
                } else {
                    Some(PartyId(s.integer()?))
                });
            }
            b"candidate_ids" if circled.is_none() => circled = Some(s.integers()?),
            b"polling_place_id" | b"party_id" | b"candidate_ids" => return None,
            _ => {
                s.plain_string()?;
            }
        }
        s.space();
        match s.next()? {
            b',' => {}
            b'}' => break,
            _ => return None,
        }
    }
    s.space();
    if s.at != line.len() {
        return None;
    }
    Some((place?, party?, circled.unwrap_or_default()))
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn eat(&mut self, expected: u8) -> Option<()> {
        (self.next()? == expected).then_some(())
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r')) {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        if self.bytes[self.at..].starts_with(word) {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    /// A string of printable ASCII without escapes.
    fn plain_string(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.at;
        loop {
            match self.next()? {
                b'"' => return self.bytes.get(start..self.at - 1),
                b'\\' => return None,
                b if (0x20..0x7f).contains(&b) => {}
                _ => return None,
            }
        }
    }

    /// A JSON integer that fits i64 and is not followed by a fraction or exponent.
    fn integer(&mut self) -> Option<i64> {
        let negative = self.peek()? == b'-';
        if negative {
            self.at += 1;
        }
        let first = self.next()?;
        if !first.is_ascii_digit() {
            return None;
        }
        let mut value = i64::from(first - b'0');
        if first == b'0' {
            // "01" is not JSON; "-0" is a float to serde_json: let it decide
            if negative || self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return None;
            }
        } else {
            while let Some(b) = self.peek().filter(u8::is_ascii_digit) {
                value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
                self.at += 1;
            }
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        Some(if negative { -value } else { value })
    }

    fn integers(&mut self) -> Option<Circled> {
        self.eat(b'[')?;
        let mut out = Circled::default();
        self.space();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(out);
        }
        loop {
            self.space();
            let id = self.integer()?;
            let slot = out.ids.get_mut(usize::from(out.len))?;
            *slot = CandidateId(id);
            out.len += 1;
            self.space();
            match self.next()? {
                b',' => {}
                b']' => return Some(out),
                _ => return None,
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn serde_view(line: &str) -> Option<(i64, Option<PartyId>, Vec<CandidateId>)> {
        match serde_json::from_str::<Line>(line) {
            Ok(Line {
                polling_place_id,
                party_id: Field::Given(party),
                candidate_ids,
            }) if !candidate_ids.overflow => {
                Some((polling_place_id, party, candidate_ids.as_slice().to_vec()))
            }
            _ => None,
        }
    }

    #[test]
    fn scanner_agrees_with_serde_or_defers() {
        let lines = [
            r#"{"polling_place_id": 1, "party_id": 2, "candidate_ids": [3, 4]}"#,
            r#"{"polling_place_id":1,"party_id":null,"candidate_ids":[]}"#,
            r#" { "candidate_ids" : [ -3 ] , "party_id" : -0 , "polling_place_id" : 0 } "#,
            r#"{"polling_place_id": 1, "party_id": 2}"#,
            r#"{"polling_place_id": 1, "party_id": 2, "candidate_ids": [], "token": "abc", "election_id": "e"}"#,
            r#"{"polling_place_id": 9223372036854775807, "party_id": 2, "candidate_ids": []}"#,
            r#"{"polling_place_id": 9223372036854775808, "party_id": 2, "candidate_ids": []}"#,
            r#"{"polling_place_id": 1.0, "party_id": 2, "candidate_ids": []}"#,
            r#"{"polling_place_id": 1e2, "party_id": 2, "candidate_ids": []}"#,
            r#"{"polling_place_id": 01, "party_id": 2, "candidate_ids": []}"#,
            r#"{"polling_place_id": 1, "party_id": "2", "candidate_ids": []}"#,
            r#"{"polling_place_id": 1, "party_id": 2, "party_id": 3}"#,
            r#"{"polling_place_id": 1, "party_id": 2, "candidate_ids": [1,]}"#,
            r#"{"polling_place_id": 1, "party_id": 2, "candidate_ids": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]}"#,
            r#"{"polling_place_id": 1, "p\u0061rty_id": 2}"#,
            r#"{"polling_place_id": 1, "party_id": 2, "candidate_ids": [1]} x"#,
            r#"{"polling_place_id": 1, "party_id": 2, "candidate_ids": [1]"#,
            r#"{"polling_place_id": 1, "party_id": 2, "extra": {"a": 1}}"#,
            r#"{}"#,
            r#"[]"#,
            r#"{"polling_place_id": -, "party_id": 2}"#,
            r#"{"polling_place_id": 1, "party_id": nul}"#,
        ];
        for line in lines {
            let fast = scan(line.as_bytes()).map(|(p, party, c)| (p, party, c.as_slice().to_vec()));
            let slow = serde_view(line);
            if let Some(fast) = fast {
                assert_eq!(Some(fast), slow, "{line}");
            }
        }
        // the common shapes take the fast path
        assert!(scan(lines[0].as_bytes()).is_some());
        assert!(scan(lines[1].as_bytes()).is_some());
        assert!(scan(lines[4].as_bytes()).is_some());
        assert!(scan(lines[7].as_bytes()).is_none());
        assert!(scan(lines[9].as_bytes()).is_none());
    }
}

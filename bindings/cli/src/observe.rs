//! `electie observe`: an outside observer that verifies a reference server from its
//! public ballot feed (40-services.md, "Ballot feed").
//!
//! One run:
//! 1. picks the election (`GET /feed/elections`, or `--election`);
//! 2. reads `lastseqno`, then the whole feed from seqno 1 in the server's batches
//!    (`/batchfrom/{n}`), and checks that
//!    - sequence numbers run 1, 2, 3, … without a gap or a repeat,
//!    - every ballot this observer holds from earlier runs comes back unchanged at the
//!      same position (a range is never rewritten, reordered or shortened),
//!    - the feed only grows (`lastseqno` never drops below what was mirrored),
//!    - entries carry exactly the four fields of the spec (no token, no time);
//! 3. stores the mirrored ballots in the state file (`--state`; temporary file, fsync,
//!    rename, so a run stopped at any point leaves the previous state or the new one);
//! 4. recounts every ballot with `electie-tally` against the configuration the server
//!    publishes (`GET /elections/voting-data`): each ballot must pass the validation a
//!    server applies, and the counts, seats and elected candidates come from the same
//!    library functions the server uses (`seat_outcome`, `party_results`,
//!    `results_by_locality`, `status`, with `ResultsOptions::default()`'s rules),
//!    coalition sizes as data: the bundled NR SR 2020 `coalitions.json` when the
//!    server's ballot equals the bundled one, every party single otherwise, and
//!    `--coalition` over either;
//! 5. compares the recount with the server's published results.
//!
//! The feed holds the ballots of closed polling places only, while the published
//! results count every batch as it commits. So the national comparison runs when the
//! server counts exactly the ballots of the feed; before that, each municipality is
//! compared on its own, and a municipality whose numbers differ is "pending" only if
//! one of its polling places is still open (`GET /elections/sync-state`).
//!
//! Exit codes: 0 no difference found (the output says what was compared: everything,
//! the closed part, or only the feed when results are not published yet), 1 a
//! difference (the first ones are named), 2 the server cannot be reached or its answer
//! or the state file cannot be read.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use electie_core::decode::FeedEntry;
use electie_core::{CandidateId, ElectionConfig, PartyId, PollingPlaceId};
use electie_tally::coalition::{CoalitionSize, CoalitionSizes};
use electie_tally::count::{CirclePolicy, Counter, Tally};
use electie_tally::results::{
    LocalityLevel, ResultsOptions, party_results, results_by_locality, seat_outcome, status,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error;
use crate::simulate::Format;

/// The state file's format marker.
const STATE_FORMAT: &str = "electie-observer-state/1";
/// Differences printed before "and N more".
const SHOWN_DIFFERENCES: usize = 20;
/// How often a long mirror saves what it has verified so far.
const SAVE_EVERY: Duration = Duration::from_secs(5);
/// The largest answer accepted from the server (a feed batch, the configuration).
const MAX_BODY: u64 = 512 * 1024 * 1024;

#[derive(Debug, clap::Args)]
pub(crate) struct ObserveArgs {
    /// Base URL of the server, e.g. http://127.0.0.1:8222 (plain HTTP).
    #[arg(long)]
    server: String,
    /// Election to observe (a name from GET /feed/elections); needed only when the
    /// server serves more than one.
    #[arg(long)]
    election: Option<String>,
    /// File that keeps the mirrored feed between runs (created when missing). Without
    /// it every run starts from nothing and nothing is kept.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Seconds before one request is given up.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// Output: a verdict for people, or one JSON object for programs.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Coalition size of a party, as PARTY_ID=SIZE, as the server's configuration has
    /// it (repeatable; default: the bundled NR SR 2020 coalitions.json, PS–SPOLU 2, when
    /// the server's ballot is that one, else every party single): it decides the
    /// threshold the recount applies.
    #[arg(long = "coalition", value_name = "PARTY_ID=SIZE", value_parser = str::parse::<CoalitionSize>)]
    coalitions: Vec<CoalitionSize>,
}

/// A ballot as the feed gives it, without its seqno (its position in the mirror):
/// `[polling_place_id, party_id or null, [candidate_ids]]` in the state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Ballot(i64, Option<i64>, Vec<i64>);

impl std::fmt::Display for Ballot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let party = self.1.map_or_else(|| "null".to_owned(), |p| p.to_string());
        write!(
            f,
            "polling place {}, party {party}, candidates {:?}",
            self.0, self.2
        )
    }
}

/// What is kept between runs.
#[derive(Debug, Serialize, Deserialize)]
struct State {
    format: String,
    server: String,
    election: String,
    /// Ballot `i` has seqno `i + 1`.
    ballots: Vec<Ballot>,
}

/// Why a run could not judge: exit code 2.
#[derive(Debug)]
struct Unjudged(String);

impl<T: std::fmt::Display> From<T> for Unjudged {
    fn from(message: T) -> Self {
        Unjudged(message.to_string())
    }
}

/// How far the comparison with the published results went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Coverage {
    /// The server counts exactly the feed's ballots: national results, status and
    /// every municipality compared.
    Complete,
    /// Some polling places are still open: the municipalities whose polling places
    /// have all closed were compared.
    Partial,
    /// Results are not published: only the feed itself was checked.
    Unpublished,
    /// The feed checks failed, so nothing was recounted.
    NotCompared,
}

#[derive(Debug, Serialize)]
struct Report {
    verdict: &'static str,
    server: String,
    election: String,
    lastseqno: i64,
    /// Ballots held from earlier runs, re-read this run.
    reread: usize,
    /// Ballots new this run.
    new: usize,
    coverage: Coverage,
    /// Municipalities whose recount equals the server's numbers (those without votes
    /// included).
    municipalities_agreeing: usize,
    /// Municipalities not comparable yet (a polling place still open).
    municipalities_pending: usize,
    /// Every difference found, first ones first.
    differences: Vec<String>,
}

pub(crate) fn run(args: &ObserveArgs) -> error::Result {
    let report = observe(args).map_err(|Unjudged(message)| format!("cannot judge: {message}"))?;
    match args.format {
        Format::Json => error::print(&serde_json::to_string(&report).map_err(|e| e.to_string())?)?,
        Format::Table => error::write(&report_table(&report))?,
    }
    error::judged(report.differences.is_empty())
}

/// The report for a person, one `\n`-ended line each.
fn report_table(report: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "server:    {}", report.server);
    let _ = writeln!(out, "election:  {}", report.election);
    let _ = writeln!(
        out,
        "feed:      lastseqno {}; {} ballots re-read from earlier runs, {} new",
        report.lastseqno, report.reread, report.new
    );
    let compared = match report.coverage {
        Coverage::Complete => format!(
            "national results, status and all {} municipalities recounted from the feed",
            report.municipalities_agreeing
        ),
        Coverage::Partial => format!(
            "{} municipalities agree with the recount of the feed; {} pending (a polling place still open, its ballots not in the feed yet); national results are compared once every counted polling place has closed",
            report.municipalities_agreeing, report.municipalities_pending
        ),
        Coverage::Unpublished => {
            "results are not published yet: only the feed itself was checked".to_owned()
        }
        Coverage::NotCompared => "not compared (the feed failed its checks)".to_owned(),
    };
    let _ = writeln!(out, "compared:  {compared}");
    if report.differences.is_empty() {
        let _ = writeln!(out, "verdict:   AGREE — no difference found");
    } else {
        let _ = writeln!(
            out,
            "verdict:   DIFFER — {} difference(s); the first:",
            report.differences.len()
        );
        for difference in report.differences.iter().take(SHOWN_DIFFERENCES) {
            let _ = writeln!(out, "  - {difference}");
        }
        if report.differences.len() > SHOWN_DIFFERENCES {
            let _ = writeln!(
                out,
                "  … and {} more (--format json lists all)",
                report.differences.len() - SHOWN_DIFFERENCES
            );
        }
    }
    out
}

/// The server, over plain HTTP.
struct Server {
    agent: ureq::Agent,
    base: String,
}

/// An answer: status and parsed JSON body.
struct Answer {
    status: u16,
    body: Value,
}

impl Server {
    fn new(base: &str, timeout: Duration) -> Result<Self, Unjudged> {
        let base = base.trim_end_matches('/').to_owned();
        if !base.starts_with("http://") {
            return Err(Unjudged(format!(
                "--server {base:?}: give an http:// URL (the observer speaks plain HTTP)"
            )));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Ok(Self { agent, base })
    }

    fn answer(
        &self,
        what: &str,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Answer, Unjudged> {
        let mut response = response
            .map_err(|error| Unjudged(format!("{what}: cannot reach the server: {error}")))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_string()
            .map_err(|error| Unjudged(format!("{what}: reading the answer: {error}")))?;
        let body = serde_json::from_str(&text).map_err(|error| {
            Unjudged(format!(
                "{what}: HTTP {status}, the answer is not JSON ({error}): {}",
                excerpt(&text)
            ))
        })?;
        Ok(Answer { status, body })
    }

    fn get(&self, path: &str) -> Result<Answer, Unjudged> {
        let response = self.agent.get(format!("{}{path}", self.base)).call();
        self.answer(&format!("GET {path}"), response)
    }

    fn post(&self, path: &str, body: &Value) -> Result<Answer, Unjudged> {
        let response = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .send(body.to_string());
        self.answer(&format!("POST {path}"), response)
    }

    /// `GET path`, which must answer 200.
    fn get_ok(&self, path: &str) -> Result<Value, Unjudged> {
        let answer = self.get(path)?;
        if answer.status != 200 {
            return Err(Unjudged(format!(
                "GET {path}: HTTP {}: {}",
                answer.status,
                excerpt(&answer.body.to_string())
            )));
        }
        Ok(answer.body)
    }
}

fn excerpt(text: &str) -> String {
    let mut cut: String = text.chars().take(200).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

/// Path segments are election names: escape everything but unreserved characters.
fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn observe(args: &ObserveArgs) -> Result<Report, Unjudged> {
    let server = Server::new(&args.server, Duration::from_secs(args.timeout))?;
    let election = choose_election(&server, args.election.as_deref())?;
    let mut state = match &args.state {
        Some(path) => load_state(path)?,
        None => None,
    }
    .unwrap_or_else(|| State {
        format: STATE_FORMAT.to_owned(),
        server: server.base.clone(),
        election: election.clone(),
        ballots: Vec::new(),
    });
    if state.server != server.base || state.election != election {
        return Err(Unjudged(format!(
            "the state file holds the feed of election {:?} at {}, not {election:?} at {}: give another --state",
            state.election, state.server, server.base
        )));
    }

    let mut differences = Vec::new();
    let mirror = mirror(
        &server,
        &election,
        &mut state,
        args.state.as_deref(),
        &mut differences,
    )?;
    let mut report = Report {
        verdict: "agree",
        server: server.base.clone(),
        election: election.clone(),
        lastseqno: mirror.lastseqno,
        reread: mirror.reread,
        new: mirror.new,
        coverage: Coverage::NotCompared,
        municipalities_agreeing: 0,
        municipalities_pending: 0,
        differences,
    };
    if report.differences.is_empty() {
        if let Some(path) = &args.state {
            save_state(path, &state)?;
        }
        compare(
            &server,
            &election,
            &state.ballots,
            &args.coalitions,
            &mut report,
        )?;
    }
    if !report.differences.is_empty() {
        report.verdict = "differ";
    }
    Ok(report)
}

fn choose_election(server: &Server, wanted: Option<&str>) -> Result<String, Unjudged> {
    let answer = server.get("/feed/elections")?;
    if answer.status == 410 {
        return Err(Unjudged(
            "GET /feed/elections: HTTP 410, the feed period is over".to_owned(),
        ));
    }
    if answer.status != 200 {
        return Err(Unjudged(format!(
            "GET /feed/elections: HTTP {}: {}",
            answer.status,
            excerpt(&answer.body.to_string())
        )));
    }
    let names: Vec<String> = answer
        .body
        .get("elections")
        .and_then(Value::as_array)
        .ok_or_else(|| Unjudged("GET /feed/elections: no \"elections\" array".to_owned()))?
        .iter()
        .map(|entry| {
            entry
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| {
                    Unjudged(format!(
                        "GET /feed/elections: an entry without a string \"name\": {entry}"
                    ))
                })
        })
        .collect::<Result<_, _>>()?;
    match (wanted, names.as_slice()) {
        (Some(wanted), names) if names.iter().any(|name| name == wanted) => Ok(wanted.to_owned()),
        (Some(wanted), names) => Err(Unjudged(format!(
            "the server does not serve election {wanted:?} (it serves {names:?})"
        ))),
        (None, [only]) => Ok(only.clone()),
        (None, []) => Err(Unjudged("the server serves no election".to_owned())),
        (None, names) => Err(Unjudged(format!(
            "the server serves {} elections ({names:?}): choose one with --election",
            names.len()
        ))),
    }
}

fn load_state(path: &Path) -> Result<Option<State>, Unjudged> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(Unjudged(format!("--state {}: {error}", path.display()))),
    };
    let state: State = serde_json::from_str(&text).map_err(|error| {
        Unjudged(format!(
            "--state {}: not an observer state file ({error})",
            path.display()
        ))
    })?;
    if state.format != STATE_FORMAT {
        return Err(Unjudged(format!(
            "--state {}: format {:?}, expected {STATE_FORMAT:?}",
            path.display(),
            state.format
        )));
    }
    Ok(Some(state))
}

/// Writes the state next to its place, flushes it to disk, then renames it over the
/// old one: a reader (or the next run after a crash) sees the old file or the new one.
fn save_state(path: &Path, state: &State) -> Result<(), Unjudged> {
    let temporary = {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".tmp-{}", std::process::id()));
        path.with_file_name(name)
    };
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temporary)?;
        serde_json::to_writer(std::io::BufWriter::new(&mut file), state)?;
        file.flush()?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        if let Some(directory) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // the rename itself reaches the disk with the directory
            std::fs::File::open(directory)?.sync_all()?;
        }
        Ok(())
    };
    write().map_err(|error| {
        let _ = std::fs::remove_file(&temporary);
        Unjudged(format!("--state {}: cannot write: {error}", path.display()))
    })
}

struct Mirror {
    lastseqno: i64,
    reread: usize,
    new: usize,
}

/// Re-reads the whole feed, checking what `state` holds and appending what is new.
/// Differences go to `differences`; the state is extended only while none is found.
fn mirror(
    server: &Server,
    election: &str,
    state: &mut State,
    path: Option<&Path>,
    differences: &mut Vec<String>,
) -> Result<Mirror, Unjudged> {
    let segment = path_segment(election);
    let last_path = format!("/feed/elections/{segment}/lastseqno");
    let last = server.get_ok(&last_path)?;
    let lastseqno = last
        .get("lastseqno")
        .and_then(Value::as_i64)
        .filter(|n| *n >= 0)
        .ok_or_else(|| {
            Unjudged(format!(
                "GET {last_path}: no non-negative integer \"lastseqno\": {}",
                excerpt(&last.to_string())
            ))
        })?;
    let held = state.ballots.len();
    if lastseqno < held as i64 {
        differences.push(format!(
            "the feed shrank: the server now reports lastseqno {lastseqno}, but this observer mirrored {held} ballots from it before"
        ));
    }

    let mut from: i64 = 1;
    let mut saved_at = Instant::now();
    loop {
        let path_from = format!("/feed/elections/{segment}/batchfrom/{from}");
        let page = server.get_ok(&path_from)?;
        let (batch_size, entries) = read_page(&path_from, &page, election, from)?;
        for (offset, raw) in entries.iter().enumerate() {
            let expected = from + offset as i64;
            // a ballot's entry says nothing about its voter or its time: any field
            // beyond the four of the spec is a finding, not a parse failure
            if let Some(object) = raw.as_object() {
                let extra: Vec<&str> = object
                    .keys()
                    .map(String::as_str)
                    .filter(|key| {
                        !["seqno", "polling_place_id", "party_id", "candidate_ids"].contains(key)
                    })
                    .collect();
                if !extra.is_empty() {
                    differences.push(format!(
                        "feed entry {expected} carries fields the feed must not publish: {}",
                        extra.join(", ")
                    ));
                }
            }
            // the one decoder of a feed entry (electie-core), strict as every vote reader
            let entry = FeedEntry::from_json_bytes(raw.to_string().as_bytes()).map_err(|error| {
                Unjudged(format!(
                    "GET {path_from}: entry {offset} is not a feed entry (seqno, polling_place_id, party_id, candidate_ids): {error}: {}",
                    excerpt(&raw.to_string())
                ))
            })?;
            if entry.seqno != expected {
                differences.push(format!(
                    "the feed is not numbered 1, 2, 3, …: the batch from {from} holds seqno {} where {expected} belongs ({})",
                    entry.seqno,
                    if entry.seqno > expected {
                        format!("seqno {expected} is missing")
                    } else {
                        format!("seqno {} appears twice or out of order", entry.seqno)
                    }
                ));
                return Ok(Mirror {
                    lastseqno,
                    reread: held.min(from as usize - 1),
                    new: 0,
                });
            }
            let ballot = Ballot(
                entry.ballot.polling_place_id.0,
                entry.ballot.party_id.map(|party| party.0),
                entry.ballot.candidate_ids.iter().map(|id| id.0).collect(),
            );
            let index = (expected - 1) as usize;
            if let Some(before) = state.ballots.get(index) {
                if *before != ballot {
                    differences.push(format!(
                        "ballot seqno {expected} changed since an earlier run: was ({before}), now ({ballot})"
                    ));
                }
            } else if differences.is_empty() {
                state.ballots.push(ballot);
            }
        }
        let read = from - 1 + entries.len() as i64;
        if (entries.len() as i64) < batch_size || entries.is_empty() {
            // a short batch: caught up
            if (read as usize) < held {
                differences.push(format!(
                    "ballots seqno {}..={held} are gone: the feed now ends at seqno {read}, this observer mirrored them before",
                    read + 1
                ));
            }
            if read < lastseqno {
                differences.push(format!(
                    "the feed ends at seqno {read} although lastseqno said {lastseqno}"
                ));
            }
            break;
        }
        from = read + 1;
        if let Some(path) = path
            && differences.is_empty()
            && saved_at.elapsed() >= SAVE_EVERY
        {
            save_state(path, state)?;
            saved_at = Instant::now();
        }
    }
    let now = state.ballots.len();
    Ok(Mirror {
        lastseqno,
        reread: held.min(now),
        new: now.saturating_sub(held),
    })
}

/// The checked `batchmaxsize` and `batch` of one feed answer.
fn read_page<'a>(
    path: &str,
    page: &'a Value,
    election: &str,
    from: i64,
) -> Result<(i64, &'a [Value]), Unjudged> {
    let name = page.get("electionname").and_then(Value::as_str);
    if name != Some(election) {
        return Err(Unjudged(format!(
            "GET {path}: electionname {name:?}, expected {election:?}"
        )));
    }
    let echoed = page.get("fromseqno").and_then(Value::as_i64);
    if echoed != Some(from) {
        return Err(Unjudged(format!(
            "GET {path}: fromseqno {echoed:?}, expected {from}"
        )));
    }
    let size = page
        .get("batchmaxsize")
        .and_then(Value::as_i64)
        .filter(|size| *size >= 1)
        .ok_or_else(|| Unjudged(format!("GET {path}: no positive integer \"batchmaxsize\"")))?;
    let entries = page
        .get("batch")
        .and_then(Value::as_array)
        .ok_or_else(|| Unjudged(format!("GET {path}: no \"batch\" array")))?;
    if entries.len() as i64 > size {
        return Err(Unjudged(format!(
            "GET {path}: {} entries in a batch of at most {size}",
            entries.len()
        )));
    }
    Ok((size, entries))
}

/// Recounts `ballots` and compares them with what the server publishes.
fn compare(
    server: &Server,
    election: &str,
    ballots: &[Ballot],
    coalitions: &[CoalitionSize],
    report: &mut Report,
) -> Result<(), Unjudged> {
    let data = server.get_ok("/elections/voting-data")?;
    let config = ElectionConfig::from_json_str(&data.to_string())
        .map_err(|error| Unjudged(format!("GET /elections/voting-data: {error}")))?;
    if config.election_id() != election {
        return Err(Unjudged(format!(
            "GET /elections/voting-data: the configuration is for election {:?}, the feed for {election:?}",
            config.election_id()
        )));
    }

    // the recount: every ballot must pass the server's own validation
    let counter = Counter::new(&config, CirclePolicy::Reject);
    let mut tally = Tally::new(&config);
    let differences = &mut report.differences;
    for (index, ballot) in ballots.iter().enumerate() {
        let candidates: Vec<CandidateId> = ballot.2.iter().copied().map(CandidateId).collect();
        let verdict = counter
            .count(
                &mut tally,
                PollingPlaceId(ballot.0),
                ballot.1.map(PartyId),
                &candidates,
            )
            .map_err(|fault| Unjudged(format!("recount: {fault}")))?;
        if let Err(rejection) = verdict {
            differences.push(format!(
                "ballot seqno {} ({ballot}) is in the feed but is not a valid vote: {rejection}",
                index + 1
            ));
        }
    }
    if !differences.is_empty() {
        return Ok(());
    }

    let parties_answer = server.post("/elastic/get-party-candidate-results", &json!({}))?;
    if parties_answer.status == 400
        && parties_answer.body.get("detail").and_then(Value::as_str)
            == Some("Results are not published yet")
    {
        report.coverage = Coverage::Unpublished;
        return Ok(());
    }
    // 409: the server says its seat rules cannot decide (an undecided tie)
    if parties_answer.status != 200 && parties_answer.status != 409 {
        return Err(Unjudged(format!(
            "POST /elastic/get-party-candidate-results: HTTP {}: {}",
            parties_answer.status,
            excerpt(&parties_answer.body.to_string())
        )));
    }
    let server_status = server.get_ok("/elastic/elections-status")?;
    let server_status = server_status.get("data").cloned().unwrap_or(server_status);
    let server_total = server_status
        .get("total_votes")
        .and_then(Value::as_u64)
        .ok_or_else(|| Unjudged("GET /elastic/elections-status: no total_votes".to_owned()))?;
    let municipalities_answer = server.post(
        "/elastic/get-results-by-locality",
        &json!({"filter_by": "municipality_code"}),
    )?;
    if municipalities_answer.status != 200 {
        return Err(Unjudged(format!(
            "POST /elastic/get-results-by-locality: HTTP {}: {}",
            municipalities_answer.status,
            excerpt(&municipalities_answer.body.to_string())
        )));
    }

    let names = Names::new(&config);
    let feed_total = ballots.len() as u64;
    if feed_total > server_total {
        differences.push(format!(
            "the feed holds {feed_total} ballots, the server counts only {server_total} votes"
        ));
    }

    // municipalities: each on its own
    let ours = serde_json::to_value(results_by_locality(
        &config,
        &tally,
        LocalityLevel::Municipality,
        None,
    ))?;
    let ours = keyed(&ours, "code");
    let theirs = keyed(&municipalities_answer.body, "code");
    let codes: BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
    let mut differing: Vec<(String, Vec<String>)> = Vec::new();
    for code in codes {
        let mut found = Vec::new();
        let label = format!(
            "municipality {code} ({})",
            names
                .municipality
                .get(code.as_str())
                .map_or("?", String::as_str)
        );
        match (ours.get(code), theirs.get(code)) {
            (Some(a), Some(b)) => diff(&label, a, b, &names, &mut found),
            (Some(_), None) => found.push(format!("{label}: recounted, missing on the server")),
            (None, Some(_)) => {
                found.push(format!("{label}: on the server, not in the configuration"))
            }
            (None, None) => {}
        }
        if found.is_empty() {
            report.municipalities_agreeing += 1;
        } else {
            differing.push((code.clone(), found));
        }
    }

    if feed_total == server_total && differing.is_empty() {
        report.coverage = Coverage::Complete;
    } else if feed_total < server_total {
        report.coverage = Coverage::Partial;
        // a difference is pending while a polling place of that municipality is open
        for (code, found) in differing {
            if municipality_has_open_place(server, &config, &code)? {
                report.municipalities_pending += 1;
            } else {
                differences.extend(found);
            }
        }
        return Ok(());
    } else {
        report.coverage = Coverage::Complete;
        for (_, found) in differing {
            differences.extend(found);
        }
    }

    // everything is closed: national results with seats, and the status, by the rules
    // of published results (electie-tally's defaults, the server's own): the coalition
    // sizes of the bundled NR SR 2020 data when the server's ballot is that one (else
    // every party single), overridden by --coalition
    let mut options = ResultsOptions {
        coalition_sizes: electie_tally::embedded::coalitions_if_nrsr_2020(&config)
            .unwrap_or_else(|| CoalitionSizes::singles(&config)),
        ..ResultsOptions::default()
    };
    for &given in coalitions {
        options
            .coalition_sizes
            .set(&config, given)
            .map_err(|error| Unjudged(format!("--coalition: {error}")))?;
    }
    let outcome = seat_outcome(&config, &tally, &options).map_err(|error| error.to_string());
    let ours = match (outcome, parties_answer.status) {
        (Ok(outcome), 200) => serde_json::to_value(party_results(&config, &outcome, true))?,
        (Err(_), 409) => {
            // both undecided: nothing more to compare in the national results
            let ours = serde_json::to_value(status(&config, &tally, None))?;
            diff("status", &ours, &server_status, &names, differences);
            return Ok(());
        }
        (Ok(_), _) => {
            differences.push(format!(
                "national: the server refuses to allocate seats ({}), the recount allocates them",
                excerpt(&parties_answer.body.to_string())
            ));
            return Ok(());
        }
        (Err(reason), _) => {
            differences.push(format!(
                "national: the recount cannot allocate seats ({reason}), the server publishes seats"
            ));
            return Ok(());
        }
    };
    diff("national", &ours, &parties_answer.body, &names, differences);
    let order = |rows: &Value| -> Vec<String> {
        rows.as_array()
            .map(|rows| {
                rows.iter()
                    .map(|row| row.get("id").map(Value::to_string).unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default()
    };
    if order(&ours) != order(&parties_answer.body) {
        differences.push(format!(
            "national: parties in another order: recount {:?}, server {:?}",
            order(&ours),
            order(&parties_answer.body)
        ));
    }
    let ours = serde_json::to_value(status(&config, &tally, None))?;
    diff("status", &ours, &server_status, &names, differences);
    Ok(())
}

/// Every party with its votes, outside parliament, no seat.
fn municipality_has_open_place(
    server: &Server,
    config: &ElectionConfig,
    code: &str,
) -> Result<bool, Unjudged> {
    for place in config.polling_places() {
        if place.municipality_code.to_string() != code {
            continue;
        }
        let path = format!("/elections/sync-state?polling_place_id={}", place.id.0);
        let state = server.get_ok(&path)?;
        match state.get("closed").and_then(Value::as_bool) {
            Some(false) => return Ok(true),
            Some(true) => {}
            None => return Err(Unjudged(format!("GET {path}: no boolean \"closed\""))),
        }
    }
    Ok(false)
}

/// Names for the messages.
struct Names {
    party: BTreeMap<String, String>,
    candidate: BTreeMap<String, String>,
    municipality: BTreeMap<String, String>,
}

impl Names {
    fn new(config: &ElectionConfig) -> Self {
        Self {
            party: config
                .parties()
                .iter()
                .map(|p| {
                    let name = if p.abbr.is_empty() { &p.name } else { &p.abbr };
                    (p.id.0.to_string(), name.clone())
                })
                .collect(),
            candidate: config
                .candidates()
                .iter()
                .map(|c| {
                    (
                        c.id.0.to_string(),
                        format!("{} {}", c.first_name, c.last_name),
                    )
                })
                .collect(),
            municipality: config
                .municipalities()
                .iter()
                .map(|m| (m.code.to_string(), m.name.clone()))
                .collect(),
        }
    }
}

/// The objects of an array, by the text of their `key` field.
fn keyed<'a>(rows: &'a Value, key: &str) -> BTreeMap<String, &'a Value> {
    rows.as_array()
        .map(|rows| {
            rows.iter()
                .map(|row| (key_text(row.get(key)), row))
                .collect()
        })
        .unwrap_or_default()
}

fn key_text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// Field-by-field differences between the recount (`ours`) and the server's answer,
/// arrays of objects matched by `id`, `code` or `name`.
fn diff(path: &str, ours: &Value, theirs: &Value, names: &Names, out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let here = format!("{path}: {key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => diff(&here, x, y, names, out),
                    (Some(_), None) => out.push(format!("{here}: missing on the server")),
                    (None, Some(_)) => out.push(format!("{here}: not in the recount")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            let key = ["id", "code", "name"].into_iter().find(|key| {
                a.iter().chain(b).all(|row| row.get(*key).is_some())
                    && !(a.is_empty() && b.is_empty())
            });
            let Some(key) = key else {
                if ours != theirs {
                    out.push(format!("{path}: recount {ours}, server {theirs}"));
                }
                return;
            };
            let (x, y) = (keyed(ours, key), keyed(theirs, key));
            let ids: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            let kind = if path.ends_with("candidates") {
                "candidate"
            } else {
                "party"
            };
            for id in ids {
                let label = match (kind, key) {
                    ("party", "id") => format!(
                        "party {id} ({})",
                        names.party.get(id).map_or("?", String::as_str)
                    ),
                    ("candidate", "id") => format!(
                        "candidate {id} ({})",
                        names.candidate.get(id).map_or("?", String::as_str)
                    ),
                    _ => format!("{kind} {id}"),
                };
                let here = format!("{path}: {label}");
                match (x.get(id), y.get(id)) {
                    (Some(p), Some(q)) => diff(&here, p, q, names, out),
                    (Some(_), None) => {
                        out.push(format!("{here}: in the recount, missing on the server"))
                    }
                    (None, Some(_)) => {
                        out.push(format!("{here}: on the server, not in the recount"))
                    }
                    (None, None) => {}
                }
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            let equal = match (a.as_i64(), b.as_i64(), a.as_u64(), b.as_u64()) {
                (Some(p), Some(q), _, _) => p == q,
                (_, _, Some(p), Some(q)) => p == q,
                _ => a.as_f64() == b.as_f64(),
            };
            if !equal {
                out.push(format!("{path}: recount {a}, server {b}"));
            }
        }
        _ => {
            if ours != theirs {
                out.push(format!("{path}: recount {ours}, server {theirs}"));
            }
        }
    }
}

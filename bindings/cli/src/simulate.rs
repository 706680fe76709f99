//! `electie simulate`: a whole election in one process.
//!
//! Keys for every sampled polling place and its gateway, votes drawn from a realistic
//! distribution (on NR SR 2020 the official 2020 shares), sealed as gateways seal them
//! (signed with the gateway's private key, sealed for the server key of the polling
//! place), then opened, validated (verdict mode, a token store per polling place),
//! counted into dense tallies in parallel and merged, seats allocated with the Slovak
//! preset and preferential votes applied. The results depend on the seed only, never on
//! `--jobs`, the backend or timing.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, Instant};

use electie_cli::generate::{self, Profile};
use electie_core::{CandidateIndex, ElectionConfig, PartyIndex, PollingPlaceId};
use electie_crypto::Backend;
use electie_tally::TiePolicy;
use electie_tally::coalition::CoalitionSizes;
use electie_tally::results::{ResultsOptions, SeatOutcome, percentage, seat_outcome};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::pipeline;

/// Votes per gateway request (the reference server's batches of 10).
const DEFAULT_BATCH: usize = 10;

/// How many polling places to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlaceCount {
    /// A sample of this many.
    Sample(usize),
    /// Every polling place of the configuration.
    All,
}

impl FromStr for PlaceCount {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "all" {
            return Ok(PlaceCount::All);
        }
        match text.parse::<usize>() {
            Ok(0) => Err("must be at least 1".to_owned()),
            Ok(count) => Ok(PlaceCount::Sample(count)),
            Err(_) => Err(format!("{text:?} is neither a number nor `all`")),
        }
    }
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Tables for people.
    Table,
    /// One JSON object for programs.
    Json,
}

#[derive(Debug, clap::Args)]
pub(crate) struct SimulateArgs {
    /// Election configuration: a server or gateway JSON file, or a directory with
    /// parties.json, candidates.json and polling_places.json (default: the embedded
    /// NR SR 2020 configuration).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Votes to cast (all are held in memory, sealed and opened: about 1 KB each).
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    votes: u64,
    /// Polling places to simulate, each with its own server and gateway key pair: a
    /// number (a sample drawn with the seed) or `all`.
    #[arg(long, default_value = "24")]
    polling_places: PlaceCount,
    /// Seed of the votes and of the sample of polling places: the same seed gives the
    /// same results.
    #[arg(long, default_value_t = 2020)]
    seed: u64,
    /// Threads (default: all cores).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    jobs: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Votes per gateway batch.
    #[arg(long, default_value_t = DEFAULT_BATCH as u64, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    batch_size: u64,
    /// RSA backend for sealing and opening: rustcrypto or aws-lc (default: the fastest
    /// compiled in).
    #[arg(long)]
    backend: Option<Backend>,
    /// Size of the generated RSA keys in bits (electiersa's 2048 by default).
    #[arg(long, default_value_t = 2048, value_parser = clap::value_parser!(u64).range(2048..=4096))]
    key_bits: u64,
}

pub(crate) fn run(args: &SimulateArgs) -> crate::error::Result {
    crate::error::print(&execute(args)?)
}

/// Time and throughput of one stage.
#[derive(Debug, Serialize)]
struct StageTiming {
    seconds: f64,
    /// What was processed: votes, keys, or seats.
    items: u64,
    per_second: f64,
    per_second_per_core: f64,
}

impl StageTiming {
    #[allow(clippy::cast_precision_loss)]
    fn new(elapsed: Duration, items: u64, cores: usize) -> Self {
        let seconds = elapsed.as_secs_f64();
        let per_second = if seconds > 0.0 {
            items as f64 / seconds
        } else {
            0.0
        };
        Self {
            seconds,
            items,
            per_second,
            per_second_per_core: per_second / cores.max(1) as f64,
        }
    }
}

#[derive(Debug, Serialize)]
struct Timings {
    /// Threads the stages ran on.
    jobs: usize,
    /// RSA backend of sealing and opening.
    backend: &'static str,
    /// Key pairs generated (items: keys).
    keygen: StageTiming,
    /// Votes drawn (single thread).
    generate: StageTiming,
    /// Votes sealed by the gateways.
    seal: StageTiming,
    /// Votes opened, verified and decoded.
    open: StageTiming,
    /// Votes validated (verdict mode, token store per polling place).
    validate: StageTiming,
    /// Votes counted into tallies.
    count: StageTiming,
    /// Tallies merged (items: votes in the merged tallies).
    merge: StageTiming,
    /// Seat allocation and preferential votes (items: seats).
    seats: StageTiming,
    /// Everything from opening to seats (items: votes).
    server_side: StageTiming,
    /// The whole run (items: votes).
    total: StageTiming,
}

#[derive(Debug, Serialize)]
struct ElectedCandidate {
    id: i64,
    name: String,
    /// Position on the party's list.
    order: i64,
    preferential_votes: u64,
}

#[derive(Debug, Serialize)]
struct PartyLine {
    id: i64,
    name: String,
    abbr: String,
    votes: u64,
    percentage: f64,
    passed_threshold: bool,
    seats: u64,
    elected: Vec<ElectedCandidate>,
}

#[derive(Debug, Serialize)]
struct Simulation {
    configuration: String,
    seed: u64,
    polling_places: usize,
    votes_cast: u64,
    blank: u64,
    rejected: u64,
    rejections: BTreeMap<String, u64>,
    parties: Vec<PartyLine>,
    seats_total: u64,
    timings: Timings,
}

fn execute(args: &SimulateArgs) -> Result<String, String> {
    let started = Instant::now();
    let (config, coalition_sizes, configuration) = match &args.config {
        None => {
            let config = electie_tally::embedded::nrsr_2020()
                .map_err(|e| format!("embedded configuration: {e}"))?;
            let sizes = electie_tally::embedded::nrsr_2020_coalitions(&config)
                .map_err(|e| format!("embedded configuration: {e}"))?;
            (config, sizes, "NR SR 2020 (embedded)".to_owned())
        }
        Some(path) => {
            let config = ElectionConfig::load(path).map_err(|e| format!("--config: {e}"))?;
            let sizes =
                CoalitionSizes::beside(&config, path).map_err(|e| format!("--config: {e}"))?;
            (config, sizes, path.display().to_string())
        }
    };
    if config.polling_places().is_empty() {
        return Err("--config: the configuration has no polling places".to_owned());
    }
    if config.parties().is_empty() {
        return Err("--config: the configuration has no parties".to_owned());
    }
    let backend = args.backend.unwrap_or_else(Backend::fastest);
    if !backend.is_available() {
        return Err(format!(
            "--backend {backend}: not compiled into this build (rebuild with the `aws-lc` feature)"
        ));
    }
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        |jobs| jobs as usize,
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| format!("--jobs {jobs}: {e}"))?;
    let votes = usize::try_from(args.votes).map_err(|_| "--votes: too large".to_owned())?;
    let place_count = match args.polling_places {
        PlaceCount::All => config.polling_places().len(),
        PlaceCount::Sample(count) => count.min(config.polling_places().len()),
    };
    let places = generate::sample_polling_places(&config, place_count, args.seed);
    let simulation = pool.install(|| {
        simulate(
            &config,
            &coalition_sizes,
            &places,
            votes,
            args,
            backend,
            jobs,
            started,
            configuration,
        )
    })?;
    match args.format {
        Format::Json => serde_json::to_string(&simulation).map_err(|e| e.to_string()),
        Format::Table => Ok(render_table(&simulation)),
    }
}

/// A progress bar on stderr when it is a terminal, hidden otherwise.
fn progress(length: u64, stage: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(length);
    let style =
        ProgressStyle::with_template("{msg:>9} [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)")
            .map(|style| style.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(stage);
    bar
}

#[allow(clippy::too_many_arguments)]
fn simulate(
    config: &ElectionConfig,
    coalition_sizes: &CoalitionSizes,
    places: &[PollingPlaceId],
    votes: usize,
    args: &SimulateArgs,
    backend: Backend,
    jobs: usize,
    started: Instant,
    configuration: String,
) -> Result<Simulation, String> {
    let cast_count = votes as u64;
    let batch_size = usize::try_from(args.batch_size).unwrap_or(DEFAULT_BATCH);
    let key_bits = usize::try_from(args.key_bits).unwrap_or(2048);

    let bar = progress(places.len() as u64 * 2, "keys");
    let clock = Instant::now();
    let keys = pipeline::generate_keys(places, key_bits, &bar)?;
    let keygen = StageTiming::new(clock.elapsed(), places.len() as u64 * 2, jobs);
    bar.finish_and_clear();

    let clock = Instant::now();
    let profile = Profile::realistic(config);
    let cast = generate::generate(config, &profile, places, votes, batch_size, args.seed);
    let batches = pipeline::batches(cast, places, batch_size)?;
    let generated = StageTiming::new(clock.elapsed(), cast_count, 1);

    let bar = progress(cast_count, "seal");
    let clock = Instant::now();
    let sealed = pipeline::seal_all(&batches, &keys, backend, &bar)?;
    let seal = StageTiming::new(clock.elapsed(), cast_count, jobs);
    bar.finish_and_clear();
    let slots: Vec<usize> = batches.iter().map(|batch| batch.slot).collect();
    drop(batches);

    let server_clock = Instant::now();
    let openers = pipeline::openers(&keys, backend)?;
    let bar = progress(cast_count, "open");
    let clock = Instant::now();
    let decoded = pipeline::open_all(&sealed, &openers, &bar);
    let open = StageTiming::new(clock.elapsed(), cast_count, jobs);
    bar.finish_and_clear();
    drop(sealed);

    let clock = Instant::now();
    let verdicts = pipeline::validate_all(config, places, &slots, &decoded);
    let validate = StageTiming::new(clock.elapsed(), cast_count, jobs);

    let clock = Instant::now();
    let parts = pipeline::count_all(config, places.len(), &slots, &decoded, &verdicts, jobs)?;
    let count = StageTiming::new(clock.elapsed(), cast_count, jobs);

    let clock = Instant::now();
    let counted = pipeline::merge_all(parts)?;
    let merge = StageTiming::new(clock.elapsed(), cast_count, 1);

    let clock = Instant::now();
    let mut options = ResultsOptions {
        coalition_sizes: coalition_sizes.clone(),
        ..ResultsOptions::default()
    };
    // The law breaks a tie of equal votes by lot: a lot seeded with the run's seed.
    options.election.tie = TiePolicy::MoreVotesThenLot { seed: args.seed };
    let outcome =
        seat_outcome(config, &counted.tally, &options).map_err(|e| format!("seats: {e}"))?;
    let seats_total = options.election.seats;
    let seats = StageTiming::new(clock.elapsed(), seats_total, 1);
    let server_side = StageTiming::new(server_clock.elapsed(), cast_count, jobs);

    let parties = party_lines(config, &outcome);
    let blank = counted.tally.blank_total();
    let party_votes: u64 = parties.iter().map(|party| party.votes).sum();
    if party_votes + blank + counted.rejected != cast_count {
        return Err(format!(
            "internal error: {party_votes} party votes + {blank} blank + {} rejected != {cast_count} cast",
            counted.rejected
        ));
    }
    Ok(Simulation {
        configuration,
        seed: args.seed,
        polling_places: places.len(),
        votes_cast: cast_count,
        blank,
        rejected: counted.rejected,
        rejections: counted.rejections,
        seats_total: outcome.seats.iter().sum(),
        parties,
        timings: Timings {
            jobs,
            backend: backend.name(),
            keygen,
            generate: generated,
            seal,
            open,
            validate,
            count,
            merge,
            seats,
            server_side,
            total: StageTiming::new(started.elapsed(), cast_count, jobs),
        },
    })
}

fn party_lines(config: &ElectionConfig, outcome: &SeatOutcome) -> Vec<PartyLine> {
    let valid: u64 = outcome.party_votes.iter().sum();
    config
        .parties()
        .iter()
        .enumerate()
        .map(|(index, party)| {
            let elected = config
                .candidates_of_party(PartyIndex(index))
                .map(CandidateIndex::get)
                .filter(|&candidate| outcome.elected.get(candidate).copied().unwrap_or(false))
                .map(|candidate| {
                    let record = &config.candidates()[candidate];
                    ElectedCandidate {
                        id: record.id.0,
                        name: record.display_name(),
                        order: record.order,
                        preferential_votes: outcome.candidate_votes[candidate],
                    }
                })
                .collect();
            let votes = outcome.party_votes[index];
            PartyLine {
                id: party.id.0,
                name: party.name.clone(),
                abbr: party.abbr.clone(),
                votes,
                percentage: percentage(votes, valid, 2),
                passed_threshold: outcome.passing[index],
                seats: outcome.seats[index],
                elected,
            }
        })
        .collect()
}

/// Digits in groups of three, separated by thin spaces as Slovak results print them.
fn grouped(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(digit);
    }
    out
}

fn rate(value: f64) -> String {
    if value >= 100.0 {
        grouped(value.round() as u64)
    } else {
        format!("{value:.1}")
    }
}

fn render_table(simulation: &Simulation) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let t = &simulation.timings;
    let _ = writeln!(
        out,
        "electie simulate: {}, {} polling places, {} votes, seed {}, {} threads, {} backend\n",
        simulation.configuration,
        simulation.polling_places,
        grouped(simulation.votes_cast),
        simulation.seed,
        t.jobs,
        t.backend
    );
    let name_width = simulation
        .parties
        .iter()
        .map(|party| label(party).chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        out,
        "{:>4}  {:<name_width$}  {:>9}  {:>6}  {:>5}",
        "id", "party", "votes", "%", "seats"
    );
    let mut order: Vec<&PartyLine> = simulation.parties.iter().collect();
    order.sort_by(|a, b| b.votes.cmp(&a.votes).then(a.id.cmp(&b.id)));
    for party in &order {
        let _ = writeln!(
            out,
            "{:>4}  {:<name_width$}  {:>9}  {:>6.2}  {:>5}{}",
            party.id,
            label(party),
            grouped(party.votes),
            party.percentage,
            party.seats,
            if party.passed_threshold {
                ""
            } else {
                "  below threshold"
            }
        );
    }
    let _ = writeln!(
        out,
        "\nvotes cast {}, blank {}, rejected {}, seats {}",
        grouped(simulation.votes_cast),
        grouped(simulation.blank),
        grouped(simulation.rejected),
        simulation.seats_total
    );
    for (reason, count) in &simulation.rejections {
        let _ = writeln!(out, "  rejected {count}: {reason}");
    }
    let _ = writeln!(out, "\nelected (list position, preferential votes):");
    for party in order.iter().filter(|party| party.seats > 0) {
        let names: Vec<String> = party
            .elected
            .iter()
            .map(|c| {
                format!(
                    "{} ({}, {})",
                    c.name,
                    c.order,
                    grouped(c.preferential_votes)
                )
            })
            .collect();
        let _ = writeln!(out, "  {} — {} seats:", label(party), party.seats);
        let mut line = String::from("   ");
        for name in names {
            if line.chars().count() + name.chars().count() > 96 {
                let _ = writeln!(out, "{}", line.trim_end_matches(','));
                line = String::from("   ");
            }
            line.push(' ');
            line.push_str(&name);
            line.push(',');
        }
        let _ = writeln!(out, "{}", line.trim_end_matches(','));
        let vacant = party.seats.saturating_sub(party.elected.len() as u64);
        if vacant > 0 {
            let _ = writeln!(out, "    ({vacant} seats vacant: too few candidates)");
        }
    }
    let _ = writeln!(
        out,
        "\n{:<12} {:>9} {:>12} {:>14} {:>14}",
        "stage", "seconds", "items", "per second", "per core"
    );
    let stages: [(&str, &StageTiming, &str); 10] = [
        ("keygen", &t.keygen, "keys"),
        ("generate", &t.generate, "votes"),
        ("seal", &t.seal, "votes"),
        ("open", &t.open, "votes"),
        ("validate", &t.validate, "votes"),
        ("count", &t.count, "votes"),
        ("merge", &t.merge, "votes"),
        ("seats", &t.seats, "seats"),
        ("server side", &t.server_side, "votes"),
        ("total", &t.total, "votes"),
    ];
    for (name, stage, unit) in stages {
        let _ = writeln!(
            out,
            "{:<12} {:>9.3} {:>6} {:<5} {:>14} {:>14}",
            name,
            stage.seconds,
            grouped(stage.items),
            unit,
            rate(stage.per_second),
            rate(stage.per_second_per_core)
        );
    }
    let _ = write!(
        out,
        "(per core = per second / {} threads; generate, merge and seats run on one)",
        t.jobs
    );
    out
}

fn label(party: &PartyLine) -> String {
    let full = if party.abbr.is_empty() || party.abbr == party.name {
        party.name.clone()
    } else {
        format!("{} – {}", party.abbr, party.name)
    };
    if full.chars().count() <= 44 {
        full
    } else {
        let mut short: String = full.chars().take(43).collect();
        short.push('…');
        short
    }
}

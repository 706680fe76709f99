//! `electie tally`: decrypted votes (JSON lines) + configuration → results with seats.
//!
//! Lines are `{"polling_place_id", "party_id", "candidate_ids"}`, not yet validated:
//! each line is checked (format, polling place, rules 4–8 of electie-core's
//! validation) and counted, or counted as rejected with its reason. The input is read
//! once, in blocks of whole lines, counted on `--jobs` threads, each into its own
//! tally: a regular file is cut into pieces of whole lines that the threads take in
//! turn and read themselves; standard input (or a pipe) is read by one thread that
//! hands the blocks out. With more than one thread, one of them starts reading while
//! the configuration loads on another (decoding a line does not need it; what it
//! reads early waits, by column, to be counted); with one, everything happens in
//! turn on one thread. The tallies are merged (exact, order-independent). A fault of
//! the count (a read error, a thread's panic, a counter overflow, a merge that does
//! not fit) stops it with exit code 2: never a total without some votes.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};

use electie_core::decode::tally_line_into;
use electie_core::lines::{LineBlocks, continued_lines};
use electie_core::validation::Rejection;
use electie_core::{CandidateId, ElectionConfig, PollingPlaceId};
use electie_tally::coalition::{CoalitionSize, CoalitionSizes};
use electie_tally::count::{Ballots, CirclePolicy, Counter, Tally};
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
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    // opened first but reported after the configuration's errors, as it always was
    let votes = Votes::open(&args.votes);
    let jobs = match &votes {
        // no more threads than blocks of a file: a thread costs a tally and a block
        Ok(Votes::File(_, length)) => {
            jobs.min(usize::try_from(length / BLOCK as u64).unwrap_or(usize::MAX) + 1)
        }
        _ => jobs,
    };
    let circles = args.too_many_circles;
    let loaded = OnceLock::new();
    let (configured, count) = match votes {
        // Several threads: one starts reading while the configuration loads beside
        // it (loading it costs about a sixth of counting a million votes on one
        // thread, and decoding a line does not need it).
        Ok(votes) if jobs > 1 => std::thread::scope(|scope| {
            let loader = scope.spawn(|| Publish(&loaded).publish(load_config(args)));
            let counted = count_from(votes, Configured::Loading(&loaded, circles), jobs);
            let configured = loader
                .join()
                .unwrap_or_else(|payload| std::panic::resume_unwind(payload));
            (configured, Ok(Count::Done(counted)))
        }),
        // One thread does one thing at a time: the configuration, then the votes.
        votes => {
            let configured = load_config(args).map(|config| {
                let _ = loaded.set(Some(config));
            });
            (configured, votes.map(Count::Later))
        }
    };
    configured?;
    let Some(Some(config)) = loaded.get() else {
        return Err("--config: the configuration was not loaded".into());
    };
    let mut options = ResultsOptions::default();
    options.election.seats = args.seats;
    options.election.tie = args.tie.policy(args.seed)?;
    options.coalition_sizes = CoalitionSizes::beside(config, &args.config)
        .map_err(|e| Error::from(e).context("--config"))?;
    for &given in &args.coalitions {
        options.coalition_sizes.set(config, given).map_err(|e| {
            Error::from(e).context(format!("--coalition \"{}={}\"", given.party.0, given.size))
        })?;
    }
    let counted = match count.map_err(Error::read(&args.votes))? {
        Count::Done(counted) => counted,
        Count::Later(votes) => count_from(
            votes,
            Configured::Ready(Counter::new(config, circles)),
            jobs,
        ),
    };
    let (tally, rejections) = counted.map_err(|fault| match fault {
        CountFault::Read(source) => Error::Read {
            path: args.votes.clone(),
            source,
        },
        fault => Error::Invalid(fault.to_string()),
    })?;
    let rejected = rejections.values().sum();
    let outcome = seat_outcome(config, &tally, &options).map_err(|e| format!("seats: {e}"))?;
    let output = TallyOutput {
        parties: party_results(config, &outcome, true),
        status: status(config, &tally, None),
        rejected,
        rejections,
    };
    Ok(serde_json::to_string(&output).map_err(|e| e.to_string())?)
}

/// The configuration as `--config` and `--max-candidates` give it.
fn load_config(args: &TallyArgs) -> error::Result<ElectionConfig> {
    let config = ElectionConfig::load(&args.config).map_err(|e| format!("--config: {e}"))?;
    Ok(match args.max_candidates {
        Some(max) => config
            .with_max_candidates(max)
            .map_err(|e| format!("--max-candidates: {e}"))?,
        None => config,
    })
}

/// Publishes the loaded configuration to the counting threads; `None` when it could
/// not be loaded, also when its loading panicked (dropped unpublished), so that no
/// thread waits for it forever.
struct Publish<'l>(&'l OnceLock<Option<ElectionConfig>>);

impl Publish<'_> {
    /// Publishes the configuration and answers its error, if any.
    fn publish(self, loaded: error::Result<ElectionConfig>) -> error::Result {
        match loaded {
            Ok(config) => {
                let _ = self.0.set(Some(config));
                Ok(())
            }
            // dropping `self` publishes `None`
            Err(error) => Err(error),
        }
    }
}

impl Drop for Publish<'_> {
    fn drop(&mut self) {
        // does nothing once the configuration is published
        let _ = self.0.set(None);
    }
}

/// The votes counted already, or to count once the configuration is loaded.
#[allow(clippy::large_enum_variant, reason = "one value, once per run")]
enum Count {
    Done(Result<(Tally, Rejections), CountFault>),
    Later(Votes<'static>),
}

/// Rejection reasons with how many votes each.
pub(crate) type Rejections = BTreeMap<String, u64>;

/// A fault of the count: the count stops with it (exit code 2) instead of going on with
/// fewer votes. Rejected votes are not faults; they are reported in `rejections`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CountFault {
    /// A counting thread panicked: its share of the votes is not counted.
    #[error("counting thread {worker} of {workers} failed ({message}); nothing is reported")]
    WorkerPanicked {
        /// Which thread (0-based).
        worker: usize,
        /// Of how many.
        workers: usize,
        /// The panic's message, when it was text.
        message: String,
    },
    /// Counting a block failed (a counter overflow, counting and validation that
    /// disagree).
    #[error("counting failed: {0}; nothing is reported")]
    Count(electie_tally::Error),
    /// Merging the threads' tallies failed.
    #[error("merging the threads' counts failed: {0}; nothing is reported")]
    Merge(electie_tally::Error),
    /// The input could not be read.
    #[error(transparent)]
    Read(#[from] std::io::Error),
    /// The configuration, loaded while the threads started reading, could not be
    /// loaded (the loading's own error is what is reported).
    #[error("the configuration could not be loaded; nothing is counted")]
    Unconfigured,
}

/// Bytes read at a time: whole lines of about a mebibyte per block (a longer line
/// grows its block), so memory stays a few blocks per thread whatever the input size.
const BLOCK: usize = 1 << 20;

/// Where the votes are read from.
enum Votes<'r> {
    /// A regular file (with its length when opened): the counting threads read its
    /// pieces themselves.
    File(File, u64),
    /// Standard input, or anything else that is read once from its start (a pipe, a
    /// device, a directory, which fails on the first read like any read error).
    Stream(Box<dyn Read + 'r>),
}

impl Votes<'_> {
    /// Opens `path`; `-` is standard input.
    fn open(path: &Path) -> std::io::Result<Self> {
        if path.as_os_str() == "-" || !cfg!(any(unix, windows)) {
            return input::open_unbuffered(path).map(Self::Stream);
        }
        let file = File::open(path)?;
        match file.metadata() {
            Ok(meta) if meta.is_file() => Ok(Self::File(file, meta.len())),
            _ => Ok(Self::Stream(Box::new(file))),
        }
    }
}

/// Counts the vote lines of `votes` on `jobs` threads: a regular file in pieces
/// ([`count_pieces`]), a stream in blocks handed out by one reader
/// ([`count_stream`]).
///
/// # Errors
/// A [`CountFault`], which stops the count: the input cannot be read, a thread
/// panicked, a counter overflow, a merge failure, a configuration that could not be
/// loaded.
fn count_from(
    votes: Votes<'_>,
    configured: Configured<'_>,
    jobs: usize,
) -> Result<(Tally, Rejections), CountFault> {
    let new_part = parts(configured);
    match votes {
        Votes::File(file, _) => count_pieces(&file, jobs, BLOCK, new_part, Part::lines),
        Votes::Stream(mut reader) => count_stream(&mut reader, jobs, BLOCK, new_part, Part::lines),
    }
}

/// The threads' parts. While the configuration loads, the first thread reads ahead
/// and the others wait for it: no more threads busy than jobs, none of them taking a
/// core from the loading (measured: three busy threads on two cores loaded the
/// configuration in 22-40 ms instead of 18 and counted no sooner than without
/// reading ahead).
fn parts<'c>(configured: Configured<'c>) -> impl Fn() -> Part<'c> + Sync {
    let first = AtomicBool::new(true);
    move || match first.swap(false, Ordering::Relaxed) {
        true => Part::new(configured),
        false => Part::new(configured).waiting(),
    }
}

/// Counts the vote lines of `reader` (JSON lines, cut by `electie_core::lines`) on
/// `jobs` threads.
///
/// # Errors
/// A [`CountFault`], as [`count_from`].
#[cfg(test)]
fn count_votes(
    config: &ElectionConfig,
    circles: CirclePolicy,
    reader: &mut dyn Read,
    jobs: usize,
) -> Result<(Tally, Rejections), CountFault> {
    count_from(
        Votes::Stream(Box::new(reader)),
        Configured::Ready(Counter::new(config, circles)),
        jobs,
    )
}

/// Reads `reader` once, in blocks of whole lines, and counts the blocks on `jobs`
/// threads (at most 64): each block goes to the next free thread, which counts it
/// into its own tally (holding only the polling places of its blocks: votes arrive
/// grouped by polling place, a gateway's batches); the tallies are merged at the end,
/// which visits only what each counted. Buffers are reused: no allocation per line,
/// and none per block once `jobs + 2` blocks exist. With one job, no thread is
/// started.
///
/// Any thread's panic or error, a merge error or a read error is the answer: never a
/// total without some thread's votes.
fn count_stream<'c>(
    reader: &mut dyn Read,
    jobs: usize,
    block: usize,
    new_part: impl Fn() -> Part<'c> + Sync,
    count: impl Fn(&mut Part<'c>, &[u8]) -> Result<(), CountFault> + Sync,
) -> Result<(Tally, Rejections), CountFault> {
    let mut blocks = LineBlocks::new(reader, block);
    let workers = jobs.clamp(1, 64);
    if workers == 1 {
        let counted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut part = new_part();
            let mut buffer = Vec::with_capacity(block);
            while blocks.next_into(&mut buffer)? {
                count(&mut part, &buffer)?;
            }
            part.finish()
        }));
        return counted.unwrap_or_else(|payload| {
            Err(CountFault::WorkerPanicked {
                worker: 0,
                workers,
                message: panic_message(payload.as_ref()),
            })
        });
    }
    let (to_workers, from_reader) = mpsc::sync_channel::<Vec<u8>>(workers);
    // Held by the workers only: when they have all stopped, the reader's send fails.
    let from_reader = Arc::new(Mutex::new(from_reader));
    let (recycle, recycled) = mpsc::channel::<Vec<u8>>();
    let (read, parts) = std::thread::scope(|scope| {
        let (new_part, count) = (&new_part, &count);
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let from_reader = Arc::clone(&from_reader);
                let recycle = recycle.clone();
                scope.spawn(move || {
                    let mut part = new_part();
                    loop {
                        let next = match from_reader.lock() {
                            Ok(receiver) => receiver.recv(),
                            // another worker panicked holding the lock: it stops the
                            // count, and so does this one
                            Err(_) => break,
                        };
                        let Ok(block) = next else { break };
                        count(&mut part, &block)?;
                        // the reader may have stopped already
                        let _ = recycle.send(block);
                    }
                    part.finish()
                })
            })
            .collect();
        drop(from_reader);
        drop(recycle);
        let mut buffers = 0;
        let read = loop {
            let mut buffer = match recycled.try_recv() {
                Ok(buffer) => buffer,
                Err(_) if buffers < workers + 2 => {
                    buffers += 1;
                    Vec::with_capacity(block)
                }
                Err(_) => match recycled.recv() {
                    Ok(buffer) => buffer,
                    // every worker has stopped: their answers say why
                    Err(_) => break Ok(()),
                },
            };
            match blocks.next_into(&mut buffer) {
                Ok(true) => {
                    if to_workers.send(buffer).is_err() {
                        break Ok(());
                    }
                }
                Ok(false) => break Ok(()),
                Err(error) => break Err(error),
            }
        };
        // the workers finish what they were given, then stop
        drop(to_workers);
        (read, join(handles))
    });
    // a thread's fault first: a read error may only be the reader seeing it stop
    let parts = parts.into_iter().collect::<Result<Vec<_>, _>>()?;
    read?;
    merge(parts, new_part)
}

/// Reads a regular file in pieces of about `block` bytes cut at line ends, on `jobs`
/// threads (at most 64): each thread takes the next piece not yet taken, reads it
/// itself in blocks of whole lines and counts it into its own tally; the tallies are
/// merged at the end. Reading (the kernel's copy included) is shared by the threads
/// like decoding and counting, and a thread that gets less of a core (another
/// process, the configuration loading beside it) takes fewer pieces instead of
/// finishing late. A vote line is never split between pieces; the byte-order mark is
/// skipped only at the start of the file. With one job, the file is read as a stream
/// ([`count_stream`]).
///
/// The pieces are fixed by the file's length when the count starts; the last one
/// reads to the end of the file, so a file that grows while it is read reads as a
/// stream would.
///
/// Any thread's panic or error, or a merge error, is the answer, as in
/// [`count_stream`]; the first thread to fail stops the others after their current
/// block.
fn count_pieces<'c>(
    file: &File,
    jobs: usize,
    block: usize,
    new_part: impl Fn() -> Part<'c> + Sync,
    count: impl Fn(&mut Part<'c>, &[u8]) -> Result<(), CountFault> + Sync,
) -> Result<(Tally, Rejections), CountFault> {
    let workers = jobs.clamp(1, 64);
    if workers == 1 {
        return count_stream(&mut &*file, 1, block, new_part, count);
    }
    let length = file.metadata()?.len();
    let piece = block.max(1) as u64;
    let pieces = length.div_ceil(piece).max(1);
    let next = AtomicU64::new(0);
    let failed = AtomicBool::new(false);
    let parts = std::thread::scope(|scope| {
        let (new_part, count, next, failed) = (&new_part, &count, &next, &failed);
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(move || {
                    let stop_on_panic = StopOnPanic(failed);
                    let mut part = new_part();
                    let mut buffer = Vec::with_capacity(block);
                    let counted = loop {
                        let taken = next.fetch_add(1, Ordering::Relaxed);
                        if taken >= pieces || failed.load(Ordering::Relaxed) {
                            break part.finish();
                        }
                        let found = line_start(file, taken * piece, length).and_then(|at| {
                            let end = if taken + 1 == pieces {
                                None
                            } else {
                                Some(line_start(file, (taken + 1) * piece, length)?)
                            };
                            Ok(Range { file, at, end })
                        });
                        let range = match found {
                            Ok(range) => range,
                            Err(error) => break Err(CountFault::Read(error)),
                        };
                        let blocks = if taken == 0 {
                            LineBlocks::new(range, block)
                        } else {
                            LineBlocks::continued(range, block)
                        };
                        if let Err(fault) =
                            count_blocks(blocks, &mut buffer, &mut part, count, failed)
                        {
                            break Err(fault);
                        }
                    };
                    if counted.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    drop(stop_on_panic);
                    counted
                })
            })
            .collect();
        join(handles)
    });
    merge(parts.into_iter().collect::<Result<Vec<_>, _>>()?, new_part)
}

/// Counts the blocks of one piece into `part` until the piece ends or another
/// thread has failed (then what was counted is thrown away: the other thread's
/// fault is the answer).
fn count_blocks<'c, R: Read>(
    mut blocks: LineBlocks<R>,
    buffer: &mut Vec<u8>,
    part: &mut Part<'c>,
    count: &impl Fn(&mut Part<'c>, &[u8]) -> Result<(), CountFault>,
    failed: &AtomicBool,
) -> Result<(), CountFault> {
    while !failed.load(Ordering::Relaxed) && blocks.next_into(buffer)? {
        count(part, buffer)?;
    }
    Ok(())
}

/// Tells the other threads that this one failed, when it panics.
struct StopOnPanic<'f>(&'f AtomicBool);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}

/// The first line start at or after `at` in a file of `length` bytes: `at` itself
/// when it is 0 or follows a line feed, else right after the next line feed, or
/// `length` when none follows. A piece of the file is what lies between the line
/// starts of its nominal ends: every line is in exactly one piece (the one where it
/// starts), whichever thread finds the ends.
fn line_start(file: &File, at: u64, length: u64) -> std::io::Result<u64> {
    if at == 0 {
        return Ok(0);
    }
    let mut window = [0_u8; 4096];
    let mut at = at - 1;
    loop {
        if at >= length {
            return Ok(length);
        }
        let want = usize::try_from(length - at).map_or(window.len(), |rest| rest.min(window.len()));
        let got = read_at(file, &mut window[..want], at)?;
        if got == 0 {
            // the file shrank: the rest is the last piece's to find out
            return Ok(length);
        }
        match memchr::memchr(b'\n', &window[..got]) {
            Some(end) => return Ok(at + end as u64 + 1),
            None => at += got as u64,
        }
    }
}

/// A range of a file read by position (the file's own offset is not used, so the
/// threads share one open file): from `at` to `end`, or to the end of the file.
struct Range<'f> {
    file: &'f File,
    at: u64,
    end: Option<u64>,
}

impl Read for Range<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let want = match self.end {
            Some(end) => usize::try_from(end.saturating_sub(self.at))
                .map_or(out.len(), |rest| rest.min(out.len())),
            None => out.len(),
        };
        if want == 0 {
            return Ok(0);
        }
        let got = read_at(self.file, &mut out[..want], self.at)?;
        self.at += got as u64;
        Ok(got)
    }
}

/// Reads at a position of the file, retrying an interrupted read.
fn read_at(file: &File, out: &mut [u8], at: u64) -> std::io::Result<usize> {
    loop {
        #[cfg(unix)]
        let read = std::os::unix::fs::FileExt::read_at(file, out, at);
        #[cfg(windows)]
        let read = std::os::windows::fs::FileExt::seek_read(file, out, at);
        // `Votes::open` reads other systems' files as streams
        #[cfg(not(any(unix, windows)))]
        let read = {
            let _ = (file, out, at);
            Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
        };
        match read {
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            read => return read,
        }
    }
}

/// Waits for the counting threads; a thread that panicked is a
/// [`CountFault::WorkerPanicked`].
fn join(
    handles: Vec<std::thread::ScopedJoinHandle<'_, Result<(Tally, Rejections), CountFault>>>,
) -> Vec<Result<(Tally, Rejections), CountFault>> {
    let workers = handles.len();
    handles
        .into_iter()
        .enumerate()
        .map(|(worker, handle)| {
            handle.join().unwrap_or_else(|payload| {
                Err(CountFault::WorkerPanicked {
                    worker,
                    workers,
                    message: panic_message(payload.as_ref()),
                })
            })
        })
        .collect()
}

/// Merges the threads' tallies and rejections (exact, order-independent); no thread,
/// an empty tally.
fn merge<'c>(
    parts: Vec<(Tally, Rejections)>,
    new_part: impl Fn() -> Part<'c>,
) -> Result<(Tally, Rejections), CountFault> {
    let mut parts = parts.into_iter();
    let Some((mut total, mut total_rejections)) = parts.next() else {
        return new_part().finish();
    };
    for (tally, rejections) in parts {
        total.merge(&tally).map_err(CountFault::Merge)?;
        for (reason, n) in rejections {
            *total_rejections.entry(reason).or_default() += n;
        }
    }
    Ok((total, total_rejections))
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// How a counting thread gets its counter: at once, or once the configuration,
/// loaded on another thread, is published (`None`: it could not be loaded).
#[derive(Clone, Copy)]
enum Configured<'c> {
    Ready(Counter<'c>),
    Loading(&'c OnceLock<Option<ElectionConfig>>, CirclePolicy),
}

/// One counting thread's share: its tally, its rejections, and the batch of the
/// polling place being read (consecutive lines from one polling place are counted
/// as one batch, across blocks).
///
/// Until the configuration is there, the batches are kept as read (by column, a
/// few bytes a vote, at most [`EARLY_BLOCKS`] blocks' worth, then the thread waits)
/// and counted in order once it is: decoding a line does not need the
/// configuration.
struct Part<'c> {
    configured: Configured<'c>,
    /// The counter and the tally, once the configuration is there.
    counting: Option<(Counter<'c>, Tally)>,
    /// Batches read before the configuration was there, with their polling places.
    early: Vec<(PollingPlaceId, Ballots)>,
    /// Blocks read before the configuration was there.
    early_blocks: usize,
    /// The most blocks to read before waiting for the configuration.
    early_limit: usize,
    rejections: Rejections,
    /// The pending batch, by column (what counting reads fastest).
    pending: Ballots,
    /// The candidates of the line being read.
    line_candidates: Vec<CandidateId>,
    pending_place: PollingPlaceId,
}

/// The most votes counted as one batch.
const BATCH: usize = 4096;

/// The most blocks a thread reads before it waits for the configuration.
const EARLY_BLOCKS: usize = 32;

impl<'c> Part<'c> {
    fn new(configured: Configured<'c>) -> Self {
        Self {
            configured,
            counting: match configured {
                Configured::Ready(counter) => Some((counter, Tally::new(counter.config()))),
                Configured::Loading(..) => None,
            },
            early: Vec::new(),
            early_blocks: 0,
            early_limit: EARLY_BLOCKS,
            rejections: Rejections::new(),
            pending: Ballots::new(),
            line_candidates: Vec::new(),
            pending_place: PollingPlaceId(0),
        }
    }

    /// The same part, waiting for the configuration from its first block on.
    fn waiting(mut self) -> Self {
        self.early_limit = 0;
        self
    }

    fn reject(rejections: &mut Rejections, rejection: &Rejection) {
        *rejections.entry(rejection.to_string()).or_default() += 1;
    }

    /// Starts counting if the configuration is there (waiting for it when `wait`):
    /// counts the early batches.
    fn start(&mut self, wait: bool) -> Result<(), CountFault> {
        let Configured::Loading(loaded, circles) = self.configured else {
            return Ok(());
        };
        let config = match if wait {
            Some(loaded.wait())
        } else {
            loaded.get()
        } {
            None => return Ok(()),
            Some(None) => return Err(CountFault::Unconfigured),
            Some(Some(config)) => config,
        };
        let counter = Counter::new(config, circles);
        let mut tally = Tally::new(config);
        let rejections = &mut self.rejections;
        for (place, batch) in self.early.drain(..) {
            counter
                .count_ballots(&mut tally, place, &batch, |_, r| {
                    Self::reject(rejections, &r)
                })
                .map_err(CountFault::Count)?;
        }
        self.counting = Some((counter, tally));
        Ok(())
    }

    /// Counts the pending batch (keeps it, before the configuration is there).
    fn flush(&mut self) -> Result<(), CountFault> {
        if self.pending.is_empty() {
            return Ok(());
        }
        match &mut self.counting {
            Some((counter, tally)) => {
                let rejections = &mut self.rejections;
                counter
                    .count_ballots(tally, self.pending_place, &self.pending, |_, r| {
                        Self::reject(rejections, &r);
                    })
                    .map_err(CountFault::Count)?;
                self.pending.clear();
            }
            None => {
                let batch = std::mem::take(&mut self.pending);
                self.early.push((self.pending_place, batch));
            }
        }
        Ok(())
    }

    /// Reads and counts a block of whole lines.
    fn lines(&mut self, block: &[u8]) -> Result<(), CountFault> {
        if self.counting.is_none() {
            self.early_blocks += 1;
            self.start(self.early_blocks > self.early_limit)?;
        }
        for line in continued_lines(block) {
            self.line_candidates.clear();
            match tally_line_into(line, &mut self.line_candidates) {
                Ok((place, party)) => {
                    if place != self.pending_place || self.pending.len() >= BATCH {
                        self.flush()?;
                        self.pending_place = place;
                    }
                    self.pending.push(party, &self.line_candidates);
                }
                Err(error) => {
                    Self::reject(&mut self.rejections, &Rejection::InvalidFormat(error));
                }
            }
        }
        Ok(())
    }

    /// The tally and rejections, once the last batch is counted (after waiting for
    /// the configuration, if it is not there yet).
    fn finish(mut self) -> Result<(Tally, Rejections), CountFault> {
        if self.counting.is_none() {
            self.start(true)?;
        }
        self.flush()?;
        match self.counting {
            Some((_, tally)) => Ok((tally, self.rejections)),
            // `start(true)` either counts or fails
            None => Err(CountFault::Unconfigured),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nrsr_2020() -> ElectionConfig {
        match ElectionConfig::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/nrsr_2020")) {
            Ok(config) => config,
            Err(e) => panic!("data/nrsr_2020: {e}"),
        }
    }

    /// A byte-order mark, then votes of three polling places, one for party 10 each
    /// with a preferential vote (every tenth line ends `\r\n`), a blank vote, a blank
    /// line and a line that does not count, without a line end.
    fn three_places() -> Vec<u8> {
        let mut bytes = b"\xef\xbb\xbf".to_vec();
        for place in [0, 1, 2] {
            for i in 0..2_000 {
                let end = if i % 10 == 0 { "\r\n" } else { "\n" };
                bytes.extend_from_slice(
                    format!(
                        "{{\"polling_place_id\": {place}, \"party_id\": 10, \"candidate_ids\": [1075]}}{end}"
                    )
                    .as_bytes(),
                );
            }
        }
        bytes.extend_from_slice(
            b"{\"polling_place_id\": 2, \"party_id\": null, \"candidate_ids\": []}\n \nnot json",
        );
        bytes
    }

    fn count_bytes<'c>(
        counter: Counter<'c>,
        bytes: &[u8],
        jobs: usize,
        block: usize,
        count: impl Fn(&mut Part<'c>, &[u8]) -> Result<(), CountFault> + Sync,
    ) -> Result<(Tally, Rejections), CountFault> {
        count_stream(
            &mut &bytes[..],
            jobs,
            block,
            || Part::new(Configured::Ready(counter)),
            count,
        )
    }

    /// A file of its own for one test, removed when dropped.
    struct TempFile(PathBuf);

    impl TempFile {
        fn new(bytes: &[u8]) -> Self {
            static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let path = std::env::temp_dir().join(format!(
                "electie-cli-tally-{}-{}.jsonl",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            if let Err(e) = std::fs::write(&path, bytes) {
                panic!("{}: {e}", path.display());
            }
            Self(path)
        }

        fn open(&self) -> File {
            File::open(&self.0).unwrap_or_else(|e| panic!("{}: {e}", self.0.display()))
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    /// Counts `bytes` as a stream, or written to a file and read in pieces.
    fn count_as<'c>(
        from_file: bool,
        counter: Counter<'c>,
        bytes: &[u8],
        jobs: usize,
        block: usize,
        count: impl Fn(&mut Part<'c>, &[u8]) -> Result<(), CountFault> + Sync,
    ) -> Result<(Tally, Rejections), CountFault> {
        if from_file {
            let file = TempFile::new(bytes);
            count_pieces(
                &file.open(),
                jobs,
                block,
                || Part::new(Configured::Ready(counter)),
                count,
            )
        } else {
            count_bytes(counter, bytes, jobs, block, count)
        }
    }

    /// Inputs whose cut into pieces is awkward, by name: a line across a cut, a
    /// byte-order mark (at the start, and at the start of a line that may begin a
    /// piece, where it is not skipped), `\r\n` and blank lines, no final line end,
    /// lines longer than a block, fewer bytes than threads, nothing.
    fn awkward_inputs() -> Vec<(&'static str, Vec<u8>)> {
        let vote = |place: usize, party: usize| {
            format!(
                "{{\"polling_place_id\": {place}, \"party_id\": {party}, \"candidate_ids\": []}}"
            )
        };
        let mut long = Vec::new();
        for i in 0..40 {
            // valid JSON, 20 000 bytes a line, some lines short
            let pad = if i % 3 == 0 { 0 } else { 20_000 };
            long.extend_from_slice(
                format!(
                    "{{\"polling_place_id\": {},{}\"party_id\": 10, \"candidate_ids\": [1075]}}\n",
                    i % 4,
                    " ".repeat(pad)
                )
                .as_bytes(),
            );
        }
        let mut boms = Vec::new();
        for i in 0..300 {
            let bom = if i % 7 == 0 { "\u{feff}" } else { "" };
            boms.extend_from_slice(format!("{bom}{}\r\n\r\n  \n", vote(i % 5, 18)).as_bytes());
        }
        vec![
            ("three places", three_places()),
            ("empty", Vec::new()),
            ("one byte", b"x".to_vec()),
            ("a line feed", b"\n".to_vec()),
            ("a byte-order mark alone", b"\xef\xbb\xbf".to_vec()),
            (
                "one vote after a byte-order mark, no line end",
                format!("\u{feff}{}", vote(3, 10)).into_bytes(),
            ),
            (
                "two votes, the second with a byte-order mark",
                format!("{}\n\u{feff}{}\n", vote(0, 10), vote(0, 10)).into_bytes(),
            ),
            ("byte-order marks, \\r\\n and blank lines", boms),
            ("lines longer than a block", long),
        ]
    }

    /// Any number of threads taking pieces of any size count every line of the
    /// file exactly once, as one thread reading the file as a stream does.
    #[test]
    fn pieces_count_every_line_once() {
        let config = nrsr_2020();
        let counter = Counter::new(&config, CirclePolicy::Reject);
        for (name, bytes) in awkward_inputs() {
            let expected = match count_bytes(counter, &bytes, 1, BLOCK, Part::lines) {
                Ok(counted) => counted,
                Err(fault) => panic!("{name}: {fault}"),
            };
            let every_line = electie_core::lines::lines(&bytes).count();
            assert_eq!(
                expected.0.total_votes() + expected.1.values().sum::<u64>(),
                every_line as u64,
                "{name}"
            );
            let file = TempFile::new(&bytes);
            for jobs in [1, 2, 3, 4, 7, 64] {
                // pieces of one byte: only on the small inputs (a piece costs reads)
                let blocks = [1, 50, 4_096, BLOCK].into_iter();
                for block in blocks.filter(|&block| block > 1 || bytes.len() < 20_000) {
                    let lines = std::sync::atomic::AtomicUsize::new(0);
                    let counting = |part: &mut Part<'_>, block: &[u8]| {
                        lines.fetch_add(continued_lines(block).count(), Ordering::Relaxed);
                        part.lines(block)
                    };
                    match count_pieces(
                        &file.open(),
                        jobs,
                        block,
                        || Part::new(Configured::Ready(counter)),
                        counting,
                    ) {
                        // (not assert_eq: a tally's Debug is every counter)
                        Ok(counted) => assert!(
                            counted == expected,
                            "{name}: {jobs} jobs, blocks of {block}: {} votes, {:?}; one thread {} votes, {:?}",
                            counted.0.total_votes(),
                            counted.1,
                            expected.0.total_votes(),
                            expected.1
                        ),
                        Err(fault) => panic!("{name}: {jobs} jobs, blocks of {block}: {fault}"),
                    }
                    assert_eq!(
                        lines.into_inner(),
                        every_line,
                        "{name}: {jobs} jobs, blocks of {block}"
                    );
                }
            }
        }
    }

    /// A piece starts at the first line start at or after its nominal start, as
    /// a plain scan of the bytes finds it: at every position of the small inputs,
    /// and of a sample of the larger ones.
    #[test]
    fn pieces_start_at_line_starts() {
        for (name, bytes) in awkward_inputs() {
            let file = TempFile::new(&bytes);
            let opened = file.open();
            let step = (bytes.len() / 3_000).max(1);
            for at in (0..=bytes.len()).step_by(step) {
                let expected = match at {
                    0 => 0,
                    _ => bytes[at - 1..]
                        .iter()
                        .position(|&byte| byte == b'\n')
                        .map_or(bytes.len(), |feed| at + feed),
                };
                match line_start(&opened, at as u64, bytes.len() as u64) {
                    Ok(start) => assert_eq!(start, expected as u64, "{name}: from {at}"),
                    Err(e) => panic!("{name}: {e}"),
                }
            }
        }
        // a line longer than the window the search reads at a time
        let long = [vec![b' '; 10_000], b"\nx".to_vec()].concat();
        let file = TempFile::new(&long);
        assert_eq!(
            line_start(&file.open(), 5, long.len() as u64).ok(),
            Some(10_001)
        );
    }

    /// Any block size and any number of threads count the same: every vote once.
    #[test]
    fn blocks_and_threads_count_the_same() {
        let config = nrsr_2020();
        let counter = Counter::new(&config, CirclePolicy::Reject);
        let bytes = three_places();
        let Ok((tally, rejections)) = count_bytes(counter, &bytes, 1, BLOCK, Part::lines) else {
            panic!("counting without faults failed");
        };
        assert_eq!(tally.total_votes(), 6_001, "{rejections:?}");
        assert_eq!(tally.candidate_totals()[1075], 6_000);
        assert_eq!(rejections.len(), 1, "{rejections:?}");
        assert_eq!(rejections.values().sum::<u64>(), 1);
        for jobs in [1, 2, 3, 7] {
            for block in [1, 50, 4_096, 100_000] {
                match count_bytes(counter, &bytes, jobs, block, Part::lines) {
                    Ok(counted) => assert_eq!(counted, (tally.clone(), rejections.clone())),
                    Err(fault) => panic!("{jobs} jobs, blocks of {block}: {fault}"),
                }
            }
        }
        // nothing to read: an empty tally
        let Ok((empty, none)) = count_bytes(counter, b"", 3, BLOCK, Part::lines) else {
            panic!("counting nothing failed");
        };
        assert_eq!((empty.total_votes(), none.len()), (0, 0));
    }

    /// Threads that start before the configuration is loaded count the same as
    /// threads given it: what they read early (kept by column, up to
    /// `EARLY_BLOCKS` blocks, then they wait) is counted once it is there; a
    /// configuration that cannot be loaded stops them.
    #[test]
    fn threads_started_before_the_configuration_count_the_same() {
        let config = nrsr_2020();
        let counter = Counter::new(&config, CirclePolicy::Reject);
        let bytes = three_places();
        let Ok(expected) = count_bytes(counter, &bytes, 1, BLOCK, Part::lines) else {
            panic!("counting without faults failed");
        };
        let file = TempFile::new(&bytes);
        for from_file in [false, true] {
            // blocks of 50 bytes: far more than EARLY_BLOCKS before the configuration
            // comes; one block: every line read early, counted when the thread ends
            for (jobs, block) in [(2, 50), (3, 4_096), (2, BLOCK), (1, 50)] {
                for publish in [Some(&config), None] {
                    let loaded = OnceLock::new();
                    let counted = std::thread::scope(|scope| {
                        scope.spawn(|| {
                            std::thread::sleep(std::time::Duration::from_millis(30));
                            let _ = loaded.set(publish.cloned());
                        });
                        let new_part = parts(Configured::Loading(&loaded, CirclePolicy::Reject));
                        if from_file {
                            count_pieces(&file.open(), jobs, block, new_part, Part::lines)
                        } else {
                            count_stream(&mut &bytes[..], jobs, block, new_part, Part::lines)
                        }
                    });
                    let case = format!(
                        "file {from_file}, {jobs} jobs, blocks of {block}, published {}",
                        publish.is_some()
                    );
                    match (publish, counted) {
                        (Some(_), Ok(counted)) => assert!(
                            counted == expected,
                            "{case}: {} votes, {:?}",
                            counted.0.total_votes(),
                            counted.1
                        ),
                        (None, Err(CountFault::Unconfigured)) => {}
                        (_, other) => {
                            panic!("{case}: {:?}", other.map(|(t, r)| (t.total_votes(), r)))
                        }
                    }
                }
            }
        }
    }

    /// Every fault of a counting thread is the answer, never a smaller count: a
    /// panic, a counter overflow, a merge of tallies that do not fit, a read error.
    #[test]
    fn counting_faults_stop_the_count() {
        let config = nrsr_2020();
        let counter = Counter::new(&config, CirclePolicy::Reject);
        let bytes = three_places();
        let faulty = |block: &[u8]| block.windows(22).any(|w| w == b"\"polling_place_id\": 1,");
        for (from_file, jobs) in [false, true]
            .into_iter()
            .flat_map(|f| [(f, 1), (f, 2), (f, 3)])
        {
            let panics = |part: &mut Part<'_>, block: &[u8]| {
                if faulty(block) {
                    panic!("injected fault");
                }
                part.lines(block)
            };
            match count_as(from_file, counter, &bytes, jobs, 4_096, panics) {
                Err(CountFault::WorkerPanicked {
                    workers, message, ..
                }) => {
                    assert_eq!((workers, message.as_str()), (jobs, "injected fault"));
                }
                other => panic!("a panicking thread must fail the count, got {other:?}"),
            }
            let overflows = |part: &mut Part<'_>, block: &[u8]| {
                if faulty(block) {
                    return Err(CountFault::Count(electie_tally::Error::CounterOverflow));
                }
                part.lines(block)
            };
            match count_as(from_file, counter, &bytes, jobs, 4_096, overflows) {
                Err(fault @ CountFault::Count(electie_tally::Error::CounterOverflow)) => {
                    assert!(fault.to_string().ends_with("; nothing is reported"));
                }
                other => panic!("a counter overflow must fail the count, got {other:?}"),
            }
        }
        // a thread whose tally does not fit the others' (another configuration's): it
        // counts nothing more, and the merge refuses it
        for (from_file, jobs) in [false, true].into_iter().flat_map(|f| [(f, 2), (f, 3)]) {
            let injected = std::sync::atomic::AtomicBool::new(false);
            let misshapen = |part: &mut Part<'_>, block: &[u8]| {
                let shape = |part: &Part<'_>| part.counting.as_ref().map(|(_, t)| t.shape());
                if shape(part) == Some((1, 1, 1)) {
                    return Ok(());
                }
                part.lines(block)?;
                part.flush()?;
                if faulty(block)
                    && !injected.swap(true, std::sync::atomic::Ordering::SeqCst)
                    && let Some((_, tally)) = &mut part.counting
                {
                    *tally = Tally::with_shape(1, 1, 1);
                }
                Ok(())
            };
            match count_as(from_file, counter, &bytes, jobs, 4_096, misshapen) {
                Err(CountFault::Merge(electie_tally::Error::ShapeMismatch)) => {}
                other => panic!("a merge that cannot be done must fail the count, got {other:?}"),
            }
        }
        // a read error after some blocks
        struct Failing<'b>(&'b [u8]);
        impl Read for Failing<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() {
                    return Err(std::io::Error::other("disk gone"));
                }
                let n = self.0.len().min(out.len()).min(1000);
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        for jobs in [1, 2] {
            let mut reader = Failing(&bytes[..50_000]);
            match count_votes(&config, CirclePolicy::Reject, &mut reader, jobs) {
                Err(CountFault::Read(e)) => assert_eq!(e.to_string(), "disk gone"),
                other => panic!("a read error must fail the count, got {other:?}"),
            }
        }
        // a fault's message says that nothing is reported
        let fault = CountFault::WorkerPanicked {
            worker: 1,
            workers: 3,
            message: "injected fault".into(),
        };
        assert_eq!(
            fault.to_string(),
            "counting thread 1 of 3 failed (injected fault); nothing is reported"
        );
    }
}

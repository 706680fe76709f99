//! `electie`: the command line of the electie toolkit.
//!
//! Every subcommand reads JSON from a file or standard input (`-`), writes JSON where a
//! program reads it, and reports bad input on stderr with a message naming the problem.
//! Exit codes (mapped in one place, [`error::exit`]): 0 success (also when standard
//! output is closed by its reader), 1 the input was judged and something failed (a
//! rejected vote, a payload that does not open), 2 usage, configuration or key errors.

#![forbid(unsafe_code)]

mod bench;
mod choice;
mod crypto_io;
mod error;
mod input;
mod keygen;
mod observe;
mod open;
mod pipeline;
mod rank;
mod seal;
mod seats;
mod simulate;
mod tally;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Count polling-place e-votes: validate, seal and open, tally, allocate seats.
#[derive(Debug, Parser)]
#[command(name = "electie", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// A whole election in one process: keys, sealed votes, opening, validation,
    /// counting and seats on the embedded NR SR 2020 configuration, with timings.
    Simulate(simulate::SimulateArgs),
    /// Throughput of open (each backend), validate, count, merge and seat allocation
    /// on generated data, per core and on all cores.
    Bench(bench::BenchArgs),
    /// Validate a batch of decrypted votes as the server does (rules 1 and 4–11).
    Validate(validate::ValidateArgs),
    /// Allocate seats from party votes (every common method, Slovak presets, two-round).
    Seats(seats::SeatsArgs),
    /// Rank candidates from ranked ballots (Schulze).
    Rank(rank::RankArgs),
    /// Count decrypted votes against a configuration: results with seats.
    Tally(tally::TallyArgs),
    /// Generate an RSA key pair (private.pem, public.pem) as electiersa writes them.
    Keygen(keygen::KeygenArgs),
    /// Seal JSON objects, one per line, as electiersa's encrypt_vote does.
    Seal(seal::SealArgs),
    /// Open sealed payloads, one per line, as electiersa's decrypt_vote does.
    Open(open::OpenArgs),
    /// Verify a server from its public ballot feed: mirror the feed (resuming from a
    /// state file), check that it only grows, recount it and compare with the
    /// published results. Exit 0 agree, 1 differ, 2 cannot reach or read.
    Observe(observe::ObserveArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (name, result) = match &cli.command {
        Command::Simulate(args) => ("simulate", simulate::run(args)),
        Command::Bench(args) => ("bench", bench::run(args)),
        Command::Validate(args) => ("validate", validate::run(args)),
        Command::Seats(args) => ("seats", seats::run(args)),
        Command::Rank(args) => ("rank", rank::run(args)),
        Command::Tally(args) => ("tally", tally::run(args)),
        Command::Keygen(args) => ("keygen", keygen::run(args)),
        Command::Seal(args) => ("seal", seal::run(args)),
        Command::Open(args) => ("open", open::run(args)),
        Command::Observe(args) => ("observe", observe::run(args)),
    };
    error::exit(name, result)
}

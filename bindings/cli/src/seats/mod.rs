//! `electie seats`: seat allocation on a JSON file of party votes.
//!
//! - [`input`]: reading the parties, candidates and house size from the input;
//! - [`list`]: one nationwide constituency, with thresholds and every intermediate value;
//! - [`districts`]: seats per district with one national threshold;
//! - [`single_winner`]: plurality and two-round majority;
//! - [`render`]: the JSON shapes the three print.

mod districts;
mod input;
mod list;
mod render;
mod single_winner;

use std::path::PathBuf;

use electie_tally::apportion::NamedMethod;
use electie_tally::apportion::QuotaRounding;
use electie_tally::single_winner::{NamedMajorityBase, SingleWinnerMethod};
use electie_tally::tie::NamedTiePolicy;

use crate::choice::choice;
use crate::error::{self, Result};

/// The allocation method: a list-seat method or a single-winner method, both named by
/// electie-tally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MethodName {
    /// A list-seat method.
    Seats(NamedMethod),
    /// A single-winner method.
    SingleWinner(SingleWinnerMethod),
}

const METHOD_COUNT: usize = NamedMethod::ALL.len() + SingleWinnerMethod::ALL.len();

impl MethodName {
    /// Every `--method` value in help order: the list-seat methods, then the
    /// single-winner ones.
    const ALL: [Self; METHOD_COUNT] = {
        let mut all = [Self::SingleWinner(SingleWinnerMethod::Plurality); METHOD_COUNT];
        let mut i = 0;
        while i < METHOD_COUNT {
            all[i] = if i < NamedMethod::ALL.len() {
                Self::Seats(NamedMethod::ALL[i])
            } else {
                Self::SingleWinner(SingleWinnerMethod::ALL[i - NamedMethod::ALL.len()])
            };
            i += 1;
        }
        all
    };

    fn name(self) -> &'static str {
        match self {
            Self::Seats(method) => method.name(),
            Self::SingleWinner(method) => method.name(),
        }
    }
}

impl clap::ValueEnum for MethodName {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let help = match self {
            Self::Seats(method) => method.description().to_owned(),
            Self::SingleWinner(SingleWinnerMethod::TwoRound) => format!(
                "{}: input `{{\"round1\": {{\"candidates\": [...], \"registered_voters\"?}}, \
                 \"round2\"?: {{\"candidates\": [...]}}}}` or `{{\"candidates\": [...]}}`",
                SingleWinnerMethod::TwoRound.description()
            ),
            Self::SingleWinner(method) => method.description().to_owned(),
        };
        Some(clap::builder::PossibleValue::new(self.name()).help(help))
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct SeatsArgs {
    /// Allocation method.
    #[arg(long, value_enum)]
    method: MethodName,
    /// Seats to fill (default: the input's `seats`, else 150 for sk-nrsr, 13 for sk-ep).
    #[arg(long)]
    seats: Option<u64>,
    /// Threshold in percent of all valid votes (`>=`); for the Slovak presets it
    /// replaces their rules with this flat percentage.
    #[arg(long)]
    threshold: Option<String>,
    /// Quota rounding (default: exact; nearest for the Slovak presets' RVČ).
    #[arg(long, value_parser = choice::<QuotaRounding>())]
    quota_rounding: Option<QuotaRounding>,
    /// Tie policy.
    #[arg(long, value_parser = choice::<NamedTiePolicy>(), default_value = "more-votes")]
    tie: NamedTiePolicy,
    /// Seed of the lot for `--tie lot` (required with it).
    #[arg(long)]
    seed: Option<u64>,
    /// First divisor of modified Sainte-Laguë.
    #[arg(long, default_value = "1.4")]
    first_divisor: String,
    /// For two-round: the base of the round-1 majority.
    #[arg(long, value_parser = choice::<NamedMajorityBase>(), default_value = "registered")]
    majority: NamedMajorityBase,
    /// Input JSON file; `-` reads standard input.
    input: PathBuf,
}

pub(crate) fn run(args: &SeatsArgs) -> Result {
    let root = input::read_object(&args.input)?;
    let tie = args.tie.policy(args.seed)?;
    let text = match args.method {
        MethodName::SingleWinner(method) => single_winner::run(args, method, &root, tie)?,
        MethodName::Seats(method) => match root.get("districts") {
            Some(districts) => districts::run(args, method, districts, tie)?,
            None => {
                let parties = input::read_parties(root.get("parties"), "parties")?;
                list::run(args, method, &root, &parties, tie)?
            }
        },
    };
    error::print(&text)
}

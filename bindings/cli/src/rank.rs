//! `electie rank`: ranked-ballot methods on a JSON file.

use std::path::PathBuf;

use electie_tally::ranked::RankedMethod;
use serde::Serialize;
use serde_json::Value;

use crate::choice::choice;
use crate::error::{self, Error, Result};
use crate::input;

#[derive(Debug, clap::Args)]
pub(crate) struct RankArgs {
    /// Ranking method.
    #[arg(long, value_parser = choice::<RankedMethod>(), default_value = "schulze")]
    method: RankedMethod,
    /// Input `{"candidates": [...], "ballots": [[rank or null, ...], ...]}`
    /// (1 = most preferred, equal ranks allowed, null = no opinion); `-` reads stdin.
    input: PathBuf,
}

#[derive(Serialize)]
struct RankOutput<'a> {
    method: &'static str,
    ranking: Vec<Vec<&'a str>>,
    /// The first `seats` candidates when the input gives `seats` and no tied group
    /// straddles the cut (else null).
    winners: Option<Vec<&'a str>>,
}

pub(crate) fn run(args: &RankArgs) -> Result {
    error::print(&execute(args)?)
}

fn execute(args: &RankArgs) -> Result<String> {
    let bytes = input::read_all(&args.input).map_err(Error::read(&args.input))?;
    let root: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{}: invalid JSON: {e}", args.input.display()))?;
    let candidates: Vec<String> = root
        .get("candidates")
        .ok_or("missing field candidates")?
        .as_array()
        .ok_or("candidates must be a list")?
        .iter()
        .enumerate()
        .map(|(i, c)| match c {
            Value::String(s) => Ok(s.clone()),
            // tolerate {"name": ...} objects as candidates
            Value::Object(o) => o
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("candidates[{i}] must be a string")),
            _ => Err(format!("candidates[{i}] must be a string")),
        })
        .collect::<std::result::Result<_, String>>()?;
    for (i, c) in candidates.iter().enumerate() {
        if candidates[..i].contains(c) {
            return Err(format!("candidates[{i}] {c:?} appears twice").into());
        }
    }
    let ballots: Vec<Vec<Option<u32>>> = root
        .get("ballots")
        .ok_or("missing field ballots")?
        .as_array()
        .ok_or("ballots must be a list")?
        .iter()
        .enumerate()
        .map(|(b, ballot)| {
            let ranks = ballot
                .as_array()
                .ok_or_else(|| format!("ballots[{b}] must be a list"))?;
            if ranks.len() != candidates.len() {
                return Err(format!(
                    "ballots[{b}] has {} ranks, expected {} (one per candidate)",
                    ranks.len(),
                    candidates.len()
                ));
            }
            ranks
                .iter()
                .enumerate()
                .map(|(c, r)| match r {
                    Value::Null => Ok(None),
                    other => other
                        .as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .map(Some)
                        .ok_or_else(|| {
                            format!("ballots[{b}][{c}] must be a non-negative integer rank or null")
                        }),
                })
                .collect()
        })
        .collect::<std::result::Result<_, String>>()?;
    let result = args.method.rank(candidates.len(), &ballots)?;
    let ranking: Vec<Vec<&str>> = result
        .ranking
        .iter()
        .map(|group| group.iter().map(|&i| candidates[i].as_str()).collect())
        .collect();
    let winners = root
        .get("seats")
        .and_then(Value::as_u64)
        .and_then(|s| usize::try_from(s).ok())
        .and_then(|seats| {
            let mut taken: Vec<&str> = Vec::new();
            for group in &ranking {
                if taken.len() >= seats {
                    break;
                }
                taken.extend(group.iter().copied());
            }
            (taken.len() == seats.min(candidates.len())).then_some(taken)
        });
    let output = RankOutput {
        method: args.method.name(),
        ranking,
        winners,
    };
    Ok(serde_json::to_string_pretty(&output).map_err(|e| e.to_string())?)
}

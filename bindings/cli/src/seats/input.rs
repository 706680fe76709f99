//! What `electie seats` reads: the JSON object, parties, candidates, the house size and
//! the options that are numbers; every error names the field or option.

use std::path::Path;

use electie_tally::Ratio;
use electie_tally::apportion::{NamedMethod, NamedMethodKind};
use serde_json::{Map, Value};

use super::SeatsArgs;
use crate::error::{Error, Result};
use crate::input;

/// The input file as a JSON object.
pub(super) fn read_object(path: &Path) -> Result<Map<String, Value>> {
    let bytes = input::read_all(path).map_err(Error::read(path))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(root)) => Ok(root),
        Ok(_) => Err("input must be a JSON object".into()),
        Err(e) => Err(format!("{}: invalid JSON: {e}", path.display()).into()),
    }
}

/// A party (or coalition) of the input.
pub(super) struct PartyIn {
    pub(super) name: String,
    pub(super) votes: u64,
    pub(super) coalition_size: u32,
}

pub(super) fn read_parties(value: Option<&Value>, path: &str) -> Result<Vec<PartyIn>> {
    let list = value
        .ok_or_else(|| format!("missing field {path} (or districts)"))?
        .as_array()
        .ok_or_else(|| format!("{path} must be a list"))?;
    let mut parties: Vec<PartyIn> = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let object = item
            .as_object()
            .ok_or_else(|| format!("{at} must be an object"))?;
        let name = match object.get("name") {
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(format!("{at}.name must be a string").into()),
            None => return Err(format!("missing field {at}.name").into()),
        };
        let votes = object
            .get("votes")
            .ok_or_else(|| format!("missing field {at}.votes"))?
            .as_u64()
            .ok_or_else(|| format!("{at}.votes must be a non-negative integer"))?;
        let coalition_size = match object.get("coalition_size") {
            None | Some(Value::Null) => 1,
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| format!("{at}.coalition_size must be a positive integer or null"))?,
        };
        if parties.iter().any(|p| p.name == name) {
            return Err(format!("{at}.name {name:?} appears twice").into());
        }
        parties.push(PartyIn {
            name,
            votes,
            coalition_size,
        });
    }
    Ok(parties)
}

/// Candidate names and votes of `value.candidates`.
pub(super) fn read_candidates(value: &Value, path: &str) -> Result<(Vec<String>, Vec<u64>)> {
    let list = value
        .get("candidates")
        .ok_or_else(|| format!("missing field {path}.candidates"))?
        .as_array()
        .ok_or_else(|| format!("{path}.candidates must be a list"))?;
    let mut names = Vec::new();
    let mut votes = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let at = format!("{path}.candidates[{i}]");
        let name = match c.get("name") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(format!("{at}.name must be a string").into()),
        };
        let v = c
            .get("votes")
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("{at}.votes must be a non-negative integer"))?;
        names.push(name);
        votes.push(v);
    }
    Ok((names, votes))
}

pub(super) fn parse_percent(text: &str, what: &str) -> Result<Ratio> {
    Ratio::parse_decimal(text)
        .map_err(|_| format!("{what} must be a decimal number, got {text:?}").into())
}

/// `--seats`, else the input's `seats`, else a Slovak preset's house size.
pub(super) fn seats(
    args: &SeatsArgs,
    root: &Map<String, Value>,
    kind: Option<&NamedMethodKind>,
) -> Result<u64> {
    if let Some(seats) = args.seats {
        return Ok(seats);
    }
    if let Some(v) = root.get("seats") {
        return v
            .as_u64()
            .ok_or_else(|| "seats in the input must be a non-negative integer".into());
    }
    match kind {
        Some(NamedMethodKind::Slovak(election)) => Ok(election.seats),
        _ => Err("missing --seats (and no seats in the input)".into()),
    }
}

/// The list-seat method; `--first-divisor` is read only for the method that uses it.
pub(super) fn kind(args: &SeatsArgs, method: NamedMethod) -> Result<NamedMethodKind> {
    method.kind(|| parse_percent(&args.first_divisor, "--first-divisor"))
}

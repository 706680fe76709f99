//! Plurality and two-round majority (`{"candidates": [...]}` or
//! `{"round1": {...}, "round2"?: {...}}`).

use electie_tally::TiePolicy;
use electie_tally::single_winner::{
    FirstRound, MajorityBase, NamedMajorityBase, SingleWinnerMethod, first_round, plurality,
};
use serde_json::{Map, Value};

use super::SeatsArgs;
use super::input::read_candidates;
use super::render::{Ordered, name_error};
use crate::error::Result;

pub(super) fn run(
    args: &SeatsArgs,
    method: SingleWinnerMethod,
    root: &Map<String, Value>,
    tie: TiePolicy,
) -> Result<String> {
    let root_value = Value::Object(root.clone());
    let (round1, path) = match root.get("round1") {
        Some(r) => (r, "round1"),
        None => (&root_value, "input"),
    };
    let (names, votes) = read_candidates(round1, path)?;
    if method == SingleWinnerMethod::Plurality {
        let winner = plurality(&votes, tie).map_err(|e| name_error(&names, e))?;
        let out = serde_json::json!({"method": method.name(), "winner": names[winner], "votes": Ordered(names.iter().cloned().zip(votes.iter().copied()).collect())});
        return Ok(serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?);
    }
    let registered = match round1
        .get("registered_voters")
        .or_else(|| root.get("registered_voters"))
    {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| {
            format!("{path}.registered_voters must be a non-negative integer or null")
        })?),
    };
    let (base, base_label) = match (args.majority, registered) {
        (NamedMajorityBase::Registered, Some(r)) => {
            (MajorityBase::RegisteredVoters(r), "registered voters")
        }
        // Unknown registered voters: more than half of them implies more than half of
        // the valid votes, so "nobody has half of the valid votes" decides a run-off
        // under either reading; anything else needs the count.
        (NamedMajorityBase::Registered, None) => (
            MajorityBase::ValidVotes,
            "valid votes (registered voters not given: a run-off under either reading)",
        ),
        (valid, _) => (valid.base(0), "valid votes"),
    };
    let first = first_round(&votes, base, tie).map_err(|e| name_error(&names, e))?;
    if registered.is_none()
        && args.majority == NamedMajorityBase::Registered
        && matches!(first, FirstRound::Elected { .. })
    {
        return Err(format!(
            "{path}.registered_voters is needed: a candidate has more than half of the valid votes (or use --majority valid)"
        )
        .into());
    }
    let mut out = serde_json::Map::new();
    out.insert("method".into(), Value::from(method.name()));
    out.insert("majority_of".into(), Value::from(base_label));
    match first {
        FirstRound::Elected { winner } => {
            out.insert(
                "elected_in_round1".into(),
                Value::from(names[winner].clone()),
            );
            out.insert("winner".into(), Value::from(names[winner].clone()));
        }
        FirstRound::Runoff { finalists, .. } => {
            out.insert("elected_in_round1".into(), Value::Null);
            out.insert(
                "advance_to_round2".into(),
                serde_json::json!([names[finalists[0]], names[finalists[1]]]),
            );
            if let Some(round2) = root.get("round2") {
                let (names2, votes2) = read_candidates(round2, "round2")?;
                for n in &names2 {
                    if !finalists.iter().any(|&f| &names[f] == n) {
                        return Err(
                            format!("round2 candidate {n:?} did not advance from round 1").into(),
                        );
                    }
                }
                let w = plurality(&votes2, tie).map_err(|e| name_error(&names2, e))?;
                out.insert("winner".into(), Value::from(names2[w].clone()));
            } else {
                out.insert("winner".into(), Value::Null);
            }
        }
        _ => {}
    }
    Ok(serde_json::to_string_pretty(&Value::Object(out)).map_err(|e| e.to_string())?)
}

//! One nationwide constituency: thresholds on all valid votes, then a divisor method,
//! a quota method or a whole Slovak preset, with every intermediate value.

use electie_tally::apportion::divisor::Quotient;
use electie_tally::apportion::quota::QuotaRounding;
use electie_tally::apportion::{Allocation, Details, Method, NamedMethod, NamedMethodKind};
use electie_tally::threshold::{Contender, Passing, Threshold};
use electie_tally::{Ratio, TiePolicy};
use serde::Serialize;
use serde_json::{Map, Value};

use super::SeatsArgs;
use super::input::{self, PartyIn};
use super::render::{Ordered, name_error, number, quotient_json, ties_json};
use crate::error::Result;

/// A divisor or quota method with `--quota-rounding` (exact by default).
pub(super) fn plain_method(
    args: &SeatsArgs,
    method: NamedMethod,
    kind: &NamedMethodKind,
) -> Result<Method> {
    match kind {
        NamedMethodKind::Divisor(divisor) => Ok(Method::Divisor(*divisor)),
        NamedMethodKind::Quota(quota) => Ok(Method::Quota {
            quota: *quota,
            rounding: args.quota_rounding.unwrap_or(QuotaRounding::Exact),
        }),
        _ => Err(format!(
            "--method {method} is a single nationwide constituency; give {{\"parties\": [...]}}"
        )
        .into()),
    }
}

/// `--threshold`, else a Slovak preset's rules, else none.
pub(super) fn threshold(args: &SeatsArgs, kind: &NamedMethodKind) -> Result<Threshold> {
    if let Some(text) = &args.threshold {
        return Ok(Threshold::percent(input::parse_percent(
            text,
            "--threshold",
        )?));
    }
    Ok(match kind {
        NamedMethodKind::Slovak(election) => election.threshold.clone(),
        _ => Threshold::none(),
    })
}

/// What a list allocation computed, for rendering.
struct Computed {
    passing: Vec<bool>,
    passing_votes: u64,
    allocation: Allocation,
    quota_exact: Option<Ratio>,
}

pub(super) fn run(
    args: &SeatsArgs,
    method: NamedMethod,
    root: &Map<String, Value>,
    parties: &[PartyIn],
    tie: TiePolicy,
) -> Result<String> {
    let kind = input::kind(args, method);
    let seats = input::seats(args, root, kind.as_ref().ok())?;
    let kind = kind?;
    let threshold = threshold(args, &kind)?;
    let names: Vec<String> = parties.iter().map(|p| p.name.clone()).collect();
    let listed: u64 = parties
        .iter()
        .map(|p| p.votes)
        .try_fold(0u64, u64::checked_add)
        .ok_or("vote total overflows")?;
    let total_valid = match root.get("total_valid_votes") {
        None | Some(Value::Null) => listed,
        Some(v) => {
            let total = v
                .as_u64()
                .ok_or("total_valid_votes must be a non-negative integer")?;
            if total < listed {
                return Err(format!(
                    "total_valid_votes {total} is less than the sum of parties[].votes {listed}"
                )
                .into());
            }
            total
        }
    };
    let contenders: Vec<Contender> = parties
        .iter()
        .map(|p| Contender {
            votes: p.votes,
            coalition_size: p.coalition_size,
            won_district_seat: false,
        })
        .collect();
    let computed = match kind {
        NamedMethodKind::Slovak(mut election) => {
            election.seats = seats;
            election.threshold = threshold.clone();
            election.tie = tie;
            election.rvc_rounding = args.quota_rounding.unwrap_or(election.rvc_rounding);
            let result = election
                .allocate_with_total(&contenders, total_valid)
                .map_err(|e| name_error(&names, e))?;
            Computed {
                passing: result.passing,
                passing_votes: result.passing_votes,
                allocation: result.allocation,
                quota_exact: Some(result.rvc_exact),
            }
        }
        kind => {
            let method = plain_method(args, method, &kind)?;
            let Passing {
                passing,
                votes,
                passing_votes,
            } = threshold.apply(&contenders, total_valid)?;
            let allocation = method
                .allocate(&votes, seats, tie)
                .map_err(|e| name_error(&names, e))?;
            let quota_exact = match method {
                Method::Quota { quota, .. } if passing_votes > 0 && seats > 0 => {
                    Some(quota.exact_quota(passing_votes, seats)?)
                }
                _ => None,
            };
            Computed {
                passing,
                passing_votes,
                allocation,
                quota_exact,
            }
        }
    };
    let threshold_text = match (&args.threshold, method) {
        (Some(text), _) => Value::from(format!("{text} %")),
        (None, NamedMethod::SkNrsr | NamedMethod::SkEp) => Value::from(threshold.to_string()),
        (None, _) => Value::Null,
    };
    let output = render(
        method,
        seats,
        &names,
        parties,
        total_valid,
        threshold_text,
        &computed,
    );
    Ok(serde_json::to_string_pretty(&output).map_err(|e| e.to_string())?)
}

#[derive(Serialize)]
struct ListOutput {
    method: &'static str,
    seats_total: u64,
    quota: Value,
    seats: Ordered<u64>,
    details: Vec<Value>,
    threshold: Value,
    allocation: Value,
    ties: Value,
}

fn render(
    method: NamedMethod,
    seats_total: u64,
    names: &[String],
    parties: &[PartyIn],
    total_valid: u64,
    threshold: Value,
    computed: &Computed,
) -> ListOutput {
    let Computed {
        passing,
        passing_votes,
        allocation,
        quota_exact,
    } = computed;
    // One party's line: what every method shows, then the method's own figures.
    let party_json = |i: usize, own: Vec<(&str, Value)>| {
        let mut line = serde_json::Map::new();
        line.insert("name".into(), parties[i].name.clone().into());
        line.insert("votes".into(), parties[i].votes.into());
        line.insert("passed_threshold".into(), passing[i].into());
        line.insert("seats".into(), allocation.seats[i].into());
        line.extend(own.into_iter().map(|(key, value)| (key.to_owned(), value)));
        Value::Object(line)
    };
    let mut quota = Value::Null;
    let mut details = Vec::with_capacity(parties.len());
    let mut extra = serde_json::Map::new();
    match &allocation.details {
        Details::Quota(q) => {
            if seats_total > 0 && *passing_votes > 0 {
                quota = number(q.quota);
            }
            if let Some(exact) = quota_exact {
                extra.insert("quota_exact".into(), Value::from(exact.to_string()));
                extra.insert("quota_exact_value".into(), Value::from(exact.to_f64()));
            }
            for i in 0..parties.len() {
                details.push(party_json(
                    i,
                    vec![
                        ("seats_by_quota", q.seats_by_quota[i].into()),
                        ("remainder", number(q.remainders[i])),
                        ("remainder_seats", q.remainder_seats[i].into()),
                        ("deducted_seats", q.deducted_seats[i].into()),
                    ],
                ));
            }
        }
        Details::Divisor(d) => {
            let mut last: Vec<Option<&Quotient>> = vec![None; parties.len()];
            for award in &d.awards {
                last[award.party] = Some(&award.quotient);
            }
            for (i, quotient) in last.iter().enumerate() {
                let quotient = quotient.map_or(Value::Null, |q| {
                    if q.is_infinite() {
                        Value::Null
                    } else {
                        Value::from(q.to_f64())
                    }
                });
                details.push(party_json(i, vec![("last_quotient", quotient)]));
            }
            if let Some(a) = d.last_elected() {
                extra.insert(
                    "last_elected".into(),
                    quotient_json(names, a.party, a.seat, &a.quotient),
                );
            }
            if let Some(a) = &d.first_not_elected {
                extra.insert(
                    "first_not_elected".into(),
                    quotient_json(names, a.party, a.seat, &a.quotient),
                );
            }
        }
        _ => {}
    }
    extra.insert("total_valid_votes".into(), Value::from(total_valid));
    extra.insert("passing_votes".into(), Value::from(*passing_votes));
    ListOutput {
        method: method.name(),
        seats_total,
        quota,
        seats: Ordered(
            names
                .iter()
                .cloned()
                .zip(allocation.seats.iter().copied())
                .collect(),
        ),
        details,
        threshold,
        allocation: Value::Object(extra),
        ties: ties_json(names, &allocation.ties),
    }
}

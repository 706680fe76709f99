//! `electie seats`: seat allocation on a JSON file of party votes.

use std::path::PathBuf;
use std::process::ExitCode;

use electie_tally::apportion::districts::{District, allocate_districts};
use electie_tally::apportion::divisor::Quotient;
use electie_tally::apportion::quota::QuotaRounding;
use electie_tally::apportion::{Allocation, Details, Method, NamedMethod, NamedMethodKind};
use electie_tally::single_winner::{FirstRound, MajorityBase, first_round, plurality};
use electie_tally::threshold::{Contender, Threshold};
use electie_tally::tie::{TieBreak, TieRule};
use electie_tally::{Error, Ratio, TiePolicy};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;

use crate::input;

/// The allocation method: a list-seat method named by electie-tally, or one of the
/// command line's single-winner methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MethodName {
    /// A list-seat method.
    Seats(NamedMethod),
    /// Single winner, most votes.
    Plurality,
    /// Two-round majority (Slovak president).
    TwoRound,
}

impl MethodName {
    /// Every `--method` value in help order: the list-seat methods, then the
    /// single-winner ones.
    const ALL: [Self; NamedMethod::ALL.len() + 2] = {
        let mut all = [Self::Plurality; NamedMethod::ALL.len() + 2];
        let mut i = 0;
        while i < NamedMethod::ALL.len() {
            all[i] = Self::Seats(NamedMethod::ALL[i]);
            i += 1;
        }
        all[NamedMethod::ALL.len() + 1] = Self::TwoRound;
        all
    };

    fn name(self) -> &'static str {
        match self {
            Self::Seats(method) => method.name(),
            Self::Plurality => "plurality",
            Self::TwoRound => "two-round",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Self::Seats(method) => method.description(),
            Self::Plurality => "Single winner, most votes",
            Self::TwoRound => {
                "Two-round majority (Slovak president): input `{\"round1\": {\"candidates\": [...], \
                 \"registered_voters\"?}, \"round2\"?: {\"candidates\": [...]}}` or \
                 `{\"candidates\": [...]}`"
            }
        }
    }
}

impl clap::ValueEnum for MethodName {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()).help(self.help()))
    }
}

/// Quota rounding on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Rounding {
    /// The exact rational quota.
    Exact,
    /// Rounded down.
    Floor,
    /// Rounded up.
    Ceil,
    /// Rounded to nearest, halves up.
    Nearest,
}

/// Tie policy on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Tie {
    /// Fail on any tie that decides a seat.
    Fail,
    /// More votes win, then fail.
    MoreVotes,
    /// More votes win, then a seeded lot (`--seed`).
    Lot,
    /// Earlier in the input list wins.
    ListOrder,
}

/// What round 1 of `two-round` needs more than half of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Majority {
    /// All registered voters (input `registered_voters`; Slovak president).
    Registered,
    /// Valid votes cast in round 1.
    Valid,
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
    #[arg(long, value_enum)]
    quota_rounding: Option<Rounding>,
    /// Tie policy.
    #[arg(long, value_enum, default_value = "more-votes")]
    tie: Tie,
    /// Seed of the lot for `--tie lot`.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// First divisor of modified Sainte-Laguë.
    #[arg(long, default_value = "1.4")]
    first_divisor: String,
    /// For two-round: the base of the round-1 majority.
    #[arg(long, value_enum, default_value = "registered")]
    majority: Majority,
    /// Input JSON file; `-` reads standard input.
    input: PathBuf,
}

/// A bad input or option, with the field it concerns.
struct Problem(String);

impl From<Error> for Problem {
    fn from(error: Error) -> Self {
        Problem(error.to_string())
    }
}

type Outcome<T> = std::result::Result<T, Problem>;

pub(crate) fn run(args: SeatsArgs) -> ExitCode {
    match execute(&args) {
        Ok(output) => {
            println!("{output}");
            ExitCode::SUCCESS
        }
        Err(Problem(message)) => {
            eprintln!("electie: seats: {message}");
            ExitCode::from(2)
        }
    }
}

fn execute(args: &SeatsArgs) -> Outcome<String> {
    let bytes = input::read_all(&args.input)
        .map_err(|e| Problem(format!("{}: {e}", args.input.display())))?;
    let root: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Problem(format!("{}: invalid JSON: {e}", args.input.display())))?;
    if !root.is_object() {
        return Err(Problem("input must be a JSON object".into()));
    }
    let tie = match args.tie {
        Tie::Fail => TiePolicy::Fail,
        Tie::MoreVotes => TiePolicy::MoreVotesThenFail,
        Tie::Lot => TiePolicy::MoreVotesThenLot { seed: args.seed },
        Tie::ListOrder => TiePolicy::ListOrder,
    };
    let text = match args.method {
        MethodName::Plurality | MethodName::TwoRound => single_winner(args, &root, tie)?,
        MethodName::Seats(_) => {
            if let Some(districts) = root.get("districts") {
                districts_form(args, &root, districts, tie)?
            } else {
                let parties = read_parties(root.get("parties"), "parties")?;
                single_form(args, &root, &parties, tie)?
            }
        }
    };
    Ok(text)
}

struct PartyIn {
    name: String,
    votes: u64,
    coalition_size: u32,
}

fn read_parties(value: Option<&Value>, path: &str) -> Outcome<Vec<PartyIn>> {
    let list = value
        .ok_or_else(|| Problem(format!("missing field {path} (or districts)")))?
        .as_array()
        .ok_or_else(|| Problem(format!("{path} must be a list")))?;
    let mut parties: Vec<PartyIn> = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let object = item
            .as_object()
            .ok_or_else(|| Problem(format!("{at} must be an object")))?;
        let name = match object.get("name") {
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(Problem(format!("{at}.name must be a string"))),
            None => return Err(Problem(format!("missing field {at}.name"))),
        };
        let votes = object
            .get("votes")
            .ok_or_else(|| Problem(format!("missing field {at}.votes")))?
            .as_u64()
            .ok_or_else(|| Problem(format!("{at}.votes must be a non-negative integer")))?;
        let coalition_size = match object.get("coalition_size") {
            None | Some(Value::Null) => 1,
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    Problem(format!(
                        "{at}.coalition_size must be a positive integer or null"
                    ))
                })?,
        };
        if parties.iter().any(|p| p.name == name) {
            return Err(Problem(format!("{at}.name {name:?} appears twice")));
        }
        parties.push(PartyIn {
            name,
            votes,
            coalition_size,
        });
    }
    Ok(parties)
}

fn parse_percent(text: &str, what: &str) -> Outcome<Ratio> {
    Ratio::parse_decimal(text)
        .map_err(|_| Problem(format!("{what} must be a decimal number, got {text:?}")))
}

/// `--seats`, else the input's `seats`, else a Slovak preset's house size.
fn seats_from(args: &SeatsArgs, root: &Value, kind: Option<&NamedMethodKind>) -> Outcome<u64> {
    if let Some(seats) = args.seats {
        return Ok(seats);
    }
    if let Some(v) = root.get("seats") {
        return v
            .as_u64()
            .ok_or_else(|| Problem("seats in the input must be a non-negative integer".into()));
    }
    match kind {
        Some(NamedMethodKind::Slovak(election)) => Ok(election.seats),
        _ => Err(Problem(
            "missing --seats (and no seats in the input)".into(),
        )),
    }
}

fn rounding(r: Option<Rounding>, default: QuotaRounding) -> QuotaRounding {
    match r {
        None => default,
        Some(Rounding::Exact) => QuotaRounding::Exact,
        Some(Rounding::Floor) => QuotaRounding::Floor,
        Some(Rounding::Ceil) => QuotaRounding::Ceil,
        Some(Rounding::Nearest) => QuotaRounding::NearestHalfUp,
    }
}

/// The list-seat method of `--method`; `--first-divisor` is read only for the method
/// that uses it.
fn kind_of(args: &SeatsArgs) -> Outcome<NamedMethodKind> {
    match args.method {
        MethodName::Seats(method) => {
            method.kind(|| parse_percent(&args.first_divisor, "--first-divisor"))
        }
        MethodName::Plurality | MethodName::TwoRound => Err(Problem(format!(
            "--method {} allocates no list seats",
            args.method.name()
        ))),
    }
}

/// A divisor or quota method with `--quota-rounding` (exact by default).
fn plain_method(args: &SeatsArgs, kind: &NamedMethodKind) -> Outcome<Method> {
    match kind {
        NamedMethodKind::Divisor(divisor) => Ok(Method::Divisor(*divisor)),
        NamedMethodKind::Quota(quota) => Ok(Method::Quota {
            quota: *quota,
            rounding: rounding(args.quota_rounding, QuotaRounding::Exact),
        }),
        _ => Err(Problem(format!(
            "--method {} is a single nationwide constituency; give {{\"parties\": [...]}}",
            args.method.name()
        ))),
    }
}

/// `--threshold`, else a Slovak preset's rules, else none.
fn threshold_of(args: &SeatsArgs, kind: &NamedMethodKind) -> Outcome<Threshold> {
    if let Some(text) = &args.threshold {
        return Ok(Threshold::percent(parse_percent(text, "--threshold")?));
    }
    Ok(match kind {
        NamedMethodKind::Slovak(election) => election.threshold.clone(),
        _ => Threshold::none(),
    })
}

/// A JSON object whose keys keep the given order.
struct Ordered<V>(Vec<(String, V)>);

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// An exact rational as JSON: an integer when it is one, else a float (display only).
fn number(r: Ratio) -> Value {
    if r.is_integer() {
        u64::try_from(r.floor()).map_or_else(|_| Value::from(r.to_f64()), Value::from)
    } else {
        Value::from(r.to_f64())
    }
}

fn quotient_json(names: &[String], party: usize, seat: u64, q: &Quotient) -> Value {
    let divisor = match q.divisor {
        electie_tally::apportion::divisor::Divisor::Fraction {
            numerator,
            denominator,
        } => {
            if denominator == 1 {
                Value::from(u64::try_from(numerator).unwrap_or(u64::MAX))
            } else {
                Value::from(format!("{numerator}/{denominator}"))
            }
        }
        electie_tally::apportion::divisor::Divisor::SquareRoot { radicand } => {
            Value::from(format!("sqrt({radicand})"))
        }
        _ => Value::Null,
    };
    let quotient = if q.is_infinite() {
        Value::Null
    } else {
        Value::from(q.to_f64())
    };
    serde_json::json!({
        "seat": seat,
        "party": names.get(party),
        "divisor": divisor,
        "quotient": quotient,
    })
}

fn ties_json(names: &[String], ties: &[TieBreak]) -> Value {
    Value::Array(
        ties.iter()
            .map(|t| {
                let rule = match t.rule {
                    TieRule::MoreVotes => serde_json::json!("more-votes"),
                    TieRule::Lot { seed } => serde_json::json!({"lot": {"seed": seed}}),
                    TieRule::ListOrder => serde_json::json!("list-order"),
                    _ => Value::Null,
                };
                serde_json::json!({
                    "tied": t.tied.iter().map(|&p| &names[p]).collect::<Vec<_>>(),
                    "contested": t.contested,
                    "winners": t.winners.iter().map(|&p| &names[p]).collect::<Vec<_>>(),
                    "rule": rule,
                })
            })
            .collect(),
    )
}

fn name_error(names: &[String], error: Error) -> Problem {
    match error {
        Error::Tie {
            tied,
            contested,
            first_seat,
        } => Problem(format!(
            "tie: {} are equal for {contested} seat(s) starting at seat {first_seat}; choose a --tie policy",
            tied.iter()
                .map(|&p| format!("{:?}", names.get(p).map_or("?", String::as_str)))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        other => Problem(other.to_string()),
    }
}

#[derive(Serialize)]
struct SingleOutput {
    method: &'static str,
    seats_total: u64,
    quota: Value,
    seats: Ordered<u64>,
    details: Vec<Value>,
    threshold: Value,
    allocation: Value,
    ties: Value,
}

fn single_form(
    args: &SeatsArgs,
    root: &Value,
    parties: &[PartyIn],
    tie: TiePolicy,
) -> Outcome<String> {
    let kind = kind_of(args);
    let seats = seats_from(args, root, kind.as_ref().ok())?;
    let kind = kind?;
    let threshold = threshold_of(args, &kind)?;
    let names: Vec<String> = parties.iter().map(|p| p.name.clone()).collect();
    let listed: u64 = parties
        .iter()
        .map(|p| p.votes)
        .try_fold(0u64, u64::checked_add)
        .ok_or_else(|| Problem("vote total overflows".into()))?;
    let total_valid = match root.get("total_valid_votes") {
        None | Some(Value::Null) => listed,
        Some(v) => {
            let total = v.as_u64().ok_or_else(|| {
                Problem("total_valid_votes must be a non-negative integer".into())
            })?;
            if total < listed {
                return Err(Problem(format!(
                    "total_valid_votes {total} is less than the sum of parties[].votes {listed}"
                )));
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
    let passing = contenders
        .iter()
        .map(|&c| threshold.passes(c, total_valid))
        .collect::<Result<Vec<bool>, Error>>()?;
    let votes: Vec<u64> = parties
        .iter()
        .zip(&passing)
        .map(|(p, &ok)| if ok { p.votes } else { 0 })
        .collect();
    let passing_votes: u64 = votes.iter().sum();
    let (allocation, quota_exact) = match kind {
        NamedMethodKind::Slovak(mut election) => {
            election.seats = seats;
            election.threshold = Threshold::none();
            election.tie = tie;
            election.rvc_rounding = rounding(args.quota_rounding, election.rvc_rounding);
            // thresholds were applied above on the full valid-vote base
            let passing_only: Vec<Contender> = votes.iter().map(|&v| Contender::party(v)).collect();
            let r = election
                .allocate(&passing_only)
                .map_err(|e| name_error(&names, e))?;
            (r.allocation, Some(r.rvc_exact))
        }
        kind => {
            let method = plain_method(args, &kind)?;
            let a = method
                .allocate(&votes, seats, tie)
                .map_err(|e| name_error(&names, e))?;
            let exact = match method {
                Method::Quota { quota, .. } if passing_votes > 0 && seats > 0 => {
                    Some(quota.exact_quota(passing_votes, seats)?)
                }
                _ => None,
            };
            (a, exact)
        }
    };
    let output = render_single(
        args,
        seats,
        &names,
        parties,
        &passing,
        total_valid,
        passing_votes,
        &allocation,
        quota_exact,
    );
    serde_json::to_string_pretty(&output).map_err(|e| Problem(e.to_string()))
}

#[allow(clippy::too_many_arguments)]
fn render_single(
    args: &SeatsArgs,
    seats_total: u64,
    names: &[String],
    parties: &[PartyIn],
    passing: &[bool],
    total_valid: u64,
    passing_votes: u64,
    allocation: &Allocation,
    quota_exact: Option<Ratio>,
) -> SingleOutput {
    let mut quota = Value::Null;
    let mut details = Vec::with_capacity(parties.len());
    let mut extra = serde_json::Map::new();
    match &allocation.details {
        Details::Quota(q) => {
            if seats_total > 0 && passing_votes > 0 {
                quota = number(q.quota);
            }
            if let Some(exact) = quota_exact {
                extra.insert("quota_exact".into(), Value::from(exact.to_string()));
                extra.insert("quota_exact_value".into(), Value::from(exact.to_f64()));
            }
            for (i, p) in parties.iter().enumerate() {
                details.push(serde_json::json!({
                    "name": p.name,
                    "votes": p.votes,
                    "passed_threshold": passing[i],
                    "seats_by_quota": q.seats_by_quota[i],
                    "remainder": number(q.remainders[i]),
                    "remainder_seats": q.remainder_seats[i],
                    "deducted_seats": q.deducted_seats[i],
                    "seats": allocation.seats[i],
                }));
            }
        }
        Details::Divisor(d) => {
            let mut last: Vec<Option<&Quotient>> = vec![None; parties.len()];
            for award in &d.awards {
                last[award.party] = Some(&award.quotient);
            }
            for (i, p) in parties.iter().enumerate() {
                details.push(serde_json::json!({
                    "name": p.name,
                    "votes": p.votes,
                    "passed_threshold": passing[i],
                    "seats": allocation.seats[i],
                    "last_quotient": last[i].map(|q| if q.is_infinite() { Value::Null } else { Value::from(q.to_f64()) }),
                }));
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
    extra.insert("passing_votes".into(), Value::from(passing_votes));
    let threshold = match &args.threshold {
        Some(t) => Value::from(format!("{t} %")),
        None => match args.method {
            MethodName::Seats(NamedMethod::SkNrsr) => {
                Value::from("5 % (coalitions of 2-3: 7 %, 4+: 10 %)")
            }
            MethodName::Seats(NamedMethod::SkEp) => Value::from("5 %"),
            _ => Value::Null,
        },
    };
    SingleOutput {
        method: args.method.name(),
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

#[derive(Serialize)]
struct DistrictOutput {
    method: &'static str,
    seats_total: u64,
    national: Ordered<u64>,
    districts: Ordered<Ordered<u64>>,
    passed_threshold: Ordered<bool>,
}

fn districts_form(
    args: &SeatsArgs,
    _root: &Value,
    value: &Value,
    tie: TiePolicy,
) -> Outcome<String> {
    let kind = kind_of(args)?;
    let method = plain_method(args, &kind)?;
    let threshold = threshold_of(args, &kind)?;
    let list = value
        .as_array()
        .ok_or_else(|| Problem("districts must be a list".into()))?;
    let mut names: Vec<String> = Vec::new();
    let mut sizes: Vec<u32> = Vec::new();
    let mut raw: Vec<(String, u64, Vec<PartyIn>)> = Vec::new();
    for (i, d) in list.iter().enumerate() {
        let at = format!("districts[{i}]");
        let name = match d.get("name") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(Problem(format!("{at}.name must be a string"))),
        };
        if raw.iter().any(|(n, _, _)| *n == name) {
            return Err(Problem(format!("{at}.name {name:?} appears twice")));
        }
        let seats = d
            .get("seats")
            .and_then(Value::as_u64)
            .ok_or_else(|| Problem(format!("{at}.seats must be a non-negative integer")))?;
        let parties = read_parties(d.get("parties"), &format!("{at}.parties"))?;
        for p in &parties {
            if !names.contains(&p.name) {
                names.push(p.name.clone());
                sizes.push(p.coalition_size);
            }
        }
        raw.push((name, seats, parties));
    }
    let districts: Vec<District> = raw
        .iter()
        .map(|(_, seats, parties)| District {
            seats: *seats,
            votes: names
                .iter()
                .map(|n| parties.iter().find(|p| &p.name == n).map_or(0, |p| p.votes))
                .collect(),
        })
        .collect();
    let national_votes =
        electie_tally::apportion::districts::national_votes(&districts, names.len())?;
    let contenders: Vec<Contender> = national_votes
        .iter()
        .zip(&sizes)
        .map(|(&votes, &coalition_size)| Contender {
            votes,
            coalition_size,
            won_district_seat: false,
        })
        .collect();
    let eligible = threshold.evaluate(&contenders)?;
    let result = allocate_districts(method, &districts, names.len(), &eligible, tie)
        .map_err(|e| name_error(&names, e))?;
    let output = DistrictOutput {
        method: args.method.name(),
        seats_total: districts.iter().map(|d| d.seats).sum(),
        national: Ordered(
            names
                .iter()
                .cloned()
                .zip(result.national.iter().copied())
                .collect(),
        ),
        districts: Ordered(
            raw.iter()
                .zip(&result.districts)
                .map(|((name, _, _), a)| {
                    (
                        name.clone(),
                        Ordered(names.iter().cloned().zip(a.seats.iter().copied()).collect()),
                    )
                })
                .collect(),
        ),
        passed_threshold: Ordered(
            names
                .iter()
                .cloned()
                .zip(eligible.iter().copied())
                .collect(),
        ),
    };
    serde_json::to_string_pretty(&output).map_err(|e| Problem(e.to_string()))
}

fn read_candidates(value: &Value, path: &str) -> Outcome<(Vec<String>, Vec<u64>)> {
    let list = value
        .get("candidates")
        .ok_or_else(|| Problem(format!("missing field {path}.candidates")))?
        .as_array()
        .ok_or_else(|| Problem(format!("{path}.candidates must be a list")))?;
    let mut names = Vec::new();
    let mut votes = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let at = format!("{path}.candidates[{i}]");
        let name = match c.get("name") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(Problem(format!("{at}.name must be a string"))),
        };
        let v = c
            .get("votes")
            .and_then(Value::as_u64)
            .ok_or_else(|| Problem(format!("{at}.votes must be a non-negative integer")))?;
        names.push(name);
        votes.push(v);
    }
    Ok((names, votes))
}

fn single_winner(args: &SeatsArgs, root: &Value, tie: TiePolicy) -> Outcome<String> {
    let (round1, path) = match root.get("round1") {
        Some(r) => (r, "round1"),
        None => (root, "input"),
    };
    let (names, votes) = read_candidates(round1, path)?;
    if args.method == MethodName::Plurality {
        let winner = plurality(&votes, tie).map_err(|e| name_error(&names, e))?;
        let out = serde_json::json!({"method": "plurality", "winner": names[winner], "votes": Ordered(names.iter().cloned().zip(votes.iter().copied()).collect())});
        return serde_json::to_string_pretty(&out).map_err(|e| Problem(e.to_string()));
    }
    let registered = match round1
        .get("registered_voters")
        .or_else(|| root.get("registered_voters"))
    {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| {
            Problem(format!(
                "{path}.registered_voters must be a non-negative integer or null"
            ))
        })?),
    };
    let (base, base_label) = match (args.majority, registered) {
        (Majority::Valid, _) => (MajorityBase::ValidVotes, "valid votes"),
        (Majority::Registered, Some(r)) => (MajorityBase::RegisteredVoters(r), "registered voters"),
        // Unknown registered voters: more than half of them implies more than half of
        // the valid votes, so "nobody has half of the valid votes" decides a run-off
        // under either reading; anything else needs the count.
        (Majority::Registered, None) => (
            MajorityBase::ValidVotes,
            "valid votes (registered voters not given: a run-off under either reading)",
        ),
    };
    let first = first_round(&votes, base, tie).map_err(|e| name_error(&names, e))?;
    if registered.is_none()
        && args.majority == Majority::Registered
        && matches!(first, FirstRound::Elected { .. })
    {
        return Err(Problem(format!(
            "{path}.registered_voters is needed: a candidate has more than half of the valid votes (or use --majority valid)"
        )));
    }
    let mut out = serde_json::Map::new();
    out.insert("method".into(), Value::from("two-round"));
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
                        return Err(Problem(format!(
                            "round2 candidate {n:?} did not advance from round 1"
                        )));
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
    serde_json::to_string_pretty(&Value::Object(out)).map_err(|e| Problem(e.to_string()))
}

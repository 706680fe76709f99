//! The JSON pieces `electie seats` prints: ordered objects, exact numbers shown as
//! JSON numbers, quotients, broken ties, and errors naming parties.

use electie_tally::apportion::divisor::{Divisor, Quotient};
use electie_tally::tie::{NamedTiePolicy, TieBreak, TieRule};
use electie_tally::{Error, Ratio};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;

/// A JSON object whose keys keep the given order.
pub(super) struct Ordered<V>(pub(super) Vec<(String, V)>);

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
pub(super) fn number(r: Ratio) -> Value {
    if r.is_integer() {
        u64::try_from(r.floor()).map_or_else(|_| Value::from(r.to_f64()), Value::from)
    } else {
        Value::from(r.to_f64())
    }
}

pub(super) fn quotient_json(names: &[String], party: usize, seat: u64, q: &Quotient) -> Value {
    let divisor = match q.divisor {
        Divisor::Fraction {
            numerator,
            denominator,
        } => {
            if denominator == 1 {
                Value::from(u64::try_from(numerator).unwrap_or(u64::MAX))
            } else {
                Value::from(format!("{numerator}/{denominator}"))
            }
        }
        Divisor::SquareRoot { radicand } => Value::from(format!("sqrt({radicand})")),
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

pub(super) fn ties_json(names: &[String], ties: &[TieBreak]) -> Value {
    Value::Array(
        ties.iter()
            .map(|t| {
                let rule = match t.rule {
                    TieRule::MoreVotes => serde_json::json!(NamedTiePolicy::MoreVotes.name()),
                    TieRule::Lot { seed } => {
                        serde_json::json!({NamedTiePolicy::Lot.name(): {"seed": seed}})
                    }
                    TieRule::ListOrder => serde_json::json!(NamedTiePolicy::ListOrder.name()),
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

/// An allocation error with party names instead of input indices.
pub(super) fn name_error(names: &[String], error: Error) -> crate::error::Error {
    match error {
        Error::Tie {
            tied,
            contested,
            first_seat,
        } => format!(
            "tie: {} are equal for {contested} seat(s) starting at seat {first_seat}; choose a --tie policy",
            tied.iter()
                .map(|&p| format!("{:?}", names.get(p).map_or("?", String::as_str)))
                .collect::<Vec<_>>()
                .join(", ")
        )
        .into(),
        other => other.into(),
    }
}

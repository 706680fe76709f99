//! Reading the fields the wire shapes share, with the errors that name them.

use crate::error::FormatError;
use crate::ids::{CandidateId, PartyId};
use crate::python_json::{Int, Object, Value};

/// `value` as an object, or what it is instead.
pub(super) fn object<'a>(value: &'a Value, what: &'static str) -> Result<&'a Object, FormatError> {
    value.as_object().ok_or(FormatError::NotAnObject {
        what,
        found: value.type_name(),
    })
}

pub(super) fn required<'a>(
    object: &'a Object,
    field: &'static str,
) -> Result<&'a Value, FormatError> {
    object.get(field).ok_or(FormatError::MissingField { field })
}

pub(super) fn required_string(object: &Object, field: &'static str) -> Result<String, FormatError> {
    match required(object, field)? {
        Value::String(text) => Ok(text.clone()),
        other => Err(wrong_type(field, "a string", other)),
    }
}

/// A required integer field within 64 bits.
pub(super) fn required_id(object: &Object, field: &'static str) -> Result<i64, FormatError> {
    match required(object, field)? {
        Value::Int(int) => id_value(int, field),
        other => Err(wrong_type(field, "an integer", other)),
    }
}

/// `party_id`: an integer or `null` (a blank vote).
pub(super) fn party_id(object: &Object) -> Result<Option<PartyId>, FormatError> {
    match required(object, "party_id")? {
        Value::Null => Ok(None),
        Value::Int(int) => Ok(Some(PartyId(id_value(int, "party_id")?))),
        other => Err(wrong_type("party_id", "an integer or null", other)),
    }
}

/// `candidate_ids`, a list of integers, appended to `out` (left as it was on error).
pub(super) fn candidate_ids_into(
    object: &Object,
    out: &mut Vec<CandidateId>,
) -> Result<(), FormatError> {
    let items = match required(object, "candidate_ids")? {
        Value::Array(items) => items,
        other => return Err(wrong_type("candidate_ids", "a list of integers", other)),
    };
    let start = out.len();
    out.reserve(items.len());
    for (index, item) in items.iter().enumerate() {
        let id = match item {
            Value::Int(int) => id_value(int, &format!("candidate_ids[{index}]")),
            other => Err(wrong_type(
                &format!("candidate_ids[{index}]"),
                "an integer",
                other,
            )),
        };
        match id {
            Ok(id) => out.push(CandidateId(id)),
            Err(error) => {
                out.truncate(start);
                return Err(error);
            }
        }
    }
    Ok(())
}

pub(super) fn candidate_ids(object: &Object) -> Result<Vec<CandidateId>, FormatError> {
    let mut ids = Vec::new();
    candidate_ids_into(object, &mut ids)?;
    Ok(ids)
}

fn id_value(int: &Int, field: &str) -> Result<i64, FormatError> {
    int.as_i64().ok_or_else(|| FormatError::OutOfRange {
        field: field.to_owned(),
        value: int.to_string(),
    })
}

fn wrong_type(field: &str, expected: &'static str, found: &Value) -> FormatError {
    FormatError::WrongType {
        field: field.to_owned(),
        expected,
        found: found.type_name(),
    }
}

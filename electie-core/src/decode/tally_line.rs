//! A line of `electie tally`'s input: `{"polling_place_id", "party_id", "candidate_ids"}`.

use super::fields::{candidate_ids_into, object, party_id, required_id};
use crate::error::FormatError;
use crate::ids::{CandidateId, PartyId, PollingPlaceId};
use crate::python_json::Value;

/// A decrypted vote as a count reads it: where it was cast and the ballot, without
/// token or election id (those were checked when the vote was accepted).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TallyLine {
    /// The polling place the vote was cast in.
    pub polling_place_id: PollingPlaceId,
    /// The party voted for; `None` is a blank vote.
    pub party_id: Option<PartyId>,
    /// Circled candidates, in ballot order.
    pub candidate_ids: Vec<CandidateId>,
}

impl TallyLine {
    /// Reads a tally line from a JSON value: the three fields required, ids integers
    /// within 64 bits, `party_id` possibly `null`; other keys are ignored (see [the
    /// grammar](crate::decode)).
    ///
    /// # Errors
    /// A [`FormatError`] naming the field and what is wrong with it.
    pub fn from_json(value: &Value) -> Result<TallyLine, FormatError> {
        let mut candidate_ids = Vec::new();
        let (polling_place_id, party_id) = from_value_into(value, &mut candidate_ids)?;
        Ok(TallyLine {
            polling_place_id,
            party_id,
            candidate_ids,
        })
    }

    /// Reads a tally line from JSON text; the same answer as
    /// [`from_json`](Self::from_json) after [`python_json::loads`](crate::python_json::loads),
    /// faster (see [`tally_line_into`]).
    ///
    /// ```
    /// use electie_core::decode::TallyLine;
    ///
    /// let line = TallyLine::from_json_bytes(br#"{"polling_place_id": 0, "party_id": null, "candidate_ids": []}"#)?;
    /// assert_eq!(line.party_id, None);
    /// assert_eq!(
    ///     TallyLine::from_json_bytes(br#"{"polling_place_id": 0, "party_id": 1}"#).unwrap_err().to_string(),
    ///     "missing field candidate_ids"
    /// );
    /// # Ok::<(), electie_core::FormatError>(())
    /// ```
    ///
    /// # Errors
    /// [`FormatError::Json`] for text that is not JSON, else as
    /// [`from_json`](Self::from_json).
    pub fn from_json_bytes(bytes: &[u8]) -> Result<TallyLine, FormatError> {
        let mut candidate_ids = Vec::new();
        let (polling_place_id, party_id) = tally_line_into(bytes, &mut candidate_ids)?;
        Ok(TallyLine {
            polling_place_id,
            party_id,
            candidate_ids,
        })
    }
}

/// Reads a tally line from JSON text, appending its candidates to `candidate_ids`
/// (untouched on error) and returning its polling place and party: what a count
/// reads millions of times, without allocating.
///
/// The usual shape (`{"polling_place_id": 1, "party_id": 2, "candidate_ids": [3, 4]}`,
/// keys in any order, other keys with plain string values) is read by a scanner that
/// answers only when the text is certainly JSON meaning exactly that; anything else
/// (escapes, floats, duplicate keys, errors, …) goes to the full decoder,
/// [`TallyLine::from_json`] after [`python_json::loads`](crate::python_json::loads),
/// which decides. Both give the same answer on every input: a property test and the
/// fuzz target `decode_tally_line` check it.
///
/// ```
/// use electie_core::decode::tally_line_into;
/// use electie_core::{CandidateId, PollingPlaceId};
///
/// let mut candidates = Vec::new();
/// let (place, party) = tally_line_into(br#"{"polling_place_id": 7, "party_id": 10, "candidate_ids": [1075, 1076]}"#, &mut candidates)?;
/// assert_eq!(place, PollingPlaceId(7));
/// assert_eq!(candidates, [CandidateId(1075), CandidateId(1076)]);
/// assert!(tally_line_into(br#"{"polling_place_id": 7, "party_id": 1.5, "candidate_ids": []}"#, &mut candidates).is_err());
/// assert_eq!(candidates.len(), 2);
/// # Ok::<(), electie_core::FormatError>(())
/// ```
///
/// # Errors
/// As [`TallyLine::from_json_bytes`].
pub fn tally_line_into(
    bytes: &[u8],
    candidate_ids: &mut Vec<CandidateId>,
) -> Result<(PollingPlaceId, Option<PartyId>), FormatError> {
    if let Some(head) = super::scan::tally_line(bytes, candidate_ids) {
        return Ok(head);
    }
    tally_line_full_into(bytes, candidate_ids)
}

/// The full decoder alone: what [`tally_line_into`] answers, without its scanner.
/// Public so that tests and fuzz targets can hold the two against each other.
///
/// # Errors
/// As [`TallyLine::from_json_bytes`].
#[doc(hidden)]
pub fn tally_line_full_into(
    bytes: &[u8],
    candidate_ids: &mut Vec<CandidateId>,
) -> Result<(PollingPlaceId, Option<PartyId>), FormatError> {
    from_value_into(&super::parse(bytes)?, candidate_ids)
}

fn from_value_into(
    value: &Value,
    candidate_ids: &mut Vec<CandidateId>,
) -> Result<(PollingPlaceId, Option<PartyId>), FormatError> {
    let object = object(value, "vote")?;
    let polling_place_id = PollingPlaceId(required_id(object, "polling_place_id")?);
    let party_id = party_id(object)?;
    candidate_ids_into(object, candidate_ids)?;
    Ok((polling_place_id, party_id))
}

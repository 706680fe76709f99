//! The decrypted vote `{"party_id", "candidate_ids", "token", "election_id"}` and the
//! terminal's ballot `{"party_id", "candidate_ids"}`.

use super::fields::{candidate_ids, object, party_id, required_string};
use crate::error::FormatError;
use crate::models::{Vote, VotePartial};
use crate::python_json::Value;

impl Vote {
    /// Reads a decrypted vote, strictly (see [the grammar](crate::decode)):
    /// `party_id` an integer or null, `candidate_ids` a list of integers, `token` and
    /// `election_id` strings, all four required; every id within 64 bits. No coercion
    /// (`"10"` is not `10`, `true` is not `1`). Other keys are ignored.
    ///
    /// ```
    /// use electie_core::{python_json::loads, Vote};
    ///
    /// let value = loads(r#"{"party_id": 10, "candidate_ids": [1075], "token": "t", "election_id": "e"}"#)?;
    /// let vote = Vote::from_json(&value)?;
    /// assert_eq!(vote.candidate_ids.len(), 1);
    ///
    /// let wrong = loads(r#"{"party_id": "10", "candidate_ids": [], "token": "t", "election_id": "e"}"#)?;
    /// assert_eq!(
    ///     Vote::from_json(&wrong).unwrap_err().to_string(),
    ///     "party_id must be an integer or null, got a string"
    /// );
    /// # Ok::<(), electie_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// A [`FormatError`] naming the field and what is wrong with it.
    pub fn from_json(value: &Value) -> Result<Vote, FormatError> {
        let object = object(value, "vote")?;
        Ok(Vote {
            party_id: party_id(object)?,
            candidate_ids: candidate_ids(object)?,
            token: required_string(object, "token")?,
            election_id: required_string(object, "election_id")?,
        })
    }

    /// Reads a decrypted vote from JSON text (one line of `electie validate`'s input):
    /// [`from_json`](Self::from_json) after [`python_json::loads`](crate::python_json::loads).
    ///
    /// ```
    /// use electie_core::Vote;
    ///
    /// let vote = Vote::from_json_bytes(br#"{"party_id": null, "candidate_ids": [], "token": "t", "election_id": "e"}"#)?;
    /// assert_eq!(vote.party_id, None);
    /// assert_eq!(
    ///     Vote::from_json_bytes(b"{").unwrap_err().to_string(),
    ///     "not valid JSON at byte 1: expected a string key"
    /// );
    /// # Ok::<(), electie_core::FormatError>(())
    /// ```
    ///
    /// # Errors
    /// [`FormatError::Json`] for text that is not JSON, else as
    /// [`from_json`](Self::from_json).
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Vote, FormatError> {
        Vote::from_json(&super::parse(bytes)?)
    }
}

impl VotePartial {
    /// Reads the ballot a terminal sends (`vote` in `{"token", "vote"}`): `party_id` an
    /// integer or null and `candidate_ids` a list of integers, both required, with the
    /// rules of [`Vote::from_json`].
    ///
    /// ```
    /// use electie_core::{python_json::loads, PartyId, VotePartial};
    ///
    /// let ballot = VotePartial::from_json(&loads(r#"{"party_id": 3, "candidate_ids": []}"#)?)?;
    /// assert_eq!(ballot.party_id, Some(PartyId(3)));
    /// # Ok::<(), electie_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// A [`FormatError`] naming the field and what is wrong with it.
    pub fn from_json(value: &Value) -> Result<VotePartial, FormatError> {
        let object = object(value, "vote")?;
        Ok(VotePartial {
            party_id: party_id(object)?,
            candidate_ids: candidate_ids(object)?,
        })
    }
}

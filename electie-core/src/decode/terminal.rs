//! The terminal's opened payload `{"token", "vote": {"party_id", "candidate_ids"}}`.

use super::fields::{object, required, required_string};
use crate::error::FormatError;
use crate::models::VotePartial;
use crate::python_json::Value;

/// What a voting terminal seals for its gateway: the voter's token and the ballot.
/// The gateway adds the election id when it stores the vote.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TerminalVote {
    /// The voter's one-time token.
    pub token: String,
    /// The ballot.
    pub vote: VotePartial,
}

impl TerminalVote {
    /// Reads an opened terminal payload: `token` a string and `vote` a ballot as
    /// [`VotePartial::from_json`] reads it, both required; other keys are ignored.
    ///
    /// ```
    /// use electie_core::decode::TerminalVote;
    /// use electie_core::python_json::loads;
    ///
    /// let payload = loads(r#"{"token": "t-1", "vote": {"party_id": 10, "candidate_ids": [1075]}}"#)?;
    /// let opened = TerminalVote::from_json(&payload)?;
    /// assert_eq!(opened.token, "t-1");
    /// assert_eq!(
    ///     TerminalVote::from_json(&loads(r#"{"token": "t-1", "vote": null}"#)?).unwrap_err().to_string(),
    ///     "vote must be an object, got null"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// A [`FormatError`] naming the field and what is wrong with it.
    pub fn from_json(value: &Value) -> Result<TerminalVote, FormatError> {
        let object = object(value, "payload")?;
        let token = required_string(object, "token")?;
        let vote = VotePartial::from_json(required(object, "vote")?)?;
        Ok(TerminalVote { token, vote })
    }

    /// [`from_json`](Self::from_json) on JSON text.
    ///
    /// # Errors
    /// [`FormatError::Json`] for text that is not JSON, else as
    /// [`from_json`](Self::from_json).
    pub fn from_json_bytes(bytes: &[u8]) -> Result<TerminalVote, FormatError> {
        TerminalVote::from_json(&super::parse(bytes)?)
    }
}

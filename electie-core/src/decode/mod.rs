//! Decoding: the one place where bytes and JSON values become votes.
//!
//! Every wire shape a vote takes has one decoder here, used by the command line, the
//! Python and mobile bindings, the fuzz targets and the services alike:
//!
//! | shape | where it comes from | decoder |
//! |---|---|---|
//! | `{"party_id", "candidate_ids", "token", "election_id"}` | a gateway's sealed vote, opened by the server | [`Vote::from_json`], [`Vote::from_json_bytes`], [`decode_opened`] (rule 3) |
//! | `{"polling_place_id", "party_id", "candidate_ids"}` | a line of `electie tally`'s input | [`TallyLine::from_json`], [`TallyLine::from_json_bytes`], [`tally_line_into`] |
//! | `{"token", "vote": {"party_id", "candidate_ids"}}` | a terminal's sealed vote, opened by the gateway | [`TerminalVote::from_json`], [`VotePartial::from_json`] |
//! | `{"seqno", "polling_place_id", "party_id", "candidate_ids"}` | an entry of the server's ballot feed, read by an observer | [`FeedEntry::from_json`], [`FeedEntry::from_json_bytes`] |
//!
//! # The accepted grammar
//!
//! One grammar for all four shapes:
//!
//! - **JSON** as Python's `json.loads` reads it ([`python_json::loads`]): a duplicate
//!   key keeps its **last** value (what the original server, a Python `dict`, saw);
//!   `NaN`, `Infinity` and integers of any size are JSON values (and then wrong types
//!   or out of range); a lone UTF-16 surrogate escape is refused.
//! - **Fields**: every field of the shape is **required**, `candidate_ids` included (the
//!   original server answered a vote without it with HTTP 500; electie with
//!   `missing field candidate_ids`); `party_id` may be `null` (a blank vote). Other
//!   keys are ignored.
//! - **Types**, strictly: ids are JSON integers within 64 bits (`10.0`, `"10"` and
//!   `true` are not `10`; `-0` is `0`, as in Python), `candidate_ids` a list of them,
//!   `token` and `election_id` strings. A negative or unknown id is not a format
//!   error: validation rejects it with its rule's message.
//! - **Bytes**: UTF-8. A byte-order mark is not part of a vote: the [line
//!   reader](crate::lines) skips one at the start of an input, and a BOM anywhere
//!   else is invalid JSON.
//!
//! A decoder answers with the value or a [`FormatError`] naming the field and what is
//! wrong with it; validation turns it into `Invalid vote format - <detail>`.
//!
//! ```
//! use electie_core::decode::{TallyLine, decode_opened};
//! use electie_core::{PartyId, PollingPlaceId, Rejection, python_json};
//!
//! let line = TallyLine::from_json_bytes(br#"{"polling_place_id": 3, "party_id": 10, "candidate_ids": [1075]}"#)?;
//! assert_eq!((line.polling_place_id, line.party_id), (PollingPlaceId(3), Some(PartyId(10))));
//!
//! // Rule 3: what an opened payload holds.
//! assert_eq!(decode_opened(&python_json::loads("null")?), Err(Rejection::DecryptedVoteIsNone));
//! assert_eq!(decode_opened(&python_json::loads("[1]")?), Err(Rejection::DecryptionUnspecified));
//! assert_eq!(
//!     decode_opened(&python_json::loads(r#"{"party_id": 10}"#)?).unwrap_err().to_string(),
//!     "Invalid vote format - missing field candidate_ids"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod feed_entry;
mod fields;
mod scan;
mod tally_line;
mod terminal;
mod vote;

pub use feed_entry::FeedEntry;
#[doc(hidden)]
pub use tally_line::tally_line_full_into;
pub use tally_line::{TallyLine, tally_line_into};
pub use terminal::TerminalVote;

#[doc(no_inline)]
pub use crate::models::{Vote, VotePartial};

use crate::error::{Error, FormatError};
use crate::python_json::{self, Value};
use crate::validation::Rejection;

/// Rule 3 on an opened payload: the vote it holds, or the rule's rejection.
///
/// `null` is [`Rejection::DecryptedVoteIsNone`], anything else that is not an object
/// [`Rejection::DecryptionUnspecified`], an object that is not a vote
/// [`Rejection::InvalidFormat`].
///
/// ```
/// use electie_core::decode::decode_opened;
/// use electie_core::python_json::loads;
///
/// let vote = decode_opened(&loads(r#"{"party_id": null, "candidate_ids": [], "token": "t", "election_id": "e"}"#)?)?;
/// assert_eq!(vote.party_id, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// The rejection of rule 3 or of the vote's format.
pub fn decode_opened(value: &Value) -> Result<Vote, Rejection> {
    match value {
        Value::Null => Err(Rejection::DecryptedVoteIsNone),
        Value::Object(_) => Vote::from_json(value).map_err(Rejection::InvalidFormat),
        _ => Err(Rejection::DecryptionUnspecified),
    }
}

/// Parses one JSON document of the grammar (UTF-8, no byte-order mark).
fn parse(bytes: &[u8]) -> Result<Value, FormatError> {
    let text = std::str::from_utf8(bytes).map_err(|error| FormatError::Json {
        offset: error.valid_up_to(),
        problem: crate::JsonProblem::InvalidUtf8,
    })?;
    python_json::loads(text).map_err(|error| match error {
        Error::Json { offset, problem } => FormatError::Json { offset, problem },
        // `loads` reports nothing else; kept whole rather than lost.
        other => FormatError::Model(other.to_string()),
    })
}

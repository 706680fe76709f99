//! An entry of the server's public ballot feed:
//! `{"seqno", "polling_place_id", "party_id", "candidate_ids"}`.

use super::fields::{object, required_id};
use super::tally_line::TallyLine;
use crate::error::FormatError;
use crate::python_json::Value;

/// One ballot of the ballot feed (`GET /feed/elections/{id}/batchfrom/{n}`): its
/// position in the feed and the ballot as a count reads it. The feed never carries a
/// token or a time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeedEntry {
    /// The position in the feed, from 1.
    pub seqno: i64,
    /// Where the ballot was cast and what it says.
    pub ballot: TallyLine,
}

impl FeedEntry {
    /// Reads a feed entry: `seqno` an integer within 64 bits, the rest a
    /// [`TallyLine`] (the same rules); other keys are ignored here (an observer judges
    /// them separately).
    ///
    /// ```
    /// use electie_core::decode::FeedEntry;
    /// use electie_core::{PartyId, PollingPlaceId};
    ///
    /// let entry = FeedEntry::from_json_bytes(
    ///     br#"{"seqno": 1, "polling_place_id": 4, "party_id": 10, "candidate_ids": [1075]}"#,
    /// )?;
    /// assert_eq!((entry.seqno, entry.ballot.polling_place_id), (1, PollingPlaceId(4)));
    /// assert_eq!(entry.ballot.party_id, Some(PartyId(10)));
    /// assert_eq!(
    ///     FeedEntry::from_json_bytes(br#"{"polling_place_id": 4, "party_id": 10, "candidate_ids": []}"#)
    ///         .unwrap_err()
    ///         .to_string(),
    ///     "missing field seqno"
    /// );
    /// # Ok::<(), electie_core::FormatError>(())
    /// ```
    ///
    /// # Errors
    /// A [`FormatError`] naming the field and what is wrong with it.
    pub fn from_json(value: &Value) -> Result<FeedEntry, FormatError> {
        let seqno = required_id(object(value, "feed entry")?, "seqno")?;
        Ok(FeedEntry {
            seqno,
            ballot: TallyLine::from_json(value)?,
        })
    }

    /// [`from_json`](Self::from_json) on JSON text.
    ///
    /// # Errors
    /// [`FormatError::Json`] for text that is not JSON, else as
    /// [`from_json`](Self::from_json).
    pub fn from_json_bytes(bytes: &[u8]) -> Result<FeedEntry, FormatError> {
        FeedEntry::from_json(&super::parse(bytes)?)
    }
}

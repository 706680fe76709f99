//! Why the server refuses a vote or a batch: one variant per rule, with its message.

use crate::error::FormatError;
use crate::ids::{CandidateId, PartyId};

/// Why the server refuses a vote or a batch. `Display` is the exact message text of the
/// original server (or, where the original crashed with HTTP 500, electie's message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// Rule 1: no key pair for the batch's polling place.
    #[error("Invalid polling place id")]
    InvalidPollingPlace,
    /// The batch holds no votes (the original crashed; electie answers 400).
    #[error("Empty batch")]
    EmptyBatch,
    /// Rule 2: the vote cannot be opened or its signature does not verify. One message
    /// for every cause, so no oracle reaches the sender.
    #[error("Invalid vote encryption or signature")]
    InvalidEncryption,
    /// Rule 3: the payload opened to `null`.
    #[error("Invalid decryption - decrypted vote is none")]
    DecryptedVoteIsNone,
    /// Rule 3: the payload opened to something that is not an object.
    #[error("Invalid decryption - unspecified")]
    DecryptionUnspecified,
    /// The vote's fields have the wrong types or are missing.
    #[error("Invalid vote format - {0}")]
    InvalidFormat(FormatError),
    /// Rule 4: more candidates circled than the configured limit.
    #[error("Number of candidates is more than {limit}")]
    TooManyCandidates {
        /// The configured limit.
        limit: usize,
    },
    /// Rule 5: a candidate circled twice.
    #[error("Duplicate candidates ids")]
    DuplicateCandidates,
    /// Rule 6: a blank vote (`party_id` null) with candidates.
    #[error(
        "When party_id is None there is no possibility to have length of candidate_ids greater than zero"
    )]
    BlankVoteWithCandidates,
    /// Rule 7: the first candidate not on the voted party's list.
    #[error("Invalid candidates ids - candidate |{candidate}| is not in party |{party}|")]
    CandidateNotInParty {
        /// The offending candidate id.
        candidate: CandidateId,
        /// The voted party.
        party: PartyId,
    },
    /// Rule 8: the party does not exist.
    #[error("Invalid party id")]
    InvalidParty,
    /// Rule 9: a vote with this token is already stored for this polling place.
    #[error("Duplicate combination of token and polling place id")]
    TokenAlreadyStored,
    /// Rule 10: the vote belongs to another election.
    #[error("Invalid election id")]
    InvalidElectionId,
    /// Rule 11: two votes of the batch share a token.
    #[error("Duplicate tokens in the batch")]
    DuplicateTokenInBatch,
}

impl Rejection {
    /// The rule number of spec 20 (1–11), or `None` for electie's own format and
    /// empty-batch checks.
    pub fn rule(&self) -> Option<u8> {
        Some(match self {
            Rejection::InvalidPollingPlace => 1,
            Rejection::InvalidEncryption => 2,
            Rejection::DecryptedVoteIsNone | Rejection::DecryptionUnspecified => 3,
            Rejection::TooManyCandidates { .. } => 4,
            Rejection::DuplicateCandidates => 5,
            Rejection::BlankVoteWithCandidates => 6,
            Rejection::CandidateNotInParty { .. } => 7,
            Rejection::InvalidParty => 8,
            Rejection::TokenAlreadyStored => 9,
            Rejection::InvalidElectionId => 10,
            Rejection::DuplicateTokenInBatch => 11,
            Rejection::InvalidFormat(_) | Rejection::EmptyBatch => return None,
        })
    }
}

impl From<FormatError> for Rejection {
    fn from(error: FormatError) -> Self {
        Rejection::InvalidFormat(error)
    }
}

//! The voter's choice as the terminal sends it: a party (or none, a blank vote) and the
//! circled candidates.

/// A vote before it is sealed: what a terminal puts under `"vote"` in
/// `{"token", "vote": {"party_id", "candidate_ids"}}`.
///
/// Build it with [`blank_ballot`] or [`party_ballot`] (or the record's constructor),
/// check it with `GatewayConfig.validate`, seal it with `VoteSealer.sealVote`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Ballot {
    /// The party's `_id`; `None` (`null` in Kotlin, `nil` in Swift) is a blank vote.
    pub party_id: Option<i64>,
    /// The circled candidates' `_id`s, in the order the voter circled them.
    pub candidate_ids: Vec<i64>,
}

impl Ballot {
    pub(crate) fn party(&self) -> Option<electie_core::PartyId> {
        self.party_id.map(electie_core::PartyId)
    }

    pub(crate) fn candidates(&self) -> Vec<electie_core::CandidateId> {
        self.candidate_ids
            .iter()
            .copied()
            .map(electie_core::CandidateId)
            .collect()
    }
}

/// A blank vote: no party, no candidate.
#[uniffi::export]
pub fn blank_ballot() -> Ballot {
    Ballot {
        party_id: None,
        candidate_ids: Vec::new(),
    }
}

/// A vote for `party_id` with the circled `candidate_ids` (possibly none).
#[uniffi::export]
pub fn party_ballot(party_id: i64, candidate_ids: Vec<i64>) -> Ballot {
    Ballot {
        party_id: Some(party_id),
        candidate_ids,
    }
}

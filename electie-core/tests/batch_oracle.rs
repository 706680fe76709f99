//! The tuned batch check (`VoteBatch` + `check_vote_batch`) and the plain one
//! (`check_batch`, `verdicts`) against a naive oracle written from the rules' table
//! with plain hash sets, on generated batches of thousands of votes: long enough to
//! cross every edge of the batch check's chunks (256 votes), of its per-thread sieve
//! (1 024 votes share the usual size) and of the columns' touched prefix (4 096), with
//! faults placed on and around those edges and repeated tokens far apart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

#[cfg(feature = "vote-batch")]
use electie_core::VoteBatch;
use electie_core::{
    CandidateId, ElectionConfig, InMemoryTokenStore, PartyId, PollingPlaceId, Rejection,
    TokenStore, Validator, Vote,
};
use proptest::prelude::*;

fn nrsr_2020() -> &'static ElectionConfig {
    static CONFIG: OnceLock<ElectionConfig> = OnceLock::new();
    CONFIG.get_or_init(|| ElectionConfig::load(common::project("data/nrsr_2020")).unwrap())
}

/// Rules 1 and 4–11 as the table of the validation module states them, nothing more.
struct Oracle {
    places: HashSet<PollingPlaceId>,
    candidates_of_party: HashMap<PartyId, HashSet<CandidateId>>,
    election_id: String,
    limit: usize,
}

impl Oracle {
    fn new(config: &ElectionConfig) -> Self {
        Oracle {
            places: config
                .polling_places()
                .iter()
                .map(|place| place.id)
                .collect(),
            candidates_of_party: config
                .parties()
                .iter()
                .map(|party| (party.id, party.candidates.iter().map(|c| c.id).collect()))
                .collect(),
            election_id: config.election_id().to_owned(),
            limit: config.max_candidates(),
        }
    }

    fn check_vote(&self, vote: &Vote, stored: &HashSet<String>) -> Result<(), Rejection> {
        if vote.candidate_ids.len() > self.limit {
            return Err(Rejection::TooManyCandidates { limit: self.limit });
        }
        let distinct: HashSet<CandidateId> = vote.candidate_ids.iter().copied().collect();
        if distinct.len() != vote.candidate_ids.len() {
            return Err(Rejection::DuplicateCandidates);
        }
        match vote.party_id {
            None if !vote.candidate_ids.is_empty() => {
                return Err(Rejection::BlankVoteWithCandidates);
            }
            None => {}
            Some(party) => {
                let own = self
                    .candidates_of_party
                    .get(&party)
                    .ok_or(Rejection::InvalidParty)?;
                if let Some(&candidate) = vote.candidate_ids.iter().find(|c| !own.contains(c)) {
                    return Err(Rejection::CandidateNotInParty { candidate, party });
                }
            }
        }
        if stored.contains(&vote.token) {
            return Err(Rejection::TokenAlreadyStored);
        }
        if vote.election_id != self.election_id {
            return Err(Rejection::InvalidElectionId);
        }
        Ok(())
    }

    fn compat(
        &self,
        place: PollingPlaceId,
        votes: &[Vote],
        stored: &HashSet<String>,
    ) -> Result<(), Rejection> {
        if !self.places.contains(&place) {
            return Err(Rejection::InvalidPollingPlace);
        }
        if votes.is_empty() {
            return Err(Rejection::EmptyBatch);
        }
        for vote in votes {
            self.check_vote(vote, stored)?;
        }
        let tokens: HashSet<&str> = votes.iter().map(|vote| vote.token.as_str()).collect();
        if tokens.len() != votes.len() {
            return Err(Rejection::DuplicateTokenInBatch);
        }
        Ok(())
    }

    fn verdicts(
        &self,
        place: PollingPlaceId,
        votes: &[Vote],
        stored: &HashSet<String>,
    ) -> Vec<Result<(), Rejection>> {
        let mut accepted = HashSet::new();
        votes
            .iter()
            .map(|vote| {
                if !self.places.contains(&place) {
                    return Err(Rejection::InvalidPollingPlace);
                }
                self.check_vote(vote, stored)?;
                if !accepted.insert(vote.token.clone()) {
                    return Err(Rejection::DuplicateTokenInBatch);
                }
                Ok(())
            })
            .collect()
    }
}

/// A fault placed in a batch of valid votes.
#[derive(Debug, Clone, Copy)]
enum Fault {
    TooManyCandidates,
    DuplicateCandidate,
    BlankWithCandidates,
    ForeignCandidate,
    UnknownParty,
    StoredToken,
    OtherElection,
    /// The token of the vote this many places earlier (wrapping).
    RepeatedToken(usize),
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        Just(Fault::TooManyCandidates),
        Just(Fault::DuplicateCandidate),
        Just(Fault::BlankWithCandidates),
        Just(Fault::ForeignCandidate),
        Just(Fault::UnknownParty),
        Just(Fault::StoredToken),
        Just(Fault::OtherElection),
        prop_oneof![
            Just(1usize),
            Just(255),
            Just(256),
            Just(257),
            Just(1023),
            Just(1024),
            Just(1025),
            1usize..5000
        ]
        .prop_map(Fault::RepeatedToken),
    ]
}

/// Where faults go: on and around the edges, or anywhere.
fn position() -> impl Strategy<Value = usize> {
    prop_oneof![
        prop::sample::select(vec![
            0usize, 1, 254, 255, 256, 257, 511, 512, 1023, 1024, 1025, 2047, 2048, 4095, 4096, 4097
        ]),
        0usize..6000,
    ]
}

/// `count` valid votes: every party in turn, up to `limit` of its own candidates.
fn valid_votes(config: &ElectionConfig, count: usize, seed: u64) -> Vec<Vote> {
    let parties = config.parties();
    (0..count)
        .map(|index| {
            let mixed = (index as u64 ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
            if mixed.is_multiple_of(23) {
                return vote(None, vec![], index, seed, config);
            }
            let party = &parties[mixed as usize % parties.len()];
            let own = party.candidates.len();
            let circled = (mixed as usize / 7) % (config.max_candidates().min(own) + 1);
            let candidates = (0..circled)
                .map(|offset| party.candidates[(mixed as usize + offset) % own].id)
                .collect();
            vote(Some(party.id), candidates, index, seed, config)
        })
        .collect()
}

fn vote(
    party_id: Option<PartyId>,
    candidate_ids: Vec<CandidateId>,
    index: usize,
    seed: u64,
    config: &ElectionConfig,
) -> Vote {
    Vote {
        party_id,
        candidate_ids,
        token: format!("{seed:x}-{index}"),
        election_id: config.election_id().to_owned(),
    }
}

fn inject(config: &ElectionConfig, votes: &mut [Vote], at: usize, fault: Fault) {
    let len = votes.len();
    let at = at % len;
    let parties = config.parties();
    let vote = &mut votes[at];
    let first_party = &parties[0];
    match fault {
        Fault::TooManyCandidates => {
            vote.party_id = Some(first_party.id);
            vote.candidate_ids = first_party
                .candidates
                .iter()
                .take(config.max_candidates() + 1)
                .map(|c| c.id)
                .collect();
        }
        Fault::DuplicateCandidate => {
            vote.party_id = Some(first_party.id);
            vote.candidate_ids = vec![
                first_party.candidates[1].id,
                first_party.candidates[0].id,
                first_party.candidates[1].id,
            ];
        }
        Fault::BlankWithCandidates => {
            vote.party_id = None;
            vote.candidate_ids = vec![first_party.candidates[0].id];
        }
        Fault::ForeignCandidate => {
            vote.party_id = Some(first_party.id);
            vote.candidate_ids = vec![first_party.candidates[0].id, parties[1].candidates[0].id];
        }
        Fault::UnknownParty => vote.party_id = Some(PartyId(10_000)),
        Fault::StoredToken => vote.token = "stored".to_owned(),
        Fault::OtherElection => vote.election_id = "other".to_owned(),
        Fault::RepeatedToken(distance) => {
            let token = votes[(at + len - distance % len) % len].token.clone();
            votes[at].token = token;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn long_batches_answer_as_the_oracle(
        count in prop_oneof![
            prop::sample::select(vec![255usize, 256, 257, 1023, 1024, 1025, 4096, 4097]),
            1usize..6000,
        ],
        seed in any::<u64>(),
        faults in prop::collection::vec((position(), fault()), 0..4),
        stored_elsewhere in any::<bool>(),
    ) {
        let config = nrsr_2020();
        let mut votes = valid_votes(config, count, seed);
        for &(at, fault) in &faults {
            inject(config, &mut votes, at, fault);
        }
        let place = PollingPlaceId(7);
        let mut store = InMemoryTokenStore::new();
        let mut stored = HashSet::new();
        // The store holds "stored" and a thousand others for this place, or only for
        // another one.
        let stored_place = if stored_elsewhere { PollingPlaceId(8) } else { place };
        for token in std::iter::once("stored".to_owned()).chain((0..1000).map(|n| format!("old-{n}"))) {
            store.insert(stored_place, &token);
            if stored_place == place {
                stored.insert(token);
            }
        }
        let oracle = Oracle::new(config);
        let expected = oracle.compat(place, &votes, &stored);
        let validator = Validator::new(config);
        #[cfg(feature = "vote-batch")]
        {
            let batch = VoteBatch::from_votes(&votes).unwrap();
            prop_assert_eq!(&validator.check_vote_batch(place, &batch, &store), &expected, "faults {:?}", faults);
        }
        prop_assert_eq!(&validator.check_batch(place, &votes, &store), &expected);
        let items: Vec<Result<Vote, Rejection>> = votes.iter().cloned().map(Ok).collect();
        prop_assert_eq!(validator.verdicts(place, &items, &store), oracle.verdicts(place, &votes, &stored));
    }
}

#[test]
fn the_generated_faults_reach_every_rule_of_a_long_batch() {
    // Each fault alone, in the middle of a batch of 3 000 valid votes, gives its rule.
    let config = nrsr_2020();
    let oracle = Oracle::new(config);
    let validator = Validator::new(config);
    let mut store = InMemoryTokenStore::new();
    store.insert(PollingPlaceId(7), "stored");
    let stored: HashSet<String> = ["stored".to_owned()].into();
    let mut rules = HashSet::new();
    for fault in [
        Fault::TooManyCandidates,
        Fault::DuplicateCandidate,
        Fault::BlankWithCandidates,
        Fault::ForeignCandidate,
        Fault::UnknownParty,
        Fault::StoredToken,
        Fault::OtherElection,
        Fault::RepeatedToken(1500),
    ] {
        let mut votes = valid_votes(config, 3000, 11);
        assert_eq!(oracle.compat(PollingPlaceId(7), &votes, &stored), Ok(()));
        inject(config, &mut votes, 2000, fault);
        // the plain check always; the tuned one where it is built (feature vote-batch)
        let answer = validator.check_batch(PollingPlaceId(7), &votes, &store);
        #[cfg(feature = "vote-batch")]
        assert_eq!(
            validator.check_vote_batch(
                PollingPlaceId(7),
                &VoteBatch::from_votes(&votes).unwrap(),
                &store,
            ),
            answer,
            "{fault:?}"
        );
        assert_eq!(
            answer,
            oracle.compat(PollingPlaceId(7), &votes, &stored),
            "{fault:?}"
        );
        rules.insert(answer.unwrap_err().rule().unwrap());
    }
    assert_eq!(rules, (4..=11).collect());
}

//! `VoteBatch` holds exactly the votes it was given, and validating it answers exactly
//! what validating the same `Vec<Vote>` answers: on the real NR SR 2020 configuration
//! (compact ids, the branch-free path) and on the same configuration with sparse ids
//! (the ordered path), over generated batches that break every rule at random places.
//! Built with feature `vote-batch` only (the workspace turns it on through `electie
//! bench` and the benches).
#![cfg(feature = "vote-batch")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use electie_core::{
    CandidateId, ElectionConfig, InMemoryTokenStore, PartyId, PollingPlaceId, Rejection,
    TokenStore, Validator, Vote, VoteBatch,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use std::sync::OnceLock;

fn nrsr_2020() -> &'static ElectionConfig {
    static CONFIG: OnceLock<ElectionConfig> = OnceLock::new();
    CONFIG.get_or_init(|| ElectionConfig::load(common::project("data/nrsr_2020")).unwrap())
}

/// NR SR 2020 with party and candidate ids spread far apart, so no direct table fits.
fn nrsr_2020_sparse() -> &'static ElectionConfig {
    static CONFIG: OnceLock<ElectionConfig> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let mut json = nrsr_2020().to_server_json();
        for party in json["parties"].as_array_mut().unwrap() {
            let id = party["_id"].as_i64().unwrap();
            party["_id"] = (id * 1_000_000_007 - 3).into();
            for candidate in party["candidates"].as_array_mut().unwrap() {
                let id = candidate["_id"].as_i64().unwrap();
                candidate["_id"] = (id * 998_244_353 + 11).into();
            }
        }
        let sparse = ElectionConfig::from_json_str(&json.to_string()).unwrap();
        assert_eq!(sparse.parties().len(), nrsr_2020().parties().len());
        sparse
    })
}

/// One generated vote, resolved against a configuration so that most ids exist.
#[derive(Debug, Clone)]
struct VoteRecipe {
    party: u8,
    party_pick: u16,
    candidates: Vec<(u8, u16)>,
    token: u8,
    other_election: bool,
}

fn vote_recipe() -> impl Strategy<Value = VoteRecipe> {
    (
        0u8..30,
        any::<u16>(),
        prop::collection::vec((0u8..40, any::<u16>()), 0..7),
        0u8..40,
        prop::bool::weighted(0.05),
    )
        .prop_map(
            |(party, party_pick, candidates, token, other_election)| VoteRecipe {
                party,
                party_pick,
                candidates,
                token,
                other_election,
            },
        )
}

fn token(number: u8) -> String {
    // Some short, some long; 40 of them, so batches repeat tokens now and then.
    if number.is_multiple_of(3) {
        format!("{number}")
    } else {
        format!(
            "{number:02}-{:032x}",
            u128::from(number) * 0x9E37_79B9_7F4A_7C15
        )
    }
}

/// The vote `recipe` describes. Its out-of-range ids are the extremes of 64 bits when
/// `wide`, else the extremes that still have a code in the batch's columns, ±2²³
/// (so batches without `wide` take the flat passes, and batches with it the ordered
/// path).
fn resolve(config: &ElectionConfig, recipe: &VoteRecipe, wide: bool) -> Vote {
    let (low, high) = if wide {
        (i64::MIN, i64::MAX)
    } else {
        (-(1 << 23) + 2, (1 << 23) - 1)
    };
    let parties = config.parties();
    let candidates = config.candidates();
    let party_index = usize::from(recipe.party_pick) % parties.len();
    let party_id = match recipe.party {
        0 => None,
        1 => Some(PartyId(-1)),
        2 => Some(PartyId(low)),
        3 => Some(PartyId(high)),
        _ => Some(parties[party_index].id),
    };
    let own = &parties[party_index].candidates;
    let candidate_ids = recipe
        .candidates
        .iter()
        .map(|&(kind, pick)| match kind {
            0 => CandidateId(-1),
            1 => CandidateId(high),
            2 => candidates[usize::from(pick) % candidates.len()].id,
            _ if own.is_empty() => CandidateId(0),
            // Mostly the voted party's own candidates, and among few of them, so the
            // same candidate comes twice now and then.
            _ => own[usize::from(pick) % own.len().min(6)].id,
        })
        .collect();
    Vote {
        party_id,
        candidate_ids,
        token: token(recipe.token),
        election_id: if recipe.other_election {
            "other".to_owned()
        } else {
            config.election_id().to_owned()
        },
    }
}

fn assert_same_answers(
    config: &ElectionConfig,
    recipes: &[VoteRecipe],
    stored: &[u8],
    place: PollingPlaceId,
    wide: bool,
) {
    let votes: Vec<Vote> = recipes
        .iter()
        .map(|recipe| resolve(config, recipe, wide))
        .collect();
    let mut store = InMemoryTokenStore::new();
    for &number in stored {
        store.insert(PollingPlaceId(0), &token(number));
    }
    let batch = VoteBatch::from_votes(&votes).unwrap();
    assert_eq!(batch.to_votes(), votes);
    let validator = Validator::new(config);
    assert_eq!(
        validator.check_vote_batch(place, &batch, &store),
        validator.check_batch(place, &votes, &store),
        "{votes:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn compact_ids_answer_as_the_vote_list_does(
        recipes in prop::collection::vec(vote_recipe(), 0..12),
        stored in prop::collection::vec(0u8..40, 0..4),
        other_place in prop::bool::weighted(0.05),
        limit in prop::sample::select(vec![5usize, 5, 5, 0, 1, 3, 20]),
        wide in prop::bool::weighted(0.2),
    ) {
        let config = nrsr_2020().clone().with_max_candidates(limit).unwrap();
        let place = PollingPlaceId(if other_place { -5 } else { 0 });
        assert_same_answers(&config, &recipes, &stored, place, wide);
    }

    #[test]
    fn sparse_ids_answer_as_the_vote_list_does(
        recipes in prop::collection::vec(vote_recipe(), 0..12),
        stored in prop::collection::vec(0u8..40, 0..4),
        wide in prop::bool::weighted(0.2),
    ) {
        assert_same_answers(nrsr_2020_sparse(), &recipes, &stored, PollingPlaceId(0), wide);
    }
}

#[test]
fn generated_batches_reach_every_rule() {
    // The strategies above are only worth something if they break every rule; this
    // walks a fixed stream of recipes and counts the answers.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = prop::collection::vec(vote_recipe(), 1..12);
    let config = nrsr_2020();
    let mut seen = std::collections::BTreeSet::new();
    let mut store = InMemoryTokenStore::new();
    store.insert(PollingPlaceId(0), &token(7));
    for round in 0..3000 {
        let recipes = strategy.new_tree(&mut runner).unwrap().current();
        let votes: Vec<Vote> = recipes
            .iter()
            .map(|recipe| resolve(config, recipe, round % 5 == 0))
            .collect();
        let batch = VoteBatch::from_votes(&votes).unwrap();
        let answer = Validator::new(config).check_vote_batch(PollingPlaceId(0), &batch, &store);
        seen.insert(
            answer
                .err()
                .and_then(|rejection| rejection.rule())
                .unwrap_or(0),
        );
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [0, 4, 5, 6, 7, 8, 9, 10, 11]
    );
}

#[test]
fn the_original_servers_cases_through_a_batch() {
    let config = nrsr_2020();
    let validator = Validator::new(config);
    let vote = |party: Option<i64>, candidates: &[i64], token: &str| Vote {
        party_id: party.map(PartyId),
        candidate_ids: candidates.iter().copied().map(CandidateId).collect(),
        token: token.to_owned(),
        election_id: "election_id".to_owned(),
    };
    let answer = |votes: &[Vote], store: &InMemoryTokenStore| {
        validator.check_vote_batch(
            PollingPlaceId(0),
            &VoteBatch::from_votes(votes).unwrap(),
            store,
        )
    };
    let empty = InMemoryTokenStore::new();
    assert_eq!(answer(&[vote(Some(10), &[1075], "a")], &empty), Ok(()));
    assert_eq!(answer(&[vote(None, &[], "a")], &empty), Ok(()));
    assert_eq!(
        answer(
            &[vote(Some(10), &[1075], "a"), vote(Some(10), &[1075], "a")],
            &empty
        ),
        Err(Rejection::DuplicateTokenInBatch)
    );
    assert_eq!(
        answer(&[vote(Some(10), &[1075, 0], "a")], &empty),
        Err(Rejection::CandidateNotInParty {
            candidate: CandidateId(0),
            party: PartyId(10)
        })
    );
    assert_eq!(
        answer(&[vote(Some(10), &[1075, 1075], "a")], &empty),
        Err(Rejection::DuplicateCandidates)
    );
    assert_eq!(answer(&[], &empty), Err(Rejection::EmptyBatch));
    let mut store = InMemoryTokenStore::new();
    store.insert(PollingPlaceId(0), "a");
    assert_eq!(
        answer(
            &[vote(Some(10), &[1075], "b"), vote(Some(10), &[1075], "a")],
            &store
        ),
        Err(Rejection::TokenAlreadyStored)
    );
    // Rule 9 before rule 10 on the same vote, rule 10 first on an earlier vote.
    let mut elsewhere = vote(Some(10), &[1075], "a");
    elsewhere.election_id = "other".to_owned();
    assert_eq!(
        answer(std::slice::from_ref(&elsewhere), &store),
        Err(Rejection::TokenAlreadyStored)
    );
    elsewhere.token = "c".to_owned();
    assert_eq!(
        answer(&[elsewhere, vote(Some(10), &[1075], "a")], &store),
        Err(Rejection::InvalidElectionId)
    );
    // A stored token on a later vote than a ballot failure: the ballot failure is first.
    assert_eq!(
        answer(
            &[vote(Some(-1), &[], "b"), vote(Some(10), &[1075], "a")],
            &store
        ),
        Err(Rejection::InvalidParty)
    );
}

/// Turns a valid vote into one that breaks a rule.
type Fault<'a> = Box<dyn Fn(&mut Vote) + 'a>;

#[test]
fn a_fault_is_found_in_every_chunk_of_a_long_batch() {
    // The batch check works through long batches a chunk of votes at a time; a fault
    // on either side of a chunk's edge, or far into the batch, is found all the same,
    // and a fault-free long batch passes.
    let config = nrsr_2020();
    let validator = Validator::new(config);
    let store = InMemoryTokenStore::new();
    let parties = config.parties();
    let party_of = |index: usize| &parties[index % parties.len()];
    let valid = |index: usize| {
        let party = party_of(index);
        let count = (index % 5).min(party.candidates.len());
        Vote {
            party_id: Some(party.id),
            candidate_ids: (0..count)
                .map(|offset| party.candidates[(index + offset) % party.candidates.len()].id)
                .collect(),
            token: format!("token-{index}"),
            election_id: "election_id".to_owned(),
        }
    };
    let votes: Vec<Vote> = (0..1000).map(valid).collect();
    let clean = VoteBatch::from_votes(&votes).unwrap();
    assert_eq!(
        validator.check_vote_batch(PollingPlaceId(0), &clean, &store),
        Ok(())
    );
    for position in [4, 255, 256, 257, 511, 512, 999] {
        // A candidate of the party of the vote 256 places away, in case positions
        // were confused across chunks.
        let elsewhere = party_of(if position >= 256 {
            position - 256
        } else {
            position + 256
        });
        let own = party_of(position).candidates[0].id;
        let faults: [Fault<'_>; 6] = [
            Box::new(move |vote| vote.candidate_ids = vec![own, own]),
            Box::new(|vote| vote.candidate_ids = vec![elsewhere.candidates[0].id]),
            Box::new(|vote| vote.party_id = Some(PartyId(99))),
            Box::new(move |vote| {
                vote.party_id = None;
                vote.candidate_ids = vec![own];
            }),
            Box::new(|vote| vote.candidate_ids = (1075..1081).map(CandidateId).collect()),
            Box::new(|vote| vote.token = "token-3".to_owned()),
        ];
        for fault in &faults {
            let mut broken = votes.clone();
            fault(&mut broken[position]);
            let batch = VoteBatch::from_votes(&broken).unwrap();
            let expected = validator.check_batch(PollingPlaceId(0), &broken, &store);
            assert!(expected.is_err(), "vote {position}: {:?}", broken[position]);
            assert_eq!(
                validator.check_vote_batch(PollingPlaceId(0), &batch, &store),
                expected,
                "vote {position}: {:?}",
                broken[position]
            );
        }
    }
}

#[test]
fn a_candidate_outside_every_table_never_passes_for_a_party_with_id_minus_one() {
    // The batch check's candidate → party table answers "no party" for ids past its
    // end with a code no party id equals; -1 is a real party id here, and the bit
    // pattern a careless "missing" would share.
    let mut json = nrsr_2020().to_server_json();
    json["parties"][0]["_id"] = (-1).into();
    let config = ElectionConfig::from_json_str(&json.to_string()).unwrap();
    let party = &config.parties()[0];
    assert_eq!(party.id, PartyId(-1));
    let validator = Validator::new(&config);
    let store = InMemoryTokenStore::new();
    for candidate in [i64::from(i32::MAX), 5_000_000, -7, party.candidates[0].id.0] {
        let votes = [Vote {
            party_id: Some(PartyId(-1)),
            candidate_ids: vec![CandidateId(candidate)],
            token: "t".to_owned(),
            election_id: "election_id".to_owned(),
        }];
        let expected = validator.check_batch(PollingPlaceId(0), &votes, &store);
        assert_eq!(expected.is_ok(), candidate == party.candidates[0].id.0);
        assert_eq!(
            validator.check_vote_batch(
                PollingPlaceId(0),
                &VoteBatch::from_votes(&votes).unwrap(),
                &store
            ),
            expected,
            "candidate {candidate}"
        );
    }
}

//! The original server's own validation cases, against the real NR SR 2020
//! configuration (party `_id` 10 owns candidates 1075–1224), plus every rule's boundary
//! and the order in which rules apply.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use electie_core::python_json::loads;
use electie_core::{
    CandidateId, ElectionConfig, FormatError, InMemoryTokenStore, PartyId, PollingPlaceId,
    Rejection, TokenStore, Validator, Vote,
};

const ACCEPTED: &str = "Vote was successfully precessed";

fn config() -> ElectionConfig {
    ElectionConfig::load(common::project("data/nrsr_2020")).unwrap()
}

fn vote(party: Option<i64>, candidates: &[i64], token: &str) -> Vote {
    Vote {
        party_id: party.map(PartyId),
        candidate_ids: candidates.iter().copied().map(CandidateId).collect(),
        token: token.to_owned(),
        election_id: "election_id".to_owned(),
    }
}

/// The answer text the server gives for a batch, as the original did.
fn answer(config: &ElectionConfig, votes: &[Vote], store: &InMemoryTokenStore) -> String {
    match Validator::new(config).check_batch(PollingPlaceId(0), votes, store) {
        Ok(()) => ACCEPTED.to_owned(),
        Err(rejection) => rejection.to_string(),
    }
}

#[test]
fn the_original_servers_cases() {
    let config = config();
    let empty = InMemoryTokenStore::new();
    let cases: Vec<(&str, Vec<Vote>, &str)> = vec![
        (
            "valid vote",
            vec![vote(Some(10), &[1075, 1076, 1077], "t1")],
            ACCEPTED,
        ),
        (
            "the same vote twice in a batch",
            vec![vote(Some(10), &[1075], "t1"), vote(Some(10), &[1075], "t1")],
            "Duplicate tokens in the batch",
        ),
        (
            "party -1",
            vec![vote(Some(-1), &[], "t1")],
            "Invalid party id",
        ),
        ("blank vote", vec![vote(None, &[], "t1")], ACCEPTED),
        (
            "six candidates",
            vec![vote(Some(10), &[1075, 1076, 1077, 1078, 1079, 1080], "t1")],
            "Number of candidates is more than 5",
        ),
        (
            "[1075, 1075]",
            vec![vote(Some(10), &[1075, 1075], "t1")],
            "Duplicate candidates ids",
        ),
        (
            "candidate -1",
            vec![vote(Some(10), &[-1], "t1")],
            "Invalid candidates ids - candidate |-1| is not in party |10|",
        ),
        (
            "candidate 0 of another party",
            vec![vote(Some(10), &[0], "t1")],
            "Invalid candidates ids - candidate |0| is not in party |10|",
        ),
        ("no candidates", vec![vote(Some(10), &[], "t1")], ACCEPTED),
        (
            "party null with [1075]",
            vec![vote(None, &[1075], "t1")],
            "When party_id is None there is no possibility to have length of candidate_ids greater than zero",
        ),
    ];
    for (name, votes, expected) in cases {
        assert_eq!(answer(&config, &votes, &empty), expected, "case: {name}");
    }

    let mut wrong_election = vote(Some(10), &[1075], "t1");
    wrong_election.election_id = "nrsr_2023".into();
    assert_eq!(
        answer(&config, &[wrong_election], &empty),
        "Invalid election id"
    );
}

#[test]
fn the_same_vote_in_two_batches_is_refused_the_second_time() {
    let config = config();
    let validator = Validator::new(&config);
    let mut store = InMemoryTokenStore::new();
    let batch = [vote(Some(10), &[1075], "token-a")];
    validator
        .accept_batch(PollingPlaceId(0), &batch, &mut store)
        .unwrap();
    assert_eq!(
        validator
            .accept_batch(PollingPlaceId(0), &batch, &mut store)
            .unwrap_err()
            .to_string(),
        "Duplicate combination of token and polling place id"
    );
    // The same token at another polling place is another voter.
    validator
        .accept_batch(PollingPlaceId(1), &batch, &mut store)
        .unwrap();
    assert_eq!(store.len(), 2);
}

#[test]
fn a_rejected_batch_stores_nothing() {
    let config = config();
    let validator = Validator::new(&config);
    let mut store = InMemoryTokenStore::new();
    let batch = [
        vote(Some(10), &[1075], "ok-1"),
        vote(Some(-1), &[], "bad-2"),
    ];
    assert!(
        validator
            .accept_batch(PollingPlaceId(0), &batch, &mut store)
            .is_err()
    );
    assert!(store.is_empty());
    assert!(!store.contains(PollingPlaceId(0), "ok-1"));
}

#[test]
fn candidate_limit_boundary_follows_the_configuration() {
    let config = config();
    let empty = InMemoryTokenStore::new();
    let five = vote(Some(10), &[1075, 1076, 1077, 1078, 1079], "t");
    assert_eq!(
        answer(&config, std::slice::from_ref(&five), &empty),
        ACCEPTED
    );
    let lawful = config.clone().with_max_candidates(4).unwrap();
    assert_eq!(
        answer(&lawful, &[five], &empty),
        "Number of candidates is more than 4"
    );
    let four = vote(Some(10), &[1075, 1076, 1077, 1078], "t");
    assert_eq!(answer(&lawful, &[four], &empty), ACCEPTED);
    let none = config.clone().with_max_candidates(0).unwrap();
    assert_eq!(
        answer(&none, &[vote(Some(10), &[1075], "t")], &empty),
        "Number of candidates is more than 0"
    );
    assert!(config.with_max_candidates(1001).is_err());
}

#[test]
fn party_and_candidate_id_boundaries() {
    let config = config();
    let empty = InMemoryTokenStore::new();
    // Party ids 0..=24 exist; 25 does not.
    assert_eq!(
        answer(&config, &[vote(Some(0), &[], "t")], &empty),
        ACCEPTED
    );
    assert_eq!(
        answer(&config, &[vote(Some(24), &[], "t")], &empty),
        ACCEPTED
    );
    assert_eq!(
        answer(&config, &[vote(Some(25), &[], "t")], &empty),
        "Invalid party id"
    );
    assert_eq!(
        answer(&config, &[vote(Some(i64::MIN), &[], "t")], &empty),
        "Invalid party id"
    );
    // Party 10's list is exactly 1075..=1224.
    assert_eq!(
        answer(&config, &[vote(Some(10), &[1224], "t")], &empty),
        ACCEPTED
    );
    assert_eq!(
        answer(&config, &[vote(Some(10), &[1074], "t")], &empty),
        "Invalid candidates ids - candidate |1074| is not in party |10|"
    );
    assert_eq!(
        answer(&config, &[vote(Some(10), &[1225], "t")], &empty),
        "Invalid candidates ids - candidate |1225| is not in party |10|"
    );
    assert_eq!(
        answer(&config, &[vote(Some(10), &[2736], "t")], &empty),
        "Invalid candidates ids - candidate |2736| is not in party |10|"
    );
    // The first offender in ballot order is the one named.
    assert_eq!(
        answer(&config, &[vote(Some(10), &[1075, 5, 3], "t")], &empty),
        "Invalid candidates ids - candidate |5| is not in party |10|"
    );
}

#[test]
fn rules_apply_in_the_original_order() {
    let config = config();
    let empty = InMemoryTokenStore::new();
    let mut stored = InMemoryTokenStore::new();
    stored.insert(PollingPlaceId(0), "used");
    // 4 before 5: six candidates with a repeat.
    assert_eq!(
        answer(
            &config,
            &[vote(Some(10), &[1075, 1075, 1076, 1077, 1078, 1079], "t")],
            &empty
        ),
        "Number of candidates is more than 5"
    );
    // 5 before 6: a blank vote repeating a candidate.
    assert_eq!(
        answer(&config, &[vote(None, &[1075, 1075], "t")], &empty),
        "Duplicate candidates ids"
    );
    // 5 before 7: a repeated candidate of another party.
    assert_eq!(
        answer(&config, &[vote(Some(10), &[0, 0], "t")], &empty),
        "Duplicate candidates ids"
    );
    // An unknown party with candidates reports rule 8, not 7.
    assert_eq!(
        answer(&config, &[vote(Some(99), &[1075], "t")], &empty),
        "Invalid party id"
    );
    // 7 before 9.
    assert_eq!(
        answer(&config, &[vote(Some(10), &[0], "used")], &stored),
        "Invalid candidates ids - candidate |0| is not in party |10|"
    );
    // 8 before 9.
    assert_eq!(
        answer(&config, &[vote(Some(99), &[], "used")], &stored),
        "Invalid party id"
    );
    // 9 before 10.
    let mut both = vote(Some(10), &[], "used");
    both.election_id = "other".into();
    assert_eq!(
        answer(&config, &[both], &stored),
        "Duplicate combination of token and polling place id"
    );
    // Every vote's own rules run before rule 11, whatever comes first in the batch.
    assert_eq!(
        answer(
            &config,
            &[
                vote(Some(10), &[], "dup"),
                vote(Some(10), &[], "dup"),
                vote(Some(-1), &[], "x")
            ],
            &empty
        ),
        "Invalid party id"
    );
    // The first failing vote decides.
    assert_eq!(
        answer(
            &config,
            &[vote(Some(-1), &[], "a"), vote(Some(10), &[0], "b")],
            &empty
        ),
        "Invalid party id"
    );
}

#[test]
fn rule_one_and_empty_batches() {
    let config = config();
    let validator = Validator::new(&config);
    let empty = InMemoryTokenStore::new();
    let one = [vote(Some(10), &[], "t")];
    assert_eq!(
        validator.check_batch(PollingPlaceId(5997), &one, &empty),
        Ok(())
    );
    assert_eq!(
        validator.check_batch(PollingPlaceId(5998), &one, &empty),
        Err(Rejection::InvalidPollingPlace)
    );
    assert_eq!(
        validator.check_batch(PollingPlaceId(-1), &[], &empty),
        Err(Rejection::InvalidPollingPlace),
        "rule 1 comes before the empty-batch check"
    );
    let rejection = validator
        .check_batch(PollingPlaceId(0), &[], &empty)
        .unwrap_err();
    assert_eq!(rejection.to_string(), "Empty batch");
    assert_eq!(rejection.rule(), None);
}

#[test]
fn wrong_types_are_format_errors_with_a_clear_message() {
    let cases = [
        (
            r#"{"party_id": "10", "candidate_ids": [], "token": "t", "election_id": "e"}"#,
            "party_id must be an integer or null, got a string",
        ),
        (
            r#"{"party_id": 10, "candidate_ids": [1075.0], "token": "t", "election_id": "e"}"#,
            "candidate_ids[0] must be an integer, got a float",
        ),
        (
            r#"{"party_id": [10], "candidate_ids": [], "token": "t", "election_id": "e"}"#,
            "party_id must be an integer or null, got an array",
        ),
        (
            r#"{"party_id": 10, "candidate_ids": 1075, "token": "t", "election_id": "e"}"#,
            "candidate_ids must be a list of integers, got an integer",
        ),
        (
            r#"{"party_id": 18446744073709551616, "candidate_ids": [], "token": "t", "election_id": "e"}"#,
            "party_id is out of range: 18446744073709551616",
        ),
        (
            r#"{"party_id": 10, "candidate_ids": [1, -9223372036854775809], "token": "t", "election_id": "e"}"#,
            "candidate_ids[1] is out of range: -9223372036854775809",
        ),
        (
            r#"{"party_id": true, "candidate_ids": [], "token": "t", "election_id": "e"}"#,
            "party_id must be an integer or null, got a boolean",
        ),
        (
            r#"{"candidate_ids": [], "token": "t", "election_id": "e"}"#,
            "missing field party_id",
        ),
        (
            r#"{"party_id": 10, "token": "t", "election_id": "e"}"#,
            "missing field candidate_ids",
        ),
        (
            r#"{"party_id": 10, "candidate_ids": [], "election_id": "e"}"#,
            "missing field token",
        ),
        (
            r#"{"party_id": 10, "candidate_ids": [], "token": 5, "election_id": "e"}"#,
            "token must be a string, got an integer",
        ),
        (
            r#"{"party_id": 10, "candidate_ids": [], "token": "t"}"#,
            "missing field election_id",
        ),
        (r#"[10, [1075]]"#, "vote must be an object, got an array"),
    ];
    for (text, expected) in cases {
        let error = Vote::from_json(&loads(text).unwrap()).unwrap_err();
        assert_eq!(error.to_string(), expected, "input {text}");
        assert_eq!(
            Rejection::from(error).to_string(),
            format!("Invalid vote format - {expected}")
        );
    }
    // Extra keys are ignored.
    let extra =
        r#"{"party_id": 10, "candidate_ids": [], "token": "t", "election_id": "e", "x": [1.5]}"#;
    assert!(Vote::from_json(&loads(extra).unwrap()).is_ok());
}

#[test]
fn decoding_failures_are_reported_at_their_place_in_the_batch() {
    let config = config();
    let validator = Validator::new(&config);
    let empty = InMemoryTokenStore::new();
    let format = Rejection::InvalidFormat(FormatError::MissingField { field: "token" });
    let items = vec![
        Ok(vote(Some(10), &[], "a")),
        Err(format.clone()),
        Ok(vote(Some(-1), &[], "b")),
    ];
    assert_eq!(
        validator.check_decoded_batch(PollingPlaceId(0), &items, &empty),
        Err(format)
    );
    let items = vec![
        Ok(vote(Some(-1), &[], "a")),
        Err(Rejection::InvalidEncryption),
    ];
    assert_eq!(
        validator.check_decoded_batch(PollingPlaceId(0), &items, &empty),
        Err(Rejection::InvalidParty)
    );
}

#[test]
fn verdicts_judge_each_vote_on_its_own() {
    let config = config();
    let validator = Validator::new(&config);
    let mut stored = InMemoryTokenStore::new();
    stored.insert(PollingPlaceId(0), "old");
    let items = vec![
        Ok(vote(Some(10), &[1075], "a")),
        Ok(vote(Some(-1), &[], "b")),
        Ok(vote(Some(10), &[], "a")),
        Ok(vote(Some(-1), &[], "c")),
        Ok(vote(Some(3), &[], "c")),
        Ok(vote(None, &[], "old")),
        Err(Rejection::InvalidEncryption),
    ];
    let verdicts = validator.verdicts(PollingPlaceId(0), &items, &stored);
    assert_eq!(
        verdicts,
        vec![
            Ok(()),
            Err(Rejection::InvalidParty),
            Err(Rejection::DuplicateTokenInBatch),
            Err(Rejection::InvalidParty),
            Ok(()), // "c" was only used by a rejected vote
            Err(Rejection::TokenAlreadyStored),
            Err(Rejection::InvalidEncryption),
        ]
    );
    let unknown_place = validator.verdicts(PollingPlaceId(6000), &items[..2], &stored);
    assert_eq!(unknown_place, vec![Err(Rejection::InvalidPollingPlace); 2]);
}

#[test]
fn every_rejection_names_its_rule() {
    let numbered = [
        (Rejection::InvalidPollingPlace, 1),
        (Rejection::InvalidEncryption, 2),
        (Rejection::DecryptedVoteIsNone, 3),
        (Rejection::DecryptionUnspecified, 3),
        (Rejection::TooManyCandidates { limit: 5 }, 4),
        (Rejection::DuplicateCandidates, 5),
        (Rejection::BlankVoteWithCandidates, 6),
        (
            Rejection::CandidateNotInParty {
                candidate: CandidateId(1),
                party: PartyId(2),
            },
            7,
        ),
        (Rejection::InvalidParty, 8),
        (Rejection::TokenAlreadyStored, 9),
        (Rejection::InvalidElectionId, 10),
        (Rejection::DuplicateTokenInBatch, 11),
    ];
    for (rejection, rule) in numbered {
        assert_eq!(rejection.rule(), Some(rule), "{rejection}");
    }
    assert_eq!(
        Rejection::DecryptedVoteIsNone.to_string(),
        "Invalid decryption - decrypted vote is none"
    );
    assert_eq!(
        Rejection::DecryptionUnspecified.to_string(),
        "Invalid decryption - unspecified"
    );
}

//! The original server's own test cases, through HTTP, on SQLite and (when the test
//! script provides a cluster) PostgreSQL; and the real electiersa 0.1.1 ciphertexts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};

/// Each case: a batch of votes, the answer, and whether its votes are stored.
async fn original_cases(db: Db) {
    let installation = Installation::new(db.clone());
    installation.seed_keys(&[0, 1]).await;
    let server = installation.start(&[]);
    let client = client();
    let keys = TestKeys::load();
    let sealer = keys.sealer();
    let url = server.url("/elections/vote");
    let cases: Vec<(&str, Vec<electie_core::Vote>, Value)> = vec![
        (
            "valid vote",
            vec![vote(Some(10), &[1075, 1076], "t-valid")],
            accepted(),
        ),
        (
            "the same vote twice in a batch",
            vec![
                vote(Some(10), &[1075], "t-twice"),
                vote(Some(10), &[1075], "t-twice"),
            ],
            rejected("Duplicate tokens in the batch"),
        ),
        (
            "party -1",
            vec![vote(Some(-1), &[], "t-party-minus-1")],
            rejected("Invalid party id"),
        ),
        ("blank vote", vec![vote(None, &[], "t-blank")], accepted()),
        (
            "wrong election id",
            vec![electie_core::Vote {
                election_id: "other".into(),
                ..vote(Some(10), &[], "t-election")
            }],
            rejected("Invalid election id"),
        ),
        (
            "6 candidates",
            vec![vote(
                Some(10),
                &[1075, 1076, 1077, 1078, 1079, 1080],
                "t-six",
            )],
            rejected("Number of candidates is more than 5"),
        ),
        (
            "duplicate candidates",
            vec![vote(Some(10), &[1075, 1075], "t-dup")],
            rejected("Duplicate candidates ids"),
        ),
        (
            "candidate -1",
            vec![vote(Some(10), &[-1], "t-cand-minus-1")],
            rejected("Invalid candidates ids - candidate |-1| is not in party |10|"),
        ),
        (
            "another party's candidate",
            vec![vote(Some(10), &[0], "t-foreign")],
            rejected("Invalid candidates ids - candidate |0| is not in party |10|"),
        ),
        (
            "no candidates",
            vec![vote(Some(3), &[], "t-none")],
            accepted(),
        ),
        (
            "party null with a candidate",
            vec![vote(None, &[1075], "t-null-cand")],
            rejected(
                "When party_id is None there is no possibility to have length of candidate_ids greater than zero",
            ),
        ),
    ];
    let mut expected_stored = 0;
    for (name, votes, answer) in &cases {
        let sealed: Vec<_> = votes.iter().map(|v| seal(&sealer, v)).collect();
        let (status, body) = post(&client, &url, &batch(0, &sealed)).await;
        let ok = answer["status"] == "success";
        assert_eq!(
            status,
            if ok { 200 } else { 400 },
            "{} ({name}): {body}",
            db.name()
        );
        assert_eq!(&body, answer, "{} ({name})", db.name());
        if ok {
            expected_stored += votes.len();
        }
        assert_eq!(
            accepted_rows(&installation, 0).await,
            expected_stored,
            "{name}: stored votes"
        );
    }
    // The same vote in two requests: the second is refused, nothing stored twice.
    let again = seal(&sealer, &vote(Some(10), &[1075, 1076], "t-valid"));
    let (status, body) = post(&client, &url, &batch(0, std::slice::from_ref(&again))).await;
    assert_eq!(
        (status, body),
        (
            400,
            rejected("Duplicate combination of token and polling place id")
        )
    );
    // The same token at another polling place is another voter.
    let (status, body) = post(&client, &url, &batch(1, &[again])).await;
    assert_eq!((status, body), (200, accepted()));
    assert_eq!(accepted_rows(&installation, 0).await, expected_stored);

    // The tally counted exactly the accepted votes: party 10 once, party 3 once, one blank.
    let (status, body) = get(&client, &server.url("/elastic/elections-status")).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["total_votes"], json!(4));
}

#[tokio::test]
async fn original_cases_on_every_database() {
    for db in Db::all().await {
        original_cases(db).await;
    }
}

/// Votes sealed by the real Python electiersa 0.1.1 (the interop vectors, sealed to the
/// vectors' server key and signed by their gateway key) open, validate and count; the
/// vectors' must-fail ciphertexts are refused with nothing stored.
#[tokio::test]
async fn votes_sealed_by_python_electiersa() {
    let vectors: Value = serde_json::from_str(&std::fs::read_to_string(VECTORS).unwrap()).unwrap();
    let installation = Installation::new(Db::Sqlite);
    installation.seed_keys(&[0]).await;
    let server = installation.start(&[]);
    let client = client();
    let url = server.url("/elections/vote");
    let mut stored = 0;
    for case in vectors["cases"].as_array().unwrap() {
        let body = json!({
            "polling_place_id": 0,
            "votes": [{"encrypted_message": case["encrypted_message"], "encrypted_object": case["encrypted_object"]}],
        });
        let (status, answer) = post(&client, &url, &body).await;
        // What the original server would say of this plaintext, from the library's rules.
        let vote = &case["vote"];
        let expected_ok = vote["election_id"] == "election_id"
            && electie_core::Vote::from_json(
                &electie_core::python_json::loads(
                    case["python_json_dumps_of_vote"].as_str().unwrap(),
                )
                .unwrap(),
            )
            .ok()
            .is_some_and(|vote| {
                let config = electie_tally::embedded::nrsr_2020().unwrap();
                electie_core::Validator::new(&config)
                    .check_ballot(vote.party_id, &vote.candidate_ids)
                    .is_ok()
            });
        if status == 200 {
            stored += 1;
        }
        assert_eq!(
            status == 200,
            expected_ok,
            "case {}: {answer}",
            case["name"]
        );
    }
    assert!(
        stored >= 2,
        "at least two real electiersa votes are valid NR SR 2020 votes"
    );
    assert_eq!(accepted_rows(&installation, 0).await, stored);
    for case in vectors["negative_cases"].as_array().unwrap() {
        let (Some(message), Some(object)) = (
            case["encrypted_message"].as_str(),
            case["encrypted_object"].as_str(),
        ) else {
            continue;
        };
        let body = json!({"polling_place_id": 0, "votes": [{"encrypted_message": message, "encrypted_object": object}]});
        let (status, answer) = post(&client, &url, &body).await;
        assert_eq!(status, 400, "negative case {}: {answer}", case["name"]);
        assert_eq!(
            answer,
            rejected("Invalid vote encryption or signature"),
            "negative case {}",
            case["name"]
        );
    }
    assert_eq!(
        accepted_rows(&installation, 0).await,
        stored,
        "must-fail cases stored nothing"
    );
    assert_eq!(
        log_rows(&installation).await.len(),
        stored,
        "nothing rejected is in the log (compat mode)"
    );
}

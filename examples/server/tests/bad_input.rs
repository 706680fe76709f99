//! Every bad input of the vote route and its neighbours: the status, the body, nothing
//! stored, never a 500, and the server keeps answering.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use electie_core::python_json;
use electie_crypto::{AesKeyLength, Backend, PrivateKey, Sealer};
use serde_json::{Value, json};

fn sealed_payload(sealer: &Sealer, text: &str) -> Value {
    let value = python_json::loads(text).unwrap();
    let sealed = sealer
        .seal_value(
            &value,
            AesKeyLength::Aes256,
            &mut electie_crypto::system_rng(),
        )
        .unwrap();
    sealed_json(&sealed)
}

async fn post_raw(client: &reqwest::Client, url: &str, body: &str) -> (u16, Value) {
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn bad_input_is_refused_with_nothing_stored() {
    let installation = Installation::new(Db::Sqlite);
    installation.seed_keys(&[0]).await;
    let server = installation.start(&["--max-batch", "3", "--max-body-bytes", "20000"]);
    let client = client();
    let keys = TestKeys::load();
    let sealer = keys.sealer();
    let url = server.url("/elections/vote");
    let good = || sealed_json(&seal(&sealer, &vote(Some(10), &[1075], "bad-input-good")));
    let mut statuses = Vec::new();

    // 413: too many votes, too many bytes.
    let body = json!({"polling_place_id": 0, "votes": [good(), good(), good(), good()]});
    let (status, answer) = post(&client, &url, &body).await;
    assert_eq!(
        (status, answer),
        (
            413,
            json!({"detail": "Batch too large: 4 votes, at most 3"})
        )
    );
    let huge = json!({"polling_place_id": 0, "votes": [{"encrypted_message": "A".repeat(30_000), "encrypted_object": "B"}]});
    let (status, answer) = post(&client, &url, &huge).await;
    assert_eq!(
        (status, answer),
        (413, json!({"detail": "Request body too large"}))
    );

    // 422: not the body the route takes.
    for (body, loc, kind) in [
        (
            r#"{"polling_place_id": "#,
            json!(["body", 21]),
            "json_invalid",
        ),
        ("[1, 2]", json!(["body"]), "model_attributes_type"),
        (
            r#"{"votes": []}"#,
            json!(["body", "polling_place_id"]),
            "missing",
        ),
        (
            r#"{"polling_place_id": true, "votes": []}"#,
            json!(["body", "polling_place_id"]),
            "int_type",
        ),
        (
            r#"{"polling_place_id": 1.5, "votes": []}"#,
            json!(["body", "polling_place_id"]),
            "int_type",
        ),
        (
            r#"{"polling_place_id": 99999999999999999999, "votes": []}"#,
            json!(["body", "polling_place_id"]),
            "int_type",
        ),
        (
            r#"{"polling_place_id": 0, "votes": {}}"#,
            json!(["body", "votes"]),
            "list_type",
        ),
        (
            r#"{"polling_place_id": 0, "votes": [7]}"#,
            json!(["body", "votes", 0]),
            "model_type",
        ),
        (
            r#"{"polling_place_id": 0, "votes": [{"encrypted_message": "x"}]}"#,
            json!(["body", "votes", 0, "encrypted_object"]),
            "missing",
        ),
        (
            r#"{"polling_place_id": 0, "votes": [{"encrypted_message": 1, "encrypted_object": "x"}]}"#,
            json!(["body", "votes", 0, "encrypted_message"]),
            "string_type",
        ),
        (
            r#"{"polling_place_id": 0, "votes": [], "first_seqno": 1}"#,
            json!(["body", "chain_head"]),
            "missing",
        ),
        (
            r#"{"polling_place_id": 0, "votes": [], "first_seqno": 0, "chain_head": "00"}"#,
            json!(["body", "first_seqno"]),
            "greater_than_equal",
        ),
    ] {
        let (status, answer) = post_raw(&client, &url, body).await;
        assert_eq!(status, 422, "{body}: {answer}");
        let first = &answer["detail"][0];
        assert_eq!(
            (&first["loc"], first["type"].as_str().unwrap()),
            (&loc, kind),
            "{body}: {answer}"
        );
        assert!(first["msg"].is_string());
    }
    let (status, _) = post(
        &client,
        &server.url("/elections/vote?mode=fast"),
        &json!({"polling_place_id": 0}),
    )
    .await;
    statuses.push(status);
    assert_eq!(status, 422);

    // 400 Message: the payload does not open, or opens to something that is no vote.
    let other = PrivateKey::from_pem(&read_key("gateway_private.pem")).unwrap();
    let wrong_recipient =
        Sealer::with_backend(&keys.gateway, &other.public_key(), Backend::fastest()).unwrap();
    let wrong_signer =
        Sealer::with_backend(&keys.server, &keys.server.public_key(), Backend::fastest()).unwrap();
    let mut base64_broken = good();
    base64_broken["encrypted_object"] = json!("not base64 !!!");
    let mut message_broken = good();
    message_broken["encrypted_message"] = json!("AAAA");
    let cases: Vec<(Value, &str)> = vec![
        (json!({"polling_place_id": 0, "votes": []}), "Empty batch"),
        (json!({"polling_place_id": 0}), "Empty batch"),
        (
            json!({"polling_place_id": 999_999, "votes": [good()]}),
            "Invalid polling place id",
        ),
        (
            json!({"polling_place_id": -1, "votes": [good()]}),
            "Invalid polling place id",
        ),
        (
            json!({"polling_place_id": 0, "votes": [base64_broken]}),
            "Invalid vote encryption or signature",
        ),
        (
            json!({"polling_place_id": 0, "votes": [message_broken]}),
            "Invalid vote encryption or signature",
        ),
        (
            json!({"polling_place_id": 0, "votes": [sealed_json(&seal(&wrong_recipient, &vote(Some(1), &[], "w1")))]}),
            "Invalid vote encryption or signature",
        ),
        (
            json!({"polling_place_id": 0, "votes": [sealed_json(&seal(&wrong_signer, &vote(Some(1), &[], "w2")))]}),
            "Invalid vote encryption or signature",
        ),
        (
            json!({"polling_place_id": 0, "votes": [sealed_payload(&sealer, "null")]}),
            "Invalid decryption - decrypted vote is none",
        ),
        (
            json!({"polling_place_id": 0, "votes": [sealed_payload(&sealer, "[1]")]}),
            "Invalid decryption - unspecified",
        ),
        (
            json!({"polling_place_id": 0, "votes": [sealed_payload(&sealer, r#"{"candidate_ids": [], "token": "t", "election_id": "election_id"}"#)]}),
            "Invalid vote format - missing field party_id",
        ),
        (
            json!({"polling_place_id": 0, "votes": [sealed_payload(&sealer, r#"{"party_id": "10", "candidate_ids": [], "token": "t", "election_id": "election_id"}"#)]}),
            "Invalid vote format - party_id must be an integer or null, got a string",
        ),
        (
            json!({"polling_place_id": 0, "votes": [sealed_payload(&sealer, r#"{"party_id": 10, "candidate_ids": [1.5], "token": "t", "election_id": "election_id"}"#)]}),
            "",
        ),
        (
            json!({"polling_place_id": 0, "votes": [sealed_payload(&sealer, r#"{"party_id": 10, "candidate_ids": [99999999999999999999], "token": "t", "election_id": "election_id"}"#)]}),
            "",
        ),
        // A good vote before a bad one: the whole batch is refused, the good one too.
        (
            json!({"polling_place_id": 0, "votes": [good(), sealed_payload(&sealer, "null")]}),
            "Invalid decryption - decrypted vote is none",
        ),
    ];
    for (body, message) in &cases {
        let (status, answer) = post(&client, &url, body).await;
        statuses.push(status);
        assert_eq!(status, 400, "{message}: {answer}");
        assert_eq!(answer["status"], "failure");
        if message.is_empty() {
            assert!(
                answer["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("Invalid vote format - "),
                "{answer}"
            );
        } else {
            assert_eq!(answer["message"], *message);
        }
    }
    // The same refusals in verdict mode for the whole-batch rules.
    let (status, answer) = post(
        &client,
        &server.url("/elections/vote?mode=verdicts"),
        &json!({"polling_place_id": 999_999, "votes": [good()]}),
    )
    .await;
    assert_eq!(
        (status, answer),
        (400, rejected("Invalid polling place id"))
    );

    // Query and path parameters.
    for (path, expected) in [
        ("/elections/sync-state", 422),
        ("/elections/sync-state?polling_place_id=x", 422),
        ("/elections/sync-state?polling_place_id=999999", 404),
        ("/elections/gateway-config?polling_place_id=999999", 404),
        (
            "/elastic/elections-status?filter_by=planet&filter_value=1",
            422,
        ),
        (
            "/elastic/elections-status?filter_by=region_code&filter_value=abc",
            422,
        ),
        ("/no/such/route", 404),
    ] {
        let (status, answer) = get(&client, &server.url(path)).await;
        statuses.push(status);
        assert_eq!(status, expected, "{path}: {answer}");
    }
    let (_, answer) = get(
        &client,
        &server.url("/elections/gateway-config?polling_place_id=999999"),
    )
    .await;
    assert_eq!(answer, json!({"detail": "Polling place not found"}));
    let (status, _) = post(
        &client,
        &server.url("/elections/polling-places/x/close"),
        &good(),
    )
    .await;
    assert_eq!(status, 422);
    let (status, answer) = post(
        &client,
        &server.url("/elections/polling-places/0/close"),
        &good(),
    )
    .await;
    assert_eq!(status, 400, "a vote is no close: {answer}");

    assert!(!statuses.contains(&500));
    assert!(log_rows(&installation).await.is_empty(), "nothing stored");
    // Still serving, and a good batch still goes in.
    assert_eq!(
        post(
            &client,
            &url,
            &json!({"polling_place_id": 0, "votes": [good()]})
        )
        .await,
        (200, accepted())
    );
    assert_eq!(accepted_rows(&installation, 0).await, 1);
}

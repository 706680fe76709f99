//! A vote of the log that does not count (feature `crash-points` injects it) stops
//! the results, never serves a wrong tally: the next results request rebuilds the
//! tally from the log; while the rebuild fails too, results answer 503 with the
//! reason; the votes themselves are stored, and a restart counts them.
//!
//! ```text
//! cargo test -p electie-server --features crash-points --test tally_fault
//! ```
#![cfg(feature = "crash-points")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;

async fn total_votes(client: &reqwest::Client, server: &Server) -> (u16, serde_json::Value) {
    get(client, &server.url("/elastic/elections-status")).await
}

async fn fault_once_is_rebuilt(db: Db) {
    let place = 11;
    let installation = Installation::new(db.clone());
    installation.seed_keys(&[place]).await;
    let sealer = TestKeys::load().sealer();
    let client = client();
    let server =
        Server::start_with_env(&installation, &[], &[("ELECTIE_FAULT_POINT", "fold-once")]);
    let mut position = genesis(place);
    let body = sync_batch(
        place,
        &sealer,
        &[vote(Some(10), &[1075], "tf-1"), vote(None, &[], "tf-2")],
        &mut position,
    );
    assert_eq!(
        post(&client, &server.url("/elections/vote"), &body).await,
        (200, accepted())
    );
    // The batch did not count in memory; the results request rebuilds from the log.
    let (status, answer) = total_votes(&client, &server).await;
    assert_eq!(status, 200, "{} {answer}", db.name());
    assert_eq!(answer["data"]["total_votes"], json!(2), "{}", db.name());
    assert!(
        server.log().contains("did not count"),
        "the fault is logged:\n{}",
        server.log()
    );
}

async fn lasting_fault_withholds_results(db: Db) {
    let place = 12;
    let installation = Installation::new(db.clone());
    installation.seed_keys(&[place]).await;
    let sealer = TestKeys::load().sealer();
    let client = client();
    let mut server = Server::start_with_env(
        &installation,
        &[],
        &[("ELECTIE_FAULT_POINT", "fold-always")],
    );
    let mut position = genesis(place);
    let body = sync_batch(
        place,
        &sealer,
        &[vote(Some(3), &[], "tf-3"), vote(Some(4), &[], "tf-4")],
        &mut position,
    );
    assert_eq!(
        post(&client, &server.url("/elections/vote"), &body).await,
        (200, accepted())
    );
    let response = client
        .get(server.url("/elastic/elections-status"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503, "{}", db.name());
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok()),
        Some("2")
    );
    let answer: serde_json::Value = response.json().await.unwrap();
    let detail = answer["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("Results are unavailable: the tally does not match the vote log")
            && detail.contains("polling place 12"),
        "{detail}"
    );
    // Still serving, still storing.
    let more = sync_batch(place, &sealer, &[vote(None, &[], "tf-5")], &mut position);
    assert_eq!(
        post(&client, &server.url("/elections/vote"), &more).await,
        (200, accepted())
    );
    assert_eq!(accepted_rows(&installation, place).await, 3);
    server.kill9();
    // Without the fault, a restart counts the log.
    let server = installation.start(&[]);
    let (status, answer) = total_votes(&client, &server).await;
    assert_eq!((status, &answer["data"]["total_votes"]), (200, &json!(3)));
}

#[tokio::test]
async fn a_vote_that_does_not_count_is_recounted_from_the_log() {
    for db in Db::all().await {
        fault_once_is_rebuilt(db).await;
    }
}

#[tokio::test]
async fn a_tally_that_cannot_be_rebuilt_answers_503_not_a_wrong_count() {
    for db in Db::all().await {
        lasting_fault_withholds_results(db).await;
    }
}

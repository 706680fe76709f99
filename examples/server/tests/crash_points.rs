//! Deterministic crash points (feature `crash-points`): the process dies just before
//! the commit, or just after it but before answering. The gateway sees no answer in
//! both cases and resends; the server must then have stored the batch exactly once.
//!
//! ```text
//! cargo test -p electie-server --features crash-points --test crash_points
//! ```
#![cfg(feature = "crash-points")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;

async fn lost_response(db: Db, point: &str, committed: bool) {
    let place = 9;
    let installation = Installation::new(db.clone());
    installation.seed_keys(&[place]).await;
    let sealer = TestKeys::load().sealer();
    let client = client();
    let mut position = genesis(place);
    let first = sync_batch(
        place,
        &sealer,
        &[vote(Some(10), &[1075], "cp-1"), vote(None, &[], "cp-2")],
        &mut position,
    );

    let mut server = Server::start_with_env(&installation, &[], &[("ELECTIE_CRASH_POINT", point)]);
    let sent = client
        .post(server.url("/elections/vote"))
        .json(&first)
        .send()
        .await;
    assert!(sent.is_err(), "{point}: the process dies before answering");
    server.kill9();

    let server = installation.start(&[]);
    let (_, state) = get(
        &client,
        &server.url(&format!("/elections/sync-state?polling_place_id={place}")),
    )
    .await;
    let expected_last = if committed { 2 } else { 0 };
    assert_eq!(
        state["last_seqno"],
        json!(expected_last),
        "{} {point}",
        db.name()
    );
    // The gateway resends: accepted either way, stored once.
    assert_eq!(
        post(&client, &server.url("/elections/vote"), &first).await,
        (200, accepted())
    );
    assert_eq!(
        post(&client, &server.url("/elections/vote"), &first).await,
        (200, accepted())
    );
    assert_eq!(
        accepted_rows(&installation, place).await,
        2,
        "{} {point}",
        db.name()
    );
    let (_, status) = get(&client, &server.url("/elastic/elections-status")).await;
    assert_eq!(status["data"]["total_votes"], 2);
}

#[tokio::test]
async fn crash_before_commit_stores_nothing_and_the_resend_stores_once() {
    for db in Db::all().await {
        lost_response(db, "before-commit", false).await;
    }
}

#[tokio::test]
async fn crash_after_commit_keeps_the_batch_and_the_resend_stores_nothing() {
    for db in Db::all().await {
        lost_response(db, "after-commit", true).await;
    }
}

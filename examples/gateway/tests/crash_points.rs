//! Deterministic kill points in synchronization (feature `crash-points`): the gateway
//! dies just before sending a batch, or just after the server stored it and answered
//! but before the gateway recorded the answer. After a restart the gateway
//! synchronizes again: every vote reaches the server exactly once and is shown as
//! synchronized.
//!
//! ```text
//! cargo build -p electie-server
//! cargo test -p electie-gateway --features crash-points --test crash_points
//! ```
#![cfg(feature = "crash-points")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use electie_gateway::client::Terminal;
use serde_json::Value;

const VOTES: usize = 5;

async fn server_last_seqno(client: &reqwest::Client, server: &EnrolledServer) -> Value {
    server.sync_state(client).await["last_seqno"].clone()
}

async fn killed_during_sync(point: &str, stored_at_the_kill: usize) {
    let gateway_dir = TempDir::new("crash-points-gateway");
    let public = prepare_gateway(gateway_dir.path(), 0);
    let server = EnrolledServer::start(0, &public);
    let client = http();
    let mut gateway = Gateway::start_with_env(
        gateway_dir.path(),
        &server.base,
        "3600",
        "127.0.0.1:0",
        &[("ELECTIE_CRASH_POINT", point)],
    );
    let base = gateway.base.clone();
    let commission = commission_registering_terminals(&client, &base).await;
    let terminal = Terminal::register(client.clone(), &base).await.unwrap();
    let mut tokens = Vec::new();
    for _ in 0..VOTES {
        tokens.push(commission.issue_token().await.unwrap());
    }
    commission.start().await.unwrap();
    for (index, token) in tokens.iter().enumerate() {
        let party = Some(i64::try_from(index).unwrap() * 3);
        let plaintext = electie_gateway::client::vote_plaintext(token, party, &[]);
        let answer = terminal
            .post_payload("vote", terminal.seal(&plaintext).unwrap())
            .await
            .unwrap();
        assert_eq!(answer.status, 200, "{answer:?}");
    }

    // The sync run kills the gateway at the point: no answer.
    let sent = client
        .post(format!("{base}/synchronization-service-api/synchronize"))
        .send()
        .await;
    assert!(sent.is_err(), "{point}: the gateway dies during the run");
    let _ = gateway.process.wait();
    assert_eq!(
        server_last_seqno(&client, &server).await,
        stored_at_the_kill,
        "{point}"
    );

    // Restarted without the kill point: it synchronizes (at start and on request).
    let gateway = Gateway::start(gateway_dir.path(), &server.base, "3600");
    let base = gateway.base.clone();
    let _ = client
        .post(format!("{base}/synchronization-service-api/synchronize"))
        .send()
        .await
        .unwrap();
    let synchronized = eventually(Duration::from_secs(60), || {
        let (client, base) = (client.clone(), base.clone());
        async move {
            let stats = statistics(&client, &base).await;
            stats["statistics"]["syncronized_count"] == VOTES
        }
    })
    .await;
    let stats = statistics(&client, &base).await;
    assert!(synchronized, "{point}: {stats}");
    assert_eq!(stats["statistics"]["unsyncronized_count"], 0, "{point}");
    assert_eq!(stats["statistics"]["rejected_count"], 0, "{point}");
    assert_eq!(server_last_seqno(&client, &server).await, VOTES, "{point}");
    // Counted once: the server's total is the number cast.
    let status = server.elections_status(&client).await;
    assert_eq!(status["data"]["total_votes"], VOTES, "{point}: {status}");
}

#[tokio::test]
async fn killed_before_sending_a_batch_the_gateway_sends_it_once_after_restart() {
    killed_during_sync("sync-before-send", 0).await;
}

#[tokio::test]
async fn killed_after_the_server_answered_the_resend_stores_nothing_twice() {
    killed_during_sync("sync-after-answer", VOTES).await;
}

//! A vote and the end of the election, ordered deterministically (feature
//! `crash-points`): the gateway holds one request at a pause point while the test does
//! the other, then lets it go. Whatever the order, exactly-once holds: a vote is either
//! refused with `Election is not running.` and stored nowhere (its token still
//! usable), or acknowledged and delivered before the polling place closes, the close
//! covering it; the server stores for the polling place exactly the votes the gateway
//! acknowledged, with the same chain.
//!
//! Both orders once lost a vote (seen by chance in an end-to-end run): a vote that
//! passed the "election running" check while `POST /end` and the close ran was stored
//! and acknowledged after the close; a vote stored after a sync run read the chain,
//! just before `/end`, was left out of that run's close.
//!
//! ```text
//! cargo build -p electie-server
//! cargo test -p electie-gateway --features crash-points --test interleavings
//! ```
#![cfg(feature = "crash-points")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use electie_gateway::client::{Commission, Terminal};
use serde_json::Value;

/// A server with polling place 0 enrolled, its gateway started with pause points, the
/// commission logged in and one terminal registered; voting not started.
struct Room {
    client: reqwest::Client,
    server: EnrolledServer,
    gateway: Gateway,
    commission: Commission,
    terminal: Terminal,
    pauses: TempDir,
    _gateway_dir: TempDir,
}

impl Room {
    async fn open() -> Room {
        let gateway_dir = TempDir::new("interleavings-gateway");
        let pauses = TempDir::new("interleavings-pauses");
        let public = prepare_gateway(gateway_dir.path(), 0);
        let server = EnrolledServer::start(0, &public);
        // No periodic run in the test's way: runs start at start-up, after /end and
        // on request only.
        let gateway = Gateway::start_with_env(
            gateway_dir.path(),
            &server.base,
            "3600",
            "127.0.0.1:0",
            &[("ELECTIE_PAUSE_DIR", pauses.path().to_str().unwrap())],
        );
        let client = http();
        let commission = commission_registering_terminals(&client, &gateway.base).await;
        let terminal = Terminal::register(client.clone(), &gateway.base)
            .await
            .unwrap();
        Room {
            client,
            server,
            gateway,
            commission,
            terminal,
            pauses,
            _gateway_dir: gateway_dir,
        }
    }

    fn pause_point(&self, name: &'static str) -> PausePoint {
        PausePoint::new(self.pauses.path(), name)
    }

    /// Runs a whole synchronization that starts after this call (`POST /synchronize`
    /// answers "already started" while an earlier run goes on: asked again).
    async fn synchronize_now(&self) {
        let url = format!(
            "{}/synchronization-service-api/synchronize",
            self.gateway.base
        );
        let started = eventually(Duration::from_secs(30), || async {
            let answer: Value = self
                .client
                .post(&url)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            answer["message"] == "Synchronization started"
        })
        .await;
        assert!(started, "{}", self.gateway.log_text());
    }

    async fn statistics(&self) -> Value {
        statistics(&self.client, &self.gateway.base).await
    }

    /// Waits until the gateway recorded the close of its polling place; its record.
    async fn wait_closed(&self) -> Value {
        let closed = eventually(Duration::from_secs(30), || async {
            !self.statistics().await["closed"].is_null()
        })
        .await;
        let stats = self.statistics().await;
        assert!(
            closed,
            "the gateway did not close: {stats}\n{}",
            self.gateway.log_text()
        );
        stats["closed"].clone()
    }

    /// Exactly-once after the close: the gateway stores `acknowledged` votes, all
    /// delivered and none rejected; its close record, the server's state of the
    /// polling place and the server's total all say `acknowledged`, with one chain.
    async fn assert_closed_with(&self, acknowledged: i64) {
        let closed = self.wait_closed().await;
        let stats = self.statistics().await;
        let log = self.gateway.log_text();
        assert_eq!(
            stats["statistics"]["all_count"], acknowledged,
            "votes stored at the gateway: {stats}\n{log}"
        );
        assert_eq!(
            closed["last_seqno"], acknowledged,
            "the close covers every acknowledged vote: {stats}\n{log}"
        );
        let server_state = self.server.sync_state(&self.client).await;
        assert_eq!(server_state["closed"], true, "{server_state}");
        assert_eq!(
            server_state["last_seqno"], acknowledged,
            "the server stores the acknowledged votes: {server_state} / gateway {stats}\n{log}"
        );
        assert_eq!(server_state["chain_head"], closed["chain_head"]);
        let status = self.server.elections_status(&self.client).await;
        assert_eq!(status["data"]["total_votes"], acknowledged, "{status}");
        // The server holds them all: nothing is waiting at the gateway.
        let delivered = eventually(Duration::from_secs(30), || async {
            self.statistics().await["statistics"]["syncronized_count"] == acknowledged
        })
        .await;
        let stats = self.statistics().await;
        assert!(delivered, "{stats}\n{log}");
        assert_eq!(stats["statistics"]["unsyncronized_count"], 0, "{stats}");
        assert_eq!(stats["statistics"]["rejected_count"], 0, "{stats}");
    }
}

/// The vote passed the "election running" check and was opened; `POST /end` and the
/// close of the polling place (which does not include it) happen before its
/// transaction. It must be refused, stored nowhere, and leave its token usable.
#[tokio::test]
async fn a_vote_held_until_after_the_end_and_the_close_is_refused_and_stored_nowhere() {
    let room = Arc::new(Room::open().await);
    let before = room.commission.issue_token().await.unwrap();
    let held = room.commission.issue_token().await.unwrap();
    room.commission.start().await.unwrap();
    let answer = room.terminal.vote(&before, Some(3), &[]).await.unwrap();
    assert_eq!(answer.status, 200, "{answer:?}");

    let point = room.pause_point("vote-before-store");
    point.arm();
    let payload = room
        .terminal
        .seal(&electie_gateway::client::vote_plaintext(
            &held,
            Some(5),
            &[],
        ))
        .unwrap();
    let vote = {
        let room = room.clone();
        tokio::spawn(async move { room.terminal.post_payload("vote", payload).await })
    };
    point.wait_reached().await;

    let ended = room.commission.end().await.unwrap();
    assert_eq!(ended.status, 200, "{ended:?}");
    // The run /end started closes the polling place with the one vote stored so far.
    room.wait_closed().await;

    point.release();
    let answer = tokio::time::timeout(Duration::from_secs(30), vote)
        .await
        .expect("the held vote is answered once released")
        .unwrap()
        .unwrap();
    let acknowledged = match answer.status {
        200 => 2,
        409 => {
            assert_eq!(
                answer.body,
                serde_json::json!({ "detail": "Election is not running." })
            );
            // Refused: the token was not used.
            let check = room.terminal.check_token(&held).await.unwrap();
            assert_eq!(check.status, 200, "the refused vote's token: {check:?}");
            1
        }
        _ => panic!("the held vote: {answer:?}"),
    };
    // Whichever answer it got, nothing acknowledged is missing from the server, and
    // nothing refused reached it (a later run would send a vote stored late).
    room.synchronize_now().await;
    room.assert_closed_with(acknowledged).await;
    // The order forced here leaves one correct answer.
    assert_eq!(
        answer.status, 409,
        "a vote stored after the close can never reach the server"
    );
}

/// A sync run read the chain (one vote) and found the server holding it all; before
/// it closes, a second vote is acknowledged and the election ends. The close must
/// wait for the second vote to reach the server and cover it.
#[tokio::test]
async fn a_vote_acknowledged_after_a_run_read_the_chain_is_delivered_before_the_close() {
    let room = Room::open().await;
    let first = room.commission.issue_token().await.unwrap();
    let second = room.commission.issue_token().await.unwrap();
    room.commission.start().await.unwrap();
    let answer = room.terminal.vote(&first, Some(3), &[]).await.unwrap();
    assert_eq!(answer.status, 200, "{answer:?}");

    // Every earlier run is over: the next one to reach the point is the test's.
    room.synchronize_now().await;
    let point = room.pause_point("sync-before-close");
    point.arm();
    let run = {
        let url = format!(
            "{}/synchronization-service-api/synchronize",
            room.gateway.base
        );
        let client = room.client.clone();
        tokio::spawn(async move { client.post(url).send().await })
    };
    point.wait_reached().await;
    // The held run read a chain of one vote, which the server holds.
    assert_eq!(room.server.sync_state(&room.client).await["last_seqno"], 1);

    let answer = room.terminal.vote(&second, None, &[]).await.unwrap();
    assert_eq!(answer.status, 200, "{answer:?}");
    let ended = room.commission.end().await.unwrap();
    assert_eq!(ended.status, 200, "{ended:?}");

    point.release();
    let _ = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the held run ends once released");
    room.assert_closed_with(2).await;
}

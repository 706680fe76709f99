//! The load run (ignored by default; figures in the README):
//! `cargo test --release -p electie-gateway --test load -- --ignored --nocapture`.
//!
//! Votes per second one gateway accepts from terminals with durable commits (every vote
//! opened, verified, checked against rules 4–8 and committed with `synchronous=FULL`),
//! then, with the real `electie-server`, how fast those votes synchronize on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Instant;

use common::*;
use electie_gateway::client::Terminal;
use electie_test_support::cpu_seconds;

const TERMINALS: usize = 8;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a load run that prints figures; run it explicitly"]
async fn votes_per_second_and_sync_throughput() {
    let votes_wanted: usize = std::env::var("ELECTIE_LOAD_VOTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let votes = votes_wanted - votes_wanted % TERMINALS;
    let gateway_dir = TempDir::new("load-gateway");
    let public = prepare_gateway(gateway_dir.path(), 0);
    let server = EnrolledServer::start(0, &public);
    let server_url = server.base.clone();

    // A long interval: the votes stay local until the measured sync.
    let gateway = Gateway::start(gateway_dir.path(), &server_url, "3600");
    let client = http();
    let base = gateway.base.clone();
    let commission = commission_registering_terminals(&client, &base).await;
    let mut terminals = Vec::new();
    for _ in 0..TERMINALS {
        terminals.push(std::sync::Arc::new(
            Terminal::register(client.clone(), &base).await.unwrap(),
        ));
    }
    let mut tokens = Vec::with_capacity(votes);
    for _ in 0..votes {
        tokens.push(commission.issue_token().await.unwrap());
    }
    commission.start().await.unwrap();

    // Terminals seal in advance (the sealing is the terminals' work, not the gateway's).
    let mut payloads = Vec::with_capacity(votes);
    for (index, token) in tokens.iter().enumerate() {
        let terminal = terminals[index % TERMINALS].clone();
        let plaintext = electie_gateway::client::vote_plaintext(token, Some(10), &[1075, 1076]);
        payloads.push((terminal.clone(), terminal.seal(&plaintext).unwrap()));
    }
    let gateway_cpu = cpu_seconds(gateway.process.pid());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for chunk in payloads.chunks(votes / TERMINALS) {
        let chunk = chunk.to_vec();
        tasks.push(tokio::spawn(async move {
            for (terminal, payload) in chunk {
                let answer = terminal.post_payload("vote", payload).await.unwrap();
                assert_eq!(answer.status, 200, "{answer:?}");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let voting = started.elapsed();
    let gateway_cpu = cpu_seconds(gateway.process.pid()) - gateway_cpu;
    eprintln!(
        "the gateway process used {gateway_cpu:.2} CPU seconds for them: {:.0} votes per CPU second (what one core would take alone)",
        votes as f64 / gateway_cpu
    );
    eprintln!(
        "gateway accepted {} votes from {TERMINALS} terminals in {:.2} s: {:.0} votes/s (durable commits)",
        votes,
        voting.as_secs_f64(),
        votes as f64 / voting.as_secs_f64()
    );

    let server_cpu = cpu_seconds(server.process.pid());
    let gateway_cpu = cpu_seconds(gateway.process.pid());
    let started = Instant::now();
    let answer = client
        .post(format!("{base}/synchronization-service-api/synchronize"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let stats: serde_json::Value = client
        .post(format!("{base}/synchronization-service-api/statistics"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sync = started.elapsed();
    eprintln!(
        "sync CPU: gateway {:.2} s, server {:.2} s",
        cpu_seconds(gateway.process.pid()) - gateway_cpu,
        cpu_seconds(server.process.pid()) - server_cpu
    );
    assert_eq!(stats["statistics"]["syncronized_count"], votes, "{stats}");
    eprintln!(
        "synchronized {} votes to the server in {:.2} s: {:.0} votes/s (sealed, sent in batches of {}, opened and stored by the server)",
        votes,
        sync.as_secs_f64(),
        votes as f64 / sync.as_secs_f64(),
        electie_gateway::sync::BATCH_SIZE
    );
}

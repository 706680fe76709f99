//! `kill -9` under load, restart, and every acknowledged vote is there exactly once.
//!
//! Simulated gateways (one per polling place) send fixed batches of 10 with sync
//! fields; the harness kills the server with SIGKILL at seeded random moments (at least
//! 20 times) and restarts it; after a restart each gateway resends its last
//! acknowledged batch (a resend after a lost response) and carries on from the
//! server's sync state. At the end: every vote stored exactly once, the tally equals a
//! recount from the store and from the feed after close, and SQLite's integrity check
//! passes. `ELECTIE_CRASH_SEED=N` replays a run; the seed is printed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use electie_core::{CandidateId, PartyId, PollingPlaceId, Vote};
use serde_json::Value;
use tokio::sync::RwLock;

const BATCH: usize = 10;

/// The votes of one gateway: valid NR SR 2020 ballots (party 10 with its first
/// candidates, other parties without, some blank).
fn gateway_votes(place: i64, count: usize, rng: &mut Rng) -> Vec<Vote> {
    (0..count)
        .map(|index| {
            let (party, candidates) = match rng.below(4) {
                0 => (None, vec![]),
                1 => (Some(10), vec![1075, 1076][..rng.below(3) as usize].to_vec()),
                _ => (Some(rng.below(25) as i64), vec![]),
            };
            Vote {
                party_id: party.map(PartyId),
                candidate_ids: candidates.into_iter().map(CandidateId).collect(),
                token: format!("crash-{place}-{index}"),
                election_id: "election_id".into(),
            }
        })
        .collect()
}

/// Sends every batch until the server has acknowledged all of them.
async fn run_gateway(
    place: i64,
    bodies: Vec<Value>,
    base: Arc<RwLock<String>>,
    resend_seed: u64,
) -> usize {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut rng = Rng(resend_seed | 1);
    let mut acked = 0usize; // batches acknowledged
    let mut resends = 0;
    let mut known_base = String::new();
    while acked < bodies.len() {
        let url = base.read().await.clone();
        if url != known_base {
            // A new server process: resend the last acknowledged batch (lost-response
            // case), then ask where the server is.
            if acked > 0
                && let Ok(response) = client
                    .post(format!("{url}/elections/vote"))
                    .json(&bodies[acked - 1])
                    .send()
                    .await
            {
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                if status == 200 {
                    assert_eq!(body, accepted(), "a resend is answered as the first time");
                    resends += 1;
                }
            }
            match client
                .get(format!(
                    "{url}/elections/sync-state?polling_place_id={place}"
                ))
                .send()
                .await
            {
                Ok(response) if response.status() == 200 => {
                    let state: Value = response.json().await.unwrap();
                    let stored = state["last_seqno"].as_u64().unwrap() as usize;
                    assert_eq!(stored % BATCH, 0, "batches are stored whole");
                    assert!(
                        stored / BATCH >= acked,
                        "an acknowledged batch was lost: {stored} < {acked} batches"
                    );
                    acked = stored / BATCH;
                    known_base = url;
                }
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
            continue;
        }
        let body = &bodies[acked];
        match client
            .post(format!("{url}/elections/vote"))
            .json(body)
            .send()
            .await
        {
            Ok(response) => {
                let status = response.status().as_u16();
                let answer: Value = response.json().await.unwrap_or(Value::Null);
                match status {
                    200 => {
                        assert_eq!(answer, accepted());
                        acked += 1;
                        // Now and then the response "was lost": send it again.
                        if rng.below(8) == 0
                            && let Ok(response) = client
                                .post(format!("{url}/elections/vote"))
                                .json(body)
                                .send()
                                .await
                            && response.status() == 200
                        {
                            resends += 1;
                        }
                    }
                    409 => known_base.clear(),
                    503 => tokio::time::sleep(Duration::from_millis(50)).await,
                    other => panic!("gateway {place}: unexpected {other} {answer}"),
                }
            }
            Err(_) => {
                known_base.clear();
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
        }
    }
    resends
}

#[tokio::test]
async fn kill_9_under_load_loses_and_duplicates_nothing() {
    let seed = electie_test_support::seed("ELECTIE_CRASH_SEED");
    println!("crash test seed: {seed} (ELECTIE_CRASH_SEED={seed} replays it)");
    let mut rng = Rng(seed | 1);
    let places: Vec<i64> = vec![100, 101, 102, 103];
    let batches_per_gateway = 24;
    let installation = Installation::new(Db::Sqlite);
    installation.seed_keys(&places).await;
    let sealer = TestKeys::load().sealer();

    // Sealed before the clock starts.
    let mut all_votes = Vec::new();
    let mut gateways = Vec::new();
    for &place in &places {
        let votes = gateway_votes(place, batches_per_gateway * BATCH, &mut rng);
        let mut position = genesis(place);
        let bodies: Vec<Value> = votes
            .chunks(BATCH)
            .map(|chunk| sync_batch(place, &sealer, chunk, &mut position))
            .collect();
        all_votes.extend(votes.into_iter().map(|vote| (place, vote)));
        gateways.push((place, bodies, position));
    }

    let mut server = installation.start(&[]);
    let base = Arc::new(RwLock::new(server.base.clone()));
    let tasks: Vec<_> = gateways
        .iter()
        .map(|(place, bodies, _)| {
            tokio::spawn(run_gateway(
                *place,
                bodies.clone(),
                Arc::clone(&base),
                rng.next(),
            ))
        })
        .collect();
    let kills = 20;
    for kill in 0..kills {
        tokio::time::sleep(Duration::from_millis(150 + rng.below(400))).await;
        server.kill9();
        println!("kill {} of {kills}", kill + 1);
        server = installation.start(&[]);
        *base.write().await = server.base.clone();
    }
    let mut resends = 0;
    for task in tasks {
        resends += tokio::time::timeout(Duration::from_secs(600), task)
            .await
            .expect("gateways finish")
            .unwrap();
    }
    println!(
        "{kills} kills, {resends} resends answered, {} votes",
        all_votes.len()
    );

    // Every vote exactly once, in sequence.
    let rows = log_rows(&installation).await;
    assert_eq!(rows.len(), all_votes.len());
    for (place, _, _) in &gateways {
        let mut seqnos: Vec<i64> = rows
            .iter()
            .filter(|row| row.polling_place_id == *place)
            .filter_map(|row| row.seqno)
            .collect();
        seqnos.sort_unstable();
        assert_eq!(
            seqnos,
            (1..=(batches_per_gateway * BATCH) as i64).collect::<Vec<_>>(),
            "place {place}"
        );
    }
    for (place, vote) in &all_votes {
        let stored: Vec<_> = rows
            .iter()
            .filter(|row| {
                row.polling_place_id == *place && row.token.as_deref() == Some(vote.token.as_str())
            })
            .collect();
        assert_eq!(stored.len(), 1, "{}", vote.token);
        assert_eq!(stored[0].party_id, vote.party_id.map(|p| p.0));
    }

    // The server's results equal a recount of what was sent, and of the store.
    let config = electie_tally::embedded::nrsr_2020().unwrap();
    let mut recount = electie_tally::count::Tally::new(&config);
    for (place, vote) in &all_votes {
        recount
            .add(
                &config,
                PollingPlaceId(*place),
                vote.party_id,
                &vote.candidate_ids,
            )
            .unwrap();
    }
    let client = client();
    installation.store_admin();
    let token = server.admin_token(&client).await;
    assert_eq!(
        server.party_candidate_results(&client, &token).await,
        expected_party_candidate_results(&config, &recount)
    );

    // Close every polling place: the feed recounts to the same results.
    for (place, _, position) in &gateways {
        let body = close_body(
            &sealer,
            *place,
            position.last_seqno,
            &position.chain_head.to_string(),
            "2026-12-01T20:00:00Z",
        );
        let (status, answer) = post(
            &client,
            &server.url(&format!("/elections/polling-places/{place}/close")),
            &body,
        )
        .await;
        assert_eq!(status, 200, "{answer}");
    }
    let mut from_feed = electie_tally::count::Tally::new(&config);
    let mut next = 1;
    loop {
        let (_, feed) = get(
            &client,
            &server.url(&format!("/feed/elections/election_id/batchfrom/{next}")),
        )
        .await;
        let batch = feed["batch"].as_array().unwrap();
        for ballot in batch {
            count_feed_ballot(&mut from_feed, &config, ballot);
        }
        next += batch.len();
        if (batch.len() as i64) < feed["batchmaxsize"].as_i64().unwrap() {
            break;
        }
    }
    assert_eq!(next - 1, all_votes.len());
    assert_eq!(from_feed, recount);

    server.terminate();
    let store = installation.store().await;
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
    store.shutdown().await;
}

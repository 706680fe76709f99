//! Restart with millions of stored votes (ignored by default; figures in the README):
//! the log is filled through the storage layer (no HTTP, no crypto: it measures the
//! restart, not the ingest), then `serve` is timed from spawn until it listens (the
//! tally and the token set rebuilt from the log) and its memory read from `/proc`.
//! The served results must equal a recount of what was written.
//!
//! ```text
//! cargo test --release -p electie-server --test restart -- --ignored --nocapture
//! ```
//!
//! `ELECTIE_RESTART_VOTES` (default 3 000 000) sizes it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Instant;

use common::*;
use electie_core::{CandidateId, PartyId, PollingPlaceId};
use electie_server::storage::{BatchWrite, VoteRow, WriteOp};
use serde_json::{Value, json};

/// Votes per written batch (one polling place each).
const BATCH: usize = 500;

fn proc_status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// User and system CPU seconds of process `pid` so far (`/proc/PID/stat`, clock ticks
/// of 1/100 s): what the start cost whatever else runs on the machine.
fn proc_cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The fields after the command name (which is in parentheses): utime and stime
    // are the 14th and 15th fields of the line.
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "fills a store with millions of votes: cargo test --release -p electie-server --test restart -- --ignored --nocapture"]
async fn restart_with_millions_of_stored_votes() {
    let votes: usize = std::env::var("ELECTIE_RESTART_VOTES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(3_000_000);
    let config = electie_tally::embedded::nrsr_2020().unwrap();
    let places: Vec<i64> = config.polling_places().iter().map(|p| p.id.0).collect();
    let parties: Vec<(i64, Vec<i64>)> = config
        .parties()
        .iter()
        .map(|party| {
            let candidates = party.candidates.iter().take(4).map(|c| c.id.0).collect();
            (party.id.0, candidates)
        })
        .collect();
    let installation = Installation::new(Db::Sqlite);
    std::fs::create_dir_all(installation.data_dir()).unwrap();
    let store = installation.store().await;
    let mut recount = electie_tally::count::Tally::new(&config);

    let filling = Instant::now();
    let mut writes = tokio::task::JoinSet::new();
    let batches = votes.div_ceil(BATCH);
    for b in 0..batches {
        let place = places[b % places.len()];
        let rows: Vec<VoteRow> = (0..BATCH.min(votes - b * BATCH))
            .map(|i| {
                let (party, candidates) = if i % 20 == 0 {
                    (None, Vec::new())
                } else {
                    let (party, list) = &parties[(i * 7 + b) % parties.len()];
                    (Some(*party), list[..(i % 3).min(list.len())].to_vec())
                };
                recount
                    .add(
                        &config,
                        PollingPlaceId(place),
                        party.map(PartyId),
                        &candidates
                            .iter()
                            .copied()
                            .map(CandidateId)
                            .collect::<Vec<_>>(),
                    )
                    .unwrap();
                VoteRow {
                    polling_place_id: place,
                    seqno: None,
                    chain: None,
                    accepted: true,
                    reason: None,
                    token: Some(format!("restart-{b}-{i}")),
                    party_id: party,
                    candidate_ids: candidates,
                    election_id: Some("election_id".into()),
                }
            })
            .collect();
        let store = store.clone();
        writes.spawn(async move {
            store
                .write(WriteOp::Batch(BatchWrite {
                    polling_place_id: place,
                    rows,
                    sync: None,
                }))
                .await
                .unwrap();
        });
        // A few writes in flight, so the writer commits them in groups.
        while writes.len() >= 8 {
            writes.join_next().await.unwrap().unwrap();
        }
    }
    while let Some(done) = writes.join_next().await {
        done.unwrap();
    }
    store.shutdown().await;
    let database = installation.data_dir().join("electie-server.sqlite");
    let bytes = std::fs::metadata(&database).unwrap().len();
    println!(
        "filled {votes} votes in {batches} batches in {:.1} s; database {:.0} MiB",
        filling.elapsed().as_secs_f64(),
        bytes as f64 / 1_048_576.0
    );
    installation.store_admin();

    // Start: spawn until "listening on", the state rebuilt from the log.
    let started = Instant::now();
    let server = installation.start(&["--follow-interval-ms", "0"]);
    let until_listening = started.elapsed();
    let cpu = proc_cpu_seconds(server.pid());
    let peak = proc_status_kib(server.pid(), "VmHWM:");
    let resident = proc_status_kib(server.pid(), "VmRSS:");
    let rebuilt = server
        .log()
        .lines()
        .find(|line| line.contains("state rebuilt from the vote log"))
        .map(str::to_owned)
        .unwrap_or_default();
    println!(
        "restart with {votes} stored votes: listening after {:.2} s ({cpu:.2} CPU s); peak RSS {:.0} MiB, RSS {:.0} MiB\n  {rebuilt}",
        until_listening.as_secs_f64(),
        peak as f64 / 1024.0,
        resident as f64 / 1024.0
    );

    // The rebuilt tally is the recount of what was written.
    let client = client();
    let (status, answer) = get(&client, &server.url("/elastic/elections-status")).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["data"]["total_votes"], json!(votes));
    let token = server.admin_token(&client).await;
    let served: Value = client
        .post(server.url("/elastic/get-party-candidate-results"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let expected = serde_json::to_value(
        electie_server::results::parties(
            &config,
            &electie_server::results::options(
                electie_tally::embedded::nrsr_2020_coalitions(&config).unwrap(),
            ),
            &recount,
            None,
            true,
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(served, expected);
}

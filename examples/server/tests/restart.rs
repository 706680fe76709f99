//! The state rebuilt from the vote log at start.
//!
//! - `rebuilt_state_equals_a_recount_and_holds_every_token` (SQLite, and PostgreSQL
//!   when the test script gives a cluster): a log of several fold pages, batches that
//!   straddle page boundaries, rejected rows among accepted ones and tokens with the
//!   characters the page text escapes; the state loaded from it must hold a tally
//!   equal to a recount and every accepted token (rule 9), no rejected one, and a
//!   catch-up must count what is written after it exactly once.
//! - `restart_with_millions_of_stored_votes` (ignored by default; figures in the
//!   README): the log is filled through the storage layer (no HTTP, no crypto: it
//!   measures the restart, not the ingest), then `serve` is timed from spawn until it
//!   listens (the tally and the token set rebuilt from the log) and its memory and CPU
//!   time read from `/proc`. The served results must equal a recount of what was
//!   written. SQLite always, PostgreSQL too under `tests/with-postgres.sh`:
//!
//! ```text
//! cargo test --release -p electie-server --test restart -- --ignored --nocapture
//! examples/server/tests/with-postgres.sh --release --test restart -- --ignored --nocapture
//! ```
//!
//! `ELECTIE_RESTART_VOTES` (default 3 000 000) sizes it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::*;
use electie_core::{CandidateId, ElectionConfig, PartyId, PollingPlaceId};
use electie_server::state::{AppState, Settings};
use electie_server::storage::{BatchWrite, Store, VoteRow, WriteOp};
use electie_tally::count::Tally;
use serde_json::json;

/// Votes per written batch (one polling place each).
const BATCH: usize = 500;

/// Tokens with what the page text escapes or splits on, and more.
const ODD_TOKENS: [&str; 9] = [
    "a;b",
    "100%",
    "%3B",
    "%25;%",
    ",],[",
    "], ;",
    "čučoriedka ☃",
    " ",
    "",
];

/// Writes `batches` (polling place, rows) through the storage layer as gateways'
/// batches would be, and adds their accepted votes to `recount`; returns the accepted
/// (polling place, token) pairs and the rejected ones.
async fn write_batches(
    store: &Store,
    config: &ElectionConfig,
    batches: Vec<(i64, Vec<VoteRow>)>,
    recount: &mut Tally,
) -> (Vec<(i64, String)>, Vec<(i64, String)>) {
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    for (place, rows) in batches {
        for row in &rows {
            let token = (place, row.token.clone().unwrap_or_default());
            if row.accepted {
                let candidates: Vec<CandidateId> =
                    row.candidate_ids.iter().copied().map(CandidateId).collect();
                recount
                    .add(
                        config,
                        PollingPlaceId(place),
                        row.party_id.map(PartyId),
                        &candidates,
                    )
                    .unwrap();
                accepted.push(token);
            } else {
                rejected.push(token);
            }
        }
        store
            .write(WriteOp::Batch(BatchWrite {
                polling_place_id: place,
                rows,
                sync: None,
            }))
            .await
            .unwrap();
    }
    (accepted, rejected)
}

/// `count` batches from `first` on, of 1 to 1 700 votes (the fold reads 20 000 rows a
/// page: batches straddle pages), every seventh vote rejected, odd tokens among them.
fn odd_batches(config: &ElectionConfig, first: usize, count: usize) -> Vec<(i64, Vec<VoteRow>)> {
    let places = config.polling_places();
    let parties = config.parties();
    (first..first + count)
        .map(|b| {
            let place = places[(b * 37) % places.len()].id.0;
            let size = 1 + (b * 7_919) % 1_700;
            let rows = (0..size)
                .map(|i| {
                    let party = &parties[(b + i) % parties.len()];
                    let circled = (b + i) % 6;
                    let (party_id, candidate_ids) = if (b + i) % 13 == 0 {
                        (None, Vec::new())
                    } else {
                        (
                            Some(party.id.0),
                            party
                                .candidates
                                .iter()
                                .take(circled)
                                .map(|c| c.id.0)
                                .collect(),
                        )
                    };
                    let token = match ODD_TOKENS.get(i) {
                        Some(odd) => format!("{odd}{b}"),
                        None => format!("t-{b}-{i}"),
                    };
                    VoteRow {
                        polling_place_id: place,
                        seqno: None,
                        chain: None,
                        accepted: i % 7 != 3,
                        reason: (i % 7 == 3).then(|| "Duplicate tokens in the batch".into()),
                        token: Some(token),
                        party_id,
                        candidate_ids,
                        election_id: Some("election_id".into()),
                    }
                })
                .collect();
            (place, rows)
        })
        .collect()
}

/// PostgreSQL: whether the planner has statistics of the vote log.
async fn log_statistics(db: &Db) -> Option<bool> {
    use sqlx::{Connection, Row};
    let Db::Postgres(url) = db else { return None };
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    let rows: i64 = sqlx::query(
        "SELECT COUNT(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'votes'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap()
    .get(0);
    Some(rows > 0)
}

fn assert_state(
    state: &AppState,
    recount: &Tally,
    accepted: &[(i64, String)],
    rejected: &[(i64, String)],
) {
    assert_eq!(state.tally_fault(), None);
    state.with_tally(|tally| assert!(tally == recount, "the tally differs from a recount"));
    state.with_stored_tokens(|tokens| {
        for (place, token) in accepted {
            assert!(
                tokens.contains(PollingPlaceId(*place), token),
                "accepted token {token:?} of {place} not loaded"
            );
        }
        for (place, token) in rejected {
            assert!(
                !tokens.contains(PollingPlaceId(*place), token),
                "rejected token {token:?} of {place} loaded"
            );
        }
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn rebuilt_state_equals_a_recount_and_holds_every_token() {
    let config = Arc::new(electie_tally::embedded::nrsr_2020().unwrap());
    for db in Db::all().await {
        let installation = Installation::new(db);
        std::fs::create_dir_all(installation.data_dir()).unwrap();
        let store = installation.store().await;
        let mut recount = Tally::new(&config);
        let (mut accepted, mut rejected) =
            write_batches(&store, &config, odd_batches(&config, 0, 60), &mut recount).await;
        assert!(
            accepted.len() > 40_000,
            "{} votes: fewer than 3 pages",
            accepted.len()
        );
        let statistics_before = log_statistics(&installation.db).await;
        let state = AppState::load(
            Arc::clone(&config),
            electie_tally::embedded::nrsr_2020_coalitions(&config).unwrap(),
            store.clone(),
            Settings {
                max_batch: 2_000,
                feed_batch_size: 1_000,
                feed_until: None,
            },
            1,
        )
        .await
        .unwrap();
        assert_state(&state, &recount, &accepted, &rejected);
        // PostgreSQL: the load analyzed the log that had no statistics (unless
        // autovacuum came first).
        if statistics_before == Some(false) {
            assert_eq!(log_statistics(&installation.db).await, Some(true));
        }

        // Batches another instance writes: the catch-up counts them once.
        let (more_accepted, more_rejected) =
            write_batches(&store, &config, odd_batches(&config, 60, 25), &mut recount).await;
        accepted.extend(more_accepted);
        rejected.extend(more_rejected);
        state.catch_up().await.unwrap();
        assert_state(&state, &recount, &accepted, &rejected);
        state.catch_up().await.unwrap();
        assert_state(&state, &recount, &accepted, &rejected);
        store.shutdown().await;
    }
}

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
    for db in Db::all().await {
        restart_with(db, votes).await;
    }
}

async fn restart_with(db: Db, votes: usize) {
    let kind = db.name();
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
    let installation = Installation::new(db);
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
    let bytes = match &installation.db {
        Db::Sqlite => {
            let database = installation.data_dir().join("electie-server.sqlite");
            std::fs::metadata(&database).unwrap().len()
        }
        Db::Postgres(url) => {
            use sqlx::{Connection, Row};
            let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
            let size: i64 = sqlx::query("SELECT pg_database_size(current_database())")
                .fetch_one(&mut conn)
                .await
                .unwrap()
                .get(0);
            u64::try_from(size).unwrap()
        }
    };
    println!(
        "{kind}: filled {votes} votes in {batches} batches in {:.1} s; database {:.0} MiB",
        filling.elapsed().as_secs_f64(),
        bytes as f64 / 1_048_576.0
    );
    installation.store_admin();

    // Start: spawn until "listening on", the state rebuilt from the log. Twice: the
    // first start reads a log just written (on PostgreSQL without statistics yet: the
    // server analyzes it first); before the second, PostgreSQL's vote log is vacuumed
    // as autovacuum does on a database that has been taking votes for a while.
    for start in ["first start after the fill", "second start"] {
        if let (Db::Postgres(url), "second start") = (&installation.db, start) {
            use sqlx::Connection;
            let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
            let vacuum = Instant::now();
            sqlx::query("VACUUM ANALYZE votes")
                .execute(&mut conn)
                .await
                .unwrap();
            println!(
                "{kind}: VACUUM ANALYZE votes in {:.1} s",
                vacuum.elapsed().as_secs_f64()
            );
        }
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
            "{kind}: restart with {votes} stored votes, {start}: listening after {:.2} s ({cpu:.2} CPU s); peak RSS {:.0} MiB, RSS {:.0} MiB\n  {rebuilt}",
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
        assert_eq!(
            server.party_candidate_results(&client, &token).await,
            expected_party_candidate_results(&config, &recount)
        );
    }
}

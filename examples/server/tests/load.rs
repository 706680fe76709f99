//! The load run (ignored by default; see the README for the command): simulated
//! gateways send sealed batches over loopback HTTP, and in the same run the library's
//! batch-open rate is measured on the same votes and the same number of threads.
//!
//! ```text
//! cargo test --release -p electie-server --test load -- --ignored --nocapture
//! ```
//!
//! `ELECTIE_LOAD_VOTES` (default 12000: about two seconds of load, so that the start,
//! when each polling place's keys are read and the connections are opened, weighs
//! little in a sustained rate), `ELECTIE_LOAD_GATEWAYS` (default 12) and
//! `ELECTIE_LOAD_ROUNDS` (default 3) size it, `ELECTIE_LOAD_BATCHES` (default `10,100`)
//! names the batch sizes; with `ELECTIE_TEST_POSTGRES_URL` set it
//! also runs on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use electie_crypto::{Backend, Opener, Sealed};
use electie_test_support::cpu_seconds;
use serde_json::Value;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(default)
}

/// The batch sizes to run, from `ELECTIE_LOAD_BATCHES` (comma-separated).
fn batch_sizes() -> Vec<usize> {
    let text = std::env::var("ELECTIE_LOAD_BATCHES").unwrap_or_else(|_| "10,100".into());
    text.split(',')
        .map(|size| {
            size.trim()
                .parse()
                .unwrap_or_else(|_| panic!("ELECTIE_LOAD_BATCHES: {size:?} is not a batch size"))
        })
        .collect()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * fraction).round() as usize]
}

struct Round {
    server_rate: f64,
    open_rate: f64,
    p50: Duration,
    p99: Duration,
    errors: usize,
    /// Accepted votes per CPU second of the server process (load-independent).
    per_cpu_second: f64,
    /// The library's opens per CPU second of the opening threads.
    open_per_cpu_second: f64,
    /// The library's opens, one pool job a batch from one task a gateway.
    dispatched_rate: f64,
    /// The same per CPU second.
    dispatched_per_cpu_second: f64,
}

async fn one_round(
    db: Db,
    votes: usize,
    gateways: usize,
    batch_size: usize,
    round: usize,
) -> Round {
    let places: Vec<i64> = (0..gateways as i64).map(|g| 200 + g).collect();
    let installation = Installation::new(db);
    installation.seed_keys(&places).await;
    let keys = TestKeys::load();
    let sealer = keys.sealer();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);

    // Sealed before the clock starts.
    let per_gateway = votes / gateways;
    let mut plans = Vec::new();
    let mut all_sealed: Vec<Sealed> = Vec::new();
    for &place in &places {
        let mut position = genesis(place);
        let mut bodies = Vec::new();
        let ballots: Vec<_> = (0..per_gateway)
            .map(|i| {
                vote(
                    Some((i % 25) as i64),
                    &[],
                    &format!("load-{round}-{place}-{i}"),
                )
            })
            .collect();
        for chunk in ballots.chunks(batch_size) {
            let body = sync_batch(place, &sealer, chunk, &mut position);
            for sealed in body["votes"].as_array().unwrap() {
                all_sealed.push(Sealed {
                    encrypted_message: sealed["encrypted_message"].as_str().unwrap().to_owned(),
                    encrypted_object: sealed["encrypted_object"].as_str().unwrap().to_owned(),
                });
            }
            bodies.push(serde_json::to_vec(&body).unwrap());
        }
        plans.push(bodies);
    }

    // The library's batch-open rate on the same votes and threads.
    let opener =
        Opener::with_backend(&keys.server, &keys.gateway.public_key(), Backend::fastest()).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let started = Instant::now();
    let own_cpu = cpu_seconds(std::process::id());
    let opened = pool.install(|| opener.open_batch(&all_sealed));
    let open_rate = opened.len() as f64 / started.elapsed().as_secs_f64();
    let open_per_cpu_second = opened.len() as f64 / (cpu_seconds(std::process::id()) - own_cpu);
    assert!(opened.iter().all(Result::is_ok));

    // The same opens the way the server dispatches them: one pool job a batch, from one
    // task a gateway, nothing else (no HTTP, no database).
    let opener = std::sync::Arc::new(opener);
    let pool = std::sync::Arc::new(pool);
    let own_cpu = cpu_seconds(std::process::id());
    let started = Instant::now();
    let dispatchers: Vec<_> = all_sealed
        .chunks(per_gateway)
        .map(|gateway_votes| {
            let batches: Vec<Vec<Sealed>> = gateway_votes
                .chunks(batch_size)
                .map(<[Sealed]>::to_vec)
                .collect();
            let opener = std::sync::Arc::clone(&opener);
            let pool = std::sync::Arc::clone(&pool);
            tokio::spawn(async move {
                let mut opened = 0;
                for batch in batches {
                    let (reply, answer) = tokio::sync::oneshot::channel();
                    let opener = std::sync::Arc::clone(&opener);
                    pool.spawn(move || {
                        let _ = reply.send(opener.open_batch(&batch).len());
                    });
                    opened += answer.await.unwrap();
                }
                opened
            })
        })
        .collect();
    let mut dispatched = 0;
    for dispatcher in dispatchers {
        dispatched += dispatcher.await.unwrap();
    }
    let dispatched_rate = dispatched as f64 / started.elapsed().as_secs_f64();
    let dispatched_per_cpu_second = dispatched as f64 / (cpu_seconds(std::process::id()) - own_cpu);

    let server = installation.start(&[]);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let server_cpu = cpu_seconds(server.pid());
    let started = Instant::now();
    let tasks: Vec<_> = plans
        .into_iter()
        .map(|bodies| {
            let client = client.clone();
            let url = server.url("/elections/vote");
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0;
                let mut accepted_votes = 0;
                for body in bodies {
                    let sent = Instant::now();
                    let response = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await;
                    match response {
                        Ok(response) if response.status() == 200 => {
                            let _: Value = response.json().await.unwrap();
                            accepted_votes += 1;
                        }
                        _ => errors += 1,
                    }
                    latencies.push(sent.elapsed());
                }
                (latencies, errors, accepted_votes)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (mut task_latencies, task_errors, _) = task.await.unwrap();
        latencies.append(&mut task_latencies);
        errors += task_errors;
    }
    let elapsed = started.elapsed();
    let server_cpu = cpu_seconds(server.pid()) - server_cpu;
    latencies.sort();
    let stored = accepted_rows_total(&installation).await;
    Round {
        server_rate: stored as f64 / elapsed.as_secs_f64(),
        open_rate,
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
        errors,
        per_cpu_second: stored as f64 / server_cpu,
        open_per_cpu_second,
        dispatched_rate,
        dispatched_per_cpu_second,
    }
}

async fn accepted_rows_total(installation: &Installation) -> usize {
    log_rows(installation)
        .await
        .iter()
        .filter(|row| row.accepted)
        .count()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a load run: cargo test --release -p electie-server --test load -- --ignored --nocapture"]
async fn load_run_against_the_library_open_rate() {
    let votes = env_usize("ELECTIE_LOAD_VOTES", 12000);
    let gateways = env_usize("ELECTIE_LOAD_GATEWAYS", 12);
    let rounds = env_usize("ELECTIE_LOAD_ROUNDS", 3);
    let mut databases = vec![Db::Sqlite];
    if std::env::var(POSTGRES_ENV).is_ok() {
        databases.push(Db::postgres().await.unwrap());
    }
    for db in databases {
        for batch_size in batch_sizes() {
            let mut server_rates = Vec::new();
            let mut open_rates = Vec::new();
            let mut p50s = Vec::new();
            let mut p99s = Vec::new();
            let mut errors = 0;
            for round in 0..rounds {
                let db = match &db {
                    Db::Sqlite => Db::Sqlite,
                    Db::Postgres(_) => Db::postgres().await.unwrap(),
                };
                let result = one_round(db, votes, gateways, batch_size, round).await;
                println!(
                    "  round {round}: server {:.0} votes/s, library open {:.0} votes/s, p50 {:.1} ms, p99 {:.1} ms, errors {}; per CPU second: server {:.0} votes, library {:.0} opens; library by batch {:.0} votes/s, {:.0} per CPU second",
                    result.server_rate,
                    result.open_rate,
                    result.p50.as_secs_f64() * 1000.0,
                    result.p99.as_secs_f64() * 1000.0,
                    result.errors,
                    result.per_cpu_second,
                    result.open_per_cpu_second,
                    result.dispatched_rate,
                    result.dispatched_per_cpu_second
                );
                server_rates.push(result.server_rate);
                open_rates.push(result.open_rate);
                p50s.push(result.p50.as_secs_f64() * 1000.0);
                p99s.push(result.p99.as_secs_f64() * 1000.0);
                errors += result.errors;
            }
            let server = median(&mut server_rates);
            let open = median(&mut open_rates);
            println!(
                "{} batches of {batch_size}, {votes} votes from {gateways} gateways, medians of {rounds}: server {server:.0} votes/s, library open {open:.0} votes/s, ratio {:.2}, p50 {:.1} ms, p99 {:.1} ms, errors {errors}",
                db.name(),
                server / open,
                median(&mut p50s),
                median(&mut p99s),
            );
            assert_eq!(errors, 0, "no error under the bounded load");
        }
    }
}

//! Two server instances on one database, gateways split across them: nothing counted
//! twice, and both answer the same results, equal to a recount of what was sent.
//!
//! Six simulated gateways (one polling place each; half in verdict mode with invalid
//! votes among valid ones) send batches of 10 with sync fields, three to each
//! instance. After an acknowledged batch a gateway now and then sends it again to the
//! *other* instance (a failover after a lost response): answered as the first time,
//! stored once. Then, on every polling place: a batch without sync fields repeating a
//! stored token, sent to the instance that did not store it; the same token sent to
//! both instances at once; a close through the other instance, and a batch after the
//! close. The instances run with `--follow-interval-ms 0`, so what one knows of the
//! other's tokens comes only from catching up on a rule-9 conflict in the database.
//! Last, results are published through one instance and read from both.
//!
//! PostgreSQL when `ELECTIE_TEST_POSTGRES_URL` is set (`tests/with-postgres.sh`), and
//! SQLite always (two processes on one database file). `ELECTIE_INSTANCES_SEED=N`
//! replays a run; the seed is printed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use electie_core::{PollingPlaceId, Vote};
use electie_test_support::{publish_server_results, server_admin_token};
use serde_json::{Value, json};

const BATCH: usize = 10;
const BATCHES: usize = 8;
const DUPLICATE: &str = "Duplicate combination of token and polling place id";

/// Party 99 does not exist in NR SR 2020: a vote the server refuses (rule 8).
const NO_SUCH_PARTY: i64 = 99;

fn gateway_votes(place: i64, with_invalid: bool, rng: &mut Rng) -> Vec<Vote> {
    (0..BATCH * BATCHES)
        .map(|index| {
            let token = format!("mi-{place}-{index}");
            match rng.below(6) {
                0 => vote(None, &[], &token),
                1 => vote(Some(10), &[1075, 1076][..rng.below(3) as usize], &token),
                2 if with_invalid => vote(Some(NO_SUCH_PARTY), &[], &token),
                _ => vote(Some(rng.below(25) as i64), &[], &token),
            }
        })
        .collect()
}

fn counts(vote: &Vote) -> bool {
    vote.party_id.map(|party| party.0) != Some(NO_SUCH_PARTY)
}

struct Gateway {
    place: i64,
    /// The instance it sends to (0 or 1).
    home: usize,
    verdicts: bool,
    votes: Vec<Vote>,
    bodies: Vec<Value>,
    position: electie_core::sync::ChainPosition,
}

fn vote_path(verdicts: bool) -> &'static str {
    if verdicts {
        "/elections/vote?mode=verdicts"
    } else {
        "/elections/vote"
    }
}

/// Sends a gateway's batches to its instance; after some, the same batch again to
/// the other instance. Returns how many failovers were answered.
async fn run_gateway(gateway: &Gateway, bases: [String; 2], seed: u64) -> usize {
    let client = client();
    let mut rng = Rng(seed | 1);
    let path = vote_path(gateway.verdicts);
    let mut failovers = 0;
    for (index, body) in gateway.bodies.iter().enumerate() {
        let home = format!("{}{path}", bases[gateway.home]);
        let (status, answer) = post(&client, &home, body).await;
        assert_eq!(
            status, 200,
            "place {} batch {index}: {answer}",
            gateway.place
        );
        if gateway.verdicts {
            let verdicts = answer["verdicts"].as_array().unwrap();
            for (offset, verdict) in verdicts.iter().enumerate() {
                let vote = &gateway.votes[index * BATCH + offset];
                assert_eq!(verdict["accepted"], json!(counts(vote)), "{verdict}");
                assert_eq!(verdict["seqno"], json!(index * BATCH + offset + 1));
            }
        } else {
            assert_eq!(answer, accepted());
        }
        if rng.below(3) == 0 {
            let other = format!("{}{path}", bases[1 - gateway.home]);
            assert_eq!(
                post(&client, &other, body).await,
                (200, answer),
                "place {}: a failover resend is answered as the first time",
                gateway.place
            );
            failovers += 1;
        }
    }
    failovers
}

/// Every results view of `base`, status and body (a view may answer an undecided tie).
async fn results_of(client: &reqwest::Client, base: &str) -> Vec<(u16, Value)> {
    let mut all = Vec::new();
    for (path, body) in [
        ("/elastic/get-party-candidate-results", json!({})),
        ("/elastic/get-parties-results", json!({})),
        ("/elastic/get-candidates-results", json!({})),
        (
            "/elastic/get-results-by-locality",
            json!({"filter_by": "region_code"}),
        ),
    ] {
        let answer = post(client, &format!("{base}{path}"), &body).await;
        assert!(matches!(answer.0, 200 | 409), "{path}: {answer:?}");
        all.push(answer);
    }
    let answer = get(client, &format!("{base}/elastic/elections-status")).await;
    assert_eq!(answer.0, 200, "{answer:?}");
    all.push(answer);
    all
}

async fn two_instances(db: Db, seed: u64) {
    let name = db.name();
    let mut rng = Rng(seed | 1);
    let places: Vec<i64> = (200..206).collect();
    let installation = Installation::new(db);
    installation.seed_keys(&places).await;
    installation.store_admin();
    let sealer = TestKeys::load().sealer();
    let client = client();

    // Sealed before the instances start.
    let mut gateways: Vec<Gateway> = places
        .iter()
        .enumerate()
        .map(|(index, &place)| {
            let verdicts = index % 2 == 1;
            let votes = gateway_votes(place, verdicts, &mut rng);
            let mut position = genesis(place);
            let bodies = votes
                .chunks(BATCH)
                .map(|chunk| sync_batch(place, &sealer, chunk, &mut position))
                .collect();
            Gateway {
                place,
                home: (index / 2) % 2,
                verdicts,
                votes,
                bodies,
                position,
            }
        })
        .collect();
    // Homes: 200, 201 → instance 0; 202, 203 → 1; 204, 205 → 0 (both modes on both).
    let follow = ["--follow-interval-ms", "0"];
    let servers = [installation.start(&follow), installation.start(&follow)];
    let bases = [servers[0].base.clone(), servers[1].base.clone()];

    let seeds: Vec<u64> = gateways.iter().map(|_| rng.next()).collect();
    let runs = gateways
        .iter()
        .zip(&seeds)
        .map(|(gateway, &seed)| run_gateway(gateway, bases.clone(), seed));
    let failovers: usize = futures_util::future::join_all(runs).await.into_iter().sum();
    println!("{name}: {failovers} failover resends answered as the first time");

    // What the server must count: every vote sent that is valid.
    let config = electie_tally::embedded::nrsr_2020().unwrap();
    let mut recount = electie_tally::count::Tally::new(&config);
    let mut count = |place: i64, vote: &Vote| {
        recount
            .add(
                &config,
                PollingPlaceId(place),
                vote.party_id,
                &vote.candidate_ids,
            )
            .unwrap();
    };
    for gateway in &gateways {
        for vote in gateway.votes.iter().filter(|vote| counts(vote)) {
            count(gateway.place, vote);
        }
    }

    for gateway in &mut gateways {
        let place = gateway.place;
        let other = &bases[1 - gateway.home];
        // A token stored through one instance, repeated through the other (which has
        // not followed the log): refused as a single instance refuses it.
        let repeated = gateway
            .votes
            .iter()
            .find(|vote| counts(vote))
            .unwrap()
            .token
            .clone();
        let fresh = vote(Some(4), &[], &format!("mi-{place}-fresh"));
        let body = batch(
            place,
            &[
                seal(&sealer, &fresh),
                seal(&sealer, &vote(Some(5), &[], &repeated)),
            ],
        );
        let (status, answer) = post(&client, &format!("{other}/elections/vote"), &body).await;
        assert_eq!(
            (status, answer),
            (400, rejected(DUPLICATE)),
            "{name} {place}"
        );
        let (status, answer) = post(
            &client,
            &format!("{other}/elections/vote?mode=verdicts"),
            &body,
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(
            answer["verdicts"],
            json!([
                {"seqno": null, "accepted": true},
                {"seqno": null, "accepted": false, "message": DUPLICATE},
            ]),
            "{name} {place}"
        );
        count(place, &fresh);

        // One token through both instances at once: exactly one counts.
        let token = format!("mi-{place}-race");
        let ballots = [vote(Some(7), &[], &token), vote(None, &[], &token)];
        let bodies: Vec<Value> = ballots
            .iter()
            .map(|ballot| batch(place, &[seal(&sealer, ballot)]))
            .collect();
        let urls = bases.clone().map(|base| format!("{base}/elections/vote"));
        let (first, second) = tokio::join!(
            post(&client, &urls[0], &bodies[0]),
            post(&client, &urls[1], &bodies[1]),
        );
        let winners: Vec<usize> = [&first, &second]
            .iter()
            .enumerate()
            .filter(|(_, answer)| answer.0 == 200)
            .map(|(index, _)| index)
            .collect();
        assert_eq!(winners.len(), 1, "{name} {place}: {first:?} {second:?}");
        let loser = if winners[0] == 0 { &second } else { &first };
        assert_eq!(*loser, (400, rejected(DUPLICATE)), "{name} {place}");
        count(place, &ballots[winners[0]]);

        // Closed through the other instance; the home instance then refuses votes.
        let (status, answer) = post(
            &client,
            &format!("{other}/elections/polling-places/{place}/close"),
            &close_body(
                &sealer,
                place,
                gateway.position.last_seqno,
                &gateway.position.chain_head.to_string(),
                "2026-12-01T20:00:00Z",
            ),
        )
        .await;
        assert_eq!(status, 200, "{name} {place}: {answer}");
        let late = batch(
            place,
            &[seal(
                &sealer,
                &vote(Some(1), &[], &format!("mi-{place}-late")),
            )],
        );
        let home = &bases[gateway.home];
        assert_eq!(
            post(&client, &format!("{home}/elections/vote"), &late).await,
            (409, rejected("Polling place is closed")),
            "{name} {place}"
        );
    }

    // Every token once per polling place in the log.
    let rows = log_rows(&installation).await;
    let mut tokens: Vec<(i64, &str)> = rows
        .iter()
        .filter(|row| row.accepted)
        .map(|row| (row.polling_place_id, row.token.as_deref().unwrap()))
        .collect();
    let stored = tokens.len();
    tokens.sort_unstable();
    tokens.dedup();
    assert_eq!(tokens.len(), stored, "{name}: a token counted twice");
    assert_eq!(stored as u64, recount.total_votes(), "{name}");

    // Published through instance 0, read from both without a token.
    let token = server_admin_token(&client, &bases[0], "admin", ADMIN_PASSWORD).await;
    publish_server_results(&client, &bases[0], &token).await;
    let first = results_of(&client, &bases[0]).await;
    let second = results_of(&client, &bases[1]).await;
    assert_eq!(
        first, second,
        "{name}: the instances answer different results"
    );
    let expected = expected_party_candidate_results(&config, &recount);
    assert_eq!(
        first[0], expected,
        "{name}: results differ from the recount"
    );
    assert_eq!(
        first[4].1["data"]["total_votes"],
        json!(recount.total_votes()),
        "{name}"
    );
    println!(
        "{name}: {} votes counted, identical results from both instances",
        recount.total_votes()
    );
}

#[tokio::test]
async fn two_instances_on_one_database_count_each_vote_once_and_agree() {
    let seed = electie_test_support::seed("ELECTIE_INSTANCES_SEED");
    println!("instances test seed: {seed} (ELECTIE_INSTANCES_SEED={seed} replays it)");
    for db in Db::all().await {
        tokio::time::timeout(Duration::from_secs(600), two_instances(db, seed))
            .await
            .expect("the run finishes");
    }
}

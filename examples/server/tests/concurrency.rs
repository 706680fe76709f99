//! Two batches racing with the same (token, polling place): exactly one vote stored,
//! in both modes, on SQLite and (when given) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

async fn racing_batches(db: Db) {
    let installation = Installation::new(db.clone());
    installation.seed_keys(&[7]).await;
    let server = installation.start(&[]);
    let client = client();
    let sealer = TestKeys::load().sealer();
    let rounds = 12;
    for round in 0..rounds {
        let token = format!("race-{round}");
        // Different ballots, the same token: whichever commits first wins.
        let a = batch(7, &[seal(&sealer, &vote(Some(10), &[1075], &token))]);
        let b = batch(7, &[seal(&sealer, &vote(Some(3), &[], &token))]);
        let url = if round % 2 == 0 {
            server.url("/elections/vote")
        } else {
            server.url("/elections/vote?mode=verdicts")
        };
        let (first, second) = tokio::join!(post(&client, &url, &a), post(&client, &url, &b));
        let answers = [first, second];
        if round % 2 == 0 {
            let ok = answers.iter().filter(|(status, _)| *status == 200).count();
            assert_eq!(ok, 1, "{} round {round}: {answers:?}", db.name());
            assert!(answers.iter().any(|answer| *answer
                == (
                    400,
                    rejected("Duplicate combination of token and polling place id")
                )));
        } else {
            let accepted: usize = answers
                .iter()
                .map(|(_, body)| {
                    body["verdicts"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|v| v["accepted"] == true)
                        .count()
                })
                .sum();
            assert_eq!(accepted, 1, "{} round {round}: {answers:?}", db.name());
        }
    }
    let rows = log_rows(&installation).await;
    for round in 0..rounds {
        let token = format!("race-{round}");
        let stored = rows
            .iter()
            .filter(|row| row.accepted && row.token.as_deref() == Some(token.as_str()))
            .count();
        assert_eq!(stored, 1, "{} token {token}", db.name());
    }
}

#[tokio::test]
async fn racing_batches_store_one_vote_on_every_database() {
    for db in Db::all().await {
        racing_batches(db).await;
    }
}

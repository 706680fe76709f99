//! The group writer on both databases: writes queued together commit together, a write
//! that fails is refused alone with nothing of it stored, and the others keep their
//! log positions in order with none skipped; both for groups written one write after
//! another and for groups of continuing batches written together.
//!
//! The test runs on tokio's single-threaded runtime, so every write of a `join!` is
//! queued before the writer task runs and they form one group.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use electie_server::storage::{
    BatchWrite, Store, StoreError, SyncAdvance, VoteRow, WriteOp, WriteReply,
};

/// A batch of accepted votes continuing `place`'s sync state at `from` (chain heads
/// are opaque text to the storage layer).
fn batch(place: i64, from: i64, tokens: &[&str]) -> WriteOp {
    let rows: Vec<VoteRow> = tokens
        .iter()
        .zip(from + 1..)
        .map(|(token, seqno)| VoteRow {
            polling_place_id: place,
            seqno: Some(seqno),
            chain: Some(format!("chain-{place}-{seqno}")),
            accepted: true,
            reason: None,
            token: Some((*token).to_owned()),
            party_id: Some(3),
            candidate_ids: vec![],
            election_id: Some("test".to_owned()),
        })
        .collect();
    let last_seqno = from + rows.len() as i64;
    WriteOp::Batch(BatchWrite {
        polling_place_id: place,
        rows,
        sync: Some(SyncAdvance {
            from_last_seqno: from,
            last_seqno,
            chain_head: format!("chain-{place}-{last_seqno}"),
        }),
    })
}

fn position(reply: &Result<WriteReply, StoreError>) -> i64 {
    match reply {
        Ok(WriteReply::Logged { position }) => *position,
        other => panic!("expected a logged batch, got {other:?}"),
    }
}

fn conflict(reply: &Result<WriteReply, StoreError>) -> &'static str {
    match reply {
        Err(StoreError::Conflict(what)) => what,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

async fn tokens_stored(store: &Store) -> Vec<(i64, i64, String)> {
    let mut rows: Vec<_> = store
        .vote_log()
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.polling_place_id, row.seqno.unwrap(), row.token.unwrap()))
        .collect();
    rows.sort();
    rows
}

async fn one_failure_refused_alone(db: Db) {
    let name = db.name();
    let installation = Installation::new(db);
    installation.seed_keys(&[]).await;
    let store = installation.store().await;

    // A group that goes straight through.
    let (a, b) = tokio::join!(
        store.write(batch(1, 0, &["a1", "a2"])),
        store.write(batch(2, 0, &["b1"]))
    );
    assert_eq!((position(&a), position(&b)), (1, 2), "{name}");

    // A group with two refusals among three good writes.
    let (good_a, duplicate_b, good_c, early_a, good_b) = tokio::join!(
        store.write(batch(1, 2, &["a3"])),
        // (b1, place 2) is stored already: refused by the unique index after the sync
        // state moved, which must move back.
        store.write(batch(2, 1, &["b2", "b1"])),
        store.write(batch(3, 0, &["c1"])),
        // Place 1 is at seqno 3 once the first write of the group commits.
        store.write(batch(1, 5, &["a6"])),
        store.write(batch(2, 1, &["b2"])),
    );
    assert_eq!(
        (position(&good_a), position(&good_c), position(&good_b)),
        (3, 4, 5),
        "{name}: the refused writes give their positions back"
    );
    assert_eq!(
        conflict(&duplicate_b),
        "Duplicate combination of token and polling place id",
        "{name}"
    );
    assert_eq!(conflict(&early_a), "Out of sequence", "{name}");

    // Groups of batches that all continue their sync states are written together:
    // all fine; one out of sequence; one with a stored token.
    let (a4, c23) = tokio::join!(
        store.write(batch(1, 3, &["a4"])),
        store.write(batch(3, 1, &["c2", "c3"])),
    );
    assert_eq!((position(&a4), position(&c23)), (6, 7), "{name}");
    let (b3, c_early) = tokio::join!(
        store.write(batch(2, 2, &["b3"])),
        store.write(batch(3, 9, &["c10"])),
    );
    assert_eq!(position(&b3), 8, "{name}");
    assert_eq!(conflict(&c_early), "Out of sequence", "{name}");
    let (a5, b_duplicate) = tokio::join!(
        store.write(batch(1, 4, &["a5"])),
        store.write(batch(2, 3, &["b4", "b2"])),
    );
    assert_eq!(position(&a5), 9, "{name}");
    assert_eq!(
        conflict(&b_duplicate),
        "Duplicate combination of token and polling place id",
        "{name}"
    );

    assert_eq!(store.log_head().await.unwrap(), 9, "{name}");
    let stored = tokens_stored(&store).await;
    let expected: Vec<(i64, i64, String)> = [
        (1, 1, "a1"),
        (1, 2, "a2"),
        (1, 3, "a3"),
        (1, 4, "a4"),
        (1, 5, "a5"),
        (2, 1, "b1"),
        (2, 2, "b2"),
        (2, 3, "b3"),
        (3, 1, "c1"),
        (3, 2, "c2"),
        (3, 3, "c3"),
    ]
    .iter()
    .map(|(place, seqno, token)| (*place, *seqno, (*token).to_owned()))
    .collect();
    assert_eq!(stored, expected, "{name}");
    for (place, last) in [(1, 5), (2, 3), (3, 3)] {
        let state = store.sync_state(place).await.unwrap().unwrap();
        assert_eq!(state.last_seqno, last, "{name}: place {place}");
        assert_eq!(state.chain_head, format!("chain-{place}-{last}"), "{name}");
    }
    // Every stored row carries its batch's position.
    let ballots = store.logged_page((0, 0), 9, 100).await.unwrap();
    let positions: Vec<(i64, String)> = ballots
        .iter()
        .map(|ballot| (ballot.log_position, ballot.token.to_owned()))
        .collect();
    assert_eq!(
        positions,
        [
            (1, "a1"),
            (1, "a2"),
            (2, "b1"),
            (3, "a3"),
            (4, "c1"),
            (5, "b2"),
            (6, "a4"),
            (7, "c2"),
            (7, "c3"),
            (8, "b3"),
            (9, "a5"),
        ]
        .iter()
        .map(|(position, token)| (*position, (*token).to_owned()))
        .collect::<Vec<_>>(),
        "{name}"
    );
    store.shutdown().await;
}

#[tokio::test]
async fn a_failing_write_is_refused_alone_and_the_group_commits() {
    for db in Db::all().await {
        one_failure_refused_alone(db).await;
    }
}

/// PostgreSQL: the writer keeps one connection; when the database drops it, the group
/// that finds out is refused whole (nothing of it stored) and the next group runs on a
/// new connection.
#[tokio::test]
async fn a_lost_postgres_connection_is_replaced() {
    use sqlx::{Connection, Executor};
    let Some(db) = Db::postgres().await else {
        return;
    };
    let Db::Postgres(url) = db.clone() else {
        unreachable!("Db::postgres gives a PostgreSQL database")
    };
    let installation = Installation::new(db);
    installation.seed_keys(&[]).await;
    let store = installation.store().await;
    assert_eq!(position(&store.write(batch(1, 0, &["a1"])).await), 1);

    let mut other = sqlx::AnyConnection::connect(&url).await.unwrap();
    let ended = other
        .fetch_all("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        .await
        .unwrap();
    assert!(
        !ended.is_empty(),
        "the writer's connection was there to end"
    );

    // The first write after may be refused (its group found the connection gone);
    // it is then stored nowhere and the gateway sends it again.
    let first = store.write(batch(1, 1, &["a2"])).await;
    let again = match first {
        Ok(reply) => Ok(reply),
        Err(StoreError::Setup(_)) => store.write(batch(1, 1, &["a2"])).await,
        Err(other) => panic!("unexpected refusal {other:?}"),
    };
    assert_eq!(position(&again), 2);
    assert_eq!(store.log_head().await.unwrap(), 2);
    assert_eq!(tokens_stored(&store).await.len(), 2);
    store.shutdown().await;
}

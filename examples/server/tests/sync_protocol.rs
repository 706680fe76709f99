//! The sync protocol of spec 41 §2 (sequence numbers, hash chain, resends, verdicts),
//! the close of §3 and the ballot feed, on SQLite and (when given) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;

async fn sync_protocol(db: Db) {
    let place = 5;
    let installation = Installation::new(db.clone());
    installation.seed_keys(&[place]).await;
    let server = installation.start(&[]);
    let client = client();
    let sealer = TestKeys::load().sealer();
    let vote_url = server.url("/elections/vote");
    let verdicts_url = server.url("/elections/vote?mode=verdicts");
    let state_url = server.url(&format!("/elections/sync-state?polling_place_id={place}"));
    let mut position = genesis(place);

    let (status, state) = get(&client, &state_url).await;
    assert_eq!(status, 200);
    assert_eq!(
        state,
        json!({"polling_place_id": place, "last_seqno": 0, "chain_head": position.chain_head.to_string(), "closed": false})
    );

    // 1..=3, all valid.
    let first = [
        vote(Some(10), &[1075], "s-1"),
        vote(None, &[], "s-2"),
        vote(Some(3), &[], "s-3"),
    ];
    let body = sync_batch(place, &sealer, &first, &mut position);
    assert_eq!(post(&client, &vote_url, &body).await, (200, accepted()));
    let (_, state) = get(&client, &state_url).await;
    assert_eq!(state["last_seqno"], 3);
    assert_eq!(state["chain_head"], position.chain_head.to_string());

    // A resend after a lost response: the same answer, nothing stored twice.
    assert_eq!(post(&client, &vote_url, &body).await, (200, accepted()));
    assert_eq!(accepted_rows(&installation, place).await, 3);

    let out_of_sequence = json!({
        "status": "failure", "message": "Out of sequence",
        "last_seqno": 3, "chain_head": position.chain_head.to_string(),
    });
    // A gap.
    let mut ahead = position;
    ahead.append(&vote(Some(1), &[], "skipped").signed_bytes());
    let gap = sync_batch(place, &sealer, &[vote(Some(1), &[], "s-5")], &mut ahead);
    assert_eq!(
        post(&client, &vote_url, &gap).await,
        (409, out_of_sequence.clone())
    );
    // A chain that does not match the votes.
    let mut wrong = position;
    let mut bogus = sync_batch(place, &sealer, &[vote(Some(1), &[], "s-4")], &mut wrong);
    bogus["chain_head"] = json!("00".repeat(32));
    assert_eq!(
        post(&client, &vote_url, &bogus).await,
        (409, out_of_sequence.clone())
    );
    // A partial overlap (3..=4).
    let mut overlap_position = genesis(place);
    overlap_position.append(&first[0].signed_bytes());
    overlap_position.append(&first[1].signed_bytes());
    let overlap = sync_batch(
        place,
        &sealer,
        &[first[2].clone(), vote(Some(1), &[], "s-4")],
        &mut overlap_position,
    );
    assert_eq!(
        post(&client, &vote_url, &overlap).await,
        (409, out_of_sequence.clone())
    );
    // A resend whose chain differs from what is stored at its last seqno.
    let mut resend = body.clone();
    resend["chain_head"] = json!("ab".repeat(32));
    assert_eq!(
        post(&client, &vote_url, &resend).await,
        (409, out_of_sequence.clone())
    );
    assert_eq!(accepted_rows(&installation, place).await, 3);

    // Verdicts: 4..=7 with two bad votes; they are recorded, keep their seqnos, and do
    // not block the votes behind them.
    let second = [
        vote(Some(10), &[1076], "s-4"),
        vote(Some(-1), &[], "s-5"),
        vote(Some(4), &[], "s-1"), // token already stored: rule 9
        vote(Some(4), &[], "s-7"),
    ];
    let body = sync_batch(place, &sealer, &second, &mut position);
    let (status, answer) = post(&client, &verdicts_url, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({
            "status": "success", "message": "Vote was successfully precessed",
            "verdicts": [
                {"seqno": 4, "accepted": true},
                {"seqno": 5, "accepted": false, "message": "Invalid party id"},
                {"seqno": 6, "accepted": false, "message": "Duplicate combination of token and polling place id"},
                {"seqno": 7, "accepted": true},
            ]
        })
    );
    // Its resend is answered identically.
    assert_eq!(post(&client, &verdicts_url, &body).await, (200, answer));
    let rows = log_rows(&installation).await;
    assert_eq!(rows.len(), 7, "every seqno recorded once");
    assert_eq!(rows.iter().filter(|row| row.accepted).count(), 5);
    let seqnos: Vec<i64> = rows.iter().filter_map(|row| row.seqno).collect();
    assert_eq!(seqnos, (1..=7).collect::<Vec<_>>());

    // A batch without sync fields behaves as the original and leaves the sync state.
    let plain = batch(place, &[seal(&sealer, &vote(Some(2), &[], "plain-1"))]);
    assert_eq!(post(&client, &vote_url, &plain).await, (200, accepted()));
    let (_, state) = get(&client, &state_url).await;
    assert_eq!(state["last_seqno"], 7);

    // Close: a close that does not match the stored chain is refused.
    let close_url = server.url(&format!("/elections/polling-places/{place}/close"));
    let head = position.chain_head.to_string();
    let (status, answer) = post(
        &client,
        &close_url,
        &close_body(&sealer, place, 6, &head, "2026-12-01T20:00:00Z"),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    let (status, closed) = post(
        &client,
        &close_url,
        &close_body(&sealer, place, 7, &head, "2026-12-01T20:00:00Z"),
    )
    .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["last_seqno"], 7);
    assert_eq!(closed["chain_head"], head);
    // The same close again (another closed_at): the same answer.
    assert_eq!(
        post(
            &client,
            &close_url,
            &close_body(&sealer, place, 7, &head, "2026-12-01T20:05:00Z")
        )
        .await,
        (200, closed)
    );
    // A different one after the close: 409.
    let (status, _) = post(
        &client,
        &close_url,
        &close_body(&sealer, place, 8, &head, "2026-12-01T20:05:00Z"),
    )
    .await;
    assert_eq!(status, 409);
    // Votes for a closed polling place: 409.
    let late = batch(place, &[seal(&sealer, &vote(Some(2), &[], "late"))]);
    assert_eq!(
        post(&client, &vote_url, &late).await,
        (409, rejected("Polling place is closed"))
    );
    let (_, state) = get(&client, &state_url).await;
    assert_eq!(state["closed"], true);

    // The feed: the six accepted ballots, no token, no time; the same answer every time.
    let (status, elections) = get(&client, &server.url("/feed/elections")).await;
    assert_eq!(
        (status, elections),
        (200, json!({"elections": [{"name": "election_id"}]}))
    );
    let (status, last) = get(
        &client,
        &server.url("/feed/elections/election_id/lastseqno"),
    )
    .await;
    assert_eq!(
        (status, last),
        (200, json!({"electionname": "election_id", "lastseqno": 6}))
    );
    let (status, feed) = get(
        &client,
        &server.url("/feed/elections/election_id/batchfrom/1"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(feed["fromseqno"], 1);
    let ballots = feed["batch"].as_array().unwrap();
    assert_eq!(ballots.len(), 6);
    for (index, ballot) in ballots.iter().enumerate() {
        assert_eq!(ballot["seqno"], json!(index + 1));
        assert_eq!(
            ballot.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["seqno", "polling_place_id", "party_id", "candidate_ids"]
        );
    }
    assert_eq!(
        get(
            &client,
            &server.url("/feed/elections/election_id/batchfrom/1")
        )
        .await
        .1,
        feed
    );
    let (_, tail) = get(
        &client,
        &server.url("/feed/elections/election_id/batchfrom/5"),
    )
    .await;
    assert_eq!(tail["batch"].as_array().unwrap()[..], ballots[4..]);
    let (status, _) = get(&client, &server.url("/feed/elections/other/lastseqno")).await;
    assert_eq!(status, 404);
    let (status, _) = get(
        &client,
        &server.url("/feed/elections/election_id/batchfrom/0"),
    )
    .await;
    assert_eq!(status, 422);

    // An observer's recount from the feed equals the server's results.
    let config = electie_tally::embedded::nrsr_2020().unwrap();
    let mut tally = electie_tally::count::Tally::new(&config);
    for ballot in ballots {
        count_feed_ballot(&mut tally, &config, ballot);
    }
    installation.store_admin();
    let admin_token = server.admin_token(&client).await;
    assert_eq!(
        server.party_candidate_results(&client, &admin_token).await,
        expected_party_candidate_results(&config, &tally)
    );
}

#[tokio::test]
async fn sync_protocol_close_and_feed_on_every_database() {
    for db in Db::all().await {
        sync_protocol(db).await;
    }
}

//! The rules the command line leaves to electie-tally, as a user meets them: the zero
//! republic number, coalition sizes from the configuration, a lot needs its seed, and
//! a closed standard output ends a command quietly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;

use serde_json::Value;

mod common;

use common::{electie, electie_with_closed_stdout, repo};

/// Lines of `{"polling_place_id": 0, "party_id": …}`: `count` votes for each party.
fn votes(per_party: &[(i64, usize)]) -> Vec<u8> {
    let mut out = Vec::new();
    for &(party, count) in per_party {
        for _ in 0..count {
            writeln!(
                out,
                r#"{{"polling_place_id": 0, "party_id": {party}, "candidate_ids": []}}"#
            )
            .unwrap();
        }
    }
    out
}

fn tally(extra: &[&str], input: &[u8]) -> Value {
    let config = repo("data/nrsr_2020");
    let mut args = vec!["tally", "--config", config.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push("-");
    let out = electie(&args, input);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn party<'a>(results: &'a Value, id: &str) -> &'a Value {
    results["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap()
}

#[test]
fn a_count_of_a_few_votes_gets_no_seats_until_there_is_a_republic_number() {
    // 40 votes: the RVČ 40/151 rounds to 0, which the law does not define: no seats
    // yet and nobody in parliament (electie-tally's one zero-quota rule, the reference
    // server's published results say the same); 100 votes: RVČ 1, all 150 seats.
    let results = tally(&[], &votes(&[(10, 30), (18, 10)]));
    for id in ["10", "18"] {
        assert_eq!(party(&results, id)["seats"], 0);
        assert_eq!(party(&results, id)["in_parliament"], false);
    }
    assert_eq!(party(&results, "10")["doc_count"], 30);
    let results = tally(&[], &votes(&[(10, 75), (18, 25)]));
    let seats = |id| party(&results, id)["seats"].as_u64().unwrap();
    assert_eq!(seats("10") + seats("18"), 150);
}

#[test]
fn coalitions_come_from_the_configuration_and_the_command_line_overrides_them() {
    // PS–SPOLU (party 11) is a two-party coalition in data/nrsr_2020/coalitions.json:
    // 6 % passes a party's 5 % but not a coalition's 7 %.
    let input = votes(&[(10, 94), (11, 6)]);
    let results = tally(&[], &input);
    assert_eq!(party(&results, "11")["in_parliament"], false);
    assert_eq!(party(&results, "11")["seats"], 0);
    let as_party = tally(&["--coalition", "11=1"], &input);
    assert_eq!(party(&as_party, "11")["in_parliament"], true);
    assert_eq!(party(&as_party, "10")["in_parliament"], true);
    let config = repo("data/nrsr_2020");
    for (flag, reason) in [
        ("11=0", "must be at least 1"),
        ("99=2", "unknown party id 99"),
        ("x=2", "party id must be an integer"),
    ] {
        let out = electie(
            &[
                "tally",
                "--config",
                config.to_str().unwrap(),
                "--coalition",
                flag,
                "-",
            ],
            &input,
        );
        assert_eq!(out.status.code(), Some(2), "{flag}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(reason), "{flag}: {stderr}");
    }
}

#[test]
fn a_slovak_allocation_of_a_few_votes_has_no_republic_number() {
    // 60 votes: RVČ 60/151 rounds to 0, a number the law does not define; `seats`
    // says so (exit 2) rather than invent a quota. 151 votes: RVČ 1.
    let input = br#"{"parties": [{"name": "A", "votes": 30}, {"name": "B", "votes": 20}, {"name": "C", "votes": 10}]}"#;
    let out = electie(&["seats", "--method", "sk-nrsr", "-"], input);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the quota is zero"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let input = br#"{"parties": [{"name": "A", "votes": 76}, {"name": "B", "votes": 50}, {"name": "C", "votes": 25}]}"#;
    let out = electie(&["seats", "--method", "sk-nrsr", "-"], input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["allocation"]["quota_exact"], "1");
    let seats = ["A", "B", "C"].map(|name| v["seats"][name].as_u64().unwrap());
    assert_eq!(seats.iter().sum::<u64>(), 150);
}

#[test]
fn tally_breaks_a_tie_for_the_last_seat_only_as_told() {
    let input = votes(&[(10, 10), (18, 10)]);
    let config = repo("data/nrsr_2020");
    let config = config.to_str().unwrap();
    let tie = electie(&["tally", "--config", config, "--seats", "1", "-"], &input);
    assert_eq!(tie.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&tie.stderr).contains("tie: parties"));
    let unseeded = electie(
        &[
            "tally", "--config", config, "--seats", "1", "--tie", "lot", "-",
        ],
        &input,
    );
    assert_eq!(unseeded.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unseeded.stderr).contains("lot needs a seed"));
    let lot = tally(&["--seats", "1", "--tie", "lot", "--seed", "7"], &input);
    let seats =
        party(&lot, "10")["seats"].as_u64().unwrap() + party(&lot, "18")["seats"].as_u64().unwrap();
    assert_eq!(seats, 1);
    assert_eq!(
        lot,
        tally(&["--seats", "1", "--tie", "lot", "--seed", "7"], &input)
    );
}

#[test]
fn a_lot_needs_its_seed() {
    let input =
        br#"{"parties": [{"name": "A", "votes": 10}, {"name": "B", "votes": 10}], "seats": 1}"#;
    let out = electie(&["seats", "--method", "dhondt", "--tie", "lot", "-"], input);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lot needs a seed"));
    let seeded = electie(
        &[
            "seats", "--method", "dhondt", "--tie", "lot", "--seed", "3", "-",
        ],
        input,
    );
    assert!(seeded.status.success());
}

#[test]
fn a_closed_stdout_ends_every_printing_command_quietly() {
    let config = repo("data/nrsr_2020");
    let fixture = repo("testdata/fixtures/sk_nrsr_2020.json");
    let schulze = repo("testdata/fixtures/k8s_steering_2021_schulze.json");
    let ballots = votes(&[(10, 2_000), (18, 1_000)]);
    let cases: [(Vec<&str>, &[u8]); 4] = [
        (
            vec!["tally", "--config", config.to_str().unwrap(), "-"],
            &ballots,
        ),
        (
            vec!["seats", "--method", "sk-nrsr", fixture.to_str().unwrap()],
            b"",
        ),
        (vec!["rank", schulze.to_str().unwrap()], b""),
        (
            vec![
                "validate",
                "--config",
                config.to_str().unwrap(),
                "--polling-place",
                "0",
                "--mode",
                "verdicts",
                "-",
            ],
            &ballots,
        ),
    ];
    for (args, stdin) in cases {
        let out = electie_with_closed_stdout(&args, stdin);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

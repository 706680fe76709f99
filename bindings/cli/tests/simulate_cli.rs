//! `electie simulate` run as a user runs it, on small elections (the debug build seals
//! and opens slowly, so every run here is a few hundred votes on one or two polling
//! places with small keys).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use serde_json::Value;

fn electie(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_electie"))
        .args(args)
        .output()
        .unwrap()
}

/// `simulate --format json` with `extra` flags, by default 300 votes on two polling
/// places.
fn simulate_json(extra: &[&str]) -> Value {
    let mut args = vec!["simulate", "--format", "json"];
    args.extend_from_slice(extra);
    if !extra.contains(&"--votes") {
        args.extend_from_slice(&["--votes", "300"]);
    }
    if !extra.contains(&"--polling-places") {
        args.extend_from_slice(&["--polling-places", "2"]);
    }
    let out = electie(&args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Progress goes to stderr only on a terminal: nothing here.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Everything but the timings.
fn results(mut value: Value) -> Value {
    value.as_object_mut().unwrap().remove("timings");
    value
}

#[test]
fn json_results_add_up() {
    let out = simulate_json(&["--seed", "7"]);
    let cast = out["votes_cast"].as_u64().unwrap();
    assert_eq!(cast, 300);
    let blank = out["blank"].as_u64().unwrap();
    let rejected = out["rejected"].as_u64().unwrap();
    let parties = out["parties"].as_array().unwrap();
    assert_eq!(parties.len(), 25);
    let party_votes: u64 = parties.iter().map(|p| p["votes"].as_u64().unwrap()).sum();
    assert_eq!(party_votes + blank + rejected, cast);
    assert_eq!(out["seats_total"], 150);
    let seats: u64 = parties.iter().map(|p| p["seats"].as_u64().unwrap()).sum();
    assert_eq!(seats, 150);
    let mut percent = 0.0;
    for party in parties {
        for field in ["id", "name", "votes", "percentage", "seats", "elected"] {
            assert!(party.get(field).is_some(), "{field} missing in {party}");
        }
        percent += party["percentage"].as_f64().unwrap();
        let elected = party["elected"].as_array().unwrap();
        // Every seat has a candidate here (lists are long enough).
        assert_eq!(elected.len() as u64, party["seats"].as_u64().unwrap());
        for candidate in elected {
            assert!(candidate["name"].as_str().is_some_and(|n| !n.is_empty()));
        }
    }
    assert!((percent - 100.0).abs() < 0.2, "{percent}");
    let timings = &out["timings"];
    for stage in [
        "keygen", "seal", "open", "validate", "count", "merge", "seats",
    ] {
        assert!(timings[stage]["per_second"].as_f64().is_some(), "{stage}");
        assert!(
            timings[stage]["per_second_per_core"].as_f64().is_some(),
            "{stage}"
        );
    }
    assert_eq!(out["polling_places"], 2);
}

#[test]
fn the_same_seed_gives_the_same_results_whatever_the_threads() {
    let one = simulate_json(&["--seed", "11", "--jobs", "1"]);
    let two = simulate_json(&["--seed", "11", "--jobs", "2", "--batch-size", "10"]);
    assert_eq!(results(one.clone()), results(two));
    let other = simulate_json(&["--seed", "12", "--jobs", "1"]);
    assert_ne!(results(one)["parties"], results(other)["parties"]);
}

#[test]
fn the_table_shows_parties_seats_elected_and_throughput() {
    let out = electie(&[
        "simulate",
        "--votes",
        "200",
        "--polling-places",
        "1",
        "--backend",
        "rustcrypto",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "party",
        "votes",
        "seats",
        "elected",
        "open",
        "per core",
        "rustcrypto",
    ] {
        assert!(text.contains(needle), "{needle} missing in\n{text}");
    }
    assert!(text.contains("votes cast 200"), "{text}");
}

#[test]
fn another_configuration_can_be_given() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/nrsr_2020");
    let out = simulate_json(&["--config", dir, "--votes", "100", "--polling-places", "1"]);
    assert_eq!(out["votes_cast"], 100);
    assert_eq!(out["configuration"], dir);
}

#[test]
fn a_tiny_election_gets_no_seats_until_there_is_a_republic_number() {
    // 20 votes round the RVČ to 0: no seats yet (electie-tally's one zero-quota rule);
    // 2 000 votes give all 150.
    let out = simulate_json(&["--votes", "20", "--polling-places", "1"]);
    assert_eq!(out["votes_cast"], 20);
    assert_eq!(out["seats_total"], 0);
    let out = simulate_json(&["--votes", "2000", "--polling-places", "1"]);
    assert_eq!(out["seats_total"], 150);
}

#[test]
fn bad_flags_exit_2_with_the_reason() {
    let cases: [(&[&str], &str); 9] = [
        (&["--key-bits", "1024"], "--key-bits"),
        (&["--backend", "openssl"], "unknown RSA backend"),
        (&["--votes", "0"], "--votes"),
        (&["--votes", "many"], "--votes"),
        (&["--polling-places", "0"], "--polling-places"),
        (&["--polling-places", "some"], "neither a number nor `all`"),
        (&["--jobs", "0"], "--jobs"),
        (&["--format", "xml"], "--format"),
        (&["--config", "/nonexistent/electie"], "--config"),
    ];
    for (flags, reason) in cases {
        let mut args = vec!["simulate"];
        args.extend_from_slice(flags);
        let out = electie(&args);
        assert_eq!(out.status.code(), Some(2), "{flags:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(reason), "{flags:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{flags:?}");
    }
}

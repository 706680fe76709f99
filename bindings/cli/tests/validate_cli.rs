//! `electie validate` end to end: the binary against the real NR SR 2020 configuration.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Output;

mod common;

fn nrsr_2020() -> PathBuf {
    common::repo("data/nrsr_2020")
}

fn electie(args: &[&str], stdin: &str) -> Output {
    common::electie(args, stdin.as_bytes())
}

fn validate(extra: &[&str], votes: &str) -> (String, i32) {
    let config = nrsr_2020();
    let mut args = vec![
        "validate",
        "--config",
        config.to_str().unwrap(),
        "--polling-place",
        "0",
    ];
    args.extend_from_slice(extra);
    args.push("-");
    let output = electie(&args, votes);
    (
        String::from_utf8(output.stdout).unwrap(),
        output.status.code().unwrap(),
    )
}

fn vote(party: &str, candidates: &str, token: &str) -> String {
    format!(
        r#"{{"party_id": {party}, "candidate_ids": {candidates}, "token": "{token}", "election_id": "election_id"}}"#
    )
}

#[test]
fn compat_mode_prints_the_servers_answer() {
    let accepted = r#"{"status": "success", "message": "Vote was successfully precessed"}"#;
    let cases = [
        (vote("10", "[1075, 1076, 1077]", "a"), accepted, 0),
        (vote("null", "[]", "a"), accepted, 0),
        (vote("-1", "[]", "a"), r#"{"status": "failure", "message": "Invalid party id"}"#, 1),
        (
            vote("10", "[1075, 1075]", "a"),
            r#"{"status": "failure", "message": "Duplicate candidates ids"}"#,
            1,
        ),
        (
            vote("10", "[0]", "a"),
            r#"{"status": "failure", "message": "Invalid candidates ids - candidate |0| is not in party |10|"}"#,
            1,
        ),
        (
            format!("{}\n{}", vote("10", "[]", "a"), vote("3", "[]", "a")),
            r#"{"status": "failure", "message": "Duplicate tokens in the batch"}"#,
            1,
        ),
        (
            r#"{"party_id": 10, "candidate_ids": [1.5], "token": "a", "election_id": "election_id"}"#.to_owned(),
            r#"{"status": "failure", "message": "Invalid vote format - candidate_ids[0] must be an integer, got a float"}"#,
            1,
        ),
        ("[1, 2]".to_owned(), r#"{"status": "failure", "message": "Invalid vote format - vote must be an object, got an array"}"#, 1),
        (String::new(), r#"{"status": "failure", "message": "Empty batch"}"#, 1),
    ];
    for (input, expected, code) in cases {
        let (stdout, status) = validate(&[], &input);
        assert_eq!(stdout.trim_end(), expected, "input {input}");
        assert_eq!(status, code, "input {input}");
    }
}

#[test]
fn options_change_the_rules() {
    let five = vote("10", "[1075, 1076, 1077, 1078, 1079]", "a");
    let (stdout, status) = validate(&["--max-candidates", "4"], &five);
    assert_eq!(
        stdout.trim_end(),
        r#"{"status": "failure", "message": "Number of candidates is more than 4"}"#
    );
    assert_eq!(status, 1);
    let (stdout, _) = validate(&["--election-id", "nrsr_2020"], &five);
    assert!(stdout.contains("Invalid election id"), "{stdout}");

    let stored = std::env::temp_dir().join(format!("electie-tokens-{}", std::process::id()));
    std::fs::write(&stored, "x\na\n").unwrap();
    let (stdout, status) = validate(&["--stored-tokens", stored.to_str().unwrap()], &five);
    std::fs::remove_file(&stored).unwrap();
    assert!(
        stdout.contains("Duplicate combination of token and polling place id"),
        "{stdout}"
    );
    assert_eq!(status, 1);
}

#[test]
fn verdict_mode_prints_one_line_per_vote() {
    let input = [
        vote("10", "[1075]", "a"),
        "not json".to_owned(),
        vote("10", "[]", "a"),
        vote("null", "[1075]", "b"),
    ]
    .join("\n");
    let (stdout, status) = validate(&["--mode", "verdicts"], &input);
    let expected = [
        r#"{"index": 0, "accepted": true}"#,
        r#"{"index": 1, "accepted": false, "message": "Invalid vote format - not valid JSON at byte 0: expected a value"}"#,
        r#"{"index": 2, "accepted": false, "message": "Duplicate tokens in the batch"}"#,
        r#"{"index": 3, "accepted": false, "message": "When party_id is None there is no possibility to have length of candidate_ids greater than zero"}"#,
    ];
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected);
    assert_eq!(status, 1);
    let (stdout, status) = validate(&["--mode", "verdicts"], &vote("10", "[]", "a"));
    assert_eq!(stdout.trim_end(), r#"{"index": 0, "accepted": true}"#);
    assert_eq!(status, 0);
}

#[test]
fn usage_and_configuration_errors_exit_2_with_a_reason() {
    let output = electie(
        &[
            "validate",
            "--config",
            "/nonexistent",
            "--polling-place",
            "0",
            "-",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("/nonexistent"), "{stderr}");

    let output = electie(&["validate", "--polling-place", "0", "-"], "");
    assert_eq!(
        output.status.code(),
        Some(2),
        "missing --config is a usage error"
    );

    let config = nrsr_2020();
    let config = config.to_str().unwrap();
    let output = electie(
        &[
            "validate",
            "--config",
            config,
            "--polling-place",
            "zero",
            "-",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    let output = electie(
        &[
            "validate",
            "--config",
            config,
            "--polling-place",
            "0",
            "--stored-tokens",
            "/nonexistent",
            "-",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    let output = electie(
        &[
            "validate",
            "--config",
            config,
            "--polling-place",
            "0",
            "/nonexistent.jsonl",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn an_unknown_polling_place_is_rule_one() {
    let config = nrsr_2020();
    let output = electie(
        &[
            "validate",
            "--config",
            config.to_str().unwrap(),
            "--polling-place",
            "-1",
            "-",
        ],
        &vote("10", "[]", "a"),
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().trim_end(),
        r#"{"status": "failure", "message": "Invalid polling place id"}"#
    );
    assert_eq!(output.status.code(), Some(1));
}

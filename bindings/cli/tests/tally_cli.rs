//! `electie seats`, `rank` and `tally` run as a user runs them, on the real fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Output;

use electie_tally::apportion::NamedMethod;
use serde_json::Value;

mod common;

use common::repo;

fn electie(args: &[&str], stdin: Option<&[u8]>) -> Output {
    common::electie(args, stdin.unwrap_or_default())
}

fn json_ok(args: &[&str]) -> Value {
    let out = electie(args, None);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn fixture(name: &str) -> (String, Value) {
    let path = repo(&format!("testdata/fixtures/{name}"));
    let value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    (path.to_str().unwrap().to_owned(), value)
}

fn official_seats(fixture: &Value) -> Vec<(String, u64)> {
    fixture["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["seats_official"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn assert_seats(output: &Value, expected: &[(String, u64)]) {
    let seats = output["seats"].as_object().unwrap();
    assert_eq!(seats.len(), expected.len(), "every party, zeros included");
    for (name, n) in expected {
        assert_eq!(seats[name].as_u64(), Some(*n), "{name}");
    }
}

#[test]
fn seats_sk_nrsr_2020_fixture_just_works() {
    let (path, fixture) = fixture("sk_nrsr_2020.json");
    let out = json_ok(&["seats", "--method", "sk-nrsr", &path]);
    assert_eq!(out["method"], "sk-nrsr");
    assert_eq!(out["seats_total"], 150);
    assert_eq!(out["quota"], 13650);
    assert_seats(&out, &official_seats(&fixture));
    assert_eq!(out["details"].as_array().unwrap().len(), 24);
    // same with the house size given explicitly and from standard input
    let bytes = std::fs::read(&path).unwrap();
    let piped = electie(
        &["seats", "--method", "sk-nrsr", "--seats", "150", "-"],
        Some(&bytes),
    );
    assert!(piped.status.success());
    let piped: Value = serde_json::from_slice(&piped.stdout).unwrap();
    assert_eq!(piped["seats"], out["seats"]);
}

#[test]
fn seats_cz_ep_2019_dhondt_fixture() {
    let (path, fixture) = fixture("cz_ep_2019_dhondt.json");
    let out = json_ok(&[
        "seats",
        "--method",
        "dhondt",
        "--seats",
        "21",
        "--threshold",
        "5",
        &path,
    ]);
    assert_eq!(out["quota"], Value::Null);
    assert_seats(&out, &official_seats(&fixture));
    assert_eq!(out["allocation"]["last_elected"]["party"], "ANO 2011");
    assert_eq!(
        out["allocation"]["first_not_elected"]["party"],
        "Česká pirátská strana"
    );
    // seats default to the input's "seats"
    let again = json_ok(&["seats", "--method", "dhondt", "--threshold", "5", &path]);
    assert_eq!(again["seats"], out["seats"]);
}

#[test]
fn every_method_fills_the_house() {
    let (path, _) = fixture("cz_ep_2019_dhondt.json");
    for method in [
        "sk-nrsr",
        "sk-ep",
        "dhondt",
        "sainte-lague",
        "modified-sainte-lague",
        "imperiali",
        "danish",
        "huntington-hill",
        "adams",
        "dean",
        "hare",
        "droop",
        "hagenbach-bischoff",
        "imperiali-quota",
    ] {
        for rounding in ["exact", "floor", "ceil", "nearest"] {
            let out = json_ok(&[
                "seats",
                "--method",
                method,
                "--seats",
                "21",
                "--threshold",
                "5",
                "--quota-rounding",
                rounding,
                &path,
            ]);
            let total: u64 = out["seats"]
                .as_object()
                .unwrap()
                .values()
                .map(|v| v.as_u64().unwrap())
                .sum();
            assert_eq!(total, 21, "{method} {rounding}");
            assert_eq!(out["method"], method);
        }
    }
}

#[test]
fn seats_help_lists_every_method_with_its_description() {
    let out = electie(&["seats", "--help"], None);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    // In order: the list-seat methods with electie-tally's descriptions, then the
    // single-winner ones.
    let mut expected: Vec<(&str, Option<&str>)> = NamedMethod::ALL
        .iter()
        .map(|method| (method.name(), Some(method.description())))
        .collect();
    expected.extend([("plurality", None), ("two-round", None)]);
    let mut rest = help.as_str();
    for (name, description) in expected {
        let entry = format!("- {name}: ");
        let at = rest
            .find(&entry)
            .unwrap_or_else(|| panic!("{entry:?} missing or out of order:\n{help}"));
        rest = &rest[at + entry.len()..];
        let shown = rest.lines().next().unwrap().trim();
        match description {
            Some(description) => assert_eq!(shown, description),
            None => assert!(!shown.is_empty(), "{name}"),
        }
    }
    let unknown = electie(&["seats", "--method", "d'hondt", "-"], Some(b"{}"));
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("invalid value 'd'hondt'"), "{stderr}");
    assert!(
        stderr.contains("sk-nrsr") && stderr.contains("two-round"),
        "{stderr}"
    );
}

#[test]
fn rank_schulze_fixtures() {
    for (name, expected) in [
        (
            "k8s_steering_2021_schulze.json",
            vec![
                "parispittman",
                "justaugustus",
                "cblecker",
                "tpepper",
                "deads2k",
                "aojea",
                "lachie83",
                "jeremyrickard",
                "IanColdwater",
                "tashimi",
                "palnabarun",
                "vincepri",
                "saiyam1814",
            ],
        ),
        (
            "k8s_steering_2022_schulze.json",
            vec![
                "mrbobbytables",
                "bentheelder",
                "palnabarun",
                "cici37",
                "cpanato",
                "lavalamp",
                "deads2k",
                "qedrakmar",
            ],
        ),
    ] {
        let (path, fixture) = fixture(name);
        let out = json_ok(&["rank", "--method", "schulze", &path]);
        assert_eq!(out["method"], "schulze");
        let ranking: Vec<Vec<&str>> = out["ranking"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                g.as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap())
                    .collect()
            })
            .collect();
        let expected: Vec<Vec<&str>> = expected.into_iter().map(|c| vec![c]).collect();
        assert_eq!(ranking, expected, "{name}");
        assert_eq!(out["winners"], fixture["official_winners"]);
    }
}

#[test]
fn rank_tied_groups_and_errors() {
    let input =
        br#"{"candidates": ["a", "b", "c"], "ballots": [[1, 1, 2], [1, 1, 2], [1, 1, null], [2, 2, 1]]}"#;
    let out = electie(&["rank", "--method", "schulze", "-"], Some(input));
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ranking"], serde_json::json!([["a", "b"], ["c"]]));
    let bad = br#"{"candidates": ["a", "b"], "ballots": [[1, "x"]]}"#;
    let out = electie(&["rank", "--method", "schulze", "-"], Some(bad));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ballots[0][1]"));
}

#[test]
fn two_round_president_2019() {
    let (path, _) = fixture("sk_president_2019.json");
    let out = json_ok(&["seats", "--method", "two-round", &path]);
    assert_eq!(out["elected_in_round1"], Value::Null);
    assert_eq!(
        out["advance_to_round2"],
        serde_json::json!(["Zuzana Čaputová", "Maroš Šefčovič"])
    );
    assert_eq!(out["winner"], "Zuzana Čaputová");
    let valid = json_ok(&[
        "seats",
        "--method",
        "two-round",
        "--majority",
        "valid",
        &path,
    ]);
    assert_eq!(valid["winner"], "Zuzana Čaputová");
}

#[test]
fn districts_with_a_national_threshold() {
    let input = br#"{"districts": [
        {"name": "North", "seats": 3, "parties": [{"name": "A", "votes": 600}, {"name": "B", "votes": 300}, {"name": "C", "votes": 100}]},
        {"name": "South", "seats": 2, "parties": [{"name": "A", "votes": 100}, {"name": "B", "votes": 500}, {"name": "C", "votes": 30}]}
    ]}"#;
    let out = electie(
        &["seats", "--method", "dhondt", "--threshold", "10", "-"],
        Some(input),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["seats_total"], 5);
    assert_eq!(v["national"], serde_json::json!({"A": 2, "B": 3, "C": 0}));
    assert_eq!(
        v["districts"]["South"],
        serde_json::json!({"A": 0, "B": 2, "C": 0})
    );
}

#[test]
fn seat_errors_name_the_field() {
    let cases: [(&[u8], &[&str], &str); 5] = [
        (
            br#"{"parties": [{"name": "A", "votes": "12"}]}"#,
            &["--seats", "3"],
            "parties[0].votes",
        ),
        (
            br#"{"parties": [{"votes": 12}]}"#,
            &["--seats", "3"],
            "parties[0].name",
        ),
        (
            br#"{"parties": [{"name": "A", "votes": 1}]}"#,
            &[],
            "--seats",
        ),
        (
            br#"{"parties": [{"name": "A", "votes": 1}]}"#,
            &["--seats", "3", "--threshold", "five"],
            "--threshold",
        ),
        (
            br#"{"parties": [{"name": "A", "votes": 5}, {"name": "B", "votes": 5}]}"#,
            &["--seats", "1", "--tie", "fail"],
            "\"A\", \"B\"",
        ),
    ];
    for (input, extra, needle) in cases {
        let mut args = vec!["seats", "--method", "dhondt"];
        args.extend_from_slice(extra);
        args.push("-");
        let out = electie(&args, Some(input));
        assert!(!out.status.success(), "{needle}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{needle}: {stderr}");
        assert!(out.stdout.is_empty());
    }
    let lot = electie(
        &[
            "seats", "--method", "dhondt", "--seats", "1", "--tie", "lot", "--seed", "9", "-",
        ],
        Some(br#"{"parties": [{"name": "A", "votes": 5}, {"name": "B", "votes": 5}]}"#),
    );
    let v: Value = serde_json::from_slice(&lot.stdout).unwrap();
    assert_eq!(v["ties"][0]["rule"]["lot"]["seed"], 9);
}

fn votes_file(name: &str, lines: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "electie-tally-cli-{}-{name}.jsonl",
        std::process::id()
    ));
    std::fs::write(&path, lines).unwrap();
    path
}

#[test]
fn tally_counts_and_rejects_with_reasons() {
    let config = repo("data/nrsr_2020");
    let mut lines = String::new();
    // party 9 (OĽaNO list) gets most votes; its candidates are 925.. in list order
    for i in 0..300 {
        let cands = if i % 3 == 0 { "[926]" } else { "[]" };
        lines.push_str(&format!(
            "{{\"polling_place_id\": {}, \"party_id\": 9, \"candidate_ids\": {cands}}}\n",
            i % 50
        ));
    }
    for i in 0..100 {
        lines.push_str(&format!(
            "{{\"polling_place_id\": {i}, \"party_id\": 18, \"candidate_ids\": []}}\n"
        ));
    }
    lines.push_str("{\"polling_place_id\": 1, \"party_id\": null, \"candidate_ids\": []}\n");
    lines.push_str("{\"polling_place_id\": 1, \"party_id\": \"9\", \"candidate_ids\": []}\n");
    lines.push_str("{\"polling_place_id\": 1, \"party_id\": 9, \"candidate_ids\": [0]}\n");
    lines.push_str("{\"polling_place_id\": 7777, \"party_id\": 9, \"candidate_ids\": []}\n");
    lines.push_str("garbage\n");
    let path = votes_file("basic", &lines);
    let args = |jobs: &'static str| {
        vec![
            "tally".to_owned(),
            "--jobs".to_owned(),
            jobs.to_owned(),
            "--config".to_owned(),
            config.to_str().unwrap().to_owned(),
            path.to_str().unwrap().to_owned(),
        ]
    };
    let one = electie(
        &args("1").iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    );
    let two = electie(
        &args("2").iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    );
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    assert_eq!(
        one.stdout, two.stdout,
        "the split does not change the result"
    );
    let eight = electie(
        &args("8").iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    );
    assert_eq!(one.stdout, eight.stdout);
    // standard input is read in blocks too, on as many threads as asked
    let stdin = electie(
        &[
            "tally",
            "--jobs",
            "3",
            "--config",
            config.to_str().unwrap(),
            "-",
        ],
        Some(lines.as_bytes()),
    );
    assert_eq!(one.stdout, stdin.stdout);
    // a one-byte input with many jobs
    let tiny = votes_file("tiny", "x");
    let out = electie(
        &[
            "tally",
            "--jobs",
            "4",
            "--config",
            config.to_str().unwrap(),
            tiny.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rejected"], 1);
    std::fs::remove_file(tiny).ok();
    let v: Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(v["rejected"], 4);
    assert_eq!(v["rejections"]["Invalid polling place id"], 1);
    assert_eq!(
        v["rejections"]["Invalid vote format - party_id must be an integer or null, got a string"],
        1
    );
    assert_eq!(
        v["rejections"]["Invalid candidates ids - candidate |0| is not in party |9|"],
        1
    );
    assert_eq!(v["status"]["total_votes"], 401);
    assert_eq!(v["status"]["number_of_polling_places"], 5998);
    let first = &v["parties"][0];
    assert_eq!(first["id"], "9");
    assert_eq!(first["doc_count"], 300);
    assert_eq!(first["percentage"], 75.0);
    assert_eq!(first["in_parliament"], true);
    assert_eq!(first["seats"], 108); // tiny numbers: RVČ 3, remainder seats cycle
    assert_eq!(v["parties"][1]["seats"], 42);
    // Sorted on both sides: serde_json's map sorts its keys unless another crate of the
    // workspace turns on `preserve_order` (electie-server does); the order itself is
    // checked on the raw text below.
    let mut keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let mut sorted = vec![
        "id",
        "doc_count",
        "candidates",
        "percentage",
        "in_parliament",
        "relative_percentage",
        "seats",
    ];
    sorted.sort_unstable();
    assert_eq!(keys, sorted);
    let text = String::from_utf8_lossy(&one.stdout);
    assert!(text.contains(r#"{"id":"9","doc_count":300,"candidates":[{"id":"926","doc_count":100,"percentage":33.3333,"in_parliament":true}"#), "{text}");
    std::fs::remove_file(path).ok();
}

/// An input that cannot be read stops the count: exit 2, the file and the reason on
/// stderr, nothing on stdout.
#[test]
fn tally_read_error_exits_2_and_reports_nothing() {
    let config = repo("data/nrsr_2020");
    let directory = std::env::temp_dir();
    for jobs in ["1", "2"] {
        let out = electie(
            &[
                "tally",
                "--jobs",
                jobs,
                "--config",
                config.to_str().unwrap(),
                directory.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with(&format!("electie: tally: {}: ", directory.display()))
                && stderr.contains("directory"),
            "{stderr}"
        );
    }
}

#[test]
fn tally_config_errors_exit_non_zero() {
    let path = votes_file("empty", "");
    let out = electie(
        &[
            "tally",
            "--config",
            "/nonexistent/config",
            path.to_str().unwrap(),
        ],
        None,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--config"));
    let config = repo("data/nrsr_2020");
    let out = electie(
        &[
            "tally",
            "--coalition",
            "9",
            "--config",
            config.to_str().unwrap(),
            path.to_str().unwrap(),
        ],
        None,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("PARTY_ID=SIZE"));
    std::fs::remove_file(path).ok();
}

/// A file of several blocks is read in one range per thread, while the configuration
/// loads beside the threads: the answer is one thread's and standard input's, byte
/// for byte, and every error is one thread's (the configuration's and the options'
/// errors before the votes' own).
#[test]
fn tally_of_a_large_file_is_the_same_on_any_number_of_threads() {
    let config_dir = repo("data/nrsr_2020");
    let config = electie_core::ElectionConfig::load(&config_dir).unwrap();
    // about 3 MiB: three blocks of the reader, so up to three threads
    let votes = electie_cli::generate::generate_votes(&config, 40_000, 700, 20_000, 5);
    let mut lines = "\u{feff}".to_owned();
    for (i, cast) in votes.iter().enumerate() {
        let line = serde_json::json!({
            "polling_place_id": cast.polling_place.0,
            "party_id": cast.vote.party_id.map(|party| party.0),
            "candidate_ids": cast.vote.candidate_ids.iter().map(|c| c.0).collect::<Vec<_>>(),
        });
        lines.push_str(&line.to_string());
        lines.push_str(if i % 9 == 0 { "\r\n" } else { "\n" });
        if i % 5_000 == 0 {
            lines.push_str("not a vote\n\n");
        }
    }
    lines.push_str("{\"polling_place_id\": 1, \"party_id\": 9, \"candidate_ids\": []}");
    let path = votes_file("large", &lines);
    let config_arg = config_dir.to_str().unwrap();
    let tally = |jobs: &str, extra: &[&str], votes: &str, stdin: Option<&[u8]>| {
        let mut args = vec!["tally", "--jobs", jobs, "--config", config_arg];
        args.extend_from_slice(extra);
        args.push(votes);
        electie(&args, stdin)
    };
    let file = path.to_str().unwrap();
    let one = tally("1", &[], file, None);
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    let v: Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(
        v["status"]["total_votes"].as_u64().unwrap() + v["rejected"].as_u64().unwrap(),
        40_000 + 8 + 1
    );
    assert!(v["rejections"].as_object().unwrap().len() > 1, "{v}");
    for jobs in ["2", "3", "64"] {
        let many = tally(jobs, &[], file, None);
        assert!(
            many.status.success(),
            "{}",
            String::from_utf8_lossy(&many.stderr)
        );
        assert!(
            one.stdout == many.stdout,
            "--jobs {jobs} differs from --jobs 1"
        );
    }
    let stdin = tally("2", &[], "-", Some(lines.as_bytes()));
    assert!(
        one.stdout == stdin.stdout,
        "standard input differs from the file"
    );
    // errors: the same exit code and message with one thread as with two
    let missing = std::env::temp_dir().join("electie-tally-cli-no-such-votes.jsonl");
    let cases: [(&str, &[&str], &str); 5] = [
        ("/nonexistent/config", &[], file),
        (config_arg, &["--max-candidates", "100000"], file),
        (config_arg, &["--coalition", "999=2"], file),
        (config_arg, &["--tie", "lot"], file),
        (config_arg, &[], missing.to_str().unwrap()),
    ];
    for (config, extra, votes) in cases {
        let run = |jobs: &str| {
            let mut args = vec!["tally", "--jobs", jobs, "--config", config];
            args.extend_from_slice(extra);
            args.push(votes);
            electie(&args, None)
        };
        let (one, two) = (run("1"), run("2"));
        assert_eq!(one.status.code(), Some(2), "{extra:?} {votes}");
        assert!(one.stdout.is_empty() && two.stdout.is_empty());
        assert!(!one.stderr.is_empty());
        assert_eq!(
            (two.status.code(), String::from_utf8_lossy(&two.stderr)),
            (one.status.code(), String::from_utf8_lossy(&one.stderr)),
            "{config} {extra:?} {votes}"
        );
    }
    // a missing configuration and missing votes: the configuration is reported
    let both = electie(
        &[
            "tally",
            "--jobs",
            "2",
            "--config",
            "/nonexistent/config",
            missing.to_str().unwrap(),
        ],
        None,
    );
    assert!(String::from_utf8_lossy(&both.stderr).contains("--config"));
    std::fs::remove_file(path).ok();
}

//! `electie observe` against a scripted feed on 127.0.0.1: the feed checks one by one
//! (growth, unchanged ranges, numbering, no extra fields), resuming from the state
//! file, and exit code 2 for what cannot be judged. The real server, tampered stores
//! and the comparison with published results are tested in
//! `examples/server/tests/browser/test_observer.py`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

/// What the scripted server answers.
struct Feed {
    entries: Vec<Value>,
    batch: usize,
}

/// Serves the feed routes (and "results not published" for the rest) until the test
/// process ends; returns the base URL.
fn serve(feed: Arc<Mutex<Feed>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut length = 0usize;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
                    break;
                }
                if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            std::io::Read::read_exact(&mut reader, &mut body).ok();
            let path = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .to_owned();
            let (status, answer) = route(&feed.lock().unwrap(), &path);
            let text = answer.to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    url
}

fn route(feed: &Feed, path: &str) -> (u16, Value) {
    let prefix = "/feed/elections/election_id/";
    if path == "/feed/elections" {
        return (200, json!({"elections": [{"name": "election_id"}]}));
    }
    if path == format!("{prefix}lastseqno") {
        return (
            200,
            json!({"electionname": "election_id", "lastseqno": feed.entries.len()}),
        );
    }
    if let Some(from) = path.strip_prefix(&format!("{prefix}batchfrom/")) {
        let from: usize = from.parse().unwrap();
        let batch: Vec<Value> = feed
            .entries
            .iter()
            .skip(from - 1)
            .take(feed.batch)
            .cloned()
            .collect();
        return (
            200,
            json!({"electionname": "election_id", "fromseqno": from, "batchmaxsize": feed.batch, "batch": batch}),
        );
    }
    if path == "/elections/voting-data" {
        let config = electie_core::ElectionConfig::load(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/nrsr_2020"
        ))
        .unwrap();
        return (200, config.to_server_json());
    }
    (400, json!({"detail": "Results are not published yet"}))
}

fn entry(seqno: usize, party: i64, candidates: &[i64]) -> Value {
    json!({"seqno": seqno, "polling_place_id": seqno % 7, "party_id": party, "candidate_ids": candidates})
}

/// A valid feed of `n` ballots for the NR SR 2020 configuration: party 10 (candidates
/// from 1075 on, as in the spec's vector) and party 3.
fn ballots(n: usize) -> Vec<Value> {
    (1..=n)
        .map(|seqno| {
            if seqno % 3 == 0 {
                entry(seqno, 3, &[])
            } else {
                entry(seqno, 10, &[1075])
            }
        })
        .collect()
}

fn observe(url: &str, state: &Path) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_electie"))
        .args(["observe", "--server", url, "--format", "json", "--state"])
        .arg(state)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap(),
        report,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn differences(report: &Value) -> String {
    report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("electie-observe-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("state.json")
}

#[test]
fn a_growing_feed_is_mirrored_and_resumed() {
    let feed = Arc::new(Mutex::new(Feed {
        entries: ballots(23),
        batch: 5,
    }));
    let url = serve(Arc::clone(&feed));
    let state = scratch("grow");
    let (code, report, err) = observe(&url, &state);
    assert_eq!(code, 0, "{err}");
    assert_eq!(report["coverage"], "unpublished");
    assert_eq!(
        (report["reread"].as_u64(), report["new"].as_u64()),
        (Some(0), Some(23))
    );
    feed.lock().unwrap().entries = ballots(31);
    let (code, report, err) = observe(&url, &state);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        (report["reread"].as_u64(), report["new"].as_u64()),
        (Some(23), Some(8))
    );
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(saved["ballots"].as_array().unwrap().len(), 31);
    assert_eq!(saved["ballots"][0], json!([1, 10, [1075]]));
}

#[test]
fn each_feed_check_fails_with_its_message() {
    type Tamper = fn(&mut Vec<Value>);
    let cases: [(&str, Tamper, &str); 5] = [
        (
            "shrink",
            |e| drop(e.pop()),
            "the feed shrank: the server now reports lastseqno 19",
        ),
        (
            "change",
            |e| e[4] = entry(5, 3, &[]),
            "ballot seqno 5 changed since an earlier run",
        ),
        ("gap", |e| drop(e.remove(6)), "seqno 7 is missing"),
        (
            "repeat",
            |e| e[8] = e[7].clone(),
            "seqno 8 appears twice or out of order",
        ),
        (
            "token",
            |e| e[11]["token"] = json!("858c0eb798a8475dbcf67e29ddb4966e"),
            "feed entry 12 carries fields the feed must not publish: token",
        ),
    ];
    for (name, tamper, message) in cases {
        let feed = Arc::new(Mutex::new(Feed {
            entries: ballots(20),
            batch: 6,
        }));
        let url = serve(Arc::clone(&feed));
        let state = scratch(name);
        assert_eq!(observe(&url, &state).0, 0, "{name}: the honest run");
        let before = std::fs::read_to_string(&state).unwrap();
        tamper(&mut feed.lock().unwrap().entries);
        let (code, report, err) = observe(&url, &state);
        assert_eq!(code, 1, "{name}: {report} {err}");
        assert_eq!(report["verdict"], "differ");
        assert!(
            differences(&report).contains(message),
            "{name}: {}",
            differences(&report)
        );
        // the evidence stays: a failed run never overwrites the state
        assert_eq!(std::fs::read_to_string(&state).unwrap(), before, "{name}");
    }
}

#[test]
fn a_ballot_the_server_would_refuse_is_a_difference() {
    let mut entries = ballots(9);
    entries[3] = entry(4, 10, &[1075, 1075]);
    let url = serve(Arc::new(Mutex::new(Feed { entries, batch: 4 })));
    let (code, report, err) = observe(&url, &scratch("invalid"));
    assert_eq!(code, 1, "{err}");
    assert!(
        differences(&report).contains("ballot seqno 4"),
        "{}",
        differences(&report)
    );
    assert!(differences(&report).contains("is not a valid vote"));
}

#[test]
fn what_cannot_be_judged_exits_2() {
    let state = scratch("unjudged");
    let (code, _, err) = observe("http://127.0.0.1:9", &state);
    assert_eq!(code, 2);
    assert!(err.contains("cannot reach the server"), "{err}");
    let (code, _, err) = observe("https://127.0.0.1:9", &state);
    assert_eq!(code, 2);
    assert!(err.contains("give an http:// URL"), "{err}");
    let mut entries = ballots(3);
    entries[1]["party_id"] = json!("ten");
    let url = serve(Arc::new(Mutex::new(Feed { entries, batch: 10 })));
    let (code, _, err) = observe(&url, &scratch("malformed"));
    assert_eq!(code, 2);
    assert!(err.contains("entry 1 is not a feed entry"), "{err}");
}

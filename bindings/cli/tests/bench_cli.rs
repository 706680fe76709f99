//! `electie bench` on tiny sizes: it runs every stage and prints the promised shape.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use serde_json::Value;

#[test]
fn bench_json_has_every_stage_per_core_and_on_all_cores() {
    let out = Command::new(env!("CARGO_BIN_EXE_electie"))
        .args([
            "bench", "--format", "json", "--votes", "3000", "--sealed", "4", "--repeat", "1",
            "--jobs", "2",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["jobs"], 2);
    assert_eq!(report["votes"], 3000);
    assert!(report["full_tally_bytes"].as_u64().unwrap() > 0);
    let measurements = report["measurements"].as_array().unwrap();
    let has = |stage: &str, threads: u64| {
        measurements
            .iter()
            .any(|m| m["stage"] == stage && m["threads"] == threads)
    };
    for stage in ["open", "validate", "count"] {
        assert!(has(stage, 1) && has(stage, 2), "{stage}");
    }
    assert!(has("merge", 1) && has("seats", 1));
    assert!(
        measurements
            .iter()
            .any(|m| m["stage"] == "open" && m["variant"] == "rustcrypto")
    );
    for m in measurements {
        for field in ["variant", "items", "unit", "seconds"] {
            assert!(m.get(field).is_some(), "{field} in {m}");
        }
        assert!(m["per_second"].as_f64().unwrap() > 0.0, "{m}");
        assert!(m["per_second_per_core"].as_f64().unwrap() > 0.0, "{m}");
    }
}

#[test]
fn bench_table_and_bad_flags() {
    let out = Command::new(env!("CARGO_BIN_EXE_electie"))
        .args(["bench", "--votes", "1000", "--sealed", "2", "--repeat", "1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in ["open", "validate", "count", "merge", "seats", "per core"] {
        assert!(text.contains(needle), "{needle} in\n{text}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_electie"))
        .args(["bench", "--votes", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--votes"));
}

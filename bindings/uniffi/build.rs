//! Decides whether the Kotlin binding tests can run on this machine.
//!
//! They need `kotlinc` on `PATH` and JNA on `CLASSPATH` (both installed by
//! `test-bindings.sh`). Without them a plain `cargo test` skips the Kotlin tests with a
//! message instead of failing; with `ELECTIE_REQUIRE_KOTLIN=1` (set by the script) they
//! are compiled in regardless, so a broken installation fails loudly. The decision has
//! to be made here because `uniffi::build_foreign_language_testcases!` expands to plain
//! `#[test]` functions that cannot skip themselves.

use std::env;
use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(kotlin_tests)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-env-changed=CLASSPATH");
    println!("cargo::rerun-if-env-changed=ELECTIE_REQUIRE_KOTLIN");

    let mut missing = Vec::new();
    let on_path = env::var_os("PATH")
        .is_some_and(|path| env::split_paths(&path).any(|dir| dir.join("kotlinc").is_file()));
    if !on_path {
        missing.push("kotlinc on PATH");
    }
    let jna = env::var_os("CLASSPATH").is_some_and(|classpath| {
        env::split_paths(&classpath).any(|entry| {
            entry
                .file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("jna") && name.ends_with(".jar"))
                && Path::new(&entry).is_file()
        })
    });
    if !jna {
        missing.push("the JNA jar on CLASSPATH");
    }

    let required = env::var("ELECTIE_REQUIRE_KOTLIN").is_ok_and(|value| value == "1");
    if required || missing.is_empty() {
        println!("cargo::rustc-cfg=kotlin_tests");
    } else {
        println!(
            "cargo::rustc-env=ELECTIE_KOTLIN_MISSING={}",
            missing.join(" and ")
        );
    }
}

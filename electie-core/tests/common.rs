//! Paths to the repository's data (`data/`, `testdata/`), relative to this crate.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

/// The project root.
pub fn project(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative)
}

//! Paths to the shared reference data, relative to this crate.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

/// `../shared` beside the project root.
pub fn shared(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared")
        .join(relative)
}

/// The project root.
pub fn project(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative)
}

//! What the binding tests share: the library this very test build compiled, and
//! bindings generated from it.
//!
//! uniffi's own test helpers (`uniffi::kotlin_test`, feature `bindgen-tests`) find the
//! library by running `cargo test --release --no-run` from inside the test, a second,
//! optimised build of the crate and everything it depends on. The library is already
//! here: cargo builds every crate type of `electie-uniffi` (including the cdylib) before
//! it links these tests, into the directory the test executable runs from.

#![allow(dead_code)] // each test file uses a part of it

use std::path::{Path, PathBuf};

use camino::Utf8PathBuf;
use uniffi_bindgen::bindings::{GenerateOptions, TargetLanguage, generate};

/// What the helpers answer: a failure is the test's failure, with its cause.
pub(crate) type Outcome<T> = Result<T, Box<dyn std::error::Error>>;

/// The `electie-uniffi` cdylib of this build (beside the test executable).
pub(crate) fn built_library() -> Outcome<Utf8PathBuf> {
    let executable = std::env::current_exe()?;
    let directory = executable
        .parent()
        .ok_or("the test executable has no directory")?;
    let name = format!(
        "{}electie_uniffi{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let library = directory.join(name);
    if !library.is_file() {
        return Err(format!(
            "{} is missing: cargo builds the cdylib before the tests",
            library.display()
        )
        .into());
    }
    Ok(Utf8PathBuf::try_from(library)?)
}

/// A fresh directory for this test's files under cargo's test scratch directory.
pub(crate) fn scratch(name: &str) -> Outcome<PathBuf> {
    let directory = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    if directory.exists() {
        std::fs::remove_dir_all(&directory)?;
    }
    std::fs::create_dir_all(&directory)?;
    Ok(directory)
}

/// Generates `language` bindings for `library` into `out_dir` (library mode, the
/// crate's `uniffi.toml`, unformatted: no formatter is installed here).
pub(crate) fn generate_bindings(
    language: TargetLanguage,
    library: &Utf8PathBuf,
    out_dir: &Path,
) -> Outcome<()> {
    generate(GenerateOptions {
        languages: vec![language],
        source: library.clone(),
        out_dir: Utf8PathBuf::try_from(out_dir.to_path_buf())?,
        format: false,
        ..GenerateOptions::default()
    })
    .map_err(|error| format!("uniffi could not generate the bindings: {error:#}"))?;
    Ok(())
}

//! What the command-line tests share: running the built binary, and the repository's data.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// Runs the built `electie` with `args`, feeding `stdin`, and waits for it.
pub fn electie(args: &[&str], stdin: &[u8]) -> Output {
    run(args, stdin, false)
}

/// As [`electie`], with standard output closed by its reader before anything is
/// written (as `electie … | head -c0` does).
pub fn electie_with_closed_stdout(args: &[&str], stdin: &[u8]) -> Output {
    run(args, stdin, true)
}

fn run(args: &[&str], stdin: &[u8], close_stdout: bool) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_electie"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if close_stdout {
        drop(child.stdout.take());
    }
    // A command may exit before reading its input (a usage error): ignore the broken pipe.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

/// A path in the repository (`data/`, `testdata/`), from the project root.
pub fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

#!/usr/bin/env bash
# The one entry point for every check of the electie workspace. CI (.ci/run) calls
# exactly this. It installs what it needs when it is missing, so it also works on a
# fresh machine, and ends with one summary line: "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Each step's header also says how long the run has taken so far (CI's budget is 45 min).
step() { printf '\n==> [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

ensure_cargo_tool() { # binary, crate
  command -v "$1" >/dev/null 2>&1 || cargo install --locked "$2"
}

step "formatting (cargo fmt --check)"
cargo fmt --all -- --check

step "tools the Kotlin binding tests use: kotlinc (npm) and JNA (Debian), on PATH and CLASSPATH (bindings/uniffi/kotlin-tools.sh)"
# Sourced first, so clippy sees the Kotlin test code and the workspace tests run the
# Kotlin scripts on the JVM in the same build (ELECTIE_REQUIRE_KOTLIN=1: they fail,
# never skip).
# shellcheck source=bindings/uniffi/kotlin-tools.sh
source bindings/uniffi/kotlin-tools.sh

step "lints (cargo clippy -D warnings)"
cargo clippy --workspace --all-targets -- -D warnings

step "tools the tests use: pdftotext and pdffonts (Debian poppler-utils) read the gateway's zapisnica"
if ! command -v pdftotext >/dev/null 2>&1 || ! command -v pdffonts >/dev/null 2>&1; then
  apt-get install -y -q poppler-utils >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q poppler-utils; }
fi

step "Rust tests, the Kotlin bindings on the JVM and the generated Swift included (cargo test --workspace)"
cargo test --workspace 2>&1 | tee -a "$log"

step "electie-crypto alone: the pure-Rust build mobile uses (no aws-lc feature unified in)"
cargo test -p electie-crypto 2>&1 | tee -a "$log"

step "documentation (cargo doc, warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

step "dependency policy (cargo deny: licenses, bans, sources)"
ensure_cargo_tool cargo-deny cargo-deny
cargo deny --log-level error check licenses bans sources

step "Python wheel: manylinux2014 abi3 wheel and sdist, auditwheel, tests against the installed wheel, sdist built by pip (bindings/python/test-python.sh)"
bindings/python/test-python.sh 2>&1 | tee -a "$log"

# The binaries the workspace tests built (a `cargo build -p` would build them again with
# the features of that one package).
export ELECTIE_BIN="$PWD/target/debug/electie" ELECTIE_SERVER_BIN="$PWD/target/debug/electie-server"

step "the electie CLI against the real Python electiersa 0.1.1, both directions"
bindings/python/.venv/bin/python -m pytest -q electie-crypto/tests/python 2>&1 | tee -a "$log"

step "the gateway with a terminal sealing with the real Python electiersa 0.1.1"
ELECTIE_PYTHON="$PWD/bindings/python/.venv/bin/python" cargo test --workspace --test electiersa_terminal -- --ignored 2>&1 | tee -a "$log"

step "results page in Chromium and the feed observer (examples/server/tests/browser/run.sh)"
examples/server/tests/browser/run.sh 2>&1 | tee -a "$log"

step "electie-server: storage suites, group commit, deterministic crash points, two instances on one database and the tally fault on SQLite and a throwaway PostgreSQL on 127.0.0.1; electie-gateway: deterministic kill points during sync, before sending and after the server answered, and a vote ordered against the end of the election both ways (examples/server/tests/with-postgres.sh)"
# --workspace with the two features keeps every other crate as the workspace tests
# built it: only the server and the gateway are rebuilt, with their crash points (last
# of the Rust steps, so nothing after it needs them without).
examples/server/tests/with-postgres.sh --workspace \
  --features electie-server/crash-points,electie-gateway/crash-points \
  --test original_cases --test sync_protocol --test concurrency --test crash_points \
  --test instances --test tally_fault --test restart --test group_commit --test interleavings 2>&1 | tee -a "$log"

step "fuzz smoke: every cargo-fuzz target briefly (fuzz/smoke.sh)"
fuzz/smoke.sh

step "summary"
# cargo's "test result: ok. N passed; M failed; ..." lines and pytest's closing
# "N passed, M failed in Xs" line, added up.
grep -E '^test result:|^=*\s*[0-9]+ (passed|failed)' "$log" | awk '
  { for (i = 2; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
  END { printf "%d passed, %d failed\n", p, f; exit (f > 0) }'

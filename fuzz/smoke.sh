#!/usr/bin/env bash
# A short run of every fuzz target (the smoke run of ./test.sh and CI).
#
#   fuzz/smoke.sh                 # about 5 s per target
#   FUZZ_SECONDS=600 fuzz/smoke.sh open_sealed   # a longer run of one target
#
# cargo-fuzz needs nightly-only flags; RUSTC_BOOTSTRAP=1 lets it run on the stable
# toolchain (as rustls' CI does). Each target starts from its committed seeds
# (corpus/<target>/seed-*) and writes what it finds to a scratch directory, so a smoke
# run changes nothing in the repository. A crash, a timeout (10 s per input) or more
# than 2 GB of memory fails the run; the input is kept in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-5}"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "fuzz/smoke.sh: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi
# -a: debug assertions, so an arithmetic overflow is a crash rather than a wrong result.
cargo fuzz build -a

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
failed=0
for target in "${targets[@]}"; do
    mkdir -p "$scratch/$target"
    log="$scratch/$target.log"
    if cargo fuzz run -a "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
        echo "fuzz $target: ok, $runs executions in ${seconds} s"
    else
        failed=1
        echo "fuzz $target: FAILED"
        tail -40 "$log"
    fi
done
exit "$failed"

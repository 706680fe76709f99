#!/bin/sh
# `electie tally --jobs 1` against `--jobs 2` as whole processes on one generated file:
# the runs are interleaved (1, 2, 1, 2, ...) so that a change in the machine's load
# falls on both alike; wall clock by a monotonic clock around each process, medians of
# `runs`, and the ratio of the medians. Thread scaling is only meaningful on an idle
# machine: the load average is printed before and after.
# Usage: benches/tally_threads.sh [votes=1000000] [runs=9]
# Needs a release build: cargo build --release -p electie-cli (or ELECTIE_BIN=path to
# time another build of the binary, e.g. main's before a change, on the same file).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
votes=${1:-1000000}
runs=${2:-9}
config="$root/data/nrsr_2020"
bin=${ELECTIE_BIN:-"$root/target/release/electie"}
file=$(mktemp /tmp/electie-tally-threads-XXXXXX.jsonl)
trap 'rm -f "$file"' EXIT
python3 "$root/benches/tally_baseline.py" generate "$config" "$file" "$votes" 1
echo "load average before: $(cat /proc/loadavg)"
python3 - "$bin" "$config" "$file" "$votes" "$runs" <<'PY'
import statistics, subprocess, sys, time
bin, config, path, votes, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
def once(jobs):
    start = time.perf_counter()
    subprocess.run([bin, "tally", "--jobs", str(jobs), "--config", config, path],
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start
once(1)  # the file into the page cache
walls = {1: [], 2: []}
for _ in range(runs):
    for jobs in (1, 2):
        walls[jobs].append(once(jobs))
one, two = statistics.median(walls[1]), statistics.median(walls[2])
print(f"electie tally, {votes} votes, medians of {runs} interleaved runs (wall clock):")
print(f"  --jobs 1  {one:.3f} s  ({votes / one / 1e6:.1f} M votes/s)  runs {' '.join(f'{w:.3f}' for w in walls[1])}")
print(f"  --jobs 2  {two:.3f} s  ({votes / two / 1e6:.1f} M votes/s)  runs {' '.join(f'{w:.3f}' for w in walls[2])}")
print(f"  2 threads / 1 thread: {one / two:.2f}x")
PY
echo "load average after: $(cat /proc/loadavg)"

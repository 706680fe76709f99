#!/bin/sh
# `electie tally` end to end against the same job in plain Python, on the same file.
# Usage: benches/tally_cli_vs_python.sh [votes=2000000] [runs=3]
# Needs a release build: cargo build --release -p electie-cli
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
votes=${1:-2000000}
runs=${2:-3}
config="$root/data/nrsr_2020"
bin="$root/target/release/electie"
file=$(mktemp /tmp/electie-tally-e2e-XXXXXX.jsonl)
trap 'rm -f "$file"' EXIT
python3 "$root/benches/tally_baseline.py" generate "$config" "$file" "$votes" 1
seconds() { python3 -c 'import sys,time,subprocess; s=time.perf_counter(); subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); print(time.perf_counter()-s)' "$@"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
py=$(for i in $(seq "$runs"); do python3 "$root/benches/tally_baseline.py" end-to-end "$config" "$file" | python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])'; done | median)
j1=$(for i in $(seq "$runs"); do seconds "$bin" tally --jobs 1 --config "$config" "$file"; done | median)
j2=$(for i in $(seq "$runs"); do seconds "$bin" tally --jobs 2 --config "$config" "$file"; done | median)
python3 - "$votes" "$py" "$j1" "$j2" <<'PY'
import sys
n, py, j1, j2 = int(sys.argv[1]), *map(float, sys.argv[2:])
print(f"electie tally end to end, {n} votes (medians): python {py:.2f} s ({n/py:.0f} votes/s); "
      f"electie --jobs 1 {j1:.3f} s ({n/j1:.0f} votes/s, {py/j1:.1f}x); --jobs 2 {j2:.3f} s ({n/j2:.0f} votes/s, {py/j2:.1f}x)")
PY

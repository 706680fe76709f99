#!/bin/sh
# `electie tally` end to end against the same job in plain Python, on the same file:
# read the JSON lines, parse, validate, count, render results. Two Python baselines:
# `end-to-end` (reads every vote into a list, then validates and counts) and `lean`
# (one pass, json.loads, the rule checks and collections.Counter per line, nothing
# kept but the counters: the fastest plain Python). Both are timed as whole
# processes by /usr/bin/time (wall clock, and user + system CPU time, which a loaded
# machine disturbs less); medians of `runs`.
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
measure() {
    # prints "wall cpu" of one run of the command
    /usr/bin/time -f "%e %U %S" "$@" 2>&1 >/dev/null | tail -1 | awk '{print $1, $2 + $3}'
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for i in $(seq "$runs"); do
    measure python3 "$root/benches/tally_baseline.py" end-to-end "$config" "$file" >> "$file.py"
    measure python3 "$root/benches/tally_baseline.py" lean "$config" "$file" >> "$file.lean"
    measure "$bin" tally --jobs 1 --config "$config" "$file" >> "$file.j1"
    measure "$bin" tally --jobs 2 --config "$config" "$file" >> "$file.j2"
done
py_wall=$(cut -d' ' -f1 "$file.py" | median); py_cpu=$(cut -d' ' -f2 "$file.py" | median)
lean_wall=$(cut -d' ' -f1 "$file.lean" | median); lean_cpu=$(cut -d' ' -f2 "$file.lean" | median)
j1_wall=$(cut -d' ' -f1 "$file.j1" | median); j1_cpu=$(cut -d' ' -f2 "$file.j1" | median)
j2_wall=$(cut -d' ' -f1 "$file.j2" | median); j2_cpu=$(cut -d' ' -f2 "$file.j2" | median)
rm -f "$file.py" "$file.lean" "$file.j1" "$file.j2"
python3 - "$votes" "$runs" "$py_wall" "$py_cpu" "$lean_wall" "$lean_cpu" "$j1_wall" "$j1_cpu" "$j2_wall" "$j2_cpu" <<'PY'
import sys
n, runs = int(sys.argv[1]), int(sys.argv[2])
py_wall, py_cpu, lean_wall, lean_cpu, j1_wall, j1_cpu, j2_wall, j2_cpu = map(float, sys.argv[3:])
print(f"electie tally end to end, {n} votes (medians of {runs} runs, wall clock and user + system CPU):")
print(f"  python end-to-end  wall {py_wall:.2f} s, cpu {py_cpu:.2f} s")
print(f"  python lean        wall {lean_wall:.2f} s, cpu {lean_cpu:.2f} s")
print(f"  --jobs 1           wall {j1_wall:.2f} s ({py_wall / j1_wall:.1f}x end-to-end, {lean_wall / j1_wall:.1f}x lean), cpu {j1_cpu:.2f} s ({py_cpu / j1_cpu:.1f}x, {lean_cpu / j1_cpu:.1f}x lean)")
print(f"  --jobs 2           wall {j2_wall:.2f} s ({py_wall / j2_wall:.1f}x end-to-end, {lean_wall / j2_wall:.1f}x lean, {j1_wall / j2_wall:.2f}x --jobs 1), cpu {j2_cpu:.2f} s")
PY

#!/bin/sh
# `electie tally` end to end against the same job in plain Python, on the same file:
# read the JSON lines, parse, validate, count, render results. Both are timed as whole
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
    measure "$bin" tally --jobs 1 --config "$config" "$file" >> "$file.j1"
    measure "$bin" tally --jobs 2 --config "$config" "$file" >> "$file.j2"
done
py_wall=$(cut -d' ' -f1 "$file.py" | median); py_cpu=$(cut -d' ' -f2 "$file.py" | median)
j1_wall=$(cut -d' ' -f1 "$file.j1" | median); j1_cpu=$(cut -d' ' -f2 "$file.j1" | median)
j2_wall=$(cut -d' ' -f1 "$file.j2" | median); j2_cpu=$(cut -d' ' -f2 "$file.j2" | median)
rm -f "$file.py" "$file.j1" "$file.j2"
python3 - "$votes" "$py_wall" "$py_cpu" "$j1_wall" "$j1_cpu" "$j2_wall" "$j2_cpu" <<'PY'
import sys
n = int(sys.argv[1])
py_wall, py_cpu, j1_wall, j1_cpu, j2_wall, j2_cpu = map(float, sys.argv[2:])
print(f"electie tally end to end, {n} votes (medians):")
print(f"  python     wall {py_wall:.2f} s, cpu {py_cpu:.2f} s")
print(f"  --jobs 1   wall {j1_wall:.2f} s ({py_wall / j1_wall:.1f}x), cpu {j1_cpu:.2f} s ({py_cpu / j1_cpu:.1f}x)")
print(f"  --jobs 2   wall {j2_wall:.2f} s ({py_wall / j2_wall:.1f}x), cpu {j2_cpu:.2f} s")
PY

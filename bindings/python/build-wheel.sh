#!/usr/bin/env bash
# Builds the release wheel and the source distribution of electie into target/wheels/
# at the repository root (ELECTIE_WHEELS overrides), and nothing else there: earlier
# electie wheels and sdists are removed first, so the folder holds exactly one of each.
#
# On Linux the wheel is built with `maturin build --release --zig`: zig (the `ziglang`
# package from PyPI) compiles and links the C and assembly of AWS-LC and the Rust code
# against glibc 2.17, so the wheel is tagged manylinux2014 (manylinux_2_17) whatever
# glibc the build machine has, and one abi3 wheel serves CPython >= 3.9. On macOS and
# Windows the same script builds natively for the machine (no zig, no manylinux tag).
# Extra arguments go to `maturin build`, e.g. `--target aarch64-unknown-linux-gnu`.
#
# The build tools (maturin, ziglang, auditwheel at pinned versions) live in a virtual
# environment beside this script (ELECTIE_PYTHON_VENV overrides), created and filled
# only when missing or when the pins change. A Rust toolchain (cargo) must be on PATH.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

python=${PYTHON:-python3}
venv=${ELECTIE_PYTHON_VENV:-$here/.venv}
out=${ELECTIE_WHEELS:-$root/target/wheels}
tools=("maturin==1.16.0" "ziglang==0.17.1" "auditwheel==6.8.2")

case "$(uname -s)" in
  MINGW* | MSYS* | CYGWIN*) bin="$venv/Scripts" ;;
  *) bin="$venv/bin" ;;
esac
if [ ! -x "$bin/python" ] && [ ! -x "$bin/python.exe" ]; then
  "$python" -m venv "$venv"
fi
stamp="$venv/.electie-build-tools"
if [ "$(cat "$stamp" 2>/dev/null)" != "${tools[*]}" ]; then
  "$bin/python" -m pip install --quiet "${tools[@]}"
  printf '%s' "${tools[*]}" > "$stamp"
fi
# maturin finds zig as `python -m ziglang` with the first python on PATH.
export PATH="$bin:$PATH" VIRTUAL_ENV="$venv"

platform=()
case "$(uname -s)" in
  Linux) platform=(--zig --compatibility manylinux2014) ;;
esac

mkdir -p "$out"
rm -f "$out"/electie-*.whl "$out"/electie-*.tar.gz
cd "$here"
maturin build --release "${platform[@]}" --out "$out" "$@"
maturin sdist --out "$out"
ls -l "$out"/electie-*

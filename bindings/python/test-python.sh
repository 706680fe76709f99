#!/usr/bin/env bash
# Builds the electie wheel with maturin, installs it into a virtual environment beside
# this script, checks the native stubs with mypy.stubtest, type-checks the package
# with mypy --strict and runs pytest (interop
# with the real electiersa 0.1.1, hypothesis, the FastAPI example). Idempotent: the
# environment and the wheel are reused and rebuilt only as needed. Exits non-zero on
# any failure, including pytest collecting no test (its exit code 5).
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}
venv=${ELECTIE_PYTHON_VENV:-.venv}
requirements=(maturin pytest hypothesis fastapi httpx mypy "electiersa==0.1.1" "pydantic>=2,<3")

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
stamp="$venv/.electie-requirements"
if [ "$(cat "$stamp" 2>/dev/null)" != "${requirements[*]}" ]; then
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet "${requirements[@]}"
  printf '%s' "${requirements[*]}" > "$stamp"
fi

# A wheel, as users get it (not an editable install).
wheels=${ELECTIE_PYTHON_WHEELS:-target-wheels}
rm -rf "$wheels"
"$venv/bin/maturin" build --release --quiet --out "$wheels"
"$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "$wheels"/electie-*.whl
# An editable install left by `maturin develop` would shadow the wheel.
rm -f python/electie/_native*.so

echo "==> mypy.stubtest electie._native"
"$venv/bin/python" -m mypy.stubtest electie._native

echo "==> mypy --strict (package and example)"
"$venv/bin/python" -m mypy --strict python/electie examples/fastapi_server.py

echo "==> pytest"
status=0
"$venv/bin/python" -m pytest -q tests "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit "$status"

#!/usr/bin/env bash
# Checks the electie wheel and sdist as users get them:
#   1. build-wheel.sh builds the release abi3 wheel (manylinux2014, with zig) and the
#      sdist into target/wheels/;
#   2. `auditwheel show` must find the wheel consistent with manylinux_2_17 on this
#      machine's architecture and needing no shared library outside that policy;
#   3. the wheel is installed into a fresh virtual environment in a temporary folder,
#      which has never seen the source tree; the native stubs are checked there with
#      mypy.stubtest, and the tests (a copy of tests/ and examples/ in that temporary
#      folder, given the repository's testdata/ and data/ explicitly) run against that
#      install: interop with the real electiersa 0.1.1, hypothesis, the FastAPI example;
#   4. the package source and the example are type-checked with mypy --strict;
#   5. pip builds the sdist from source (the machine's C compiler and cargo, no zig) in
#      another fresh virtual environment, and smoke.py checks that install against the
#      interop vectors and an official seat allocation.
# Tools and the test requirements live in a virtual environment beside this script,
# created and filled only when missing. Extra arguments go to pytest. Exits non-zero on
# any failure, including pytest collecting no test (its exit code 5).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$here"

python=${PYTHON:-python3}
venv=${ELECTIE_PYTHON_VENV:-$here/.venv}
wheels=${ELECTIE_WHEELS:-$root/target/wheels}
requirements=(pytest hypothesis fastapi httpx mypy "electiersa==0.1.1" "pydantic>=2,<3")

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
stamp="$venv/.electie-requirements"
if [ "$(cat "$stamp" 2>/dev/null)" != "${requirements[*]}" ]; then
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet "${requirements[@]}"
  printf '%s' "${requirements[*]}" > "$stamp"
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/electie-wheel-check.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
elapsed() { printf '    (%ds)\n' "$((SECONDS - $1))"; }

echo "==> build-wheel.sh (release abi3 wheel and sdist into $wheels)"
started=$SECONDS
ELECTIE_PYTHON_VENV="$venv" ELECTIE_WHEELS="$wheels" "$here/build-wheel.sh"
elapsed "$started"
shopt -s nullglob
wheel=("$wheels"/electie-*.whl)
sdist=("$wheels"/electie-*.tar.gz)
shopt -u nullglob
if [ "${#wheel[@]}" -ne 1 ] || [ "${#sdist[@]}" -ne 1 ]; then
  echo "expected one wheel and one sdist in $wheels, found ${wheel[*]:-none} and ${sdist[*]:-none}" >&2
  exit 1
fi

echo "==> auditwheel show $(basename "${wheel[0]}")"
arch=$(uname -m)
case "$(basename "${wheel[0]}")" in
  electie-*-cp39-abi3-manylinux2014_"$arch".manylinux_2_17_"$arch".whl) ;;
  *) echo "the wheel is not tagged cp39-abi3-manylinux2014_$arch" >&2; exit 1 ;;
esac
audit=$("$venv/bin/auditwheel" show "${wheel[0]}")
printf '%s\n' "$audit"
# auditwheel names the most compatible policy the wheel meets, and lists the shared
# libraries it needs beyond that policy under "external shared libraries".
audit_line=$(printf '%s\n' "$audit" | tr -s ' \n' ' ')
if [[ "$audit_line" != *"is consistent with the following platform tag: \"manylinux_2_17_$arch\""* ]]; then
  echo "auditwheel does not find the wheel consistent with manylinux_2_17_$arch" >&2
  exit 1
fi
if [[ "$audit_line" == *"external shared libraries"* ]]; then
  echo "the wheel needs shared libraries outside the manylinux policy" >&2
  exit 1
fi

echo "==> the wheel in a fresh virtual environment, away from the source tree"
started=$SECONDS
"$python" -m venv "$scratch/wheel-venv"
"$scratch/wheel-venv/bin/python" -m pip install --quiet "${wheel[0]}" "${requirements[@]}"
mkdir "$scratch/suite"
cp -R "$here/tests" "$here/examples" "$scratch/suite/"
cd "$scratch/suite"
installed=$("$scratch/wheel-venv/bin/python" -c 'import electie; print(electie.__file__)')
if [[ "$installed" != "$scratch/wheel-venv/"* ]]; then
  echo "electie imported from $installed, not from the fresh environment" >&2
  exit 1
fi
echo "electie imported from $installed"
echo "==> mypy.stubtest electie._native (the installed wheel)"
"$scratch/wheel-venv/bin/python" -m mypy.stubtest electie._native
echo "==> pytest (the installed wheel)"
status=0
ELECTIE_TESTDATA="$root/testdata" ELECTIE_DATA="$root/data" \
  "$scratch/wheel-venv/bin/python" -m pytest -q -p no:cacheprovider tests "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
elif [ "$status" -ne 0 ]; then
  exit "$status"
fi
cd "$here"
elapsed "$started"
# The tools' environment gets the same wheel, for bench/bench_decrypt.py.
"$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "${wheel[0]}"

echo "==> mypy --strict (package, example, smoke check)"
"$venv/bin/python" -m mypy --strict python/electie examples/fastapi_server.py smoke.py

echo "==> pip install $(basename "${sdist[0]}") (built from source) in a fresh virtual environment"
started=$SECONDS
"$python" -m venv "$scratch/sdist-venv"
# No pip cache: a wheel cached from an earlier build of the same sdist would skip the
# build. CARGO_TARGET_DIR only keeps compiled dependencies between local runs.
CARGO_TARGET_DIR=${ELECTIE_SDIST_TARGET:-$root/target/sdist-check} \
  "$scratch/sdist-venv/bin/python" -m pip install --quiet --no-cache-dir "${sdist[0]}"
cd "$scratch"
"$scratch/sdist-venv/bin/python" "$here/smoke.py" "$root/testdata"
cd "$here"
elapsed "$started"

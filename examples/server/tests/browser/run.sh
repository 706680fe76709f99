#!/usr/bin/env bash
# The results page in a real browser and the feed observer against a real server.
# Installs what is missing (Debian's chromium with apt-get; Playwright and pytest with
# pip in a venv — never a browser download), builds the two binaries, runs pytest.
# Every server listens on 127.0.0.1 on a port chosen at run time and is stopped by
# the tests; screenshots land in target/results-page/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../../.." && pwd)"
cd "$repo"

if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium (apt-get)"
  if [ "$(id -u)" -eq 0 ]; then apt_get() { apt-get "$@"; }; else apt_get() { sudo apt-get "$@"; }; fi
  apt_get update -qq
  DEBIAN_FRONTEND=noninteractive apt_get install -y -qq chromium >/dev/null
fi

venv="$repo/target/results-page-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import playwright, pytest" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "playwright>=1.40" "pytest>=8"
fi

# ./test.sh passes the binaries its workspace tests built (a `cargo build -p` here would
# build them again with other features); run alone, this builds them.
if [ -z "${ELECTIE_BIN:-}" ] || [ -z "${ELECTIE_SERVER_BIN:-}" ]; then
  cargo build -q -p electie-cli -p electie-server
  export ELECTIE_BIN="$repo/target/debug/electie"
  export ELECTIE_SERVER_BIN="$repo/target/debug/electie-server"
fi
for binary in "$ELECTIE_BIN" "$ELECTIE_SERVER_BIN"; do
  [ -x "$binary" ] || { echo "run.sh: $binary is missing" >&2; exit 1; }
done
# no browser download, ever: the tests launch /usr/bin/chromium by path
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
mkdir -p "$repo/target/results-page"
exec timeout 900 "$venv/bin/python" -m pytest -q -p no:cacheprovider "$here" "$@"

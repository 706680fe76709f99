#!/usr/bin/env bash
# Runs electie-server's tests against a throwaway PostgreSQL cluster as well as SQLite.
#
# Installs Debian's `postgresql` when it is missing, starts a cluster of its own in a
# temporary directory (its own port, chosen free at run time, and socket directory,
# listening on 127.0.0.1 only), gives its URL to the tests in ELECTIE_TEST_POSTGRES_URL
# and stops it when done, whatever happens. Extra arguments go to `cargo test`; without
# `-p`/`--package`/`--workspace` among them, the tests are electie-server's.
set -euo pipefail
cd "$(dirname "$0")/../../.."

if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

work=$(mktemp -d /tmp/electie-pg.XXXXXX)
chown postgres "$work"
chmod 700 "$work"
stop() {
  runuser -u postgres -- "$bin/pg_ctl" -D "$work/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
runuser -u postgres -- "$bin/initdb" -D "$work/data" -A trust -U postgres --no-instructions >/dev/null
runuser -u postgres -- "$bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
  -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null

export ELECTIE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway cluster in $work)"
scope=(-p electie-server)
for arg in "$@"; do
  case "$arg" in -p | --package | --package=* | --workspace) scope=() ;; esac
done
cargo test "${scope[@]}" "$@"

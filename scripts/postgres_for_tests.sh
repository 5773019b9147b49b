#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the test suite and print its URL (for LAPOR_TEST_POSTGRES_URL).
#   scripts/postgres_for_tests.sh start   → installs Debian's postgresql if missing, starts a cluster in
#                                           a temporary folder on 127.0.0.1:55432, prints the URL
#   scripts/postgres_for_tests.sh stop    → stops it and deletes the folder
# The cluster trusts local connections and runs without fsync: it is for tests only.
set -euo pipefail
PORT="${LAPOR_TEST_POSTGRES_PORT:-55432}"
DATA="${TMPDIR:-/tmp}/lapor-test-postgres-$PORT"
URL="postgresql+psycopg://lapor@127.0.0.1:$PORT/postgres"

as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi
}

bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

case "${1:-start}" in
  start)
    if [ -z "$(bin_dir)" ]; then
      echo "installing Debian's postgresql (first run only)" >&2
      SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
      $SUDO apt-get update -qq >&2 && $SUDO env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends postgresql >&2
    fi
    BIN="$(bin_dir)"
    if as_postgres "$BIN/pg_ctl -D $DATA status" >/dev/null 2>&1; then
      echo "$URL"; exit 0
    fi
    rm -rf "$DATA" && mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres "$DATA"
    as_postgres "$BIN/initdb -D $DATA -A trust -U lapor >/dev/null"
    as_postgres "$BIN/pg_ctl -D $DATA -l $DATA/server.log -w -o '-k $DATA -p $PORT -c listen_addresses=127.0.0.1 \
      -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200' start >/dev/null"
    echo "$URL"
    ;;
  stop)
    BIN="$(bin_dir)"
    [ -n "$BIN" ] && as_postgres "$BIN/pg_ctl -D $DATA -m fast stop >/dev/null" 2>/dev/null || true
    rm -rf "$DATA"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Tests the sync server (sync-server/) against SQLite (a temporary file per test) and against
# a real PostgreSQL that this script starts (installing it with apt when missing). When no
# PostgreSQL can be started, the PostgreSQL suite prints SKIPPED and the reason.
# Usage: ./scripts/test-server.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_rust

# argon2id (19 MiB, t=2) takes ~1 s per hash unoptimized; tests hash a few hundred passwords.
CARGO_FLAGS=(--config 'profile.dev.package.argon2.opt-level=3' --config 'profile.dev.package.blake2.opt-level=3')
PKG=(-p lifepath-sync-server)

echo "=== server: build ==="
cargo test "${CARGO_FLAGS[@]}" "${PKG[@]}" --no-run

echo "=== server: tests on SQLite ==="
LIFEPATH_TEST_PG_URL= cargo test "${CARGO_FLAGS[@]}" "${PKG[@]}" --no-fail-fast

echo "=== server: tests on PostgreSQL (the SIGKILL test runs on the SQLite default only) ==="
PG_USER=lifepath_test
PG_PASS=lifepath_test
PG_PORT=${LIFEPATH_TEST_PG_PORT:-5432}
skip_pg() {
  echo "=== server: PostgreSQL suite SKIPPED: $1 ==="
  exit 0
}
if [ -n "${LIFEPATH_TEST_PG_URL:-}" ]; then
  PG_URL=$LIFEPATH_TEST_PG_URL
else
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      ensure_apt postgresql || skip_pg "apt-get install postgresql failed"
    else
      skip_pg "PostgreSQL is not installed and this user cannot apt-get install it"
    fi
  fi
  [ "$(id -u)" = 0 ] || skip_pg "starting the PostgreSQL cluster needs root (or set LIFEPATH_TEST_PG_URL)"
  command -v pg_lsclusters >/dev/null || skip_pg "pg_lsclusters not found (postgresql-common missing)"
  cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
  if [ -z "$cluster" ]; then
    ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
    pg_createcluster "$ver" main >/dev/null || skip_pg "pg_createcluster $ver main failed"
    cluster="$ver main"
  fi
  # shellcheck disable=SC2086
  set -- $cluster
  pg_ctlcluster "$1" "$2" start 2>/dev/null || true
  pg_lsclusters -h | awk -v v="$1" -v n="$2" '$1==v && $2==n {print $4}' | grep -q online \
    || skip_pg "cluster $1/$2 did not come online"
  PG_PORT=$(pg_lsclusters -h | awk -v v="$1" -v n="$2" '$1==v && $2==n {print $3}')
  psql_admin() { su postgres -c "psql -p $PG_PORT -v ON_ERROR_STOP=1 -tAc \"$1\""; }
  if [ "$(psql_admin "select 1 from pg_roles where rolname = '$PG_USER'")" != 1 ]; then
    psql_admin "create role $PG_USER login createdb password '$PG_PASS'" >/dev/null \
      || skip_pg "could not create role $PG_USER"
  fi
  PG_URL="postgres://$PG_USER:$PG_PASS@127.0.0.1:$PG_PORT/postgres"
fi

status=0
LIFEPATH_TEST_PG_URL=$PG_URL cargo test "${CARGO_FLAGS[@]}" "${PKG[@]}" --no-fail-fast --tests || status=$?

# Each test made its own lp_test_* database; drop them.
if [ -z "${LIFEPATH_TEST_PG_URL:-}" ] && [ "$(id -u)" = 0 ]; then
  for db in $(su postgres -c "psql -p $PG_PORT -tAc \"select datname from pg_database where datname like 'lp_test_%'\""); do
    su postgres -c "psql -p $PG_PORT -qc 'drop database if exists $db'" >/dev/null 2>&1 || true
  done
fi
exit $status

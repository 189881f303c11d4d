# PostgreSQL for the test scripts (sourced). `pg_start` sets PG_URL to an admin URL of a running
# server — LIFEPATH_TEST_PG_URL when given, else the local cluster, started (and installed with
# apt) when needed, with a `lifepath_test` role — or, when none can be had, PG_URL empty and
# PG_SKIP saying why. `pg_drop_test_databases` removes the lp_test_* databases tests created.
PG_USER=lifepath_test
PG_PASS=lifepath_test
PG_PORT=${LIFEPATH_TEST_PG_PORT:-5432}

pg_start() {
  PG_URL=""
  PG_SKIP=""
  if [ -n "${LIFEPATH_TEST_PG_URL:-}" ]; then
    PG_URL=$LIFEPATH_TEST_PG_URL
    return 0
  fi
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      ensure_apt postgresql || { PG_SKIP="apt-get install postgresql failed"; return 0; }
    else
      PG_SKIP="PostgreSQL is not installed and this user cannot apt-get install it"; return 0
    fi
  fi
  [ "$(id -u)" = 0 ] || { PG_SKIP="starting the PostgreSQL cluster needs root (or set LIFEPATH_TEST_PG_URL)"; return 0; }
  command -v pg_lsclusters >/dev/null || { PG_SKIP="pg_lsclusters not found (postgresql-common missing)"; return 0; }
  local cluster ver
  cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
  if [ -z "$cluster" ]; then
    ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
    pg_createcluster "$ver" main >/dev/null || { PG_SKIP="pg_createcluster $ver main failed"; return 0; }
    cluster="$ver main"
  fi
  # shellcheck disable=SC2086
  set -- $cluster
  pg_ctlcluster "$1" "$2" start 2>/dev/null || true
  pg_lsclusters -h | awk -v v="$1" -v n="$2" '$1==v && $2==n {print $4}' | grep -q online \
    || { PG_SKIP="cluster $1/$2 did not come online"; return 0; }
  PG_PORT=$(pg_lsclusters -h | awk -v v="$1" -v n="$2" '$1==v && $2==n {print $3}')
  if [ "$(pg_admin_sql "select 1 from pg_roles where rolname = '$PG_USER'")" != 1 ]; then
    pg_admin_sql "create role $PG_USER login createdb password '$PG_PASS'" >/dev/null \
      || { PG_SKIP="could not create role $PG_USER"; return 0; }
  fi
  PG_URL="postgres://$PG_USER:$PG_PASS@127.0.0.1:$PG_PORT/postgres"
}

pg_admin_sql() { su postgres -c "psql -p $PG_PORT -v ON_ERROR_STOP=1 -tAc \"$1\""; }

pg_drop_test_databases() {
  if [ -z "${LIFEPATH_TEST_PG_URL:-}" ] && [ "$(id -u)" = 0 ] && [ -n "${PG_URL:-}" ]; then
    for db in $(pg_admin_sql "select datname from pg_database where datname like 'lp_test_%'" 2>/dev/null); do
      su postgres -c "psql -p $PG_PORT -qc 'drop database if exists $db'" >/dev/null 2>&1 || true
    done
  fi
}

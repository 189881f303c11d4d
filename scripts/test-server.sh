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

# A real OpenID provider on loopback for tests/oidc.rs: npm oidc-provider (tests/oidc/).
ensure_node
npm_ci_dir tests/oidc
oidc_log=$(mktemp)
node tests/oidc/provider.mjs 0 >"$oidc_log" 2>&1 &
oidc_pid=$!
trap 'kill $oidc_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q '^http' "$oidc_log" && break
  sleep 0.1
done
LIFEPATH_TEST_OIDC_ISSUER=$(grep -m1 '^http' "$oidc_log" || true)
[ -n "$LIFEPATH_TEST_OIDC_ISSUER" ] || { cat "$oidc_log"; echo "the test OpenID provider did not start"; exit 1; }
export LIFEPATH_TEST_OIDC_ISSUER
echo "=== server: OpenID provider (oidc-provider) at $LIFEPATH_TEST_OIDC_ISSUER ==="

echo "=== server: tests on SQLite ==="
LIFEPATH_TEST_PG_URL= cargo test "${CARGO_FLAGS[@]}" "${PKG[@]}" --no-fail-fast

echo "=== server: HTTP fuzz run (schemathesis against /openapi.json, SQLite) ==="
bash scripts/test-fuzz-http.sh

echo "=== server: load checks (quota exports' memory, 20,000 idle connections, bounded shutdown) ==="
bash scripts/test-limits-load.sh

echo "=== server: tests on PostgreSQL (the SIGKILL test runs on the SQLite default only) ==="
source scripts/pg.sh
pg_start
if [ -z "$PG_URL" ]; then
  echo "=== server: PostgreSQL suite SKIPPED: $PG_SKIP ==="
  exit 0
fi

status=0
LIFEPATH_TEST_PG_URL=$PG_URL cargo test "${CARGO_FLAGS[@]}" "${PKG[@]}" --no-fail-fast --tests || status=$?

# Each test made its own lp_test_* database; drop them.
pg_drop_test_databases
exit $status

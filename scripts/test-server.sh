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

# A real SMTP server on loopback for tests/password_reset.rs: Python's aiosmtpd
# (tests/smtp/server.py writes each message it receives to a file).
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
  command -v pip3 >/dev/null 2>&1 || command -v pip >/dev/null 2>&1 || ensure_apt python3-pip
  PIP=$(command -v pip3 || command -v pip)
  "$PIP" install --quiet 'aiosmtpd==1.4.6' || "$PIP" install --quiet --break-system-packages 'aiosmtpd==1.4.6'
fi
LIFEPATH_TEST_SMTP_DIR=$(mktemp -d)
smtp_log=$(mktemp)
python3 tests/smtp/server.py "$LIFEPATH_TEST_SMTP_DIR" >"$smtp_log" 2>&1 &
smtp_pid=$!
trap 'kill $oidc_pid $smtp_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q '^smtp://' "$smtp_log" && break
  sleep 0.1
done
LIFEPATH_TEST_SMTP_URL=$(grep -m1 '^smtp://' "$smtp_log" || true)
[ -n "$LIFEPATH_TEST_SMTP_URL" ] || { cat "$smtp_log"; echo "the test SMTP server did not start"; exit 1; }
export LIFEPATH_TEST_SMTP_URL LIFEPATH_TEST_SMTP_DIR
echo "=== server: SMTP server (aiosmtpd) at $LIFEPATH_TEST_SMTP_URL ==="

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

#!/usr/bin/env bash
# Sync across parts (DESIGN §4):
#   - the property test: N native SyncEngine devices against a real server over HTTP (SQLite),
#     hundreds of random schedules (PROPTEST_CASES, default 256);
#   - a device away longer than the server keeps tombstones gets the deletions anyway;
#   - two server processes (the real binary) on one PostgreSQL with concurrent pushers (started
#     here like the server suite's; SKIPPED with the reason when none can be had);
#   - the npm package's JS SyncEngine against a running server binary (Node);
#   - the sync benchmark once, small and unoptimized (figures for the README: the release run,
#     `cargo run --release -p lifepath-sync-tests --bin sync-bench`).
# Installs what it needs, idempotently.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
source scripts/pg.sh
ensure_rust

CARGO_FLAGS=(--locked --config 'profile.dev.package.argon2.opt-level=3' --config 'profile.dev.package.blake2.opt-level=3')
TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

echo "--- sync: build the server binary and the tests"
cargo build "${CARGO_FLAGS[@]}" -p lifepath-sync-server --bin lifepath-server
cargo test "${CARGO_FLAGS[@]}" -p lifepath-sync-tests --no-run

echo "--- sync: property test, devices against a real server on SQLite (${PROPTEST_CASES:-256} schedules)"
cargo test "${CARGO_FLAGS[@]}" -p lifepath-sync-tests --test convergence

echo "--- sync: a device away longer than the server keeps tombstones (410 cursor_expired, pull again)"
cargo test "${CARGO_FLAGS[@]}" -p lifepath-sync-tests --test purge

echo "--- sync: two server processes on one PostgreSQL"
pg_start
if [ -n "$PG_URL" ]; then
  status=0
  LIFEPATH_TEST_PG_URL=$PG_URL LIFEPATH_SERVER_BIN="$TARGET_DIR/debug/lifepath-server" \
    cargo test "${CARGO_FLAGS[@]}" -p lifepath-sync-tests --test many_instances -- --nocapture || status=$?
  pg_drop_test_databases
  [ $status = 0 ] || exit $status
else
  echo "--- sync: two-instance PostgreSQL test SKIPPED: $PG_SKIP"
fi

echo "--- sync: the npm package's SyncEngine against a running server (Node)"
ensure_wasm_pkg
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DATABASE_URL="sqlite://$tmp/node-sync.db" LIFEPATH_BIND="127.0.0.1:$port" LIFEPATH_REGISTRATIONS_PER_IP_PER_HOUR=0 \
  LIFEPATH_JWT_SECRET=node-sync-test-secret-node-sync-test \
  LIFEPATH_ENCRYPTION_KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= LIFEPATH_LOG=warn \
  "$TARGET_DIR/debug/lifepath-server" >"$tmp/server.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$tmp/server.log"; exit 1; }
LIFEPATH_TEST_SERVER="http://127.0.0.1:$port" node --test tests/node/sync-server.test.mjs tests/node/client.test.mjs

echo "--- sync: benchmark, 2,000 records, unoptimized build (README figures: --release, 10,000)"
"$TARGET_DIR/debug/sync-bench" --n 2000
echo "--- sync: all passed"

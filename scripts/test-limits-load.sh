#!/usr/bin/env bash
# Issue 20's load checks on the real server binary (debug build, as the other test scripts),
# printing what they measure (scripts/limits_load.py):
#   - a user at the storage quota (100 MB), three concurrent exports: resident memory rises
#     < 64 MB; a pull page stays under 4 MiB;
#   - 20,000 idle connections open: /healthz answers in < 50 ms; SIGTERM with slow clients open
#     ends the process within the shutdown timeout.
# Called by scripts/test-server.sh. Usage: ./scripts/test-limits-load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_rust

CARGO_FLAGS=(--config 'profile.dev.package.argon2.opt-level=3' --config 'profile.dev.package.blake2.opt-level=3')
TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build "${CARGO_FLAGS[@]}" -p lifepath-sync-server --bin lifepath-server
N="${LOAD_CONNECTIONS:-20000}"

tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

start_server() { # name, extra env...
  local name=$1; shift
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  base="http://127.0.0.1:$port"
  env DATABASE_URL="sqlite://$tmp/$name.db" LIFEPATH_BIND="127.0.0.1:$port" \
    LIFEPATH_REGISTRATIONS_PER_IP_PER_HOUR=0 LIFEPATH_LOG=warn "$@" \
    "$TARGET_DIR/debug/lifepath-server" >"$tmp/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 150); do
    curl -fsS "$base/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "the server did not start:"; cat "$tmp/$name.log"; exit 1
}

ONLY="${LOAD_ONLY:-}"   # memory | connections (default: both)
if [ "$ONLY" != connections ]; then
  echo "--- limits-load: memory of exports at the quota"
  start_server memory
  python3 scripts/limits_load.py memory "$base" "$pid"
  kill "$pid"; wait "$pid" 2>/dev/null || true
fi
[ "$ONLY" = memory ] && exit 0

echo "--- limits-load: $N idle connections"
# The server raises its soft file limit to the hard one and caps connections at 3/4 of it.
# Long header/idle timeouts here, so that only the cap (not a timeout) sheds connections while
# they are opened; the timeouts themselves are tested in sync-server/tests/connections.rs.
echo "open-file limit (hard): $(ulimit -Hn)"
start_server connections LIFEPATH_SHUTDOWN_TIMEOUT_SECS=3 LIFEPATH_HEADER_TIMEOUT_SECS=300 \
  LIFEPATH_IDLE_TIMEOUT_SECS=300
python3 scripts/limits_load.py connections "$base" "$pid" "$N" 3
wait "$pid" 2>/dev/null || true

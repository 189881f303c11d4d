#!/usr/bin/env bash
# Server benchmark (DESIGN §6): starts a release lifepath-server on a fresh SQLite file and runs
# the load generator (sync-server/examples/loadgen.rs): authenticated snapshot reads/s and p99
# at 64 connections, upserts/s, read p99 during a login storm, RSS idle and under load.
# Usage: ./scripts/bench-server.sh [seconds-per-phase]   (default 10)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/scripts/lib.sh"
ensure_rust
cd "$ROOT"
SECS=${1:-10}
cargo build --release -p lifepath-sync-server --bin lifepath-server --example loadgen
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
WORK=$(mktemp -d)
PORT=${LIFEPATH_BENCH_PORT:-18181}
DATABASE_URL="sqlite://$WORK/bench.db" LIFEPATH_BIND="127.0.0.1:$PORT" \
  LIFEPATH_TRUST_FORWARDED_FOR=true LIFEPATH_LOG=warn \
  "$TARGET_DIR/release/lifepath-server" >"$WORK/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
echo "=== lifepath-server benchmark: SQLite, $(nproc) cores, ${SECS}s per phase ==="
"$TARGET_DIR/release/examples/loadgen" "http://127.0.0.1:$PORT" "$PID" "$SECS"

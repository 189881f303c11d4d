#!/usr/bin/env bash
# The main job: builds the npm package (when missing or stale) and the web demo, then starts the
# sync server on the embedded SQLite default at http://127.0.0.1:8080 serving the demo at `/`
# (LIFEPATH_STATIC_DIR=web-demo/dist). Flags pass through to the server, e.g.
#   ./scripts/run.sh --bind 0.0.0.0:8080
# Without the server sources it prints a budget report computed by lifepath-core instead.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_rust
if [ -f scripts/run-server.sh ] && [ -d sync-server ]; then
  if [ -d web-demo ] && [ -z "${LIFEPATH_STATIC_DIR:-}" ]; then
    build_web_demo
    export LIFEPATH_STATIC_DIR="$PWD/web-demo/dist"
  fi
  exec bash scripts/run-server.sh "$@"
fi
exec cargo run --release --locked -q -p lifepath-core --example report -- "$@"

#!/usr/bin/env bash
# The main job. With the sync server built, it starts the server on the embedded SQLite default
# (serving the web demo at / when it exists). Until then it prints a real budget report computed
# by lifepath-core from a shared fixture.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_rust
if [ -f scripts/run-server.sh ] && [ -d sync-server ]; then
  exec bash scripts/run-server.sh "$@"
fi
exec cargo run --release --locked -q -p lifepath-core --example report -- "$@"

#!/usr/bin/env bash
# Starts the lifepath sync server on the embedded SQLite default (sqlite://lifepath.db in the
# current directory) at http://127.0.0.1:8080. Development mode: secrets are generated once
# into lifepath.secrets.json beside the database (mode 0600). Any flag is passed on, e.g.
#   ./scripts/run-server.sh --bind 0.0.0.0:8080 --database-url sqlite://data/lifepath.db
# The web demo is served at / from LIFEPATH_STATIC_DIR; when that is unset and a built demo
# exists (web-demo/dist, see ./scripts/run.sh), it is used. See .env.example for every setting.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/scripts/lib.sh"
ensure_rust
cargo build --release --manifest-path "$ROOT/Cargo.toml" -p lifepath-sync-server --bin lifepath-server
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
if [ -z "${LIFEPATH_STATIC_DIR:-}" ] && [ -f "$ROOT/web-demo/dist/index.html" ]; then
  export LIFEPATH_STATIC_DIR="$ROOT/web-demo/dist"
fi
[ -n "${LIFEPATH_STATIC_DIR:-}" ] && echo "serving the web demo from $LIFEPATH_STATIC_DIR at /"
exec "$TARGET_DIR/release/lifepath-server" "$@"

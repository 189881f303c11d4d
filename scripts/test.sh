#!/usr/bin/env bash
# Runs every test of lifepath on a fresh Debian machine. Installs what it needs, idempotently.
# Usage: ./scripts/test.sh            (all parts)
#        ./scripts/test.sh core wasm  (only some parts)
set -euo pipefail
cd "$(dirname "$0")/.."

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(core wasm server sync demo)

for part in "${parts[@]}"; do
  script="scripts/test-$part.sh"
  if [ -f "$script" ]; then
    echo "=== lifepath: testing $part ==="
    bash "$script"
  else
    echo "=== lifepath: no $script yet: part '$part' SKIPPED (not built yet) ==="
  fi
done
echo "=== lifepath: all requested parts passed ==="

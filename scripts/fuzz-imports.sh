#!/usr/bin/env bash
# Fuzzes the bank file readers of lifepath-core (issue 15): CSV (layout guessed, then read), QIF,
# OFX/QFX, and the whole import (format recognised, rows categorised) — cargo-fuzz (libFuzzer on
# nightly Rust), each target for a bounded time, seeded with the corpus in core/fuzz/corpus/ (the
# fixtures of tests/fixtures/imports/). New inputs go to a temporary directory, so a run leaves
# the repository unchanged; a crash fails the run and leaves its input in
# core/fuzz/artifacts/<target>/. Slow, so not part of the README's test command.
# Installs what it needs, idempotently: nightly Rust (minimal profile) and cargo-fuzz.
#
# Usage: ./scripts/fuzz-imports.sh                 (60 s per target)
#        FUZZ_SECONDS=600 ./scripts/fuzz-imports.sh import_ofx
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_rust

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked

seconds=${FUZZ_SECONDS:-60}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(import_csv import_qif import_ofx import_file)

cd core/fuzz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in "${targets[@]}"; do
  echo "--- fuzz-imports: $t for ${seconds}s"
  mkdir -p "$tmp/$t"
  start=$(date +%s)
  # -rss_limit_mb: a reader must not need more than 2 GiB for a 64 KiB input.
  if ! cargo +nightly fuzz run "$t" "$tmp/$t" "corpus/$t" -- \
      -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 2> "$tmp/$t.log"; then
    tail -40 "$tmp/$t.log"
    echo "=== fuzz-imports: $t FAILED: a crash, leak or timeout (input in core/fuzz/artifacts/$t/) ==="
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$tmp/$t.log" | grep -o '[0-9]*$' || echo '?')
  echo "    $t: $runs inputs in $(( $(date +%s) - start ))s, 0 crashes ($(ls "$tmp/$t" | wc -l) new corpus entries, not kept)"
done
echo "=== fuzz-imports: all targets ran without a crash ==="

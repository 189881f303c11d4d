#!/usr/bin/env bash
# lifepath-core: formatting, lints, unit/property/fixture tests, and the wasm32 build check.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_rust

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The npm package's other modules (lifepath/actuals, lifepath/insights): the wasm crate with
# other features.
cargo clippy -p lifepath --no-default-features --features actuals --target wasm32-unknown-unknown --locked -- -D warnings
cargo clippy -p lifepath --no-default-features --features insights --target wasm32-unknown-unknown --locked -- -D warnings
cargo test -p lifepath-core --locked
# The common-passwords list (a feature the server turns on, the npm package leaves off).
cargo test -p lifepath-core --locked --features common-passwords --lib password_policy
# Core must build for the browser (no I/O, no clock, no randomness).
cargo build -p lifepath-core --target wasm32-unknown-unknown --locked
# The benchmark compiles and runs once (figures: cargo bench -p lifepath-core --bench analytics).
cargo bench -p lifepath-core --bench analytics --locked -- --test
# The import benchmark too (figures: cargo bench -p lifepath-core --bench import).
cargo bench -p lifepath-core --bench import --locked -- --test
# The insight derivation benchmark too (figures: cargo bench -p lifepath-core --bench insights).
cargo bench -p lifepath-core --bench insights --locked -- --test

#!/usr/bin/env bash
# The npm package `lifepath` (wasm/): builds it for the web, bundler and nodejs targets, then
#   - wasm/scripts/client-types.sh --check   lifepath/client's types regenerated from the
#                                    server's OpenAPI document and diffed with the checked-in ones;
#   - node --test tests/node/        every export against the shared fixtures, plus error cases;
#   - wasm-pack test --headless --chrome wasm   the bindings in Debian's Chromium;
#   - tests/vite-app                 strict `tsc --noEmit` of an example using every export (and
#                                    the REST client, wrong calls refused at compile time), a
#                                    Vite build, and the page in headless Chromium (Playwright);
#   - the size check (< 250 KiB gzip) and the Node benchmark once, short: the package against
#     plain JavaScript (scripts/plain-js.mjs) over the same snapshots, as ratios.
# Installs what it needs, idempotently: the wasm32 target, wasm-pack, wasm-bindgen-cli (the exact
# version of Cargo.lock), npm packages (npm ci), Chromium and chromedriver (apt).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_rust

# Tools that are not preinstalled.
command -v node >/dev/null 2>&1 || ensure_apt nodejs npm
command -v wasm-pack >/dev/null 2>&1 || cargo install --locked wasm-pack
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]; then
  # --locked can fail when the registry lacks a locked transitive version; retry unlocked.
  cargo install --locked wasm-bindgen-cli --version "$bindgen_version" \
    || cargo install wasm-bindgen-cli --version "$bindgen_version"
fi
ensure_apt chromium chromium-driver

# npm ci only when node_modules is missing or older than the lock file.
npm_ci() {
  if [ ! -f "$1/node_modules/.package-lock.json" ] || [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
    # npm ci, or npm install when npm ci refuses the lock: with this machine's npmrc
    # (omit-lockfile-registry-resolved) npm 11 writes locks without rollup's platform-optional
    # packages, which `npm ci` then calls out of sync.
    (cd "$1" && { npm ci --no-audit --no-fund || npm install --no-audit --no-fund; })
  fi
}

echo "--- wasm: native unit tests of the bindings"
cargo test -p lifepath --locked --quiet

echo "--- wasm: build the npm package (wasm/build.sh)"
npm_ci wasm
bash wasm/build.sh

echo "--- wasm: lifepath/client's types match the server's OpenAPI document (regenerated, diffed)"
bash wasm/scripts/client-types.sh --check

echo "--- wasm: node --test tests/node/ (the built package, fixtures and errors)"
node --test tests/node/

echo "--- wasm: wasm-pack test --headless --chrome (Debian's Chromium)"
wasm-pack test --headless --chrome wasm

echo "--- wasm: Vite app in headless Chromium (tests/vite-app)"
npm_ci tests/vite-app
# The package is a file: dependency (a symlink to wasm/pkg), so it is always the fresh build.
(cd tests/vite-app && npx tsc --noEmit && npx tsc -p tsconfig.node.json && npx vite build && node test.mjs)

echo "--- wasm: size check"
node wasm/scripts/size.mjs

echo "--- wasm: Node benchmark against plain JavaScript, short (full: node wasm/scripts/bench.mjs)"
node wasm/scripts/bench.mjs --fast
echo "--- wasm: bank CSV import through lifepath/actuals, short (full: node wasm/scripts/bench-import.mjs)"
node wasm/scripts/bench-import.mjs --fast
echo "--- wasm: all passed"

# Shared helpers for the scripts (sourced). Every install step is idempotent.

# Rust with the wasm32 target, rustfmt and clippy.
ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] || curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
  rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown \
    || rustup target add wasm32-unknown-unknown
}

# apt packages, installed only when missing.
ensure_apt() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}

# Node and npm (Debian's), when missing.
ensure_node() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || ensure_apt nodejs npm
}

# The tools wasm/build.sh needs beyond Rust: wasm-pack and wasm-bindgen-cli at exactly the
# version of the wasm-bindgen crate in Cargo.lock (see ../shared/TOOLCHAIN.md).
ensure_wasm_tools() {
  ensure_node
  command -v wasm-pack >/dev/null 2>&1 || cargo install --locked wasm-pack
  local want
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    cargo install --locked wasm-bindgen-cli --version "$want" \
      || cargo install wasm-bindgen-cli --version "$want"
  fi
}

# `npm ci` in $1 when node_modules is missing or older than the lock file; `npm install` when
# npm ci refuses the lock (this machine's npmrc writes locks without rollup's platform builds).
npm_ci_dir() {
  if [ ! -f "$1/node_modules/.package-lock.json" ] || [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
    (cd "$1" && { npm ci --no-audit --no-fund || npm install --no-audit --no-fund; })
  fi
}

# The npm package in wasm/pkg, (re)built when missing or older than its sources.
ensure_wasm_pkg() {
  # Its dev tools, and openapi-fetch for lifepath/client (the Node tests import the built files).
  npm_ci_dir wasm
  if [ ! -f wasm/pkg/package.json ] || [ ! -f wasm/pkg/web/lifepath_bg.wasm ] \
    || [ -n "$(find core/src wasm/src wasm/npm wasm/Cargo.toml core/Cargo.toml Cargo.lock -newer wasm/pkg/package.json -print -quit 2>/dev/null)" ]; then
    ensure_wasm_tools
    bash wasm/build.sh
  fi
}

# The web demo (web-demo/dist), built on the package in wasm/pkg (strict tsc, then vite build).
build_web_demo() {
  ensure_wasm_pkg
  npm_ci_dir web-demo
  (cd web-demo && npx --no-install tsc --noEmit && npx --no-install tsc -p tsconfig.node.json && npx --no-install vite build)
}

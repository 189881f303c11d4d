#!/usr/bin/env bash
# Builds the npm package `lifepath` into wasm/pkg/:
#   1. wasm-pack for the web, bundler and nodejs targets into pkg-web/, pkg-bundler/,
#      pkg-nodejs/ (profile wasm-release; wasm-opt -Oz from the npm `binaryen` package,
#      never Debian's, see ../../shared/TOOLCHAIN.md);
#   2. assembles pkg/ = npm/package.json (version from Cargo.toml) + npm/README.md + the three
#      builds, plus a small ESM entry for Node so one `import` works everywhere, plus the
#      `lifepath/sync` module (npm/sync/).
# Needs: wasm32-unknown-unknown, wasm-pack, wasm-bindgen-cli (= the pinned wasm-bindgen), npm.
set -euo pipefail
cd "$(dirname "$0")"

[ -x node_modules/.bin/wasm-opt ] || npm ci --no-audit --no-fund
export PATH="$PWD/node_modules/.bin:$PATH"

for target in web bundler nodejs; do
  rm -rf "pkg-$target/snippets"
  wasm-pack --quiet build . --profile wasm-release --target "$target" \
    --out-dir "pkg-$target" --out-name lifepath --no-pack
done

# lifepath/actuals (bank file import and actuals) and lifepath/insights (the insight feed): each
# its own module (the crate's feature of that name without the main one), for the web (also what
# bundlers take) and for Node.
for module in actuals insights; do
  for target in web nodejs; do
    rm -rf "pkg-$module-$target/snippets"
    wasm-pack --quiet build . --profile wasm-release --target "$target" \
      --out-dir "pkg-$module-$target" --out-name "$module" --no-pack \
      -- --no-default-features --features "$module"
  done
done

version=$(sed -n 's/^version = "\(.*\)"/\1/p' ../Cargo.toml | head -1)
rm -rf pkg
mkdir -p pkg/web pkg/bundler pkg/node pkg/sync pkg/client
for f in lifepath.js lifepath.d.ts lifepath_bg.wasm lifepath_bg.wasm.d.ts; do
  cp "pkg-web/$f" pkg/web/
done
for f in lifepath.js lifepath_bg.js lifepath.d.ts lifepath_bg.wasm lifepath_bg.wasm.d.ts; do
  cp "pkg-bundler/$f" pkg/bundler/
done
for f in lifepath.js lifepath.d.ts lifepath_bg.wasm lifepath_bg.wasm.d.ts; do
  cp "pkg-nodejs/$f" pkg/node/
done
# The JavaScript half of a few exports (wasm-bindgen `inline_js`: the loop that builds the
# points of computeTrends), imported by each build's lifepath.js.
for target in web bundler nodejs; do
  dir=$([ "$target" = nodejs ] && echo node || echo "$target")
  cp -r "pkg-$target/snippets" "pkg/$dir/"
done
# The nodejs build `require`s its snippets, but wasm-bindgen writes them as ES modules: make
# them CommonJS (the folder is CommonJS, see below), and check that nothing was missed.
find pkg/node/snippets -name '*.js' -exec \
  sed -i 's/^export function \([A-Za-z0-9_]*\)/exports.\1 = function \1/' {} +
if grep -rqE '^\s*(export|import)\b' pkg/node/snippets; then
  echo "build.sh: a nodejs snippet still has ES module syntax" >&2
  exit 1
fi
for module in actuals insights; do
  mkdir -p "pkg/$module/web" "pkg/$module/node"
  for f in "$module.js" "$module.d.ts" "${module}_bg.wasm" "${module}_bg.wasm.d.ts"; do
    cp "pkg-$module-web/$f" "pkg/$module/web/"
    cp "pkg-$module-nodejs/$f" "pkg/$module/node/"
  done
  sed -i '/^export interface InitOutput/,/^}/ s/\bany\b/unknown/g' "pkg/$module/web/$module.d.ts"
  sed -i '/\[Symbol\.dispose\]()/d' "pkg/$module/web/$module.d.ts" "pkg/$module/node/$module.d.ts"
  cp -r "pkg-$module-web/snippets" "pkg/$module/web/"
  cp -r "pkg-$module-nodejs/snippets" "pkg/$module/node/"
  find "pkg/$module/node/snippets" -name '*.js' -exec \
    sed -i 's/^export function \([A-Za-z0-9_]*\)/exports.\1 = function \1/' {} +
  if grep -rqE '^\s*(export|import)\b' "pkg/$module/node/snippets"; then
    echo "build.sh: a $module nodejs snippet still has ES module syntax" >&2
    exit 1
  fi
  cp npm/node/package.json "pkg/$module/node/"
  sed "s#./lifepath.js#./$module.js#" npm/node/index.mjs > "pkg/$module/node/index.mjs"
  sed "s#./lifepath.js#./$module.js#" npm/node/index.d.mts > "pkg/$module/node/index.d.mts"
done
# The nodejs build is CommonJS inside an ESM package: mark its folder, and give Node an ESM
# entry with the same no-op `init` the web build needs, so `await init()` works everywhere.
cp npm/node/package.json npm/node/index.mjs npm/node/index.d.mts pkg/node/
# lifepath/sync: the fetch transport, the sync loop and the IndexedDB store of the SyncEngine
# (plain ESM that never loads the .wasm; its .d.ts takes the types from web/lifepath.d.ts).
cp npm/sync/sync.js npm/sync/sync.d.ts pkg/sync/
# lifepath/client: the typed REST client (npm/client/; its schema.d.ts is generated from the
# server's OpenAPI document by scripts/client-types.sh and checked in).
cp npm/client/client.js npm/client/client.d.ts npm/client/schema.d.ts pkg/client/
# Node's types of it take the engine's types from the nodejs build (the web build's .d.ts needs
# the DOM lib).
sed "s#'../web/lifepath.js'#'../node/index.mjs'#" npm/sync/sync.d.ts > pkg/sync/sync.node.d.ts
grep -q "'../node/index.mjs'" pkg/sync/sync.node.d.ts
# wasm-bindgen types the raw exports of the web build's `InitOutput` with `any`; nothing of the
# API goes through them, but the package promises a .d.ts without `any`.
sed -i '/^export interface InitOutput/,/^}/ s/\bany\b/unknown/g' pkg/web/lifepath.d.ts
# wasm-bindgen declares `[Symbol.dispose]()` on classes (SnapshotHistory), which only type-checks
# with TypeScript's ES2024 `lib`; the method still exists at run time where the engine has it,
# and `free()` is the portable way to release the memory.
sed -i '/\[Symbol\.dispose\]()/d' pkg/web/lifepath.d.ts pkg/bundler/lifepath.d.ts pkg/node/lifepath.d.ts
sed "s/\"version\": \"0.0.0\"/\"version\": \"$version\"/" npm/package.json > pkg/package.json
cp npm/README.md pkg/README.md
cp ../LICENSE* pkg/ 2>/dev/null || true
echo "lifepath $version built into $(pwd)/pkg"

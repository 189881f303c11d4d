#!/usr/bin/env bash
# The web demo (web-demo/) end to end: builds the npm package when missing or stale, the demo
# (strict tsc + vite build) and the server (debug build, shared with the other parts), starts the server on a temporary SQLite
# database and a free port serving web-demo/dist, and runs web-demo/tests/e2e.mjs in Debian's
# headless Chromium (playwright-core; no browser download). Screenshots: target/demo-screenshots/.
# Installs what it needs, idempotently: Rust, node/npm, wasm-pack and wasm-bindgen-cli (only when
# the package must be built), npm packages, Chromium (apt).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source scripts/lib.sh
ensure_rust
ensure_node
ensure_apt chromium

echo "--- demo: the npm package (wasm/pkg) and the web demo (web-demo/dist)"
build_web_demo

echo "--- demo: the server (debug build: the other parts build it too)"
cargo build --locked -p lifepath-sync-server --bin lifepath-server
SERVER="${CARGO_TARGET_DIR:-$ROOT/target}/debug/lifepath-server"

WORK=$(mktemp -d)
PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
SERVER_PID=
OIDC_PID=
SMTP_PID=
cleanup() {
  for pid in $SERVER_PID $OIDC_PID $SMTP_PID; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "--- demo: a real OpenID provider (npm oidc-provider) and a real SMTP server (aiosmtpd) on loopback"
npm_ci_dir tests/oidc
node tests/oidc/provider.mjs 0 >"$WORK/oidc.log" 2>&1 &
OIDC_PID=$!
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
  command -v pip3 >/dev/null 2>&1 || command -v pip >/dev/null 2>&1 || ensure_apt python3-pip
  PIP=$(command -v pip3 || command -v pip)
  "$PIP" install --quiet 'aiosmtpd==1.4.6' || "$PIP" install --quiet --break-system-packages 'aiosmtpd==1.4.6'
fi
mkdir -p "$WORK/mail"
python3 tests/smtp/server.py "$WORK/mail" >"$WORK/smtp.log" 2>&1 &
SMTP_PID=$!
for _ in $(seq 1 100); do
  grep -q '^http' "$WORK/oidc.log" && grep -q '^smtp://' "$WORK/smtp.log" && break
  sleep 0.1
done
OIDC_ISSUER=$(grep -m1 '^http' "$WORK/oidc.log" || true)
SMTP_URL=$(grep -m1 '^smtp://' "$WORK/smtp.log" || true)
[ -n "$OIDC_ISSUER" ] && [ -n "$SMTP_URL" ] || { cat "$WORK/oidc.log" "$WORK/smtp.log"; echo "the test provider or SMTP server did not start"; exit 1; }
(cd "$WORK" && DATABASE_URL="sqlite://$WORK/demo.db" LIFEPATH_BIND="127.0.0.1:$PORT" LIFEPATH_REGISTRATIONS_PER_IP_PER_HOUR=0 \
  LIFEPATH_STATIC_DIR="$ROOT/web-demo/dist" LIFEPATH_LOG="${LIFEPATH_LOG:-warn}" \
  LIFEPATH_PUBLIC_URL="http://127.0.0.1:$PORT" LIFEPATH_OIDC_PROVIDERS=test \
  LIFEPATH_OIDC_TEST_ISSUER="$OIDC_ISSUER" LIFEPATH_OIDC_TEST_CLIENT_ID=lifepath-test \
  LIFEPATH_OIDC_TEST_CLIENT_SECRET=lifepath-test-secret-lifepath-test-secret \
  LIFEPATH_SMTP_URL="$SMTP_URL" LIFEPATH_SMTP_FROM="lifepath demo <no-reply@lifepath.test>" \
  exec "$SERVER") >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; echo "the server did not start"; exit 1; }
  sleep 0.1
done

echo "--- demo: web-demo/tests/e2e.mjs in headless Chromium against http://127.0.0.1:$PORT"
rm -rf target/demo-screenshots
status=0
DEMO_URL="http://127.0.0.1:$PORT" DEMO_SCREENSHOTS="$ROOT/target/demo-screenshots" \
  DEMO_OIDC_ISSUER="$OIDC_ISSUER" DEMO_SMTP_DIR="$WORK/mail" \
  node web-demo/tests/e2e.mjs || status=$?
if [ $status -ne 0 ]; then
  echo "--- server log (last 40 lines)"
  tail -40 "$WORK/server.log"
  exit $status
fi
echo "--- demo: all passed (screenshots in target/demo-screenshots/)"

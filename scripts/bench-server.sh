#!/usr/bin/env bash
# Server benchmark (DESIGN §6): starts a release lifepath-server on a fresh SQLite file and runs
# the load generator (sync-server/examples/loadgen.rs): authenticated snapshot reads/s and p99
# at 64 connections, upserts/s, read p99 during a login storm, RSS idle and under load.
# Then (issue 12) the ceiling: wrk loads lifepath's authenticated snapshot read and a bare axum
# endpoint checking the same JWT and answering the same body (sync-server/examples/bare.rs), and
# prints the ratio.
# Usage: ./scripts/bench-server.sh [seconds-per-phase]   (default 10)
#        LIFEPATH_BENCH_ONLY_CEILING=1 ./scripts/bench-server.sh 5   (only the ceiling phase)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/scripts/lib.sh"
ensure_rust
cd "$ROOT"
SECS=${1:-10}
cargo build --release -p lifepath-sync-server --bin lifepath-server --example loadgen --example bare
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
WORK=$(mktemp -d)
PORT=${LIFEPATH_BENCH_PORT:-18181}
# Both servers check tokens signed with this secret (the bare one in the ceiling phase below).
JWT_SECRET="bench-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
ENC_KEY=$(head -c 32 /dev/urandom | base64)
DATABASE_URL="sqlite://$WORK/bench.db" LIFEPATH_BIND="127.0.0.1:$PORT" LIFEPATH_REGISTRATIONS_PER_IP_PER_HOUR=0 \
  LIFEPATH_JWT_SECRET="$JWT_SECRET" LIFEPATH_ENCRYPTION_KEY="$ENC_KEY" \
  LIFEPATH_TRUST_FORWARDED_FOR=true LIFEPATH_LOG=warn \
  "$TARGET_DIR/release/lifepath-server" >"$WORK/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
echo "=== lifepath-server benchmark: SQLite, $(nproc) cores, ${SECS}s per phase ==="
if [ "${LIFEPATH_BENCH_ONLY_CEILING:-}" != 1 ]; then
  "$TARGET_DIR/release/examples/loadgen" "http://127.0.0.1:$PORT" "$PID" "$SECS"
fi

# ---- The ceiling (issue 12): lifepath's authenticated snapshot read against a bare axum endpoint
# that checks the same HS256 token and answers a body of the same size, both loaded by wrk the
# same way in this run, and the ratio.
ensure_apt wrk
CONNS=${LIFEPATH_BENCH_CONNS:-64}
API="http://127.0.0.1:$PORT/api/v1"
REG=$(curl -fs -X POST "$API/users" -H 'content-type: application/json' \
  -d "{\"email\":\"ceiling-$RANDOM$RANDOM@example.com\",\"password\":\"bench password\"}")
TOKEN=$(printf '%s' "$REG" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
SNAP=$(curl -fs -X POST "$API/budgets/snapshots" -H 'content-type: application/json' \
  -H "authorization: Bearer $TOKEN" \
  -d '{"period_year":2026,"period_month":10,"budget_model":{"incomes":[{"id":"i","name":"Pay","type":"earned","monthly_amount":"5200.00","stability":"stable"}],"expenses":[{"id":"e1","name":"Rent","category":"housing","monthly_amount":"1650.00","essential":true},{"id":"e2","name":"Food","category":"groceries","monthly_amount":"480.00","essential":true},{"id":"e3","name":"Out","category":"dining","monthly_amount":"310.50","essential":false}],"debts":[{"id":"card","name":"Card","balance":"3200.00","interest_rate":"22.99","min_payment":"95.00","priority":"high"}]}}')
SNAP_ID=$(printf '%s' "$SNAP" | sed -E 's/^\{"id":"([^"]+)".*/\1/')
curl -fs "$API/budgets/snapshots/$SNAP_ID" -H "authorization: Bearer $TOKEN" >"$WORK/body.json"
BARE_PORT=${LIFEPATH_BENCH_BARE_PORT:-18182}
"$TARGET_DIR/release/examples/bare" "127.0.0.1:$BARE_PORT" "$JWT_SECRET" "$WORK/body.json" &
BARE=$!
trap 'kill $PID $BARE 2>/dev/null || true; wait $PID $BARE 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$BARE_PORT/bare" -H "authorization: Bearer $TOKEN" >/dev/null 2>&1 && break
  sleep 0.1
done
run_wrk() { # name url -> prints "req/s p99_ms"
  local out
  out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -H "Authorization: Bearer $TOKEN" "$2")
  local rps p99 non2xx
  rps=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ {print $2}')
  p99=$(printf '%s\n' "$out" | awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}')
  non2xx=$(printf '%s\n' "$out" | awk '/Non-2xx/ {print $5}')
  echo "$1: ${rps} req/s, p99 ${p99} ms${non2xx:+, NON-2XX: $non2xx}" >&2
  [ -z "$non2xx" ] || { echo "$1 answered errors under load" >&2; exit 1; }
  echo "$rps $p99"
}
ROUNDS=${LIFEPATH_BENCH_ROUNDS:-3}
echo "=== ceiling: wrk -t2 -c$CONNS -d${SECS}s, the same token, a body of $(wc -c <"$WORK/body.json") bytes, $ROUNDS rounds of both side by side ==="
# This machine's speed drifts by up to 2x within a minute (other tenants), so each round loads
# the two back to back and gives its own ratio; the median round is the figure.
RATIOS=()
P99S=()
for r in $(seq 1 "$ROUNDS"); do
  read -r LP_RPS LP_P99 < <(run_wrk "round $r: lifepath GET /api/v1/budgets/snapshots/{id}" "$API/budgets/snapshots/$SNAP_ID")
  read -r BARE_RPS BARE_P99 < <(run_wrk "round $r: bare axum GET /bare (same JWT check, same body)" "http://127.0.0.1:$BARE_PORT/bare")
  RATIOS+=("$(awk -v a="$LP_RPS" -v b="$BARE_RPS" 'BEGIN { printf "%.1f", 100*a/b }')")
  P99S+=("$LP_P99")
  echo "round $r: ratio ${RATIOS[-1]} %"
done
MEDIAN=$(printf '%s\n' "${RATIOS[@]}" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
P99=$(printf '%s\n' "${P99S[@]}" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
echo "ceiling ratio: median of ${RATIOS[*]} = ${MEDIAN} % of the bare endpoint's req/s (goal >= 30 %); lifepath median p99 ${P99} ms (goal < 10 ms)"

// Node benchmark of DESIGN §6: computeTrends + detectAnomalies on 360 months × 200 categories
// through the built npm package (nodejs target), marshalling included — the same work as the
// native criterion bench `analytics_360x200/trends_and_anomalies`
// (`cargo bench -p lifepath-core --bench analytics`), whose figure it prints beside its own.
//
// Usage: node scripts/bench.mjs [--fast]     (--fast: fewer iterations, for the test script)
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { deepStrictEqual } from 'node:assert';
import { history } from './bench-data.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const lifepath = require(join(here, '..', 'pkg', 'node', 'lifepath.js'));

const fast = process.argv.includes('--fast');
const snapshots = history(lifepath);
const latest = snapshots[snapshots.length - 1];

function once() {
  const t = lifepath.computeTrends(snapshots, { months: 360 });
  const a = lifepath.detectAnomalies(latest, snapshots, { lookback: 360 });
  return [t, a];
}

// Sanity: the work is real (every category in the trends, every month in the window).
const [t] = once();
if (Object.keys(t.category_changes).length !== 200 || t.window.months_with_data !== 360) {
  throw new Error('benchmark history is not 360 × 200');
}

// Median of `runs` timed calls after `warmup` untimed ones.
function measure(f, warmup, runs) {
  for (let i = 0; i < warmup; i++) f();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    f();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], min: times[0], runs };
}

const runs = fast ? 15 : 60;
// The free functions remember the list they read last (by its exact JSON text): with the same
// history on every call, each call still turns it into JSON text to compare, but none reads it
// again.
const free = measure(once, fast ? 3 : 10, runs);
console.log(`node free functions, the same history every time (each call turns it into JSON text, to compare with the one read last), results out: computeTrends + detectAnomalies, 360 months × 200 categories: median ${free.median.toFixed(2)} ms, min ${free.min.toFixed(2)} ms (${runs} runs)`);
// A history that changed before each pair of calls (one amount of the latest month): the first
// call reads it into WebAssembly, the second finds it remembered.
let edits = 0;
const changed = measure(() => {
  edits += 1;
  latest.category_totals.cat_000 = `${1000 + (edits % 500)}.00`;
  return once();
}, fast ? 2 : 5, fast ? 9 : 30);
console.log(`node free functions, the history changed before each pair (read once per pair): median ${changed.median.toFixed(2)} ms, min ${changed.min.toFixed(2)} ms`);
// The least any marshalling of the free functions' argument must do: look at every value of the
// history once. JSON.stringify of the list without budget models is that (it is what the
// bindings do, and it is about as fast as a hand-written loop over the values); a pair of calls
// does it twice.
const stripped = () => snapshots.map((s) => ({ ...s, budget_model: {} }));
const floor = measure(() => JSON.stringify(stripped()).length + JSON.stringify(stripped()).length, 3, runs);
console.log(`node floor of the free functions' input: JSON.stringify of the history, twice (once per call): median ${floor.median.toFixed(2)} ms`);
// The alternative a memo keyed by the caller's objects would need to stay exact: compare every
// value of the history with a kept copy (a hand-written loop over the categories).
const kept = snapshots.map((s) => {
  const keys = Object.keys(s.category_totals);
  return { keys, values: keys.map((k) => s.category_totals[k]), income: s.total_income, expenses: s.total_expenses };
});
function sameAsKept() {
  for (let i = 0; i < snapshots.length; i++) {
    const s = snapshots[i];
    const k = kept[i];
    if (s.total_income !== k.income || s.total_expenses !== k.expenses) return false;
    let j = 0;
    for (const key in s.category_totals) {
      if (key !== k.keys[j] || s.category_totals[key] !== k.values[j]) return false;
      j++;
    }
    if (j !== k.keys.length) return false;
  }
  return true;
}
if (!sameAsKept()) throw new Error('the kept copy differs from the history');
const compare = measure(() => sameAsKept() && sameAsKept(), 3, runs);
console.log(`node the alternative floor: comparing every value with a kept copy, twice: median ${compare.median.toFixed(2)} ms`);

// The same through SnapshotHistory, which keeps the history inside WebAssembly between calls
// (the cost of copying it in is paid once, at construction); the results are still built as
// plain objects on every call.
const p = `${latest.period_year}-${String(latest.period_month).padStart(2, '0')}`;
let h;
const coldTimes = [];
const build = measure(() => { if (h) h.free(); h = new lifepath.SnapshotHistory(snapshots); }, 2, fast ? 3 : 10);
// Sanity: both paths give the same results (the history edited above is the one both read).
const [t2, a2] = once();
deepStrictEqual(h.computeTrends({ months: 360 }), t2);
deepStrictEqual(h.detectAnomalies(p, { lookback: 360 }), a2);
const held = measure(() => [h.computeTrends({ months: 360 }), h.detectAnomalies(p, { lookback: 360 })], 5, runs);
// The first call on a new history: the money strings of its trend points are all new (later
// calls reuse the strings already handed out, see the package README).
const cold = measure(() => {
  const fresh = new lifepath.SnapshotHistory(snapshots);
  const start = process.hrtime.bigint();
  fresh.computeTrends({ months: 360 });
  fresh.detectAnomalies(p, { lookback: 360 });
  coldTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
  fresh.free();
}, 1, fast ? 3 : 10);
const defaults = measure(() => { h.computeTrends(); h.detectAnomalies(p); }, 5, runs);
const freeDefaults = measure(() => { lifepath.computeTrends(snapshots); lifepath.detectAnomalies(latest, snapshots); }, 3, fast ? 5 : 20);
console.log(`node SnapshotHistory (history copied in once: ${build.median.toFixed(2)} ms; results out on every call): computeTrends + detectAnomalies, 360 × 200: median ${held.median.toFixed(2)} ms, min ${held.min.toFixed(2)} ms (${runs} runs)`);
coldTimes.sort((a, b) => a - b);
console.log(`node SnapshotHistory, first call on a new history (no money strings to reuse yet): median ${coldTimes[Math.floor(coldTimes.length / 2)].toFixed(2)} ms`);
console.log(`node default options (12-month window): SnapshotHistory ${defaults.median.toFixed(2)} ms, free functions ${freeDefaults.median.toFixed(2)} ms`);
h.free();

// The native figure, when `cargo bench -p lifepath-core --bench analytics` has run.
const root = join(here, '..', '..');
const targets = [process.env.CARGO_TARGET_DIR, join(root, 'target')].filter(Boolean);
const file = targets
  .map((t) => join(t, 'criterion', 'analytics_360x200', 'trends_and_anomalies', 'new', 'estimates.json'))
  .find((f) => existsSync(f));
if (file) {
  const estimates = JSON.parse(readFileSync(file, 'utf8'));
  const nativeMs = (estimates.median ?? estimates.mean).point_estimate / 1e6;
  const verdict = (r) => `${r.toFixed(2)}x (budget < 3x: ${r < 3 ? 'met' : 'NOT met'})`;
  console.log(`native (criterion, ${file}): ${nativeMs.toFixed(2)} ms`);
  console.log(`ratio node/native, free functions: ${verdict(free.median / nativeMs)}; history changed before each pair: ${verdict(changed.median / nativeMs)}; floor of their input alone: ${(floor.median / nativeMs).toFixed(2)}x (comparing with a kept copy instead: ${(compare.median / nativeMs).toFixed(2)}x)`);
  console.log(`ratio node/native, SnapshotHistory: ${verdict(held.median / nativeMs)}; first call on a new history: ${verdict(coldTimes[Math.floor(coldTimes.length / 2)] / nativeMs)}`);
} else {
  console.log('native figure: not available (run `cargo bench -p lifepath-core --bench analytics` first; no target/criterion/analytics_360x200/trends_and_anomalies/new/estimates.json) - printing the Node figures alone');
}

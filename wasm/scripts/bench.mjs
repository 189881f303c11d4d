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

const warmup = fast ? 3 : 10;
const runs = fast ? 10 : 50;
for (let i = 0; i < warmup; i++) once();
const times = [];
for (let i = 0; i < runs; i++) {
  const start = process.hrtime.bigint();
  once();
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`node (wasm, marshalling included): computeTrends + detectAnomalies, 360 months × 200 categories: median ${median.toFixed(2)} ms, min ${times[0].toFixed(2)} ms (${runs} runs)`);

// The same through SnapshotHistory, which keeps the history inside WebAssembly between calls
// (the cost of copying it in is paid once, at construction), full window and default options.
{
  const measure = (f, n) => {
    for (let i = 0; i < 3; i++) f();
    const ts = [];
    for (let i = 0; i < n; i++) {
      const start = process.hrtime.bigint();
      f();
      ts.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    ts.sort((a, b) => a - b);
    return ts[Math.floor(ts.length / 2)];
  };
  const p = `${latest.period_year}-${String(latest.period_month).padStart(2, '0')}`;
  let h;
  const build = measure(() => { if (h) h.free(); h = new lifepath.SnapshotHistory(snapshots); }, fast ? 3 : 10);
  const full = measure(() => { h.computeTrends({ months: 360 }); h.detectAnomalies(p, { lookback: 360 }); }, runs);
  const defaults = measure(() => { h.computeTrends(); h.detectAnomalies(p); }, runs);
  const freeDefaults = measure(() => { lifepath.computeTrends(snapshots); lifepath.detectAnomalies(latest, snapshots); }, fast ? 5 : 20);
  console.log(`node SnapshotHistory: construction ${build.toFixed(2)} ms; trends + anomalies full window ${full.toFixed(2)} ms, default options ${defaults.toFixed(2)} ms (free functions with default options: ${freeDefaults.toFixed(2)} ms)`);
  h.free();
}

// The native figure, when `cargo bench -p lifepath-core --bench analytics` has run.
const root = join(here, '..', '..');
const targets = [process.env.CARGO_TARGET_DIR, join(root, 'target')].filter(Boolean);
const file = targets
  .map((t) => join(t, 'criterion', 'analytics_360x200', 'trends_and_anomalies', 'new', 'estimates.json'))
  .find((f) => existsSync(f));
if (file) {
  const estimates = JSON.parse(readFileSync(file, 'utf8'));
  const nativeMs = (estimates.median ?? estimates.mean).point_estimate / 1e6;
  const ratio = median / nativeMs;
  console.log(`native (criterion, ${file}): ${nativeMs.toFixed(2)} ms`);
  console.log(`ratio node/native: ${ratio.toFixed(2)}x (budget < 3x: ${ratio < 3 ? 'met' : 'NOT met'})`);
} else {
  console.log('native figure: not available (run `cargo bench -p lifepath-core --bench analytics` first; no target/criterion/analytics_360x200/trends_and_anomalies/new/estimates.json) - printing the Node figure alone');
}

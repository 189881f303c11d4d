// Node benchmark of DESIGN §6: computeTrends + detectAnomalies through the built npm package
// (nodejs target), marshalling included, against the plain JavaScript a developer would write
// instead (scripts/plain-js.mjs) over the same snapshot objects, in one process. Three cases:
// 360 months × 200 categories with the full window, the same with the default options
// (12-month window and lookback), and 36 × 25 (a typical user) with the default options.
// Budgets: the free functions ≤ 1 × plain JS in each case; SnapshotHistory ≤ 0.5 ×.
//
// The three are timed in turns (plain, free, held, plain, …) so that a slow phase of this
// noisy machine slows all three alike; each figure is the median of its runs.
//
// Usage: node scripts/bench.mjs [--fast]     (--fast: fewer runs, for the test script; the
// 36 × 25 case keeps all its runs, well under a second, so that a short busy spell of the
// machine moves its median less)
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { deepStrictEqual, strictEqual } from 'node:assert';
import { history } from './bench-data.mjs';
import { plainAnomalies, plainTrends } from './plain-js.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const lifepath = require(join(here, '..', 'pkg', 'node', 'lifepath.js'));

const fast = process.argv.includes('--fast');

const cases = [
  { name: '360 months × 200 categories, full window', months: 360, categories: 200, trends: { months: 360 }, anomalies: { lookback: 360 }, runs: 40 },
  { name: '360 × 200, default options (12-month window)', months: 360, categories: 200, runs: 400 },
  { name: '36 × 25 (a typical user), default options', months: 36, categories: 25, runs: 2000 },
];

// The package and the yardstick compute the same numbers (the yardstick in binary floating
// point, so within a relative 1e-9), the same categories and the same anomalies.
function close(a, b, what) {
  if (a === null || b === null) return strictEqual(a, b, what);
  if (Math.abs(a - b) > 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))) {
    throw new Error(`${what}: package ${a}, plain JavaScript ${b}`);
  }
}
function agreeSeries(p, j, what) {
  strictEqual(p.values.length, j.values.length, `${what}: points`);
  p.values.forEach((v, i) => {
    strictEqual(v.period, j.values[i].period, `${what}: period ${i}`);
    close(Number(v.amount), j.values[i].amount, `${what}: amount ${i}`);
  });
  for (const k of ['average', 'volatility', 'change_percent', 'slope', 'relative_change']) close(p[k], j[k], `${what}.${k}`);
  strictEqual(p.trend, j.trend, `${what}.trend`);
}
function agree([pt, pa], [jt, ja]) {
  deepStrictEqual(pt.window, jt.window);
  for (const k of ['income_trend', 'expense_trend', 'surplus_trend']) agreeSeries(pt[k], jt[k], k);
  close(pt.savings_rate_trend.average, jt.savings_rate_trend.average, 'savings_rate_trend.average');
  deepStrictEqual(Object.keys(pt.category_changes), Object.keys(jt.category_changes));
  for (const c in pt.category_changes) agreeSeries(pt.category_changes[c], jt.category_changes[c], c);
  strictEqual(pa.period, ja.period);
  deepStrictEqual(pa.anomalies.map((a) => [a.category, a.severity, a.direction]), ja.anomalies.map((a) => [a.category, a.severity, a.direction]));
  pa.anomalies.forEach((a, i) => close(a.deviation, ja.anomalies[i].deviation, `${a.category}.deviation`));
}

const time = (f) => {
  const start = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - start) / 1e6;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const verdicts = [];
for (const c of cases) {
  const snapshots = history(lifepath, c.months, c.categories);
  const latest = snapshots[snapshots.length - 1];
  const period = `${latest.period_year}-${String(latest.period_month).padStart(2, '0')}`;
  const plain = () => [plainTrends(snapshots, c.trends?.months), plainAnomalies(latest, snapshots, c.anomalies)];
  const free = () => [lifepath.computeTrends(snapshots, c.trends), lifepath.detectAnomalies(latest, snapshots, c.anomalies)];
  const h = new lifepath.SnapshotHistory(snapshots);
  const held = () => [h.computeTrends(c.trends), h.detectAnomalies(period, c.anomalies)];
  // A history keeps what it computed until it changes: the first call after an edit
  // (upsert) builds its columns again and computes everything. Reported, not a budget.
  const edited = () => {
    h.upsert(latest);
    return held();
  };

  // The same work: the package agrees with the yardstick, and its two ways agree.
  const f = free();
  agree(f, plain());
  deepStrictEqual(held(), f);
  if (c.months === 360 && c.trends && Object.keys(f[0].category_changes).length !== 200) throw new Error('not 360 × 200');

  const runs = fast && c.months === 360 ? Math.ceil(c.runs / 4) : c.runs;
  const t = { plain: [], free: [], held: [], edited: [] };
  for (let i = 0; i < Math.ceil(runs / 5); i++) { plain(); free(); held(); } // warm-up
  for (let i = 0; i < runs; i++) {
    t.plain.push(time(plain));
    t.free.push(time(free));
    t.held.push(time(held));
  }
  // Apart, so that its garbage does not slow the three above.
  deepStrictEqual(edited(), f);
  for (let i = 0; i < runs; i++) t.edited.push(time(edited));
  // The free functions keep, per snapshot object, what they read of it (compared with the
  // object on every call): over copies never seen before they read everything again.
  // Reported, not a budget; at most 10 copies (each a whole history).
  const copies = Array.from({ length: Math.min(runs, 10) }, () => JSON.parse(JSON.stringify(snapshots)));
  deepStrictEqual([lifepath.computeTrends(copies[0], c.trends), lifepath.detectAnomalies(copies[0].at(-1), copies[0], c.anomalies)], f);
  t.unseen = copies.slice(1).map((x) => time(() => [lifepath.computeTrends(x, c.trends), lifepath.detectAnomalies(x.at(-1), x, c.anomalies)]));
  h.free();
  const [p, fr, hd, ed, un] = [median(t.plain), median(t.free), median(t.held), median(t.edited), median(t.unseen)];
  const fmt = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);
  const rf = fr / p;
  const rh = hd / p;
  console.log(`node ${c.name}, computeTrends + detectAnomalies (median of ${runs}): plain JS ${fmt(p)}; free functions ${fmt(fr)} = ${rf.toFixed(2)}× (budget ≤ 1×: ${rf <= 1 ? 'met' : 'NOT met'}); free functions over snapshots not seen before ${fmt(un)} = ${(un / p).toFixed(2)}× (no budget); SnapshotHistory ${fmt(hd)} = ${rh.toFixed(2)}× (budget ≤ 0.5×: ${rh <= 0.5 ? 'met' : 'NOT met'}); SnapshotHistory right after an upsert ${fmt(ed)} = ${(ed / p).toFixed(2)}× (no budget)`);
  verdicts.push(rf <= 1, rh <= 0.5);
}
console.log(`package against plain JavaScript: ${verdicts.filter(Boolean).length} of ${verdicts.length} budgets met`);

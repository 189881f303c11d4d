// Node benchmark of a bank CSV import through lifepath/actuals (issue 15 §4, DESIGN §6): a
// 5,000-row file (budget < 200 ms) and a 100,000-row file (budget < 3 s), layout detection,
// fingerprints and categorisation included, text in and plain objects out. The yardstick in the
// same run is the plain JavaScript a developer would write instead (split lines, split commas,
// parseFloat: no quotes, no layout guess, no fingerprint, no duplicate check); its ratio is
// printed beside the figures. Each figure is the median of its runs. The native figure is
// core/benches/import.rs.
//
// Usage: node scripts/bench-import.mjs [--fast]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { strictEqual } from 'node:assert';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const actuals = require(join(here, '..', 'pkg', 'actuals', 'node', 'actuals.js'));
const fast = process.argv.includes('--fast');

const PAYEES = ['TESCO STORES 2231', 'Blue Bottle Coffee', 'ACME PAYROLL', 'Shell 57444', 'Netflix.com'];

function file(rows) {
  const lines = ['Date,Description,Amount,Memo'];
  for (let i = 0; i < rows; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    const month = String(1 + (Math.floor(i / 28) % 12)).padStart(2, '0');
    let cents = ((i * 7919) % 250000) - 200000;
    if (cents === 0) cents = 1;
    const abs = Math.abs(cents);
    const amount = `${cents < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
    lines.push(`2026-${month}-${day},${PAYEES[i % PAYEES.length]},${amount},ref ${i}`);
  }
  return lines.join('\n') + '\n';
}

/** The yardstick: what a developer writes in an afternoon. */
function plainImport(text) {
  const out = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]) continue;
    const [date, payee, amount, notes] = lines[i].split(',');
    out.push({ date, payee, amount: parseFloat(amount), notes });
  }
  return out;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const rules = [{ id: 'r1', match: { field: 'payee', op: 'contains', value: 'tesco' }, category: 'groceries', priority: 0, version: 1 }];
const now = '2026-04-01T00:00:00Z';
for (const { rows, budgetMs, runs } of [
  { rows: 5000, budgetMs: 200, runs: fast ? 5 : 21 },
  { rows: 100000, budgetMs: 3000, runs: fast ? 1 : 5 },
]) {
  const text = file(rows);
  const pkg = [];
  const plain = [];
  for (let r = 0; r < runs; r++) {
    let t = performance.now();
    const j = plainImport(text);
    plain.push(performance.now() - t);
    t = performance.now();
    const res = actuals.importTransactions(text, { account: 'Checking', rules, now, importId: 'bench' });
    pkg.push(performance.now() - t);
    // The same rows, and the same amounts to the cent.
    strictEqual(res.report.imported, rows);
    strictEqual(j.length, rows);
    strictEqual(Math.round(parseFloat(res.transactions[rows - 1].amount) * 100), Math.round(j[rows - 1].amount * 100));
  }
  const p = median(pkg);
  const y = median(plain);
  const within = p < budgetMs;
  console.log(`import ${rows.toLocaleString('en')} CSV rows through lifepath/actuals: ${p.toFixed(1)} ms (budget < ${budgetMs} ms: ${within ? 'met' : 'NOT met'}); plain JS split/parseFloat ${y.toFixed(1)} ms; ratio ${(p / y).toFixed(1)}×`);
}
// Figures, not a timed test: a budget missed on this noisy machine is printed, not failed; wrong
// results fail (the asserts above).

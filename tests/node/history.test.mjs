// SnapshotHistory: the history kept inside WebAssembly gives exactly the free functions'
// results (and the shared fixtures' expected outputs) without copying it in on every call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lifepath, fixtureFiles, readJson, assertClose } from './lifepath.mjs';

const period = (s) => `${s.period_year}-${String(s.period_month).padStart(2, '0')}`;

test('SnapshotHistory matches the free functions and the fixtures', () => {
  const files = fixtureFiles();
  assert.ok(files.length >= 3, 'the shared fixtures exist');
  for (const file of files) {
    const doc = readJson(file);
    const h = new lifepath.SnapshotHistory(doc.snapshots);
    assert.equal(h.length, doc.snapshots.length);
    for (const c of doc.cases) {
      const i = c.input;
      let got;
      if (c.fn === 'compute_trends') got = h.computeTrends({ months: i.months });
      else if (c.fn === 'detect_anomalies')
        got = h.detectAnomalies(i.period, { threshold: i.threshold, lookback: i.lookback, method: i.method, baseline: i.baseline });
      else if (c.fn === 'compare_periods') got = h.comparePeriods(i.a, i.b);
      else if (c.fn === 'forecast') got = h.forecast({ horizon: i.horizon, months: i.months });
      else continue;
      // Money strings and structure exactly; numbers to 1e-9 relative.
      assertClose(got, c.expected, `${doc.name}: ${c.name}`);
    }
    h.free();
  }
});

test('SnapshotHistory upsert replaces a period, remove deletes it, errors name the field', () => {
  const doc = readJson(fixtureFiles().find((f) => f.endsWith('cara.json')));
  const h = new lifepath.SnapshotHistory(doc.snapshots.slice(0, 3));
  const last = doc.snapshots[3];
  assert.equal(h.computeTrends().window.months_with_data, 3);
  h.upsert(last);
  h.upsert(last); // same period: replaced, not added
  assert.equal(h.length, 4);
  assert.deepEqual(h.computeTrends(), lifepath.computeTrends(doc.snapshots));
  assert.deepEqual(h.detectAnomalies(period(last)), lifepath.detectAnomalies(last, doc.snapshots));
  assert.equal(h.remove(period(last)), true);
  assert.equal(h.remove(period(last)), false);
  assert.equal(h.length, 3);
  assert.throws(() => h.detectAnomalies('2030-01'), (e) => lifepath.isLifepathError(e) && e.field === 'period');
  assert.throws(() => h.remove('2026-13'), (e) => lifepath.isLifepathError(e) && e.field === 'period');
  assert.throws(() => new lifepath.SnapshotHistory([{ ...last, period_month: 13 }]), (e) => lifepath.isLifepathError(e) && e.code === 'validation_failed' && e.field === 'snapshots[0].period_month');
  h.free();
});

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

// A history of `months` × `cats` with amounts that differ by `shift` cents, written three ways
// (two places, one place, JSON numbers) so that equal values arrive in different forms.
function synthetic(months, cats, shift) {
  const out = [];
  for (let k = 0; k < months; k++) {
    const index = 2000 * 12 + k;
    const category_totals = {};
    for (let c = 0; c < cats; c++) {
      const cents = 1000 + k * 7919 + c * 104729 + shift;
      const text = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
      category_totals[`cat_${String(c).padStart(3, '0')}`] =
        c % 3 === 0 ? text : c % 3 === 1 ? Number(text) : text.replace(/0$/, '');
    }
    out.push({
      id: `00000000-0000-0000-0000-${String(k + 1).padStart(12, '0')}`,
      user_id: '00000000-0000-0000-0000-000000000001',
      period_year: Math.floor(index / 12),
      period_month: (index % 12) + 1,
      currency: 'USD',
      budget_model: { incomes: [], expenses: [], debts: [] },
      total_income: '100000.00',
      total_expenses: '50000.00',
      surplus: '50000.00',
      savings_rate: 0.5,
      category_totals,
      source_session_id: null,
      version: 1,
      created_at: '2026-11-21T00:00:00Z',
      updated_at: '2026-11-21T00:00:00Z',
    });
  }
  return out;
}

test('SnapshotHistory hands out the same money strings call after call, exact as amounts change', () => {
  // 360 × 200 = 72,000 points a call; each round upserts every snapshot with new amounts, so
  // the history computes its trends and their strings again.
  let snapshots = synthetic(360, 200, 0);
  const h = new lifepath.SnapshotHistory(snapshots);
  for (let round = 0; round < 5; round++) {
    if (round > 0) {
      snapshots = synthetic(360, 200, round * 3);
      for (const s of snapshots) h.upsert(s);
    }
    const expected = lifepath.computeTrends(snapshots, { months: 360 });
    const first = h.computeTrends({ months: 360 });
    const again = h.computeTrends({ months: 360 });
    assert.deepEqual(first, expected, `round ${round}`);
    assert.deepEqual(again, expected, `round ${round}, again`);
    // A 12-month window reuses strings of the full one.
    assert.deepEqual(h.computeTrends(), lifepath.computeTrends(snapshots), `round ${round}, 12 months`);
  }
  // One amount edited in the middle of the history: every other point is where it was the
  // call before, the edited one is not.
  const edited = structuredClone(snapshots[100]);
  edited.category_totals.cat_007 = '31415.92';
  h.upsert(edited);
  snapshots[100] = edited;
  const after = h.computeTrends({ months: 360 });
  assert.deepEqual(after, lifepath.computeTrends(snapshots, { months: 360 }));
  assert.equal(after.category_changes.cat_007.values[100].amount, '31415.92');
  // Changing the returned objects changes nothing that comes next.
  const t = h.computeTrends({ months: 360 });
  t.category_changes.cat_000.values[0].amount = 'changed';
  assert.notEqual(h.computeTrends({ months: 360 }).category_changes.cat_000.values[0].amount, 'changed');
  h.free();
});

test('SnapshotHistory answers a repeated question again only until the history changes', () => {
  // A history keeps what it computed (trends, anomaly reports) until upsert or remove: each
  // answer is checked against the free functions over the same snapshots.
  let snapshots = synthetic(36, 25, 0);
  const h = new lifepath.SnapshotHistory(snapshots);
  const last = snapshots.at(-1);
  const p = period(last);
  const check = (what) => {
    assert.deepEqual(h.computeTrends(), lifepath.computeTrends(snapshots), `${what}: trends`);
    assert.deepEqual(h.computeTrends({ months: 24 }), lifepath.computeTrends(snapshots, { months: 24 }), `${what}: 24 months`);
    for (const o of [undefined, { threshold: 1.5 }, { method: 'robust' }, { baseline: 'seasonal', lookback: 2 }]) {
      const q = snapshots.find((s) => period(s) === p) ?? last;
      assert.deepEqual(h.detectAnomalies(p, o), lifepath.detectAnomalies(q, snapshots, o), `${what}: anomalies ${JSON.stringify(o)}`);
    }
  };
  check('first');
  check('again');
  // The examined month becomes an outlier: the next report says so.
  const before = h.detectAnomalies(p);
  const edited = structuredClone(last);
  edited.category_totals.cat_003 = '98765.43';
  h.upsert(edited);
  snapshots = snapshots.map((s) => (period(s) === p ? edited : s));
  check('after upsert');
  const after = h.detectAnomalies(p);
  assert.notDeepEqual(after, before);
  assert.ok(after.anomalies.some((a) => a.category === 'cat_003' && a.current_amount === '98765.43'));
  // Changing a returned report changes nothing that comes next.
  after.anomalies.length = 0;
  assert.ok(h.detectAnomalies(p).anomalies.length > 0);
  // Removed: the month is gone, and the trends end a month earlier.
  assert.equal(h.remove(p), true);
  snapshots = snapshots.filter((s) => period(s) !== p);
  assert.throws(() => h.detectAnomalies(p), (e) => e.field === 'period');
  assert.deepEqual(h.computeTrends(), lifepath.computeTrends(snapshots));
  h.free();
});

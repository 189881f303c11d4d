// The free analytics functions remember the snapshot list they read last (memoize-one, by its
// exact JSON text). These tests check that the memo never gives a stale result: every answer
// must equal the one of a fresh SnapshotHistory, which reads its list itself and has no memo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lifepath, fixtureFiles, readJson, thrown } from './lifepath.mjs';

const period = (s) => `${s.period_year}-${String(s.period_month).padStart(2, '0')}`;

/** The results of every memoized free function for `snapshots`, and the same from a fresh
 * SnapshotHistory (the reference). */
function both(snapshots) {
  const last = snapshots[snapshots.length - 1];
  const free = {
    trends: lifepath.computeTrends(snapshots, { months: 24 }),
    anomalies: lifepath.detectAnomalies(last, snapshots),
    forecast: lifepath.forecast(snapshots),
  };
  const h = new lifepath.SnapshotHistory(snapshots);
  const reference = {
    trends: h.computeTrends({ months: 24 }),
    anomalies: h.detectAnomalies(period(last)),
    forecast: h.forecast(),
  };
  h.free();
  return { free, reference };
}

function histories() {
  return fixtureFiles().map((f) => readJson(f).snapshots).filter((s) => s.length >= 3);
}

test('the free functions follow a history changed in place, value by value', () => {
  const [snapshots] = histories();
  assert.ok(snapshots, 'a fixture history of 3 or more snapshots');
  let { free, reference } = both(snapshots);
  assert.deepEqual(free, reference);
  const last = snapshots[snapshots.length - 1];
  const category = Object.keys(last.category_totals)[0];
  const before = free.trends.category_changes[category].values.at(-1).amount;
  // The same array and the same objects, one value changed in place.
  last.category_totals[category] = '98765.43';
  ({ free, reference } = both(snapshots));
  assert.deepEqual(free, reference);
  assert.notEqual(before, '98765.43');
  assert.equal(free.trends.category_changes[category].values.at(-1).amount, '98765.43');
  // And back: the old text again gives the old result.
  last.category_totals[category] = before;
  ({ free, reference } = both(snapshots));
  assert.deepEqual(free, reference);
  assert.equal(free.trends.category_changes[category].values.at(-1).amount, before);
});

test('the free functions give each of several alternating histories its own result', () => {
  const lists = histories();
  assert.ok(lists.length >= 2, 'two fixture histories');
  const expected = lists.map((s) => both(s).reference);
  for (let round = 0; round < 3; round++) {
    lists.forEach((s, i) => assert.deepEqual(both(s).free, expected[i], `round ${round}, history ${i}`));
  }
  // An equal copy (new objects, the same JSON text) gives the same result.
  const copy = JSON.parse(JSON.stringify(lists[0]));
  assert.deepEqual(both(copy).free, expected[0]);
});

test('an invalid history is reported every time, and a valid one after it is read', () => {
  const [snapshots] = histories();
  const good = both(snapshots).reference;
  const bad = snapshots.map((s, i) => (i === 1 ? { ...s, period_month: 13 } : s));
  for (let i = 0; i < 2; i++) {
    const e = thrown(() => lifepath.computeTrends(bad));
    assert.equal(e.code, 'validation_failed');
    assert.equal(e.field, 'snapshots[1].period_month');
    const h = thrown(() => lifepath.detectAnomalies(snapshots[0], bad));
    assert.equal(h.field, 'history[1].period_month');
  }
  assert.deepEqual(both(snapshots).free, good);
  // Not a list at all, right after a valid one.
  assert.equal(thrown(() => lifepath.computeTrends(undefined)).field, 'snapshots');
  assert.equal(thrown(() => lifepath.forecast({})).field, 'snapshots');
  assert.deepEqual(both(snapshots).free, good);
});

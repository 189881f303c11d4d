// The free analytics functions read only the snapshots a call needs (the window, the baseline;
// issue 14 §1), and keep of each snapshot object only what they compare with it on every call.
// These tests check that every answer equals the one of a fresh SnapshotHistory, which reads
// its whole list itself, that a history changed in place is always seen, and that the whole
// list's errors are still reported with the path of the snapshot in the whole list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lifepath, fixtureFiles, readJson, thrown } from './lifepath.mjs';
import { budget, snapshot } from './data.mjs';

const period = (s) => `${s.period_year}-${String(s.period_month).padStart(2, '0')}`;

/** The results of every free analytics function for `snapshots`, and the same from a fresh
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

/** 48 months, 2023-01 … 2026-12, dining changing every month. */
function long() {
  return Array.from({ length: 48 }, (_, k) =>
    snapshot(2023 + Math.floor(k / 12), (k % 12) + 1, budget({ dining: `${300 + ((k * 37) % 90)}.00` })),
  );
}

test('the 12-month window of a long history gives the result of that window alone', () => {
  const h = long();
  const window = h.slice(-12);
  assert.deepEqual(lifepath.computeTrends(h), lifepath.computeTrends(window));
  const last = h.at(-1);
  assert.deepEqual(lifepath.detectAnomalies(last, h), lifepath.detectAnomalies(last, h.slice(-13)));
  assert.deepEqual(both(h).free, both(h).reference);
  // A snapshot outside the window is not read: a bad amount there does not matter ...
  const bad = { ...h[3].category_totals, dining: 'lots' };
  const outside = h.map((s, i) => (i === 3 ? { ...s, category_totals: bad } : s));
  assert.deepEqual(lifepath.computeTrends(outside), lifepath.computeTrends(window));
  // ... but with a window that holds it, it is reported, by its place in the whole list.
  const e = thrown(() => lifepath.computeTrends(outside, { months: 48 }));
  assert.equal(e.field, 'snapshots[3].category_totals.dining');
  // The fields the analytics never read (ids, the budget model) are not read at all.
  const loose = h.map((s) => ({ ...s, id: 'not a uuid', budget_model: null }));
  assert.deepEqual(lifepath.computeTrends(loose), lifepath.computeTrends(window));
});

test('a bad value inside the window is named by its place in the whole list', () => {
  const h = long();
  h[40] = { ...h[40], category_totals: { ...h[40].category_totals, dining: 'lots' } };
  const e = thrown(() => lifepath.computeTrends(h));
  assert.equal(e.code, 'validation_failed');
  assert.equal(e.field, 'snapshots[40].category_totals.dining');
  assert.equal(thrown(() => lifepath.detectAnomalies(h.at(-1), h)).field, 'history[40].category_totals.dining');
  // Amounts as JSON numbers are money too: the same result as their strings.
  const numbers = long().map((s) => ({ ...s, total_income: Number(s.total_income) }));
  assert.deepEqual(lifepath.computeTrends(numbers), lifepath.computeTrends(long()));
});

test('two snapshots of one month or mixed currencies anywhere in the list are errors', () => {
  const h = long();
  const twice = [...h, { ...h[2], id: '00000000-0000-0000-0009-000000000001' }];
  assert.equal(thrown(() => lifepath.computeTrends(twice)).code, 'duplicate_period');
  assert.equal(thrown(() => lifepath.detectAnomalies(h.at(-1), twice)).code, 'duplicate_period');
  const mixed = h.map((s, i) => (i === 1 ? { ...s, currency: 'EUR' } : s));
  const e = thrown(() => lifepath.computeTrends(mixed));
  assert.equal(e.code, 'mixed_currency');
  assert.equal(thrown(() => lifepath.detectAnomalies(h.at(-1), mixed)).code, 'mixed_currency');
  // A later month in another currency is no part of an earlier month's anomaly check.
  const later = [...h, snapshot(2027, 1, budget(), 'EUR')];
  assert.deepEqual(lifepath.detectAnomalies(h.at(-1), later), lifepath.detectAnomalies(h.at(-1), h));
});

test('amounts written otherwise come back as their output text, a missing category as 0.00', () => {
  // The free functions hand back the strings they read when those are the amounts' own
  // output texts; these are not, or are not there at all.
  const h = long();
  const odd = h.map((s) => ({ ...s, category_totals: { ...s.category_totals } }));
  odd[47].category_totals.dining = '7.5';
  odd[46].total_income = '4000';
  odd[45].category_totals.fun = '12';
  odd[44].category_totals.housing = '0';
  const canonical = h.map((s) => ({ ...s, category_totals: { ...s.category_totals } }));
  canonical[47].category_totals.dining = '7.50';
  canonical[46].total_income = '4000.00';
  canonical[45].category_totals.fun = '12.00';
  canonical[44].category_totals.housing = '0.00';
  const t = lifepath.computeTrends(odd);
  assert.equal(t.category_changes.dining.values.at(-1).amount, '7.50');
  assert.equal(t.income_trend.values.at(-2).amount, '4000.00');
  assert.equal(t.category_changes.housing.values.at(-4).amount, '0.00');
  assert.deepEqual(
    t.category_changes.fun.values.map((v) => v.amount),
    ['0.00', '0.00', '0.00', '0.00', '0.00', '0.00', '0.00', '0.00', '0.00', '12.00', '0.00', '0.00'],
  );
  assert.deepEqual(t, lifepath.computeTrends(canonical));
  assert.deepEqual(both(odd).free, both(odd).reference);
  assert.deepEqual(both(odd).free, both(canonical).free);
  // The examined month's amounts written otherwise: the same anomalies.
  const current = { ...odd[47], category_totals: { ...odd[47].category_totals, dining: '9000' } };
  const expected = lifepath.detectAnomalies({ ...current, category_totals: { ...current.category_totals, dining: '9000.00' } }, canonical);
  assert.equal(expected.anomalies[0].current_amount, '9000.00');
  assert.deepEqual(lifepath.detectAnomalies(current, odd), expected);
});

test('the examined month in another currency than its baseline is an error, as in the core', () => {
  const h = long();
  const current = { ...h.at(-1), currency: 'EUR' };
  const e = thrown(() => lifepath.detectAnomalies(current, h));
  assert.equal(e.code, 'mixed_currency');
  const held = new lifepath.SnapshotHistory([...h.slice(0, -1), current]);
  const f = thrown(() => held.detectAnomalies(period(current)));
  held.free();
  assert.equal(f.code, 'mixed_currency');
  assert.equal(f.message, e.message);
});

test('the quick read gives the same answers for keys out of order, a shuffled list and odd amounts', () => {
  const h = long();
  const reference = both(h).reference;
  // Category keys inserted in another order, and not the same order in each snapshot.
  const reordered = h.map((s, i) => {
    const keys = Object.keys(s.category_totals).sort().reverse();
    if (i % 2) keys.push(keys.shift());
    return { ...s, category_totals: Object.fromEntries(keys.map((k) => [k, s.category_totals[k]])) };
  });
  assert.deepEqual(both(reordered).free, reference);
  // The list in no particular order.
  const shuffled = h.map((s, i) => [(i * 7919) % 48, s]).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
  assert.notDeepEqual(shuffled.map(period), h.map(period));
  assert.deepEqual(lifepath.computeTrends(shuffled, { months: 24 }), reference.trends);
  assert.deepEqual(lifepath.detectAnomalies(h.at(-1), shuffled), reference.anomalies);
  // A comma inside an amount: not read as two amounts, but reported by its path.
  const comma = h.map((s, i) => (i === 45 ? { ...s, category_totals: { ...s.category_totals, dining: '1,000.00' } } : s));
  const e = thrown(() => lifepath.computeTrends(comma));
  assert.equal(e.code, 'validation_failed');
  assert.equal(e.field, 'snapshots[45].category_totals.dining');
  // The examined snapshot's own bad amount is named under `current`.
  const current = { ...h.at(-1), category_totals: { ...h.at(-1).category_totals, dining: 'lots' } };
  assert.equal(thrown(() => lifepath.detectAnomalies(current, h)).field, 'current.category_totals.dining');
  // Non-ASCII text where an amount should be.
  const accented = h.map((s, i) => (i === 46 ? { ...s, total_income: '4000,00 €' } : s));
  assert.equal(thrown(() => lifepath.computeTrends(accented)).field, 'snapshots[46].total_income');
});

test('random histories: the quick read answers as a SnapshotHistory that read everything whole', () => {
  // Deterministic pseudo-random histories: categories from a pool in random order, some months
  // missing, amounts written in several ways. SnapshotHistory reads and validates each snapshot
  // whole (serde), an independent path to the same core analytics.
  let seed = 0x9e3779b9;
  const rand = (n) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const pool = ['rent', 'food', 'fun', 'car', 'gifts', 'zoo', 'a', 'tax_2'];
  const write = (cents) => {
    const text = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    switch (rand(5)) {
      case 0: return text.replace(/0$/, '').replace(/\.0?$/, '');
      case 1: return cents % 100 === 0 ? String(cents / 100) : text;
      default: return text;
    }
  };
  let found = 0;
  for (let round = 0; round < 40; round++) {
    const list = [];
    const months = 1 + rand(30);
    for (let k = 0; k < months; k++) {
      if (rand(6) === 0) continue;
      const category_totals = {};
      const order = [...pool].sort(() => rand(3) - 1);
      for (const c of order) if (rand(4) > 0) category_totals[c] = write(rand(200000));
      const income = 100000 + rand(500000);
      const spent = Object.values(category_totals).reduce((a, v) => a + Math.round(Number(v) * 100), 0);
      list.push({
        ...snapshot(2020 + Math.floor(k / 12), (k % 12) + 1, budget()),
        total_income: write(income),
        total_expenses: write(spent),
        surplus: `${income - spent < 0 ? '-' : ''}${write(Math.abs(income - spent))}`,
        category_totals,
      });
    }
    if (list.length === 0) continue;
    const shuffled = list.map((s) => [rand(1000), s]).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
    const h = new lifepath.SnapshotHistory(list);
    for (const m of [1, 3, 12, 36]) {
      assert.deepEqual(lifepath.computeTrends(shuffled, { months: m }), h.computeTrends({ months: m }), `round ${round}, months ${m}`);
    }
    for (const s of list) {
      for (const o of [{ threshold: 0.5 }, { threshold: 0.5, method: 'robust', lookback: 6 }, { baseline: 'seasonal', lookback: 2, threshold: 0.5 }]) {
        const report = lifepath.detectAnomalies(s, shuffled, o);
        assert.deepEqual(report, h.detectAnomalies(period(s), o), `round ${round}, ${period(s)}, ${JSON.stringify(o)}`);
        found += report.anomalies.length;
      }
    }
    h.free();
  }
  assert.ok(found > 100, `anomalies to compare (${found})`);
});

test('what the free functions keep of snapshots seen before never hides a change made in place', () => {
  // Between calls the package keeps, per category-totals object, the strings it read and the
  // values the core read from them; each call compares them with the object as it is now.
  const h = long();
  const answer = () => [lifepath.computeTrends(h, { months: 24 }), lifepath.detectAnomalies(h.at(-1), h, { threshold: 0.5 })];
  const fresh = () => {
    const copy = structuredClone(h);
    const held = new lifepath.SnapshotHistory(copy);
    const out = [held.computeTrends({ months: 24 }), held.detectAnomalies(period(copy.at(-1)), { threshold: 0.5 })];
    held.free();
    return out;
  };
  // Anomalies first (no savings rates read), then trends (which read them) over the same objects.
  lifepath.detectAnomalies(h.at(-1), h, { threshold: 0.5 });
  assert.deepEqual(answer(), fresh(), 'first');
  assert.deepEqual(answer(), fresh(), 'again');
  const t = h[40].category_totals;
  const changes = [
    ['a value', () => { t.dining = '1234.56'; }],
    ['a key added', () => { t.travel = '99.00'; }],
    ['a key deleted', () => { delete t.travel; }],
    ['the keys reordered', () => { const v = t.dining; delete t.dining; t.dining = v; }],
    ['a total', () => { h[41].total_income = '4321.00'; }],
    ['the surplus', () => { h[41].surplus = '-10.00'; }],
    ['the examined month', () => { h.at(-1).category_totals.dining = '5000.00'; }],
    ['a key written otherwise', () => { t.housing = '1500.5'; }],
    ['back to its own text', () => { t.housing = '1500.50'; }],
    // The list itself (its periods and currencies are kept with it too).
    ['two snapshots swapped in the list', () => { [h[44], h[45]] = [h[45], h[44]]; }],
    ['a snapshot replaced by a changed copy', () => { h[43] = { ...h[43], category_totals: { ...h[43].category_totals, dining: '7.00' } }; }],
    ['a period changed in place', () => { h[0].period_year = 2022; }],
    ['a snapshot added at the end', () => { h.push(snapshot(2027, 1, budget({ dining: '333.00' }))); }],
    ['the last snapshot removed', () => { h.pop(); }],
    ['a month moved in place to the end', () => { h[1].period_year = 2027; h[1].period_month = 2; }],
    ['a currency changed in place', () => { h[42].currency = 'EUR'; }],
    ['and back', () => { h[42].currency = h[0].currency; }],
    ['two snapshots of one month', () => { h[2].period_year = h[3].period_year; h[2].period_month = h[3].period_month; }],
    ['a month again', () => { h[2].period_year = 2021; }],
  ];
  // An error is compared by its code and field.
  const settle = (f) => {
    try {
      return f();
    } catch (e) {
      return { code: e.code, field: e.field };
    }
  };
  for (const [what, change] of changes) {
    change();
    assert.deepEqual(settle(answer), settle(fresh), what);
    assert.deepEqual(settle(answer), settle(fresh), `${what}, again`);
  }
  assert.equal(settle(answer).code, undefined, 'valid at the end');
  // An enumerable key on Object.prototype is no key of the totals.
  Object.prototype.polluted = '1.00';
  try {
    assert.deepEqual(answer(), fresh(), 'prototype with an enumerable key');
  } finally {
    delete Object.prototype.polluted;
  }
  assert.deepEqual(answer(), fresh(), 'after');
});

test('past the limit of the names table the free functions share with WebAssembly, it starts over and every answer stays right', () => {
  // Lists of 10 months of 480 categories each, no name shared: 14 of them hand over 67,200
  // names, past the 65,536 the table holds; the next call starts the table over, on both sides.
  const list = (b) =>
    Array.from({ length: 10 }, (_, k) => {
      const model = budget({ income: '90000.00' });
      model.expenses = Array.from({ length: 480 }, (_, j) => ({
        id: `e${j}`,
        name: `Expense ${j}`,
        category: `b${b}_${k}_${j}`,
        monthly_amount: `${1 + ((j * 7 + k) % 50)}.00`,
        essential: false,
      }));
      return snapshot(2025, k + 1, model);
    });
  const reference = (l) => {
    const held = new lifepath.SnapshotHistory(l);
    const out = [held.computeTrends(), held.detectAnomalies(period(l.at(-1)))];
    held.free();
    return out;
  };
  const answer = (l) => [lifepath.computeTrends(l), lifepath.detectAnomalies(l.at(-1), l)];
  const h = long();
  const expected = reference(h);
  for (let round = 0; round < 2; round++) {
    for (let b = 0; b < 15; b++) {
      const l = list(b);
      assert.deepEqual(answer(l), reference(l), `round ${round}, list ${b}`);
      assert.deepEqual(answer(h), expected, `round ${round}, after list ${b}`);
    }
  }
  assert.equal(Object.keys(expected[0].category_changes).length, 3, 'the long history has its own categories');
});

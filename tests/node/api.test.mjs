// Every export of the built package: the shapes it returns, the defaults of its options, and
// the errors it throws (code, field, errors) for bad months, negative amounts, wrong types and
// missing fields. Never a panic or `RuntimeError: unreachable`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lifepath, thrown } from './lifepath.mjs';
import { budget, snapshot, year2026, goal, contribution, contributions, GOAL_ID, NOW } from './data.mjs';

const EXPORTS = [
  'summarize', 'validateBudgetModel', 'validateGoal', 'computeTrends', 'detectAnomalies',
  'comparePeriods', 'forecast', 'goalProgress', 'goalTrajectory', 'probabilityOnTime', 'replan',
  'recommend', 'applyContribution', 'transitionGoal', 'updateGoalFromSnapshot',
  'progressAfterSnapshotDeleted', 'isLifepathError',
];

test('the package exports every function, and init/initSync for code shared with the web', async () => {
  for (const name of EXPORTS) assert.equal(typeof lifepath[name], 'function', name);
  assert.equal(typeof lifepath.default, 'function');
  await lifepath.default();
  lifepath.initSync();
});

test('summarize: exact decimal totals, debt payments, savings rate', () => {
  const s = lifepath.summarize(budget());
  assert.deepEqual(s, {
    total_income: '4000.00',
    total_expenses: '1860.00',
    surplus: '2140.00',
    savings_rate: 0.535,
    category_totals: { debt_payments: '60.00', dining: '300.00', housing: '1500.00' },
  });
  // Inputs also accept JSON numbers for money; 0.1 + 0.2 stays exact.
  const t = lifepath.summarize({ incomes: [{ name: 'a', monthly_amount: 0.1 }, { name: 'b', monthly_amount: 0.2 }] });
  assert.equal(t.total_income, '0.30');
  assert.equal(lifepath.summarize({}).savings_rate, null);
});

test('validateBudgetModel and validateGoal list every bad field and never throw for bad data', () => {
  assert.deepEqual(lifepath.validateBudgetModel(budget()), []);
  const errors = lifepath.validateBudgetModel({
    incomes: [{ name: '', monthly_amount: '-5' }],
    expenses: [{ name: 'x', category: 'Not A Slug', monthly_amount: '1.005' }],
  });
  assert.deepEqual(errors.map((e) => e.field), ['incomes[0].name', 'incomes[0].monthly_amount', 'expenses[0].category', 'expenses[0].monthly_amount']);
  for (const e of errors) assert.ok(e.message.length > 0);
  assert.deepEqual(lifepath.validateBudgetModel({ incomes: 'nope' }).map((e) => e.field), ['incomes']);
  assert.deepEqual(lifepath.validateGoal(goal()), []);
  assert.deepEqual(lifepath.validateGoal({ ...goal(), is_active: true }), [], 'a record from the server is accepted unchanged');
  const g = lifepath.validateGoal(goal({ target_amount: '0', target_date: '2025-01-01' }));
  assert.deepEqual(g.map((e) => e.field), ['target_amount', 'target_date']);
  const { target_amount, ...missing } = goal();
  assert.deepEqual(lifepath.validateGoal(missing).map((e) => e.field), ['target_amount']);
});

test('computeTrends: window, series, statistics; months defaults to 12', () => {
  const s = year2026();
  const t = lifepath.computeTrends(s);
  assert.deepEqual(t.window, { from: '2026-01', to: '2026-12', months_with_data: 12 });
  assert.equal(t.category_changes.dining.values.length, 12);
  assert.deepEqual(t.category_changes.dining.values[0], { period: '2026-01', amount: '300.00' });
  assert.equal(t.category_changes.dining.trend, 'increasing');
  assert.equal(t.category_changes.housing.trend, 'stable');
  assert.equal(t.income_trend.volatility, 0);
  assert.equal(typeof t.savings_rate_trend.values[0].amount, 'number');
  const three = lifepath.computeTrends(s, { months: 3 });
  assert.deepEqual(three.window, { from: '2026-10', to: '2026-12', months_with_data: 3 });
  // Snapshots in any order.
  assert.deepEqual(lifepath.computeTrends([...s].reverse()), t);
});

test('detectAnomalies: the December dining spike, with options', () => {
  const s = year2026();
  const r = lifepath.detectAnomalies(s[11], s);
  assert.equal(r.period, '2026-12');
  assert.equal(r.method, 'zscore');
  assert.equal(r.baseline, 'recent');
  assert.equal(r.threshold, 2);
  assert.equal(r.anomalies.length, 1);
  const a = r.anomalies[0];
  assert.equal(a.category, 'dining');
  assert.equal(a.current_amount, '900.00');
  assert.equal(a.direction, 'above');
  assert.equal(a.severity, 'alert');
  assert.ok(a.deviation > 3 && typeof a.historical_average === 'number');
  assert.match(a.explanation, /Dining/);
  const robust = lifepath.detectAnomalies(s[11], s, { method: 'robust', threshold: 3, lookback: 6 });
  assert.equal(robust.method, 'robust');
  assert.equal(robust.threshold, 3);
});

test('comparePeriods and forecast', () => {
  const s = year2026();
  const c = lifepath.comparePeriods(s[10], s[11]);
  assert.equal(c.a.period, '2026-11');
  assert.equal(c.categories[0].category, 'dining');
  assert.equal(c.categories[0].change, '500.00');
  const f = lifepath.forecast(s, { horizon: 3 });
  assert.equal(f.horizon, 3);
  assert.deepEqual(f.series.total_income.map((p) => p.period), ['2027-01', '2027-02', '2027-03']);
  assert.equal(f.series.total_income[0].amount, '4000.00');
  assert.ok(Object.keys(f.series).includes('dining'));
  assert.equal(lifepath.forecast(s).horizon, 6);
});

test('goal math: progress, trajectory, probability, replan', () => {
  const g = goal();
  const p = lifepath.goalProgress(g, { asOf: '2026-11-21' });
  assert.deepEqual(p, {
    goal_id: GOAL_ID,
    status: 'active',
    current_amount: '1500.00',
    target_amount: '6000.00',
    remaining_amount: '4500.00',
    progress_percentage: 25,
    days_remaining: 221,
  });
  const t = lifepath.goalTrajectory(g, contributions(), { asOf: '2026-11-21', monthlyContribution: '500.00' });
  assert.equal(t.months_remaining, 9);
  assert.equal(t.projected_completion_date, '2027-08-21');
  assert.equal(t.on_track, false);
  assert.equal(t.reason, null);
  // No monthlyContribution: the average of the last 6 calendar months (June–November).
  const avg = lifepath.goalTrajectory(g, [...contributions(), contribution(20, '60.00', '2026-11-02')], { asOf: '2026-11-21' });
  assert.equal(avg.monthly_contribution, '160.00');
  const prob = lifepath.probabilityOnTime(g, contributions(), { asOf: '2026-11-21' });
  assert.ok(prob.probability >= 0 && prob.probability <= 1);
  assert.equal(prob.months_to_target, 7);
  const r = lifepath.replan(g, contributions(), { asOf: '2026-11-21', monthlyContribution: '500.00' });
  assert.equal(r.on_track, false);
  assert.equal(r.feasible_target_date, '2027-08-21');
  assert.ok(Number(r.required_monthly_contribution) > 500);
  // asOf defaults to today: the result is the same as passing today's local date.
  const d = new Date();
  const today = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  assert.deepEqual(lifepath.goalProgress(g), lifepath.goalProgress(g, { asOf: today }));
});

test('recommend: proposals for an off-track goal', () => {
  const s = year2026();
  const recs = lifepath.recommend({ goals: [goal()], contributions: contributions(), snapshot: s[11], recommendations: [], feedback: [] }, { asOf: '2026-11-21' });
  assert.ok(recs.length > 0);
  for (const r of recs) {
    assert.equal(r.goal_id, GOAL_ID);
    assert.ok(['reduce_expense', 'redirect_surplus', 'pay_high_interest_debt', 'extend_target_date'].includes(r.kind));
    assert.ok(Array.isArray(r.implementation_steps) && r.implementation_steps.length > 0);
  }
  assert.deepEqual(lifepath.recommend({}, { asOf: '2026-11-21' }), []);
});

test('applyContribution and transitionGoal return the goal record with is_active', () => {
  const g = goal();
  const after = lifepath.applyContribution(g, contribution(12, '250.50', '2026-11-20'), { now: '2026-11-21T10:00:00Z' });
  assert.equal(after.current_amount, '1750.50');
  assert.equal(after.version, 4);
  assert.equal(after.updated_at, '2026-11-21T10:00:00Z');
  assert.equal(after.is_active, true);
  const done = lifepath.transitionGoal(g, 'completed', { now: '2026-11-21T10:00:00Z' });
  assert.equal(done.status, 'completed');
  assert.equal(done.completed_at, '2026-11-21T10:00:00Z');
  assert.equal(done.is_active, false);
  const reopened = lifepath.transitionGoal(done, 'active', { now: '2026-11-22T10:00:00Z' });
  assert.equal(reopened.completed_at, null);
  assert.equal(reopened.is_active, true);
  // now defaults to the current time.
  const before = Date.now();
  const paused = lifepath.transitionGoal(g, 'paused');
  assert.ok(Date.parse(paused.updated_at) >= before - 1000);
});

// ---- errors ----

test('bad month: code validation_failed, field names the snapshot', () => {
  const s = year2026();
  s[3] = { ...s[3], period_month: 13 };
  const e = thrown(() => lifepath.computeTrends(s));
  assert.equal(e.code, 'validation_failed');
  assert.equal(e.field, 'snapshots[3].period_month');
  assert.deepEqual(e.errors.map((x) => x.field), ['snapshots[3].period_month']);
  const e2 = thrown(() => lifepath.detectAnomalies({ ...s[11], period_month: 0 }, s));
  assert.equal(e2.field, 'current.period_month');
  const e3 = thrown(() => lifepath.goalProgress(goal(), { asOf: '2026-13-01' }));
  assert.equal(e3.code, 'validation_failed');
  assert.equal(e3.field, 'asOf');
});

test('negative amount: code validation_failed, every bad field listed', () => {
  const e = thrown(() => lifepath.summarize({ incomes: [{ name: 'Job', monthly_amount: '-5.00' }], expenses: [{ name: 'x', category: 'dining', monthly_amount: '-1' }] }));
  assert.equal(e.code, 'validation_failed');
  assert.equal(e.field, 'incomes[0].monthly_amount');
  assert.deepEqual(e.errors.map((x) => x.field), ['incomes[0].monthly_amount', 'expenses[0].monthly_amount']);
  const e2 = thrown(() => lifepath.applyContribution(goal(), contribution(1, '-10.00')));
  assert.equal(e2.field, 'contribution.amount');
  const e3 = thrown(() => lifepath.goalTrajectory(goal(), [], { asOf: '2026-11-21', monthlyContribution: '-5.00' }));
  assert.equal(e3.code, 'validation_failed');
  assert.equal(e3.field, 'monthlyContribution');
});

test('wrong types: the field path of the value with the wrong type', () => {
  const s = year2026();
  s[5] = { ...s[5], total_income: true };
  const e = thrown(() => lifepath.computeTrends(s));
  assert.equal(e.code, 'validation_failed');
  assert.equal(e.field, 'snapshots[5].total_income');
  assert.match(e.message, /snapshots\[5\]\.total_income/);
  assert.equal(thrown(() => lifepath.computeTrends('nope')).field, 'snapshots');
  assert.equal(thrown(() => lifepath.summarize({ incomes: [{ name: 'Job', monthly_amount: 'ten' }] })).field, 'incomes[0].monthly_amount');
  assert.equal(thrown(() => lifepath.transitionGoal(goal(), 'finished')).field, 'to');
  assert.equal(thrown(() => lifepath.detectAnomalies(s[11], year2026(), { method: 'magic' })).field, 'method');
  assert.equal(thrown(() => lifepath.computeTrends(year2026(), { months: 'twelve' })).field, 'months');
  const unknown = thrown(() => lifepath.goalProgress(goal(), { as_of: '2026-11-21' }));
  assert.equal(unknown.field, 'as_of');
  assert.match(unknown.message, /as_of/);
});

test('missing fields: the path of the missing field', () => {
  const { target_amount, ...g } = goal();
  const e = thrown(() => lifepath.goalProgress(g, { asOf: '2026-11-21' }));
  assert.equal(e.code, 'validation_failed');
  assert.equal(e.field, 'goal.target_amount');
  assert.match(e.message, /missing field `target_amount`/);
  const { period_year, ...s } = year2026()[0];
  assert.equal(thrown(() => lifepath.computeTrends([year2026()[1], s])).field, 'snapshots[1].period_year');
  assert.equal(thrown(() => lifepath.summarize({ incomes: [{ name: 'Job' }] })).field, 'incomes[0].monthly_amount');
  assert.equal(thrown(() => lifepath.goalProgress(undefined)).field, 'goal');
});

test('errors of the calculations: codes and fields from the core', () => {
  const s = year2026();
  const mixed = thrown(() => lifepath.computeTrends([...s.slice(0, 11), { ...s[11], currency: 'EUR' }]));
  assert.equal(mixed.code, 'mixed_currency');
  assert.equal(mixed.field, 'currency');
  const dup = thrown(() => lifepath.computeTrends([...s, s[4]]));
  assert.equal(dup.code, 'duplicate_period');
  assert.equal(dup.field, 'period');
  const illegal = thrown(() => lifepath.transitionGoal(goal({ status: 'completed' }), 'paused'));
  assert.equal(illegal.code, 'illegal_transition');
  assert.equal(illegal.field, 'status');
  const threshold = thrown(() => lifepath.detectAnomalies(s[11], s, { threshold: -1 }));
  assert.equal(threshold.code, 'invalid_argument');
  assert.equal(threshold.field, 'threshold');
  assert.equal(thrown(() => lifepath.computeTrends(s, { months: 0 })).field, 'months');
  assert.equal(thrown(() => lifepath.forecast(s, { horizon: 500 })).field, 'horizon');
  const other = thrown(() => lifepath.applyContribution(goal(), { ...contribution(1), goal_id: '00000000-0000-0000-0002-000000000009' }));
  assert.equal(other.code, 'invalid_argument');
  assert.equal(other.field, 'goal_id');
  const debt = thrown(() => lifepath.goalTrajectory(goal({ goal_type: 'debt_payoff', linked_debt_id: 'nope' }), [], { asOf: '2026-11-21', budget: budget() }));
  assert.equal(debt.field, 'linked_debt_id');
});

test('garbage in any argument of any export is a LifepathError, never a crash', () => {
  const cyclic = {};
  cyclic.self = cyclic;
  const garbage = [undefined, null, 0, -1, 1e308, NaN, '', 'x', true, [], {}, [[]], [{}], [null], { a: 1 }, cyclic, 10n, () => 1, Symbol('s'), new Date(0), new Map([[1, 2]])];
  const s = year2026();
  const good = {
    summarize: [budget()],
    validateBudgetModel: [budget()],
    validateGoal: [goal()],
    computeTrends: [s, {}],
    detectAnomalies: [s[11], s, {}],
    comparePeriods: [s[0], s[1]],
    forecast: [s, {}],
    goalProgress: [goal(), { asOf: '2026-11-21' }],
    goalTrajectory: [goal(), contributions(), { asOf: '2026-11-21' }],
    probabilityOnTime: [goal(), contributions(), { asOf: '2026-11-21' }],
    replan: [goal(), contributions(), { asOf: '2026-11-21' }],
    recommend: [{ goals: [goal()], snapshot: s[11] }, { asOf: '2026-11-21' }],
    applyContribution: [goal(), contribution(1), { now: NOW }],
    transitionGoal: [goal(), 'paused', { now: NOW }],
    updateGoalFromSnapshot: [[goal()], contributions(), [], s[2], { now: NOW }],
    progressAfterSnapshotDeleted: [[], s[2].id],
  };
  let calls = 0;
  for (const [name, args] of Object.entries(good)) {
    lifepath[name](...args); // the good call works
    for (let i = 0; i < args.length; i++) {
      for (const g of garbage) {
        const bad = [...args];
        bad[i] = g;
        calls++;
        try {
          lifepath[name](...bad);
        } catch (e) {
          assert.ok(lifepath.isLifepathError(e), `${name} arg ${i} = ${String(g)}: ${e && e.stack}`);
          assert.notEqual(e.code, 'internal', `${name} arg ${i}: ${e.message}`);
        }
      }
    }
    lifepath[name](...args); // and still works after all that
  }
  assert.ok(calls > 500);
});

test('isLifepathError tells our errors from others', () => {
  assert.equal(lifepath.isLifepathError(new Error('x')), false);
  assert.equal(lifepath.isLifepathError({ name: 'LifepathError' }), false);
  assert.equal(lifepath.isLifepathError(null), false);
  assert.equal(lifepath.isLifepathError(thrown(() => lifepath.summarize(null))), true);
});

test('the published .d.ts files declare every export with precise types, never any', async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { root } = await import('./lifepath.mjs');
  for (const target of ['web', 'bundler', 'node']) {
    const dts = readFileSync(join(root, 'wasm', 'pkg', target, 'lifepath.d.ts'), 'utf8');
    const code = dts.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    assert.doesNotMatch(code, /\bany\b/, `${target}/lifepath.d.ts mentions any`);
    for (const name of EXPORTS) assert.match(code, new RegExp(`export function ${name}\\(`), `${target}: ${name}`);
    assert.match(code, /export function computeTrends\(snapshots: BudgetSnapshot\[\], options\?: TrendsOptions\): Trends;/);
    assert.match(code, /export type Money = string;/);
    assert.match(code, /export type GoalStatus = "active" \| "paused" \| "completed" \| "abandoned";/);
  }
});

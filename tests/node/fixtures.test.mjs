// Replays every case of the shared fixtures (tests/fixtures/users/*.json, format in
// tests/fixtures/README.md) through the built npm package: the same expected outputs the Rust
// tests check natively, so WebAssembly and native must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { lifepath, fixtureFiles, readJson, assertClose } from './lifepath.mjs';

const files = fixtureFiles();

test('shared fixtures exist', () => {
  assert.ok(files.length > 0, 'no tests/fixtures/users/*.json: the fixture replay has nothing to check');
});

const periodOf = (s) => `${String(s.period_year).padStart(4, '0')}-${String(s.period_month).padStart(2, '0')}`;

/** One call per fixture `fn`, from the fixture's data and the case's input. */
function dispatch(user, fn, input) {
  const snapshots = user.snapshots ?? [];
  const byPeriod = (p) => {
    const s = snapshots.find((x) => periodOf(x) === p);
    assert.ok(s, `no snapshot of ${p}`);
    return s;
  };
  const latest = () => [...snapshots].sort((a, b) => periodOf(a).localeCompare(periodOf(b))).at(-1);
  const goal = (id) => {
    const g = (user.goals ?? []).find((x) => x.id === id);
    assert.ok(g, `no goal ${id}`);
    return g;
  };
  const contributions = user.contributions ?? [];
  switch (fn) {
    case 'summarize': {
      const s = snapshots.find((x) => x.id === input.snapshot_id);
      assert.ok(s, `no snapshot ${input.snapshot_id}`);
      return lifepath.summarize(s.budget_model);
    }
    case 'compute_trends':
      return lifepath.computeTrends(snapshots, { months: input.months });
    case 'detect_anomalies':
      return lifepath.detectAnomalies(byPeriod(input.period), snapshots, {
        threshold: input.threshold,
        lookback: input.lookback,
        method: input.method,
        baseline: input.baseline,
      });
    case 'compare_periods':
      return lifepath.comparePeriods(byPeriod(input.a), byPeriod(input.b));
    case 'forecast':
      return lifepath.forecast(snapshots, { horizon: input.horizon, months: input.months });
    case 'goal_progress':
      return lifepath.goalProgress(goal(input.goal_id), { asOf: input.as_of });
    case 'trajectory':
      return lifepath.goalTrajectory(goal(input.goal_id), contributions, {
        monthlyContribution: input.monthly_contribution,
        asOf: input.as_of,
        budget: latest()?.budget_model ?? null,
      });
    case 'probability_on_time':
      return lifepath.probabilityOnTime(goal(input.goal_id), contributions, { asOf: input.as_of });
    case 'replan':
      return lifepath.replan(goal(input.goal_id), contributions, {
        monthlyContribution: input.monthly_contribution,
        asOf: input.as_of,
        budget: latest()?.budget_model ?? null,
      });
    case 'recommend':
      return lifepath.recommend(
        {
          goals: user.goals ?? [],
          contributions,
          snapshot: latest() ?? null,
          recommendations: user.recommendations ?? [],
          feedback: user.feedback ?? [],
        },
        { asOf: input.as_of },
      );
    default:
      throw new Error(`unknown fixture fn ${JSON.stringify(fn)}: teach tests/node/fixtures.test.mjs how to call it`);
  }
}

for (const file of files) {
  const user = readJson(file);
  test(`fixture ${basename(file)} (${user.name})`, async (t) => {
    assert.ok(Array.isArray(user.cases) && user.cases.length > 0, 'a fixture without cases');
    for (const c of user.cases) {
      await t.test(`${c.fn}: ${c.name}`, () => {
        assertClose(dispatch(user, c.fn, c.input), c.expected);
      });
    }
  });
}

test('every analytics and goal export is exercised by some fixture', { skip: files.length === 0 && 'no fixtures' }, () => {
  const seen = new Set(files.flatMap((f) => readJson(f).cases.map((c) => c.fn)));
  for (const fn of ['summarize', 'compute_trends', 'detect_anomalies', 'compare_periods', 'forecast', 'goal_progress', 'trajectory', 'probability_on_time', 'replan', 'recommend']) {
    assert.ok(seen.has(fn), `no fixture case calls ${fn}`);
  }
});

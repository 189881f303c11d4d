// An example that uses every export of lifepath, type-checked in strict mode
// (`tsc --noEmit`, tsconfig.json) and run in the browser by the Vite app.
import {
  applyContribution,
  comparePeriods,
  computeTrends,
  detectAnomalies,
  forecast,
  goalProgress,
  goalTrajectory,
  isLifepathError,
  probabilityOnTime,
  progressAfterSnapshotDeleted,
  recommend,
  replan,
  summarize,
  transitionGoal,
  updateGoalFromSnapshot,
  validateBudgetModel,
  validateGoal,
  type AnomalyReport,
  type BudgetModel,
  type BudgetSnapshot,
  type Comparison,
  type FieldError,
  type Forecast,
  type Goal,
  type GoalContribution,
  type GoalProgress,
  type GoalProgressReport,
  type GoalRecord,
  type GoalStatus,
  type LifepathError,
  type Money,
  type OnTimeProbability,
  type Recommendation,
  type Replan,
  type SnapshotSummary,
  type Trajectory,
  type Trends,
  type TrendDirection,
} from 'lifepath';

const USER = '00000000-0000-0000-0000-000000000001';
const NOW = '2026-11-21T09:00:00Z';

function budget(dining: Money): BudgetModel {
  return {
    incomes: [{ id: 'job', name: 'Job', type: 'earned', monthly_amount: '4000.00', stability: 'stable' }],
    expenses: [
      { id: 'rent', name: 'Rent', category: 'housing', monthly_amount: '1500.00', essential: true },
      { id: 'food', name: 'Eating out', category: 'dining', monthly_amount: dining, essential: false },
    ],
    debts: [],
  };
}

function snapshot(month: number, dining: Money): BudgetSnapshot {
  const model = budget(dining);
  const summary: SnapshotSummary = summarize(model);
  return {
    id: `00000000-0000-0000-0001-${String(month).padStart(12, '0')}`,
    user_id: USER,
    period_year: 2026,
    period_month: month,
    currency: 'USD',
    budget_model: model,
    ...summary,
    source_session_id: null,
    version: 1,
    created_at: NOW,
    updated_at: NOW,
  };
}

const goal: Goal = {
  id: '00000000-0000-0000-0002-000000000001',
  user_id: USER,
  name: 'Emergency fund',
  description: null,
  goal_type: 'emergency_fund',
  category: 'emergency',
  priority: 'high',
  target_amount: '6000.00',
  current_amount: '1500.00',
  start_date: '2026-01-01',
  target_date: '2027-06-30',
  linked_debt_id: null,
  annual_return_rate: null,
  status: 'active',
  completed_at: null,
  version: 1,
  created_at: NOW,
  updated_at: NOW,
};

const contributions: GoalContribution[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((m) => ({
  id: `00000000-0000-0000-0003-${String(m).padStart(12, '0')}`,
  goal_id: goal.id,
  amount: '150.00',
  date: `2026-${String(m).padStart(2, '0')}-15`,
  source: 'savings',
  notes: null,
  created_at: NOW,
}));

export interface ExampleResult {
  latestSurplus: Money;
  diningTrend: TrendDirection;
  anomaly: string;
  projectedCompletion: string;
  exportsUsed: number;
}

export function runExample(): ExampleResult {
  const snapshots = Array.from({ length: 12 }, (_, i) => snapshot(i + 1, i === 11 ? '900.00' : `${300 + i * 10}.00`));
  const latest = snapshots[11];
  if (!latest) throw new Error('no snapshots');

  const problems: FieldError[] = validateBudgetModel(latest.budget_model);
  const goalProblems: FieldError[] = validateGoal(goal);
  if (problems.length + goalProblems.length > 0) throw new Error('the example data is invalid');

  const trends: Trends = computeTrends(snapshots, { months: 12 });
  const report: AnomalyReport = detectAnomalies(latest, snapshots, { threshold: 2, method: 'zscore', baseline: 'recent' });
  const comparison: Comparison = comparePeriods(snapshots[0] ?? latest, latest);
  const ahead: Forecast = forecast(snapshots, { horizon: 3 });
  const progress: GoalProgressReport = goalProgress(goal, { asOf: '2026-11-21' });
  const path: Trajectory = goalTrajectory(goal, contributions, { asOf: '2026-11-21', monthlyContribution: '500.00' });
  const odds: OnTimeProbability = probabilityOnTime(goal, contributions, { asOf: '2026-11-21' });
  const plan: Replan = replan(goal, contributions, { asOf: '2026-11-21', monthlyContribution: null });
  const proposals: Recommendation[] = recommend(
    { goals: [goal], contributions, snapshot: latest, recommendations: [], feedback: [] },
    { asOf: '2026-11-21' },
  );
  const funded: GoalRecord = applyContribution(goal, { ...contributions[0]!, id: '00000000-0000-0000-0003-000000000099' }, { now: NOW });
  const next: GoalStatus = funded.is_active ? 'paused' : 'active';
  const paused: GoalRecord = transitionGoal(funded, next, { now: NOW });
  const derived: GoalProgress[] = updateGoalFromSnapshot([goal], contributions, [], latest, { now: NOW }).put;
  const removed: string[] = progressAfterSnapshotDeleted(derived, latest.id);
  if (removed.length !== derived.length) throw new Error('every derived entry is linked to the snapshot');

  let errorCode = 'none';
  try {
    const done = transitionGoal(paused, 'completed', { now: NOW });
    transitionGoal(done, 'paused'); // completed → paused is not a legal move: throws
    comparePeriods(latest, { ...latest, currency: 'EUR' });
  } catch (e: unknown) {
    if (isLifepathError(e)) {
      const err: LifepathError = e;
      errorCode = `${err.code}:${err.field ?? ''}`;
    }
  }

  const dining = trends.category_changes['dining'];
  const first = report.anomalies[0];
  const used = [
    problems, goalProblems, trends, report, comparison, ahead, progress, path, odds, plan, proposals, funded, paused,
  ].length + 2; // + summarize (in snapshot) + isLifepathError
  return {
    latestSurplus: latest.surplus,
    diningTrend: dining ? dining.trend : 'stable',
    anomaly: first ? `${first.category} ${first.severity} ${first.direction} (${errorCode}; ${comparison.categories.length} categories; ${ahead.horizon} months ahead; ${progress.progress_percentage}%; p=${odds.probability ?? 'n/a'}; ${plan.on_track ? 'on track' : 'off track'}; ${proposals.length} proposals)` : 'none',
    projectedCompletion: path.projected_completion_date ?? 'never',
    exportsUsed: used,
  };
}

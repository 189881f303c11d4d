// Goals: create and edit; pause, resume, complete, abandon and reopen (`transitionGoal`);
// contributions (`applyContribution`); progress (`goalProgress`), trajectory (`goalTrajectory`),
// the probability of reaching it on time (`probabilityOnTime`), both replan options (`replan`)
// and recommendations (`recommend`) with a 1–5 rating saved as a feedback record.

import {
  applyContribution,
  goalProgress,
  goalTrajectory,
  isLifepathError,
  probabilityOnTime,
  recommend,
  replan,
  transitionGoal,
  validateGoal,
  type BudgetSnapshot,
  type ContributionSource,
  type GoalCategory,
  type GoalContribution,
  type GoalRecord,
  type GoalStatus,
  type GoalType,
  type Priority,
  type RecommendationFeedback,
} from 'lifepath';
import { v7 as uuidv7 } from 'uuid';
import { lineChart } from '../charts';
import { field, h, money, mount, select } from '../dom';
import { byPeriod, normMoney, nowIso, today } from '../model';
import type { App } from '../app';

const TYPES: [GoalType, string][] = [
  ['savings_target', 'Savings target'],
  ['emergency_fund', 'Emergency fund'],
  ['debt_payoff', 'Debt payoff'],
  ['retirement', 'Retirement'],
  ['custom', 'Custom'],
];
const CATS: [GoalCategory, string][] = [
  ['vacation', 'Vacation'],
  ['emergency', 'Emergency'],
  ['education', 'Education'],
  ['housing', 'Housing'],
  ['vehicle', 'Vehicle'],
  ['electronics', 'Electronics'],
  ['medical', 'Medical'],
  ['retirement', 'Retirement'],
  ['debt', 'Debt'],
  ['other', 'Other'],
];
const SOURCES: [ContributionSource, string][] = [
  ['direct', 'Direct deposit'],
  ['savings', 'From savings'],
  ['expense_reduction', 'Spending less'],
  ['income', 'Extra income'],
  ['other', 'Other'],
];

function goals(app: App): GoalRecord[] {
  return app.data.list<GoalRecord>('goal').sort((a, b) => a.created_at.localeCompare(b.created_at) || a.name.localeCompare(b.name));
}
function contributionsOf(app: App, goalId?: string): GoalContribution[] {
  return app.data
    .list<GoalContribution>('goal_contribution')
    .filter((c) => !goalId || c.goal_id === goalId)
    .sort((a, b) => b.date.localeCompare(a.date) || b.created_at.localeCompare(a.created_at));
}
/** A goal's month-end entry as the server derives it from each snapshot (or a person enters it). */
interface ProgressEntry {
  goal_id: string;
  period_year: number;
  period_month: number;
  amount_at_period: string;
  source?: 'manual' | 'snapshot';
}

const pad2 = (n: number): string => String(n).padStart(2, '0');
const monthOf = (y: number, m: number): string => `${y}-${pad2(m)}`;
const addMonth = (p: string, k: number): string => {
  const [y, m] = p.split('-').map(Number);
  const i = (y ?? 1970) * 12 + (m ?? 1) - 1 + k;
  return monthOf(Math.floor(i / 12), (i % 12) + 1);
};

/**
 * The goal over time: the amount at each month from its progress entries (and today's amount),
 * the target as a line, and the trajectory as a dashed line from today to the projected month.
 */
function progressChart(app: App, goal: GoalRecord, monthly: string | null, projected: string | null, asOf: string): HTMLElement {
  const entries = app.data
    .list<ProgressEntry>('goal_progress')
    .filter((p) => p.goal_id === goal.id)
    .map((p) => [monthOf(p.period_year, p.period_month), Number(p.amount_at_period)] as const);
  const now = asOf.slice(0, 7);
  const actual = new Map<string, number>(entries);
  actual.set(now, Number(goal.current_amount));
  const target = Number(goal.target_amount);
  // The projection, month by month, at the trajectory's monthly amount (at most 10 years).
  const projection = new Map<string, number>([[now, Number(goal.current_amount)]]);
  const perMonth = Number(monthly ?? 0);
  const end = projected?.slice(0, 7) ?? null;
  if (end && perMonth > 0) {
    let p = now;
    let amount = Number(goal.current_amount);
    for (let k = 0; k < 120 && p < end; k++) {
      p = addMonth(p, 1);
      amount = Math.min(target, amount + perMonth);
      projection.set(p, amount);
    }
  }
  const periods = [...new Set([...actual.keys(), ...projection.keys()])].sort();
  return lineChart(
    'Progress over time',
    periods,
    [
      { label: 'Amount', values: periods.map((p) => actual.get(p) ?? null), spanGaps: true },
      { label: 'Target', values: periods.map(() => target), color: '#7f8c8d', dash: [2, 4] },
      { label: 'Projected', values: periods.map((p) => projection.get(p) ?? null), dash: [6, 4], spanGaps: true },
    ],
    { testId: 'goal-progress', height: 220 },
  );
}

function latestSnapshot(app: App): BudgetSnapshot | null {
  const s = byPeriod(app.data.list<BudgetSnapshot>('snapshot'));
  return s[s.length - 1] ?? null;
}

function progressBar(goal: GoalRecord): HTMLElement {
  const p = goalProgress(goal, { asOf: today() });
  const pct = Math.min(100, Math.max(0, p.progress_percentage));
  return h(
    'div',
    { class: 'progress-wrap' },
    h('div', {
      class: 'progress',
      role: 'progressbar',
      'aria-valuemin': 0,
      'aria-valuemax': 100,
      'aria-valuenow': pct.toFixed(0),
      'aria-label': `${goal.name}: ${p.progress_percentage.toFixed(1)} % reached`,
      style: `--p: ${pct}%`,
    }),
    h(
      'p',
      { class: 'muted' },
      `${money(p.current_amount)} of ${money(p.target_amount)} — ${p.progress_percentage.toFixed(1)} %`,
      p.days_remaining === null ? '' : p.days_remaining >= 0 ? `, ${p.days_remaining} days left` : `, ${-p.days_remaining} days overdue`,
    ),
  );
}

const STATUS_LABEL: Record<GoalStatus, string> = { active: 'Active', paused: 'Paused', completed: 'Completed', abandoned: 'Abandoned' };

/** The list and the "new goal" form. */
export function goalsView(root: HTMLElement, app: App): void {
  const list = goals(app);
  mount(
    root,
    h(
      'section',
      {},
      h('div', { class: 'toolbar' }, h('h1', {}, 'Goals'), h('a', { href: '#/goals/new', class: 'button primary', id: 'new-goal' }, 'New goal')),
      list.length === 0
        ? h('div', { class: 'card empty' }, h('p', {}, 'No goals yet: an emergency fund, a trip, a debt to clear…'))
        : h(
            'ul',
            { class: 'goal-list', id: 'goal-list' },
            list.map((g) => {
              let line = '';
              try {
                const t = goalTrajectory(g, contributionsOf(app, g.id), { asOf: today() });
                line = t.projected_completion_date ? `Projected ${t.projected_completion_date}${t.on_track ? ', on track' : ', behind'}` : 'Add contributions to see a projection';
              } catch (e) {
                line = isLifepathError(e) ? e.message : String(e);
              }
              return h(
                'li',
                { class: 'card goal', 'data-goal': g.name },
                h('div', { class: 'toolbar' }, h('h2', {}, h('a', { href: `#/goals/${g.id}` }, g.name)), h('span', { class: `badge ${g.status ?? 'active'}` }, STATUS_LABEL[g.status ?? 'active'])),
                progressBar(g),
                h('p', {}, line),
              );
            }),
          ),
    ),
  );
}

/** Create (`id` null) or edit a goal's fields. */
export function goalForm(root: HTMLElement, app: App, id: string | null): void {
  const existing = id ? app.data.get<GoalRecord>('goal', id) : undefined;
  if (id && !existing) {
    mount(root, h('section', {}, h('h1', {}, 'Goal not found'), h('a', { href: '#/goals' }, 'Back to goals')));
    return;
  }
  const now = nowIso();
  const v = {
    name: existing?.name ?? '',
    description: existing?.description ?? '',
    goal_type: existing?.goal_type ?? ('savings_target' as GoalType),
    category: existing?.category ?? ('vacation' as GoalCategory),
    priority: existing?.priority ?? ('medium' as Priority),
    target_amount: existing?.target_amount ?? '',
    current_amount: existing?.current_amount ?? '0',
    start_date: existing?.start_date ?? today(),
    target_date: existing?.target_date ?? '',
    annual_return_rate: existing?.annual_return_rate ?? '',
    linked_debt_id: existing?.linked_debt_id ?? '',
  };
  let errors = new Map<string, string>();
  const debts = latestSnapshot(app)?.budget_model.debts ?? [];

  const draw = (): void => {
    const text = (name: keyof typeof v, attrs: Record<string, unknown> = {}): HTMLInputElement => {
      const el = h('input', { type: 'text', name, id: `goal-${name}`, value: v[name], ...attrs });
      el.addEventListener('input', () => ((v as Record<string, string>)[name] = el.value));
      return el;
    };
    const choice = (name: keyof typeof v, opts: [string, string][]): HTMLSelectElement => {
      const el = select(name, opts, v[name], { id: `goal-${name}` });
      el.addEventListener('change', () => {
        (v as Record<string, string>)[name] = el.value;
        if (name === 'goal_type') draw();
      });
      return el;
    };
    const desc = h('textarea', { name: 'description', id: 'goal-description', rows: 2, maxlength: 2000 }, v.description);
    desc.addEventListener('input', () => (v.description = desc.value));
    const n = errors.size;
    const form = h(
      'form',
      { class: 'card goal-form', novalidate: true, onsubmit: (e: Event) => { e.preventDefault(); void save(); } },
      h('div', { class: 'toolbar' }, h('h1', {}, existing ? `Edit ${existing.name}` : 'New goal'), h('a', { href: existing ? `#/goals/${existing.id}` : '#/goals', class: 'button' }, 'Cancel')),
      n ? h('p', { class: 'error banner', role: 'alert' }, `${n} field${n === 1 ? ' needs' : 's need'} fixing.`) : null,
      field('Name', text('name', { maxlength: 100, autocomplete: 'off' }), errors.get('name')),
      field('Description (optional)', desc, errors.get('description')),
      h('div', { class: 'grid2' }, field('Kind', choice('goal_type', TYPES), errors.get('goal_type')), field('For', choice('category', CATS), errors.get('category'))),
      h('div', { class: 'grid2' }, field('Target amount', text('target_amount', { inputmode: 'decimal', placeholder: '0.00', class: 'amount' }), errors.get('target_amount')), existing ? null : field('Already saved', text('current_amount', { inputmode: 'decimal', class: 'amount' }), errors.get('current_amount'), 'Contributions raise it later.')),
      h('div', { class: 'grid2' }, field('Start date', text('start_date', { type: 'date' }), errors.get('start_date')), field('Target date (optional)', text('target_date', { type: 'date' }), errors.get('target_date'))),
      h(
        'div',
        { class: 'grid2' },
        field('Priority', choice('priority', [['high', 'High'], ['medium', 'Medium'], ['low', 'Low']]), errors.get('priority')),
        field('Expected yearly return % (optional)', text('annual_return_rate', { inputmode: 'decimal', class: 'amount' }), errors.get('annual_return_rate'), 'For savings that earn interest.'),
      ),
      v.goal_type === 'debt_payoff'
        ? field(
            'Debt to clear',
            choice('linked_debt_id', [['', 'None'], ...debts.filter((d) => d.id).map((d): [string, string] => [d.id ?? '', `${d.name} (${d.interest_rate} % APR)`])]),
            errors.get('linked_debt_id'),
            'From your latest month’s debts.',
          )
        : null,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'save-goal' }, existing ? 'Save goal' : 'Create goal')),
    );
    mount(root, h('section', { class: 'narrow' }, form));
    if (n) form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  };

  const save = async (): Promise<void> => {
    const record: GoalRecord = {
      ...(existing ?? {}),
      id: existing?.id ?? uuidv7(),
      user_id: app.session.user.id,
      name: v.name.trim(),
      description: v.description.trim() || null,
      goal_type: v.goal_type,
      category: v.category,
      priority: v.priority,
      target_amount: normMoney(v.target_amount),
      current_amount: existing ? existing.current_amount : normMoney(v.current_amount || '0'),
      start_date: v.start_date,
      target_date: v.target_date || null,
      linked_debt_id: v.goal_type === 'debt_payoff' && v.linked_debt_id ? v.linked_debt_id : null,
      annual_return_rate: v.annual_return_rate.trim() || null,
      status: existing?.status ?? 'active',
      is_active: (existing?.status ?? 'active') === 'active',
      completed_at: existing?.completed_at ?? null,
      version: (existing?.version ?? 0) + 1,
      created_at: existing?.created_at ?? now,
      updated_at: nowIso(),
    };
    errors = goalErrors(record);
    if (errors.size) return draw();
    await app.data.upsert('goal', record.id, record);
    app.toast(existing ? 'Goal saved.' : 'Goal created.');
    location.hash = `#/goals/${record.id}`;
  };
  draw();
}

const goalUi = { whatIf: '' };

/** One goal: status, progress, trajectory, odds, replan, contributions, recommendations. */
export function goalDetail(root: HTMLElement, app: App, id: string): void {
  const goal = app.data.get<GoalRecord>('goal', id);
  if (!goal) {
    mount(root, h('section', {}, h('h1', {}, 'Goal not found'), h('p', {}, h('a', { href: '#/goals' }, 'Back to goals'))));
    return;
  }
  const asOf = today();
  const contributions = contributionsOf(app, id);
  const snapshot = latestSnapshot(app);
  const budget = snapshot?.budget_model ?? null;
  const rerender = (): void => goalDetail(root, app, id);
  const status = goal.status ?? 'active';
  const sections: HTMLElement[] = [];

  // ---- status
  const move = async (to: GoalStatus, what: string): Promise<void> => {
    try {
      const next = transitionGoal(goal, to, { now: nowIso() });
      await app.data.upsert('goal', next.id, next);
      app.toast(`${goal.name}: ${what}.`);
    } catch (e) {
      app.toast(isLifepathError(e) ? e.message : String(e), true);
    }
  };
  const btn = (label: string, to: GoalStatus, what: string, cls = 'secondary'): HTMLButtonElement =>
    h('button', { type: 'button', class: cls, 'data-action': to, onclick: () => void move(to, what) }, label);
  const actions =
    status === 'active'
      ? [btn('Pause', 'paused', 'paused'), btn('Mark completed', 'completed', 'completed'), btn('Abandon', 'abandoned', 'abandoned', 'secondary danger')]
      : status === 'paused'
        ? [btn('Resume', 'active', 'resumed'), btn('Mark completed', 'completed', 'completed'), btn('Abandon', 'abandoned', 'abandoned', 'secondary danger')]
        : [btn('Reopen', 'active', 'reopened')];
  sections.push(
    h(
      'section',
      { class: 'card' },
      h('div', { class: 'toolbar' }, h('h1', { id: 'goal-title' }, goal.name), h('span', { class: `badge ${status}`, id: 'goal-status' }, STATUS_LABEL[status])),
      goal.description ? h('p', {}, goal.description) : null,
      progressBar(goal),
      h('div', { class: 'actions' }, h('a', { href: `#/goals/${id}/edit`, class: 'button', id: 'edit-goal' }, 'Edit'), actions, h('a', { href: '#/goals', class: 'button' }, 'All goals')),
    ),
  );

  // ---- trajectory, odds, replan
  const whatIf = h('input', { type: 'text', inputmode: 'decimal', id: 'what-if', name: 'monthly_contribution', value: goalUi.whatIf, placeholder: 'average of the last 6 months', class: 'amount' });
  let whatIfError: string | undefined;
  const monthly = goalUi.whatIf.trim() || null;
  const traj = h('section', { class: 'card', id: 'trajectory', 'aria-labelledby': 'traj-h' });
  try {
    const t = goalTrajectory(goal, contributions, { asOf, monthlyContribution: monthly, budget });
    const p = probabilityOnTime(goal, contributions, { asOf });
    const r = replan(goal, contributions, { asOf, monthlyContribution: monthly, budget });
    // What other monthly amounts would do, each a trajectory from the package.
    const candidates = [...new Set([t.monthly_contribution, t.required_monthly_contribution].filter((x): x is string => !!x && x !== '0.00'))];
    mount(
      traj,
      h('h2', { id: 'traj-h' }, 'Trajectory'),
      field('Monthly contribution (what if)', whatIf, whatIfError, 'Leave empty to use your recent contributions.'),
      h(
        'dl',
        { class: 'facts' },
        h('div', {}, h('dt', {}, 'Remaining'), h('dd', {}, money(t.remaining_amount))),
        h('div', {}, h('dt', {}, 'Monthly contribution'), h('dd', {}, money(t.monthly_contribution))),
        h('div', {}, h('dt', {}, 'Months to go'), h('dd', { id: 'months-remaining' }, t.months_remaining === null ? '—' : String(t.months_remaining))),
        h('div', {}, h('dt', {}, 'Projected completion'), h('dd', { id: 'projected-date' }, t.projected_completion_date ?? 'never at this rate')),
        h('div', {}, h('dt', {}, 'Target date'), h('dd', {}, goal.target_date ?? '—')),
        h('div', {}, h('dt', {}, 'On track'), h('dd', { id: 'on-track', class: t.on_track ? 'ok' : 'bad' }, t.on_track ? 'Yes' : 'No')),
        h('div', {}, h('dt', {}, 'Needed per month for the date'), h('dd', {}, money(t.required_monthly_contribution))),
        h('div', {}, h('dt', {}, 'Shortfall per month'), h('dd', {}, money(t.shortfall))),
        h(
          'div',
          {},
          h('dt', {}, 'Chance of reaching it on time'),
          h('dd', { id: 'probability' }, p.probability === null ? (goal.target_date ? 'needs 3 months of contributions' : 'no target date') : `${(p.probability * 100).toFixed(0)} %`),
        ),
      ),
      t.reason ? h('p', { class: 'warn' }, reasonText(t.reason)) : null,
      h('div', { class: 'timeline', 'aria-hidden': 'true' }, timeline(goal.start_date, asOf, t.projected_completion_date, goal.target_date ?? null)),
      progressChart(app, goal, t.monthly_contribution, t.projected_completion_date, asOf),
      candidates.length > 0
        ? h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { id: 'what-if-table' },
              h('caption', {}, 'What a monthly amount reaches'),
              h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Per month'), h('th', { scope: 'col' }, 'Reached'), h('th', { scope: 'col' }, 'On time'))),
              h(
                'tbody',
                {},
                candidates.map((c) => {
                  const x = goalTrajectory(goal, contributions, { asOf, monthlyContribution: c, budget });
                  return h('tr', {}, h('th', { scope: 'row' }, money(c)), h('td', {}, x.projected_completion_date ?? 'never'), h('td', {}, x.on_track ? 'yes' : 'no'));
                }),
              ),
            ),
          )
        : null,
      h('h3', {}, 'Replan'),
      r.on_track
        ? h('p', { id: 'replan' }, 'On track: nothing to change.')
        : h(
            'ul',
            { id: 'replan' },
            h('li', {}, r.required_monthly_contribution ? `Keep the date: save ${money(r.required_monthly_contribution)} a month (${money(r.additional_monthly_contribution)} more than now).` : 'Keep the date: set a target date first.'),
            h('li', {}, r.feasible_target_date ? `Keep the amount: move the target date to ${r.feasible_target_date}.` : `Keep the amount: no date works (${reasonText(r.reason ?? 'no_contribution')}).`),
          ),
    );
  } catch (e) {
    whatIfError = isLifepathError(e) ? e.message : String(e);
    mount(traj, h('h2', { id: 'traj-h' }, 'Trajectory'), field('Monthly contribution (what if)', whatIf, whatIfError));
  }
  whatIf.addEventListener('change', () => {
    goalUi.whatIf = whatIf.value;
    rerender();
    document.getElementById('what-if')?.focus();
  });
  sections.push(traj);

  // ---- contributions
  const c = { amount: '', date: asOf, source: 'direct' as ContributionSource, notes: '' };
  let cErrors = new Map<string, string>();
  const contribSection = h('section', { class: 'card', id: 'contributions', 'aria-labelledby': 'contrib-h' });
  const drawContrib = (): void => {
    const amount = h('input', { type: 'text', inputmode: 'decimal', name: 'amount', id: 'contrib-amount', value: c.amount, class: 'amount', placeholder: '0.00' });
    const date = h('input', { type: 'date', name: 'date', id: 'contrib-date', value: c.date });
    const source = select('source', SOURCES, c.source, { id: 'contrib-source' });
    const notes = h('input', { type: 'text', name: 'notes', id: 'contrib-notes', value: c.notes, maxlength: 2000 });
    const disabled = status === 'completed' || status === 'abandoned';
    mount(
      contribSection,
      h('h2', { id: 'contrib-h' }, 'Contributions'),
      disabled
        ? h('p', { class: 'muted' }, 'Reopen the goal to add contributions.')
        : h(
            'form',
            {
              class: 'inline-form',
              novalidate: true,
              onsubmit: async (e: Event) => {
                e.preventDefault();
                c.amount = amount.value.trim();
                c.date = date.value;
                c.source = source.value as ContributionSource;
                c.notes = notes.value;
                const record: GoalContribution = { id: uuidv7(), goal_id: id, amount: normMoney(c.amount), date: c.date, source: c.source, notes: c.notes.trim() || null, created_at: nowIso() };
                cErrors = new Map();
                if (!c.amount) cErrors.set('amount', 'Enter an amount.');
                if (!/^\d{4}-\d{2}-\d{2}$/.test(c.date)) cErrors.set('date', 'Enter a date.');
                if (cErrors.size) return drawContrib();
                try {
                  const next = applyContribution(goal, record, { now: nowIso() });
                  await app.data.upsertMany([
                    { entity: 'goal', id: next.id, data: next },
                    { entity: 'goal_contribution', id: record.id, data: record },
                  ]);
                  app.toast(`Added ${money(record.amount)} to ${goal.name}.`);
                } catch (err) {
                  if (isLifepathError(err)) {
                    for (const fe of err.errors) cErrors.set(fe.field.replace(/^contribution\./, ''), fe.message);
                    if (!cErrors.size) cErrors.set('amount', err.message);
                  } else throw err;
                  drawContrib();
                }
              },
            },
            h(
              'div',
              { class: 'controls' },
              field('Amount', amount, cErrors.get('amount')),
              field('Date', date, cErrors.get('date')),
              field('Source', source, cErrors.get('source')),
              field('Notes (optional)', notes, cErrors.get('notes')),
            ),
            h('button', { type: 'submit', class: 'primary', id: 'add-contribution' }, 'Add contribution'),
          ),
      contributions.length
        ? h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { id: 'contribution-table' },
              h('caption', {}, `${contributions.length} contribution${contributions.length === 1 ? '' : 's'}`),
              h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Date'), h('th', { scope: 'col', class: 'num' }, 'Amount'), h('th', { scope: 'col' }, 'Source'), h('th', { scope: 'col', class: 'hide-narrow' }, 'Notes'))),
              h('tbody', {}, contributions.map((x) => h('tr', {}, h('td', {}, x.date), h('td', { class: 'num' }, money(x.amount)), h('td', {}, SOURCES.find(([k]) => k === x.source)?.[1] ?? x.source ?? ''), h('td', { class: 'hide-narrow' }, x.notes ?? '')))),
            ),
          )
        : h('p', { class: 'muted' }, 'No contributions yet.'),
    );
    if (cErrors.size) contribSection.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  };
  drawContrib();
  sections.push(contribSection);

  // ---- recommendations
  const recSection = h('section', { class: 'card', id: 'recommendations', 'aria-labelledby': 'rec-h' });
  try {
    const feedback = app.data.list<RecommendationFeedback>('recommendation_feedback');
    const allGoals = goals(app);
    const allContribs = contributionsOf(app);
    const input = { goals: allGoals, contributions: allContribs, snapshot, recommendations: [], feedback: [] };
    // First the proposals without feedback (they name the category and kind each rating is
    // for), then again with the feedback, which re-ranks them and drops kinds rated ≤ 2.
    const base = recommend(input, { asOf });
    const recs = recommend({ ...input, recommendations: base, feedback }, { asOf }).filter((r) => r.goal_id === id);
    const ratingOf = new Map(feedback.map((f) => [f.recommendation_id, f]));
    mount(
      recSection,
      h('h2', { id: 'rec-h' }, 'Recommendations'),
      !snapshot ? h('p', { class: 'muted' }, 'Enter a month’s budget to get recommendations.') : null,
      recs.length === 0 && snapshot ? h('p', { class: 'muted' }, status === 'active' ? 'Nothing to recommend: the goal is on track.' : 'Only active goals get recommendations.') : null,
      h(
        'ol',
        { class: 'recs' },
        recs.map((r) => {
          const fb = ratingOf.get(r.id);
          const group = `rate-${r.id}`;
          return h(
            'li',
            { class: 'rec', 'data-kind': r.kind },
            h('h3', {}, r.title),
            h('p', {}, r.description),
            h('p', { class: 'muted' }, `Frees ${money(r.potential_impact)} a month · ${r.difficulty_level} · ${r.category}`),
            h('ul', { class: 'steps' }, r.implementation_steps.map((s) => h('li', {}, s))),
            h(
              'fieldset',
              { class: 'rating' },
              h('legend', {}, fb ? `Your rating: ${fb.rating} of 5 — change it` : 'How helpful is this? (1–5)'),
              [1, 2, 3, 4, 5].map((n) => {
                const rid = `${group}-${n}`;
                const radio = h('input', { type: 'radio', name: group, id: rid, value: n, checked: fb?.rating === n });
                radio.addEventListener('change', () => {
                  const rec: RecommendationFeedback = { id: fb?.id ?? uuidv7(), recommendation_id: r.id, was_helpful: n >= 3, rating: n, comments: null, created_at: fb?.created_at ?? nowIso() };
                  void app.data.upsert('recommendation_feedback', rec.id, rec).then(() => app.toast(`Rated ${n} of 5. Thanks!`));
                });
                return h('span', { class: 'star' }, radio, h('label', { for: rid }, String(n)));
              }),
            ),
          );
        }),
      ),
    );
  } catch (e) {
    mount(recSection, h('h2', { id: 'rec-h' }, 'Recommendations'), h('p', { class: 'error' }, isLifepathError(e) ? e.message : String(e)));
  }
  sections.push(recSection);

  mount(root, h('div', { class: 'goal-detail' }, sections));
}

/**
 * Every invalid field of a goal. The package reports only the first value it cannot read
 * (an empty amount), so each unreadable value is swapped for a readable stand-in once it is
 * reported, and the goal checked again.
 */
function goalErrors(record: GoalRecord): Map<string, string> {
  const out = new Map<string, string>();
  const probe: Record<string, unknown> = { ...record };
  const standIn: Record<string, unknown> = { target_amount: '1.00', current_amount: '0.00', annual_return_rate: null, start_date: today(), target_date: null };
  for (let round = 0; round < 6; round++) {
    const errs = validateGoal(probe);
    for (const e of errs) if (!out.has(e.field)) out.set(e.field, e.message);
    const only = errs.length === 1 ? errs[0]?.field : undefined;
    if (!only || !(only in standIn) || probe[only] === standIn[only]) break;
    probe[only] = standIn[only];
  }
  if (!record.target_amount) out.set('target_amount', 'Enter the amount to reach.');
  return out;
}

function reasonText(reason: string): string {
  switch (reason) {
    case 'payment_does_not_cover_interest':
      return 'the payment does not cover the interest, so the debt never clears';
    case 'no_contribution':
      return 'there are no contributions yet: add one or enter a monthly amount';
    case 'beyond_horizon':
      return 'it would take more than 100 years at this rate';
    default:
      return 'the target cannot be reached at this rate';
  }
}

/** A start → today → projected / target line, positioned by date (display only). */
function timeline(start: string, asOf: string, projected: string | null, target: string | null): HTMLElement {
  const dates = [start, asOf, projected, target].filter((d): d is string => !!d).map((d) => Date.parse(d));
  const lo = Math.min(...dates);
  const hi = Math.max(...dates);
  const pos = (d: string): string => `${hi === lo ? 0 : ((Date.parse(d) - lo) / (hi - lo)) * 100}%`;
  const mark = (d: string | null, cls: string, text: string): HTMLElement | null => {
    if (!d) return null;
    const at = hi === lo ? 0 : (Date.parse(d) - lo) / (hi - lo);
    const edge = at < 0.15 ? ' at-start' : at > 0.85 ? ' at-end' : '';
    return h('span', { class: `mark ${cls}${edge}`, style: `left: ${pos(d)}` }, h('span', {}, `${text} ${d}`));
  };
  return h('div', { class: 'line' }, start < asOf ? mark(start, 'start', 'Start') : null, mark(asOf, 'now', 'Today'), mark(target, 'target', 'Target'), mark(projected, 'projected', 'Projected'));
}

// Records in the server's JSON shape (DESIGN §2), built from what the user typed. The summary
// of a snapshot always comes from the package's `summarize`; nothing here computes a number.

import { summarize, validateBudgetModel, type BudgetModel, type BudgetSnapshot } from 'lifepath';
import { v5 as uuidv5 } from 'uuid';

/** The namespace of snapshot ids: one id per user and month, the same on every device. */
const SNAPSHOT_NAMESPACE = '5f0c2f2e-4a43-4b7e-9a59-1c4f3f6d8a10';

/** `"YYYY-MM"` of a snapshot. */
export function periodOf(s: { period_year: number; period_month: number }): string {
  return `${String(s.period_year).padStart(4, '0')}-${String(s.period_month).padStart(2, '0')}`;
}

/** `[year, month]` of a `"YYYY-MM"` string, or null when it is not one. */
export function parsePeriod(p: string): [number, number] | null {
  const m = /^(\d{4})-(\d{2})$/.exec(p.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  return month >= 1 && month <= 12 && year >= 1900 && year <= 2999 ? [year, month] : null;
}

/** The period `delta` months after `[year, month]`. */
export function addMonths(year: number, month: number, delta: number): [number, number] {
  const i = year * 12 + (month - 1) + delta;
  return [Math.floor(i / 12), (i % 12) + 1];
}

/** Today's local date, `YYYY-MM-DD` (the `asOf` of goal calculations). */
export function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The current instant, RFC 3339 UTC (milliseconds: the merge orders two edits by it). */
export function nowIso(): string {
  return new Date().toISOString();
}

/**
 * Writes a typed amount the way the server writes money (`"250"` → `"250.00"`), so a record
 * reads the same on both sides; anything else is left as typed for validation to report.
 */
export function normMoney(typed: string | number): string {
  const s = String(typed).trim();
  const m = /^(-?\d+)(?:\.(\d{0,2}))?$/.exec(s);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(2, '0')}` : s;
}

/** A budget with its amounts written as the server writes them. */
export function normModel(model: BudgetModel): BudgetModel {
  return {
    ...model,
    incomes: (model.incomes ?? []).map((i) => ({ ...i, monthly_amount: normMoney(i.monthly_amount) })),
    expenses: (model.expenses ?? []).map((e) => ({ ...e, monthly_amount: normMoney(e.monthly_amount) })),
    debts: (model.debts ?? []).map((d) => ({ ...d, balance: normMoney(d.balance), min_payment: normMoney(d.min_payment) })),
  };
}

/** The deterministic id of a user's snapshot of one month (UUID v5 of `user:YYYY-MM`). */
export function snapshotId(userId: string, period: string): string {
  return uuidv5(`${userId}:${period}`, SNAPSHOT_NAMESPACE);
}

/** The snapshot record of a month: the budget plus the package's summary of it. */
export function buildSnapshot(
  userId: string,
  currency: string,
  period: string,
  model: BudgetModel,
  existing: BudgetSnapshot | undefined,
  now = nowIso(),
  id = existing?.id ?? snapshotId(userId, period),
): BudgetSnapshot {
  const parsed = parsePeriod(period);
  if (!parsed) throw new Error(`not a period: ${period}`);
  const [period_year, period_month] = parsed;
  model = normModel(model);
  return {
    id,
    user_id: userId,
    period_year,
    period_month,
    currency: existing?.currency ?? currency,
    budget_model: model,
    ...summarize(model),
    source_session_id: existing?.source_session_id ?? null,
    version: (existing?.version ?? 0) + 1,
    created_at: existing?.created_at ?? now,
    updated_at: now,
  };
}

/**
 * Every invalid field of a budget, by path (`expenses[2].monthly_amount`). The package stops at
 * the first value it cannot read at all (`"abc"` as an amount), so each item is also checked on
 * its own, with each unreadable value swapped for a readable stand-in after it is reported, to
 * show the errors of every field at once.
 */
export function budgetErrors(model: BudgetModel): Map<string, string> {
  const out = new Map<string, string>();
  for (const list of ['incomes', 'expenses', 'debts'] as const) {
    (model[list] ?? []).forEach((original, i) => {
      const item: Record<string, unknown> = { ...original };
      for (let round = 0; round < 8; round++) {
        const errs = validateBudgetModel({ [list]: [item] });
        let swapped = false;
        for (const e of errs) {
          const f = e.field.replace(`${list}[0]`, `${list}[${i}]`);
          if (!out.has(f)) out.set(f, e.message);
          const key = e.field.slice(`${list}[0].`.length);
          if (errs.length === 1 && key in item && item[key] !== '0') {
            item[key] = typeof item[key] === 'string' ? '0' : item[key];
            swapped = item[key] === '0';
          }
        }
        if (!swapped) break;
      }
    });
  }
  for (const e of validateBudgetModel(model)) if (!out.has(e.field)) out.set(e.field, e.message);
  for (const [f, m] of out) if (m === 'not a decimal amount: ""') out.set(f, 'Enter an amount, like 1250.00.');
  return out;
}

/** Sorts snapshots by period, oldest first. */
export function byPeriod<T extends { period_year: number; period_month: number }>(list: T[]): T[] {
  return [...list].sort((a, b) => a.period_year * 12 + a.period_month - (b.period_year * 12 + b.period_month));
}

/** The standard category slugs (DESIGN §2); users may add their own. */
export const CATEGORIES = [
  'housing',
  'groceries',
  'dining',
  'transport',
  'utilities',
  'insurance',
  'health',
  'entertainment',
  'shopping',
  'travel',
  'education',
  'childcare',
  'subscriptions',
  'gifts',
  'other',
];

/** A category slug for display: `debt_payments` → `Debt payments`. */
export function label(slug: string): string {
  const s = slug.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// Small valid records for the error and shape tests (built with the package's own summarize).
import { lifepath } from './lifepath.mjs';

export const USER = '00000000-0000-0000-0000-000000000001';
export const NOW = '2026-11-21T09:00:00Z';

export function budget({ income = '4000.00', dining = '300.00', rent = '1500.00' } = {}) {
  return {
    incomes: [{ id: 'job', name: 'Job', type: 'earned', monthly_amount: income, stability: 'stable' }],
    expenses: [
      { id: 'rent', name: 'Rent', category: 'housing', monthly_amount: rent, essential: true },
      { id: 'food', name: 'Eating out', category: 'dining', monthly_amount: dining, essential: false },
    ],
    debts: [{ id: 'card', name: 'Card', balance: '2000.00', interest_rate: '22.99', min_payment: '60.00', priority: 'high' }],
  };
}

export function snapshot(year, month, model = budget(), currency = 'USD') {
  const n = year * 12 + month;
  return {
    id: `00000000-0000-0000-0001-${n.toString(16).padStart(12, '0')}`,
    user_id: USER,
    period_year: year,
    period_month: month,
    currency,
    budget_model: model,
    ...lifepath.summarize(model),
    source_session_id: null,
    version: 1,
    created_at: NOW,
    updated_at: NOW,
  };
}

/** Twelve months of 2026, dining growing by 10 a month and a spike in the last one. */
export function year2026() {
  return Array.from({ length: 12 }, (_, i) =>
    snapshot(2026, i + 1, budget({ dining: i === 11 ? '900.00' : `${300 + i * 10}.00` })),
  );
}

export const GOAL_ID = '00000000-0000-0000-0002-000000000001';

export function goal(overrides = {}) {
  return {
    id: GOAL_ID,
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
    version: 3,
    created_at: NOW,
    updated_at: NOW,
    ...overrides,
  };
}

export function contribution(i, amount = '150.00', date = `2026-${String(i).padStart(2, '0')}-15`) {
  return {
    id: `00000000-0000-0000-0003-${i.toString(16).padStart(12, '0')}`,
    goal_id: GOAL_ID,
    amount,
    date,
    source: 'savings',
    notes: null,
    created_at: NOW,
  };
}

export const contributions = () => Array.from({ length: 11 }, (_, i) => contribution(i + 1));

// "Load sample data": 36 months of a plausible household ending with the current month —
// salary with yearly raises and a variable side income, rent, groceries with noise, winter
// utilities, December gifts, summer travel, a car loan and a credit card paid down, and one
// clear anomaly (a car repair five months ago). Seeded by the user id, so it is repeatable.
// These are inputs only: every total is computed by the package when the snapshot is built.

import type { BudgetModel } from 'lifepath';
import { addMonths } from './model';

function rng(seed: string): () => number {
  let h = 2166136261;
  for (const c of seed) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return () => {
    h = (h + 0x6d2b79f5) | 0;
    let t = Math.imul(h ^ (h >>> 15), 1 | h);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const amount = (x: number): string => Math.max(0, x).toFixed(2);

/** The sample months `[period, budget]`, oldest first, ending with `[endYear, endMonth]`. */
export function sampleHistory(seed: string, endYear: number, endMonth: number, months = 36): [string, BudgetModel][] {
  const r = rng(seed);
  const noise = (spread: number): number => (r() * 2 - 1) * spread;
  const out: [string, BudgetModel][] = [];
  for (let k = months - 1; k >= 0; k--) {
    const [y, m] = addMonths(endYear, endMonth, -k);
    const age = months - 1 - k; // 0 for the oldest month
    const year = Math.floor(age / 12);
    const winter = m === 12 || m <= 2;
    const model: BudgetModel = {
      incomes: [
        { id: 'salary', name: 'Salary', type: 'earned', monthly_amount: amount(4800 + 250 * year), stability: 'stable' },
        { id: 'freelance', name: 'Freelance design', type: 'earned', monthly_amount: amount(380 + noise(180)), stability: 'variable' },
      ],
      expenses: [
        { id: 'rent', name: 'Rent', category: 'housing', monthly_amount: amount(1650 + 50 * year), essential: true },
        { id: 'groceries', name: 'Groceries', category: 'groceries', monthly_amount: amount(520 + noise(45)), essential: true },
        { id: 'power', name: 'Electricity and heating', category: 'utilities', monthly_amount: amount((winter ? 210 : 135) + noise(15)), essential: true },
        { id: 'transit', name: 'Fuel and transit', category: 'transport', monthly_amount: amount(185 + noise(20)), essential: true },
        { id: 'insurance', name: 'Insurance', category: 'insurance', monthly_amount: '118.00', essential: true },
        { id: 'dining', name: 'Restaurants', category: 'dining', monthly_amount: amount(240 + 4 * age + noise(35)), essential: false },
        { id: 'fun', name: 'Cinema and concerts', category: 'entertainment', monthly_amount: amount(85 + noise(25)), essential: false },
        { id: 'streaming', name: 'Streaming', category: 'subscriptions', monthly_amount: '42.97', essential: false },
        { id: 'shopping', name: 'Clothes and gadgets', category: 'shopping', monthly_amount: amount(140 + noise(60)), essential: false },
      ],
      debts: [
        { id: 'car', name: 'Car loan', balance: amount(14200 - 330 * age), interest_rate: '6.90', min_payment: '385.00', priority: 'medium' },
      ],
    };
    const expenses = model.expenses ?? [];
    if (age < 20) {
      model.debts?.push({ id: 'card', name: 'Credit card', balance: amount(2400 - 110 * age), interest_rate: '22.99', min_payment: '75.00', priority: 'high' });
    }
    if (m === 12) expenses.push({ id: 'gifts', name: 'Holiday gifts', category: 'gifts', monthly_amount: amount(620 + noise(60)), essential: false });
    if (m === 11) expenses.push({ id: 'gifts', name: 'Birthday gifts', category: 'gifts', monthly_amount: amount(110 + noise(20)), essential: false });
    if (m === 7) expenses.push({ id: 'trip', name: 'Summer holiday', category: 'travel', monthly_amount: amount(1350 + noise(120)), essential: false });
    if (m === 8) expenses.push({ id: 'trip', name: 'Weekend trips', category: 'travel', monthly_amount: amount(480 + noise(80)), essential: false });
    if (k === 5) {
      // The anomaly: a gearbox repair in one month.
      expenses.push({ id: 'repair', name: 'Car repair (gearbox)', category: 'transport', monthly_amount: '1840.00', essential: true });
    }
    out.push([`${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`, model]);
  }
  return out;
}

// The history of the native benchmark (core/benches/data.rs), built in JavaScript: 360 months
// × 200 categories by default, deterministic (the same xorshift), totals computed by the
// package itself.

function uuid(n) {
  return `00000000-0000-0000-0000-${n.toString(16).padStart(12, '0')}`;
}

function money(cents) {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** @param {{summarize: Function}} lifepath */
export function history(lifepath, MONTHS = 360, CATEGORIES = 200) {
  let seed = 0x9e3779b97f4a7c15n;
  const rand = () => {
    seed = BigInt.asUintN(64, seed ^ (seed << 13n));
    seed ^= seed >> 7n;
    seed = BigInt.asUintN(64, seed ^ (seed << 17n));
    return Number(seed % 1000n);
  };
  const snapshots = [];
  for (let k = 0; k < MONTHS; k++) {
    const index = 1996 * 12 + 10 + k; // 1996-11 + k
    const year = Math.floor(index / 12);
    const month = (index % 12) + 1;
    const expenses = [];
    for (let c = 0; c < CATEGORIES; c++) {
      const base = 20 + ((c * 37) % 400);
      const season = month === 12 && c % 10 === 0 ? base : 0;
      const cents = (base + Math.floor(k / 12) + season) * 100 + rand();
      expenses.push({
        id: `e${c}`,
        name: `Expense ${c}`,
        category: `cat_${String(c).padStart(3, '0')}`,
        monthly_amount: money(cents),
        essential: c % 3 === 0,
      });
    }
    const budget_model = {
      incomes: [{ id: 'salary', name: 'Salary', type: 'earned', monthly_amount: money(60_000_00 + k * 10_000), stability: 'stable' }],
      expenses,
      debts: [],
    };
    const now = '2026-11-21T00:00:00Z';
    snapshots.push({
      id: uuid(k),
      user_id: uuid(1),
      period_year: year,
      period_month: month,
      currency: 'USD',
      budget_model,
      ...lifepath.summarize(budget_model),
      source_session_id: null,
      version: 1,
      created_at: now,
      updated_at: now,
    });
  }
  return snapshots;
}

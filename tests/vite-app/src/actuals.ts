// lifepath/actuals in the browser, type-checked in strict mode: the module loaded on demand
// (its own .wasm), a 5,000-row bank CSV imported offline and timed (issue 15: < 200 ms in the
// browser), and the month it adds up to.
import type { ImportResult, MonthlyActuals } from 'lifepath/actuals';

function csv(rows: number): string {
  const payees = ['TESCO STORES 2231', 'Blue Bottle Coffee', 'ACME PAYROLL', 'Shell 57444', 'Netflix.com'];
  const lines = ['Date,Description,Amount,Memo'];
  for (let i = 0; i < rows; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    const cents = ((i * 7919) % 250000) - 200000 || 1;
    const abs = Math.abs(cents);
    lines.push(`2026-03-${day},${payees[i % payees.length]},${cents < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')},ref ${i}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function runActualsCheck(): Promise<string> {
  const m = await import('lifepath/actuals');
  await m.default();
  const text = csv(5000);
  const rules = [{ id: 'r1', match: { field: 'payee' as const, op: 'contains' as const, value: 'tesco' }, category: 'groceries', priority: 0, version: 1 }];
  m.importTransactions(text.slice(0, 2000), { rules }); // warm-up
  const t0 = performance.now();
  const r: ImportResult = m.importTransactions(text, { account: 'Checking', rules });
  const ms = performance.now() - t0;
  const month: MonthlyActuals = m.monthlyActuals(r.transactions, '2026-03');
  return `${r.report.imported} rows imported in ${ms.toFixed(0)} ms; ${r.report.categorised} categorised; ${month.transactions} in 2026-03`;
}

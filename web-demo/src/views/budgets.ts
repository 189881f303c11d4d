// Budgets: the history of months, the month editor (incomes, expenses with category and the
// essential flag, debts) with each validation error next to its field, and sample data.

import type { BudgetModel, BudgetSnapshot, Debt, Expense, Income } from 'lifepath';
import { summarize } from 'lifepath';
import { field, h, money, mount, percent, select } from '../dom';
import { v7 as uuidv7 } from 'uuid';
import { addMonths, budgetErrors, buildSnapshot, byPeriod, CATEGORIES, label, parsePeriod, periodOf } from '../model';
import { sampleHistory } from '../sample';
import type { App } from '../app';

/** The history list. */
export function budgetsView(root: HTMLElement, app: App): void {
  const snaps = byPeriod(app.data.list<BudgetSnapshot>('snapshot')).reverse();
  const cur = app.session.user.currency;
  let armed: string | null = null;
  const loadSample = async (btn: HTMLButtonElement): Promise<void> => {
    btn.disabled = true;
    btn.textContent = 'Loading…';
    const now = new Date();
    const months = sampleHistory(app.session.user.id, now.getFullYear(), now.getMonth() + 1);
    const existing = new Map(app.data.list<BudgetSnapshot>('snapshot').map((s) => [periodOf(s), s]));
    const records = months.map(([p, model]) => {
      const rec = buildSnapshot(app.session.user.id, cur, p, model, existing.get(p));
      return { entity: 'snapshot' as const, id: rec.id, data: rec };
    });
    await app.data.upsertMany(records);
    app.toast(`Loaded ${records.length} months of sample data.`);
  };

  const rows = snaps.map((s) => {
    const p = periodOf(s);
    const del = h('button', { type: 'button', class: 'link danger', 'aria-label': `Delete ${p}` }, 'Delete');
    del.addEventListener('click', () => {
      if (armed !== p) {
        armed = p;
        del.textContent = 'Confirm delete';
        del.focus();
        return;
      }
      void app.data.remove('snapshot', s.id).then(() => app.toast(`Deleted ${p}.`));
    });
    return h(
      'tr',
      { 'data-period': p },
      h('th', { scope: 'row' }, h('a', { href: `#/budgets/edit/${p}` }, p)),
      h('td', { class: 'num' }, money(s.total_income)),
      h('td', { class: 'num' }, money(s.total_expenses)),
      h('td', { class: 'num' }, money(s.surplus)),
      h('td', { class: 'num hide-narrow' }, percent(s.savings_rate)),
      h('td', {}, h('a', { href: `#/budgets/edit/${p}`, class: 'link', 'aria-label': `Edit ${p}` }, 'Edit'), ' ', del),
    );
  });

  const sampleBtn = h('button', { type: 'button', id: 'load-sample' }, 'Load sample data');
  sampleBtn.addEventListener('click', () => void loadSample(sampleBtn));
  mount(
    root,
    h(
      'section',
      {},
      h('div', { class: 'toolbar' }, h('h1', {}, 'Budgets'), h('a', { href: '#/budgets/new', class: 'button primary', id: 'new-month' }, 'New month'), sampleBtn),
      snaps.length === 0
        ? h(
            'div',
            { class: 'card empty' },
            h('p', {}, 'No months yet. Enter this month’s budget, or load three years of sample history to see the charts at once.'),
          )
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { id: 'history' },
              h('caption', {}, `${snaps.length} month${snaps.length === 1 ? '' : 's'} of history (${cur})`),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', { scope: 'col' }, 'Month'),
                  h('th', { scope: 'col', class: 'num' }, 'Income'),
                  h('th', { scope: 'col', class: 'num' }, 'Expenses'),
                  h('th', { scope: 'col', class: 'num' }, 'Surplus'),
                  h('th', { scope: 'col', class: 'num hide-narrow' }, 'Savings rate'),
                  h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')),
                ),
              ),
              h('tbody', {}, rows),
            ),
          ),
    ),
  );
}

interface Draft {
  period: string;
  model: Required<Pick<BudgetModel, 'incomes' | 'expenses' | 'debts'>> & Pick<BudgetModel, 'preferences'>;
}

function blankIncome(): Income {
  return { id: crypto.randomUUID(), name: '', type: 'earned', monthly_amount: '', stability: 'stable' };
}
function blankExpense(): Expense {
  return { id: crypto.randomUUID(), name: '', category: 'other', monthly_amount: '', essential: false };
}
function blankDebt(): Debt {
  return { id: crypto.randomUUID(), name: '', balance: '', interest_rate: '', min_payment: '', priority: 'medium' };
}

/** The month editor: `period` is the month to edit, or null for a new one. */
export function budgetEditor(root: HTMLElement, app: App, period: string | null): void {
  const all = byPeriod(app.data.list<BudgetSnapshot>('snapshot'));
  const editing = period ? all.find((s) => periodOf(s) === period) : undefined;
  const latest = all[all.length - 1];
  let draft: Draft;
  if (editing) {
    draft = { period: periodOf(editing), model: structuredClone({ incomes: [], expenses: [], debts: [], ...editing.budget_model }) };
  } else {
    const now = new Date();
    let next = period ?? `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
    if (!period && latest && all.some((s) => periodOf(s) === next)) {
      const [y, m] = addMonths(latest.period_year, latest.period_month, 1);
      next = `${y}-${String(m).padStart(2, '0')}`;
    }
    draft = latest
      ? { period: next, model: structuredClone({ incomes: [], expenses: [], debts: [], ...latest.budget_model }) }
      : { period: next, model: { incomes: [blankIncome()], expenses: [blankExpense()], debts: [] } };
  }
  let errors = new Map<string, string>();
  const summaryBox = h('div', { class: 'summary', 'aria-live': 'polite', id: 'live-summary' });

  const refreshSummary = (): void => {
    if (budgetErrors(draft.model).size) {
      mount(summaryBox, h('p', { class: 'muted' }, 'Totals appear when every amount is valid.'));
      return;
    }
    const s = summarize(draft.model);
    mount(
      summaryBox,
      h(
        'dl',
        { class: 'totals' },
        h('div', {}, h('dt', {}, 'Income'), h('dd', {}, money(s.total_income))),
        h('div', {}, h('dt', {}, 'Expenses'), h('dd', {}, money(s.total_expenses))),
        h('div', {}, h('dt', {}, 'Surplus'), h('dd', { id: 'summary-surplus' }, money(s.surplus))),
        h('div', {}, h('dt', {}, 'Savings rate'), h('dd', {}, percent(s.savings_rate))),
      ),
    );
  };

  const input = (path: string, value: string, set: (v: string) => void, attrs: Record<string, unknown> = {}): HTMLInputElement => {
    const el = h('input', { type: 'text', value, 'data-path': path, name: path, ...attrs });
    el.addEventListener('input', () => {
      set(el.value);
      refreshSummary();
    });
    return el;
  };
  const amountInput = (path: string, value: string, set: (v: string) => void): HTMLInputElement =>
    input(path, value, set, { inputmode: 'decimal', autocomplete: 'off', placeholder: '0.00', class: 'amount' });
  const choice = (path: string, options: [string, string][], value: string, set: (v: string) => void): HTMLSelectElement => {
    const el = select(path, options, value, { 'data-path': path });
    el.addEventListener('change', () => {
      set(el.value);
      refreshSummary();
    });
    return el;
  };
  const removeBtn = (what: string, onclick: () => void): HTMLButtonElement =>
    h('button', { type: 'button', class: 'link danger remove', 'aria-label': `Remove ${what}`, onclick }, 'Remove');

  const draw = (): void => {
    const m = draft.model;
    const incomeRows = m.incomes.map((inc, i) => {
      const p = `incomes[${i}]`;
      return h(
        'fieldset',
        { class: 'item' },
        h('legend', {}, `Income ${i + 1}`),
        field('Name', input(`${p}.name`, inc.name, (v) => (inc.name = v), { autocomplete: 'off' }), errors.get(`${p}.name`)),
        field('Monthly amount', amountInput(`${p}.monthly_amount`, String(inc.monthly_amount), (v) => (inc.monthly_amount = v)), errors.get(`${p}.monthly_amount`)),
        field('Type', choice(`${p}.type`, [['earned', 'Earned'], ['passive', 'Passive'], ['transfer', 'Transfer']], inc.type ?? 'earned', (v) => (inc.type = v as Income['type'])), errors.get(`${p}.type`)),
        field('Stability', choice(`${p}.stability`, [['stable', 'Stable'], ['variable', 'Variable'], ['seasonal', 'Seasonal']], inc.stability ?? 'stable', (v) => (inc.stability = v as Income['stability'])), errors.get(`${p}.stability`)),
        removeBtn(`income ${i + 1}`, () => {
          m.incomes.splice(i, 1);
          errors = new Map();
          draw();
        }),
      );
    });
    const expenseRows = m.expenses.map((e, i) => {
      const p = `expenses[${i}]`;
      const essentialId = `expense-${i}-essential`;
      const essential = h('input', { type: 'checkbox', id: essentialId, checked: e.essential ?? false, 'data-path': `${p}.essential`, name: `${p}.essential` });
      essential.addEventListener('change', () => (e.essential = essential.checked));
      return h(
        'fieldset',
        { class: 'item' },
        h('legend', {}, `Expense ${i + 1}`),
        field('Name', input(`${p}.name`, e.name, (v) => (e.name = v), { autocomplete: 'off' }), errors.get(`${p}.name`)),
        field('Category', input(`${p}.category`, e.category, (v) => (e.category = v), { list: 'categories', autocomplete: 'off' }), errors.get(`${p}.category`), 'A lowercase slug: housing, groceries, dining…'),
        field('Monthly amount', amountInput(`${p}.monthly_amount`, String(e.monthly_amount), (v) => (e.monthly_amount = v)), errors.get(`${p}.monthly_amount`)),
        h('div', { class: 'field check' }, essential, h('label', { for: essentialId }, 'Essential (needed to live)')),
        removeBtn(`expense ${i + 1}`, () => {
          m.expenses.splice(i, 1);
          errors = new Map();
          draw();
        }),
      );
    });
    const debtRows = m.debts.map((d, i) => {
      const p = `debts[${i}]`;
      return h(
        'fieldset',
        { class: 'item' },
        h('legend', {}, `Debt ${i + 1}`),
        field('Name', input(`${p}.name`, d.name, (v) => (d.name = v), { autocomplete: 'off' }), errors.get(`${p}.name`)),
        field('Balance', amountInput(`${p}.balance`, String(d.balance), (v) => (d.balance = v)), errors.get(`${p}.balance`)),
        field('APR %', input(`${p}.interest_rate`, String(d.interest_rate), (v) => (d.interest_rate = v), { inputmode: 'decimal', class: 'amount' }), errors.get(`${p}.interest_rate`)),
        field('Minimum payment', amountInput(`${p}.min_payment`, String(d.min_payment), (v) => (d.min_payment = v)), errors.get(`${p}.min_payment`)),
        field('Priority', choice(`${p}.priority`, [['high', 'High'], ['medium', 'Medium'], ['low', 'Low']], d.priority ?? 'medium', (v) => (d.priority = v as Debt['priority'])), errors.get(`${p}.priority`)),
        removeBtn(`debt ${i + 1}`, () => {
          m.debts.splice(i, 1);
          errors = new Map();
          draw();
        }),
      );
    });
    const periodInput = h('input', { type: 'month', name: 'period', id: 'period', value: draft.period, required: true, 'data-path': 'period' });
    periodInput.addEventListener('input', () => (draft.period = periodInput.value));
    const add = (label: string, fn: () => void): HTMLButtonElement =>
      h('button', { type: 'button', class: 'secondary', onclick: () => { fn(); draw(); } }, label);
    const count = errors.size;
    const form = h(
      'form',
      { class: 'editor', novalidate: true, onsubmit: (ev: Event) => { ev.preventDefault(); void save(); } },
      h('div', { class: 'toolbar' }, h('h1', {}, editing ? `Edit ${draft.period}` : 'New month'), h('a', { href: '#/budgets', class: 'button' }, 'Back to history')),
      count ? h('p', { class: 'error banner', role: 'alert', id: 'form-errors' }, `${count} field${count === 1 ? ' needs' : 's need'} fixing — see the messages below.`) : null,
      field('Month', periodInput, errors.get('period')),
      h('datalist', { id: 'categories' }, CATEGORIES.map((c) => h('option', { value: c }, label(c)))),
      h('h2', {}, 'Incomes'),
      h('div', { class: 'items' }, incomeRows),
      add('Add income', () => m.incomes.push(blankIncome())),
      h('h2', {}, 'Expenses'),
      h('div', { class: 'items' }, expenseRows),
      add('Add expense', () => m.expenses.push(blankExpense())),
      h('h2', {}, 'Debts'),
      h('div', { class: 'items' }, debtRows),
      add('Add debt', () => m.debts.push(blankDebt())),
      h('h2', {}, 'Totals'),
      summaryBox,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'save-month' }, 'Save month')),
    );
    mount(root, form);
    refreshSummary();
    if (count) form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  };

  const save = async (): Promise<void> => {
    errors = budgetErrors(draft.model);
    const p = parsePeriod(draft.period);
    if (!p) errors.set('period', 'Enter a month as YYYY-MM (month 01–12).');
    else {
      const target = periodOf({ period_year: p[0], period_month: p[1] });
      if (target !== (editing ? periodOf(editing) : null) && all.some((s) => periodOf(s) === target)) {
        errors.set('period', `There is already a budget for ${target}; edit that month instead.`);
      }
    }
    if (errors.size || !p) return draw();
    const target = periodOf({ period_year: p[0], period_month: p[1] });
    const existing = app.data.list<BudgetSnapshot>('snapshot').find((s) => periodOf(s) === target);
    const rec = buildSnapshot(app.session.user.id, app.session.user.currency, target, draft.model, existing);
    const changedMeanwhile = editing && existing && existing.version !== editing.version;
    try {
      await app.data.upsert('snapshot', rec.id, rec);
    } catch (e) {
      // The month's usual id belongs to a deleted snapshot (a deletion is final for its id).
      if (existing) throw e;
      const fresh = { ...rec, id: uuidv7() };
      await app.data.upsert('snapshot', fresh.id, fresh);
    }
    app.toast(changedMeanwhile ? `Saved ${target}. It had also been changed on another device while you edited; your version is the one kept.` : `Saved ${target}.`);
    location.hash = '#/budgets';
  };

  draw();
}

// Transactions: a bank file imported in the browser (`lifepath/actuals`, its own WebAssembly
// module loaded only here), its guessed CSV layout shown and editable, the rows categorised by
// the user's corrections, and the month they add up to with the plan against it. Every number
// comes from the package; the rows sync like every record (entity `transaction`).

import type { BudgetSnapshot } from 'lifepath';
import type {
  CategoryRule,
  CsvLayout,
  FileFormat,
  ImportReport,
  LayoutGuess,
  MonthlyActuals,
  PlanVsActual,
  Transaction,
} from 'lifepath/actuals';
import { field, h, money, mount, percent, select } from '../dom';
import { CATEGORIES, label, nowIso, periodOf, today } from '../model';
import type { App } from '../app';

type Actuals = typeof import('lifepath/actuals');
let loading: Promise<Actuals> | null = null;

/** The actuals module, fetched and instantiated on first use (then cached by the service worker). */
function actualsModule(): Promise<Actuals> {
  loading ??= import('lifepath/actuals').then(async (m) => {
    await m.default();
    return m;
  });
  return loading;
}

/** One snapshot-shaped month per month with transactions (oldest first), built by the
 * package's `snapshotFromActuals`, so every analytic of the Insight screen runs on actuals. */
export async function actualsSnapshots(app: App): Promise<BudgetSnapshot[]> {
  const m = await actualsModule();
  const rows = app.data.list<Transaction>('transaction');
  const periods = [...new Set(rows.map((t) => periodOfDate(t.date)))].sort();
  const now = nowIso();
  return periods.map((p) => m.snapshotFromActuals(m.monthlyActuals(rows, p), { userId: app.session.user.id, currency: app.session.user.currency, now }) as BudgetSnapshot);
}

const DATE_FORMATS: [string, string][] = [
  ['%Y-%m-%d', '2026-03-31'],
  ['%m/%d/%Y', '03/31/2026'],
  ['%d/%m/%Y', '31/03/2026'],
  ['%d.%m.%Y', '31.03.2026'],
  ['%d.%m.%y', '31.03.26'],
  ['%d-%m-%Y', '31-03-2026'],
  ['%Y/%m/%d', '2026/03/31'],
  ['%d/%m/%y', '31/03/26'],
  ['%m/%d/%y', '03/31/26'],
  ['%Y%m%d', '20260331'],
  ['%d %b %Y', '31 Mar 2026'],
  ['%d-%b-%Y', '31-Mar-2026'],
  ['%d %b %y', '31 Mar 26'],
];

/** What the screen holds between redraws. */
const ui: {
  name: string;
  text: string;
  format: FileFormat | null;
  guess: LayoutGuess | null;
  mapping: CsvLayout | null;
  account: string;
  report: ImportReport | null;
  error: string | null;
  period: string;
  learned: string | null;
} = { name: '', text: '', format: null, guess: null, mapping: null, account: '', report: null, error: null, period: '', learned: null };

const periodOfDate = (d: string): string => d.slice(0, 7);

/** The transactions screen. */
export function transactionsView(root: HTMLElement, app: App): void {
  void draw(root, app);
}

async function draw(root: HTMLElement, app: App): Promise<void> {
  mount(root, h('section', {}, h('h1', {}, 'Transactions'), h('p', { class: 'muted' }, 'Loading the import module…')));
  let m: Actuals;
  try {
    m = await actualsModule();
  } catch (e) {
    mount(root, h('section', {}, h('h1', {}, 'Transactions'), h('p', { class: 'error' }, `The import module could not be loaded: ${String(e)}`)));
    return;
  }
  const rows = app.data.list<Transaction>('transaction');
  const rules = app.data.list<CategoryRule>('category_rule');
  const periods = [...new Set(rows.map((t) => periodOfDate(t.date)))].sort().reverse();
  if (!ui.period || !periods.includes(ui.period)) ui.period = periods[0] ?? today().slice(0, 7);
  const redraw = (): void => void draw(root, app);

  mount(
    root,
    h(
      'section',
      {},
      h('h1', {}, 'Transactions'),
      importCard(m, app, rows, rules, redraw),
      periods.length === 0
        ? h('div', { class: 'card empty' }, h('p', {}, 'No transactions yet. Import your bank’s CSV, OFX/QFX or QIF export above: it is read here, in the browser.'))
        : monthCards(m, app, rows, rules, periods, redraw),
    ),
  );
}

function importCard(m: Actuals, app: App, rows: Transaction[], rules: CategoryRule[], redraw: () => void): HTMLElement {
  const input = h('input', { type: 'file', id: 'import-file', accept: '.csv,.ofx,.qfx,.qif,.txt,text/csv' });
  const load = async (file: File): Promise<void> => {
    ui.name = file.name;
    ui.text = await file.text();
    ui.report = null;
    ui.error = null;
    ui.format = m.detectFileFormat(ui.text);
    ui.guess = null;
    ui.mapping = null;
    if (ui.format === 'csv') {
      try {
        ui.guess = m.detectCsvLayout(ui.text);
        ui.mapping = { ...ui.guess.layout };
      } catch (e) {
        ui.error = m.isLifepathError(e) ? e.message : String(e);
      }
    }
    redraw();
  };
  input.addEventListener('change', () => {
    const f = input.files?.[0];
    if (f) void load(f);
  });
  const card = h(
    'div',
    { class: 'card', id: 'import-card' },
    h('h2', {}, 'Import a bank file'),
    h('p', { class: 'muted' }, 'CSV in any layout, OFX/QFX or QIF. Drop it here or pick it; it never leaves this device except as the rows you import.'),
    field('Bank file', input),
  );
  card.addEventListener('dragover', (e) => {
    e.preventDefault();
    card.classList.add('drop');
  });
  card.addEventListener('dragleave', () => card.classList.remove('drop'));
  card.addEventListener('drop', (e) => {
    e.preventDefault();
    card.classList.remove('drop');
    const f = e.dataTransfer?.files?.[0];
    if (f) void load(f);
  });
  if (ui.error) card.append(h('p', { class: 'error', id: 'import-error' }, ui.error));
  if (ui.text && ui.format) {
    card.append(h('p', { id: 'import-format' }, `${ui.name}: ${ui.format.toUpperCase()}`));
    if (ui.format === 'csv' && ui.mapping && ui.guess) card.append(mappingForm(ui.guess, ui.mapping, redraw));
    const account = h('input', { id: 'import-account', value: ui.account, placeholder: 'Checking' });
    account.addEventListener('change', () => (ui.account = account.value.trim()));
    card.append(field('Account', account, undefined, 'The account of these rows (an OFX file names its own).'));
    // A preview with the current mapping: the same function the import runs.
    let preview: HTMLElement;
    let importable = 0;
    try {
      const r = m.importTransactions(ui.text, { mapping: ui.mapping ?? undefined, account: ui.account || undefined, existing: rows, rules, importId: 'preview' });
      importable = r.report.imported;
      preview = h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { id: 'import-preview' },
          h('caption', {}, `Preview: ${r.report.imported} new, ${r.report.duplicates} already here, ${r.report.refused.length} refused`),
          h('thead', {}, h('tr', {}, h('th', {}, 'Date'), h('th', {}, 'Payee'), h('th', { class: 'num' }, 'Amount'), h('th', {}, 'Category'))),
          h(
            'tbody',
            {},
            r.transactions.slice(0, 5).map((t) => h('tr', {}, h('td', {}, t.date), h('td', {}, t.payee), h('td', { class: 'num' }, money(t.amount)), h('td', {}, t.category ? label(t.category) : '—'))),
          ),
        ),
      );
    } catch (e) {
      preview = h('p', { class: 'error', id: 'import-error' }, m.isLifepathError(e) ? `${e.field ? `${e.field}: ` : ''}${e.message}` : String(e));
    }
    card.append(preview);
    const go = h('button', { type: 'button', class: 'primary', id: 'import-go', disabled: importable === 0 }, `Import ${importable} row${importable === 1 ? '' : 's'}`);
    go.addEventListener('click', () => {
      const r = m.importTransactions(ui.text, { mapping: ui.mapping ?? undefined, account: ui.account || undefined, existing: rows, rules });
      ui.report = r.report;
      if (r.transactions.length > 0) ui.period = periodOfDate(r.transactions[0]!.date);
      void app.data
        .upsertMany(r.transactions.map((t) => ({ entity: 'transaction' as const, id: t.id, data: t })))
        .then(() => {
          app.toast(`Imported ${r.report.imported} transaction${r.report.imported === 1 ? '' : 's'}.`);
          ui.text = '';
          redraw();
        });
    });
    card.append(h('div', { class: 'actions' }, go));
  }
  if (ui.report) {
    const r = ui.report;
    card.append(
      h(
        'div',
        { id: 'import-report', class: 'report', role: 'status' },
        h('p', {}, `Imported ${r.imported} · ${r.duplicates} duplicate${r.duplicates === 1 ? '' : 's'} skipped · ${r.refused.length} refused · ${r.categorised} categorised automatically`),
        r.refused.length > 0 ? h('ul', { id: 'import-refused' }, r.refused.map((x) => h('li', {}, `line ${x.line}: ${x.reason}`))) : null,
      ),
    );
  }
  return card;
}

/** The guessed layout, every part of it editable; each change re-runs the preview. */
function mappingForm(guess: LayoutGuess, mapping: CsvLayout, redraw: () => void): HTMLElement {
  const cols: [string, string][] = guess.columns.map((c, i) => [String(i), `${i + 1}: ${c}`]);
  const none: [string, string][] = [['', '—'], ...cols];
  const set = (f: (v: string) => void) => (e: Event) => {
    f((e.target as HTMLInputElement | HTMLSelectElement).value);
    redraw();
  };
  const check = (f: (v: boolean) => void) => (e: Event) => {
    f((e.target as HTMLInputElement).checked);
    redraw();
  };
  const amount = mapping.amount;
  const debitCredit = amount.kind === 'debit_credit';
  return h(
    'fieldset',
    { id: 'mapping', class: 'grid' },
    h('legend', {}, `Columns, guessed with ${Math.round(guess.confidence * 100)} % confidence`),
    guess.notes.length > 0 ? h('ul', { class: 'muted', id: 'mapping-notes' }, guess.notes.map((n) => h('li', {}, n))) : null,
    field('Delimiter', select('delimiter', [[',', 'comma ,'], [';', 'semicolon ;'], ['\t', 'tab'], ['|', 'bar |']], mapping.delimiter, { id: 'map-delimiter', onchange: set((v) => (mapping.delimiter = v)) })),
    field('First row names the columns', h('input', { type: 'checkbox', id: 'map-header', checked: mapping.has_header, onchange: check((v) => (mapping.has_header = v)) })),
    field('Date column', select('date_column', cols, String(mapping.date_column), { id: 'map-date', onchange: set((v) => (mapping.date_column = Number(v))) })),
    field('Date format', select('date_format', DATE_FORMATS.map(([f, ex]) => [f, ex]), mapping.date_format, { id: 'map-date-format', onchange: set((v) => (mapping.date_format = v)) })),
    field('Payee column', select('payee_column', cols, String(mapping.payee_column), { id: 'map-payee', onchange: set((v) => (mapping.payee_column = Number(v))) })),
    field(
      'Amount',
      select('amount_kind', [['signed', 'one column, negative = money out'], ['debit_credit', 'money out and money in columns']], amount.kind, {
        id: 'map-amount-kind',
        onchange: set((v) => {
          mapping.amount = v === 'signed' ? { kind: 'signed', column: debitCredit ? amount.debit : amount.column } : { kind: 'debit_credit', debit: amount.kind === 'signed' ? amount.column : amount.debit, credit: amount.kind === 'signed' ? amount.column : amount.credit };
        }),
      }),
    ),
    amount.kind === 'signed'
      ? field('Amount column', select('amount_column', cols, String(amount.column), { id: 'map-amount', onchange: set((v) => (mapping.amount = { kind: 'signed', column: Number(v) })) }))
      : [
          field('Money out column', select('debit', cols, String(amount.debit), { id: 'map-debit', onchange: set((v) => (mapping.amount = { ...amount, debit: Number(v) })) })),
          field('Money in column', select('credit', cols, String(amount.credit), { id: 'map-credit', onchange: set((v) => (mapping.amount = { ...amount, credit: Number(v) })) })),
        ],
    field('Decimal comma (1.234,56)', h('input', { type: 'checkbox', id: 'map-decimal-comma', checked: mapping.decimal_comma, onchange: check((v) => (mapping.decimal_comma = v)) })),
    field('Category column', select('category_column', none, mapping.category_column === null || mapping.category_column === undefined ? '' : String(mapping.category_column), { id: 'map-category', onchange: set((v) => (mapping.category_column = v === '' ? null : Number(v))) })),
  );
}

function monthCards(m: Actuals, app: App, rows: Transaction[], rules: CategoryRule[], periods: string[], redraw: () => void): (HTMLElement | null)[] {
  const cur = app.session.user.currency;
  const periodSelect = select('period', periods.map((p) => [p, p]), ui.period, { id: 'tx-period' });
  periodSelect.addEventListener('change', () => {
    ui.period = periodSelect.value;
    ui.learned = null;
    redraw();
  });
  const month = rows.filter((t) => periodOfDate(t.date) === ui.period).sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
  const known = [...new Set([...CATEGORIES, ...rows.map((t) => t.category).filter((c): c is string => !!c)])].sort();
  const setCategory = async (t: Transaction, category: string | null): Promise<void> => {
    const next: Transaction = { ...t, category, categorised_by: category ? 'user' : null, updated_at: nowIso() };
    await app.data.upsert('transaction', t.id, next);
    const all = app.data.list<Transaction>('transaction');
    const why = category ? m.explainCategory(t.payee, { existing: all, rules }) : null;
    ui.learned = why ? `From now on “${t.payee}” is ${label(why.category)}: ${why.explanation}.` : null;
    redraw();
  };
  const table = h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id: 'tx-table' },
      h('caption', {}, `${month.length} transaction${month.length === 1 ? '' : 's'} in ${ui.period}`),
      h('thead', {}, h('tr', {}, h('th', {}, 'Date'), h('th', {}, 'Payee'), h('th', { class: 'num' }, 'Amount'), h('th', {}, 'Category'), h('th', { class: 'hide-narrow' }, 'How'))),
      h(
        'tbody',
        {},
        month.map((t) => {
          const sel = select('category', [['', 'Uncategorised'], ...known.map((c): [string, string] => [c, label(c)])], t.category ?? '', { 'aria-label': `Category of ${t.payee} on ${t.date}` });
          sel.addEventListener('change', () => void setCategory(t, sel.value || null));
          return h(
            'tr',
            { 'data-id': t.id, 'data-payee': t.payee },
            h('td', {}, t.date),
            h('td', {}, t.payee),
            h('td', { class: 'num' }, money(t.amount)),
            h('td', {}, sel),
            h('td', { class: 'hide-narrow muted' }, t.categorised_by ?? ''),
          );
        }),
      ),
    ),
  );

  const actuals: MonthlyActuals = m.monthlyActuals(rows, ui.period);
  // The month's budget, else the latest before it: the core's rule, as the server applies it.
  const plan: BudgetSnapshot | null = m.planFor(app.data.list<BudgetSnapshot>('snapshot'), ui.period);
  const pva: PlanVsActual | null = plan ? m.planVsActual(plan.budget_model, actuals, { asOf: today() }) : null;
  return [
    h('div', { class: 'toolbar' }, h('h2', {}, 'Month'), field('Month', periodSelect)),
    ui.learned ? h('p', { class: 'report', id: 'learned', role: 'status' }, ui.learned) : null,
    h('div', { class: 'card' }, table),
    h(
      'div',
      { class: 'card', id: 'actuals' },
      h('h2', {}, `${ui.period} from the transactions`),
      h(
        'div',
        { class: 'totals' },
        h('div', {}, 'Income ', h('strong', { id: 'actual-income' }, money(actuals.total_income, cur))),
        h('div', {}, 'Spending ', h('strong', { id: 'actual-expenses' }, money(actuals.total_expenses, cur))),
        h('div', {}, 'Surplus ', h('strong', { id: 'actual-surplus' }, money(actuals.surplus, cur))),
        h('div', {}, 'Savings rate ', h('strong', {}, percent(actuals.savings_rate))),
      ),
    ),
    h(
      'div',
      { class: 'card', id: 'plan-card' },
      h('h2', {}, 'Plan against actual'),
      !pva || !plan
        ? h('p', { class: 'muted' }, `No budget for ${ui.period} or before: enter one under Budgets to compare.`)
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { id: 'plan-vs-actual' },
              h('caption', {}, `The budget of ${periodOf(plan)} against ${ui.period}; over-budget categories first`),
              h('thead', {}, h('tr', {}, h('th', {}, 'Category'), h('th', { class: 'num' }, 'Planned'), h('th', { class: 'num' }, 'Actual'), h('th', { class: 'num' }, 'Remaining'), h('th', { class: 'num hide-narrow' }, 'Pace'))),
              h(
                'tbody',
                {},
                pva.categories.map((c) => {
                  const over = Number(c.over) > 0;
                  return h(
                    'tr',
                    { 'data-category': c.category, class: over ? 'over' : '' },
                    h('th', { scope: 'row' }, label(c.category), ' ', over ? h('span', { class: 'badge alert' }, `over by ${money(c.over)}`) : null),
                    h('td', { class: 'num' }, money(c.planned)),
                    h('td', { class: 'num' }, money(c.actual)),
                    h('td', { class: 'num' }, money(c.remaining)),
                    h('td', { class: 'num hide-narrow' }, c.pace === null || c.pace === undefined ? '—' : `${c.pace.toFixed(2)}×`),
                  );
                }),
              ),
            ),
          ),
    ),
  ];
}

// lifepath/actuals (issue 15 §4): the BUILT module in Node — bank files imported offline (the
// same core function as the server's import), deduplicated, categorised, and a month built from
// the rows with the plan against it. Expected figures worked out by hand from the fixture.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lifepath, root, thrown } from './lifepath.mjs';

const entry = join(root, 'wasm', 'pkg', 'actuals', 'node', 'index.mjs');
if (!existsSync(entry)) throw new Error(`${entry} is missing: build the package first (bash wasm/build.sh)`);
const actuals = await import(entry);
const insightsEntry = join(root, 'wasm', 'pkg', 'insights', 'node', 'index.mjs');
const insights = await import(insightsEntry);
const fixture = (name) => readFileSync(join(root, 'tests', 'fixtures', 'imports', name), 'utf8');
const NOW = '2026-04-01T12:00:00Z';

test('exports of lifepath/actuals', () => {
  for (const name of ['detectCsvLayout', 'detectFileFormat', 'importTransactions', 'explainCategory', 'monthlyActuals', 'planVsActual', 'snapshotFromActuals', 'planFor']) {
    assert.equal(typeof actuals[name], 'function', name);
  }
  assert.equal(typeof actuals.default, 'function', 'init');
});

test('detectCsvLayout guesses a bank layout and says how sure it is', () => {
  const g = actuals.detectCsvLayout(fixture('de-giro-sparkasse-style.csv'));
  assert.equal(g.layout.delimiter, ';');
  assert.equal(g.layout.decimal_comma, true);
  assert.equal(g.layout.date_format, '%d.%m.%y');
  assert.ok(g.confidence > 0.5 && g.confidence <= 1, String(g.confidence));
  const e = thrown(() => actuals.detectCsvLayout(''));
  assert.equal(e.field, 'text');
});

test('importTransactions reads the file, and a second import adds nothing', () => {
  const text = fixture('us-card-chase-style.csv');
  const first = actuals.importTransactions(text, { account: 'Visa', now: NOW, importId: 'imp-1' });
  assert.equal(first.report.format, 'csv');
  assert.equal(first.report.imported, 7);
  assert.equal(first.report.duplicates, 0);
  assert.deepEqual(first.report.refused, []);
  assert.equal(first.transactions.length, 7);
  const pizza = first.transactions.find((t) => t.payee === "JOE'S PIZZA, BROOKLYN");
  assert.equal(pizza.amount, '-27.50');
  assert.equal(pizza.date, '2026-03-14');
  assert.equal(pizza.category, 'food_drink');
  assert.equal(pizza.account, 'Visa');
  assert.equal(pizza.import_id, 'imp-1');
  // The two identical purchases of one day are both kept, with different fingerprints.
  const shell = first.transactions.filter((t) => t.payee === 'SHELL OIL 57444');
  assert.equal(shell.length, 2);
  assert.notEqual(shell[0].fingerprint, shell[1].fingerprint);
  // The same bank row gets the same id on every device (the id comes from the fingerprint).
  const elsewhere = actuals.importTransactions(text, { account: 'Visa', now: NOW });
  assert.deepEqual(elsewhere.transactions.map((t) => t.id), first.transactions.map((t) => t.id));
  const again = actuals.importTransactions(text, { account: 'Visa', existing: first.transactions, now: NOW });
  assert.equal(again.report.imported, 0);
  assert.equal(again.report.duplicates, 7);
  // OFX and QIF recognised from the content; a bad row refused with its line.
  assert.equal(actuals.importTransactions(fixture('ofx2-xml-creditcard.qfx')).report.format, 'ofx');
  const qif = actuals.importTransactions(fixture('quicken-bank.qif'));
  assert.equal(qif.report.format, 'qif');
  assert.ok(qif.report.refused.length >= 1 && qif.report.refused[0].line > 0);
});

test('imported rows are the objects of the JSON shape, whatever their text', () => {
  // Payees and notes beyond ASCII (accents, CJK, an emoji: two UTF-16 units), a quoted comma,
  // an empty note, a category from the file; rows built in JavaScript from columns must be
  // exactly what the core's JSON would give.
  const text = [
    'Date,Description,Amount,Memo,Category',
    '2026-03-01,Café Müller,-4.50,naïve 😀 note,Food & Drink',
    '2026-03-02,"ACME, Inc.",2500.00,,',
    '2026-03-02,東京 ラーメン 🍜,-12.00,領収書,',
    '2026-03-03,Plain,-1.00,x,Gifts',
  ].join('\n');
  const r = actuals.importTransactions(text, { account: 'Girokonto €', now: NOW, importId: 'imp-u' });
  assert.equal(r.report.imported, 4);
  const keys = ['id', 'date', 'amount', 'payee', 'category', 'account', 'notes', 'import_id', 'fingerprint', 'categorised_by', 'version', 'created_at', 'updated_at'];
  for (const t of r.transactions) {
    assert.deepEqual(Object.keys(t), keys);
    assert.match(t.id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUID version 8');
    assert.equal(t.id.replaceAll('-', '').slice(0, 12), t.fingerprint.slice(0, 12), 'from the fingerprint');
    assert.match(t.fingerprint, /^[0-9a-f]{64}$/);
    assert.equal(t.account, 'Girokonto €');
    assert.equal(t.import_id, 'imp-u');
    assert.equal(t.version, 1);
    assert.equal(t.created_at, t.updated_at);
  }
  const [cafe, acme, ramen, plain] = r.transactions;
  assert.deepEqual([cafe.payee, cafe.amount, cafe.notes, cafe.category, cafe.categorised_by, cafe.date], ['Café Müller', '-4.50', 'naïve 😀 note', 'food_drink', 'file', '2026-03-01']);
  assert.deepEqual([acme.payee, acme.amount, acme.notes, acme.category, acme.categorised_by], ['ACME, Inc.', '2500.00', null, null, null]);
  assert.deepEqual([ramen.payee, ramen.notes, ramen.amount], ['東京 ラーメン 🍜', '領収書', '-12.00']);
  assert.deepEqual([plain.payee, plain.notes, plain.category], ['Plain', 'x', 'gifts']);
  // The rows are accepted back as they are (the core reads them: no field is off).
  const m = actuals.monthlyActuals(r.transactions, '2026-03');
  assert.equal(m.transactions, 4);
  assert.equal(m.total_income, '2500.00');
  // And a re-import knows them all.
  assert.equal(actuals.importTransactions(text, { account: 'Girokonto €', existing: r.transactions, now: NOW }).report.duplicates, 4);
});

test('rules, then the corrections the user made, categorise new rows', () => {
  const rules = [{ id: 'r1', match: { field: 'payee', op: 'contains', value: 'tesco' }, category: 'groceries', priority: 0, version: 1 }];
  const existing = [{
    id: '0190f1f4-6c3a-7b1e-9d2a-3c4b5a697887', date: '2026-01-02', amount: '-8.00', payee: 'Boots Pharmacy',
    category: 'health', categorised_by: 'user', fingerprint: 'f'.repeat(64), version: 1,
    created_at: NOW, updated_at: NOW,
  }];
  const text = 'Date,Description,Amount\n2026-02-01,TESCO STORES 22,-31.00\n2026-02-03,Boots Pharmacy,-5.00\n2026-02-04,Unknown Place,-1.00\n';
  const r = actuals.importTransactions(text, { rules, existing, now: NOW });
  assert.equal(r.report.categorised, 2);
  const by = (p) => r.transactions.find((t) => t.payee === p);
  assert.equal(by('TESCO STORES 22').category, 'groceries');
  assert.equal(by('TESCO STORES 22').categorised_by, 'rule:r1');
  assert.equal(by('Boots Pharmacy').category, 'health');
  assert.equal(by('Boots Pharmacy').categorised_by, 'learned');
  assert.equal(by('Unknown Place').category ?? null, null);
  // The same answers, explained, for one payee.
  assert.deepEqual(actuals.explainCategory('Tesco Metro', { rules, existing }), {
    category: 'groceries', categorised_by: 'rule:r1', explanation: 'categorised by rule 1 (payee contains "tesco")',
  });
  assert.equal(actuals.explainCategory('boots  PHARMACY', { existing }).explanation, 'learned from 1 earlier transaction');
  assert.equal(actuals.explainCategory('Nobody'), null);
  assert.equal(actuals.detectFileFormat(fixture('ofx1-sgml-checking.ofx')), 'ofx');
  assert.equal(actuals.detectFileFormat(fixture('quicken-bank.qif')), 'qif');
  assert.equal(actuals.detectFileFormat(fixture('us-card-chase-style.csv')), 'csv');
});

test('a mapping given by the caller, and a broken one named', () => {
  const text = 'when;who;how much\n02/03/2026;Baker;-4,50\n';
  const mapping = { delimiter: ';', has_header: true, date_column: 0, date_format: '%d/%m/%Y', payee_column: 1, amount: { kind: 'signed', column: 2 }, decimal_comma: true };
  const r = actuals.importTransactions(text, { mapping, now: NOW });
  assert.equal(r.transactions[0].amount, '-4.50');
  assert.equal(r.transactions[0].date, '2026-03-02');
  const e = thrown(() => actuals.importTransactions(text, { mapping: { ...mapping, date_format: '%Q' } }));
  assert.equal(e.field, 'mapping');
  const u = thrown(() => actuals.importTransactions(text, { colour: 'red' }));
  assert.equal(u.code, 'validation_failed');
});

test('monthlyActuals and planVsActual, worked by hand from the Chase fixture', () => {
  const { transactions } = actuals.importTransactions(fixture('us-card-chase-style.csv'), { now: NOW });
  transactions.push({ ...transactions[0], id: '0190f1f4-6c3a-7b1e-9d2a-3c4b5a697888', payee: 'To savings', amount: '-1000.00', category: 'transfer', fingerprint: 'e'.repeat(64) });
  const m = actuals.monthlyActuals(transactions, '2026-03');
  assert.equal(m.total_income, '523.99');
  assert.deepEqual(m.category_totals, { entertainment: '15.49', food_drink: '27.50', gas: '82.40', groceries: '82.17' });
  assert.equal(m.total_expenses, '207.56');
  assert.equal(m.surplus, '316.43');
  assert.equal(m.transactions, 7);
  const budget = {
    incomes: [{ id: 'i1', name: 'Salary', type: 'earned', monthly_amount: '4000.00', stability: 'stable' }],
    expenses: [
      { id: 'e1', name: 'Rent', category: 'housing', monthly_amount: '1200.00', essential: true },
      { id: 'e2', name: 'Food', category: 'groceries', monthly_amount: '50.00', essential: false },
    ],
    debts: [],
  };
  const p = actuals.planVsActual(budget, m, { asOf: '2026-03-15' });
  assert.deepEqual(p.categories.map((c) => c.category), ['gas', 'groceries', 'food_drink', 'entertainment', 'housing']);
  const g = p.categories[1];
  assert.equal(g.over, '32.17');
  assert.equal(g.remaining, '-32.17');
  assert.ok(Math.abs(g.pace - 82.17 / (50 * 15 / 31)) < 1e-9, String(g.pace));
  assert.equal(p.categories[0].pace, null);
  assert.equal(actuals.planVsActual(budget, m, { asOf: '2026-05-01' }).categories[1].pace, null);
  // A month of actuals as a snapshot: the main module's analytics read it unchanged.
  const snap = actuals.snapshotFromActuals(m, { userId: '0190f1f4-6c3a-7b1e-9d2a-3c4b5a697800', currency: 'USD', now: NOW });
  assert.equal(snap.period_year, 2026);
  assert.equal(snap.period_month, 3);
  assert.equal(snap.total_expenses, '207.56');
  assert.equal(snap.total_income, '523.99');
  assert.deepEqual(snap.category_totals, m.category_totals);
  assert.equal(snap.id, actuals.snapshotFromActuals(m, { userId: '0190f1f4-6c3a-7b1e-9d2a-3c4b5a697800', now: NOW }).id, 'one id per user and month');
  const trends = lifepath.computeTrends([snap]);
  assert.equal(trends.expense_trend.values[0].amount, '207.56');
  assert.ok('gas' in trends.category_changes, JSON.stringify(Object.keys(trends.category_changes)));
  const bad = thrown(() => actuals.monthlyActuals([{ ...transactions[0], amount: '0' }], '2026-03'));
  assert.equal(bad.field, 'transactions[0].amount');
  assert.equal(thrown(() => actuals.monthlyActuals(transactions, '2026-13')).field, 'period');
  // The plan of a month: its snapshot, else the latest before it (the object passed in).
  const jan = { ...snap, period_month: 1 };
  const list = [snap, jan];
  assert.equal(actuals.planFor(list, '2026-03'), snap);
  assert.equal(actuals.planFor(list, '2026-02'), jan);
  assert.equal(actuals.planFor(list, '2027-01'), snap);
  assert.equal(actuals.planFor(list, '2025-12'), null);
  assert.equal(actuals.planFor([], '2026-03'), null);
  assert.equal(thrown(() => actuals.planFor([{ ...snap, period_month: 13 }], '2026-03')).field, 'snapshots[0].period_month');
});

test('lifepath/insights deriveInsights: the feed the server derives, offline', () => {
  assert.equal(typeof insights.deriveInsights, 'function');
  assert.equal(typeof insights.default, 'function', 'init');
  const goal = {
    id: '0190f1f4-6c3a-7b1e-9d2a-3c4b5a697801', user_id: '0190f1f4-6c3a-7b1e-9d2a-3c4b5a697800',
    name: 'Holiday', goal_type: 'savings_target', category: 'vacation', priority: 'high',
    target_amount: '2000.00', current_amount: '1500.00', start_date: '2026-01-01', target_date: '2026-04-30',
    status: 'active', version: 1, created_at: NOW, updated_at: NOW,
  };
  const budget = (dining) => ({
    incomes: [{ name: 'Pay', type: 'earned', monthly_amount: '5000.00', stability: 'stable' }],
    expenses: [{ name: 'Dining', category: 'dining', monthly_amount: dining, essential: false }], debts: [],
  });
  const snapshot = { ...actuals.snapshotFromActuals(actuals.monthlyActuals([], '2026-03'), { now: NOW }), budget_model: budget('300.00') };
  const { transactions } = actuals.importTransactions('Date,Description,Amount,Category\n2026-03-05,Bistro,-345.00,Dining\n', { now: NOW });
  const list = insights.deriveInsights({ snapshots: [snapshot], transactions, goals: [goal], asOf: '2026-04-10' });
  const keys = list.map((i) => i.dedup_key);
  assert.ok(keys.includes('over_plan:dining:2026-03'), keys.join());
  assert.ok(keys.includes(`goal_deadline_near:${goal.id}:2026-04`), keys.join());
  const over = list.find((i) => i.kind === 'over_plan');
  assert.equal(over.severity, 'alert');
  assert.equal(over.numbers.over, '45.00');
  assert.equal(over.message, 'Dining came to 345.00 in 2026-03, 45.00 over the 300.00 planned.');
  assert.deepEqual(insights.deriveInsights({ snapshots: [snapshot], transactions, goals: [goal], asOf: '2026-04-10' }), list, 'deterministic');
  assert.deepEqual(insights.deriveInsights({}), []);
  assert.equal(thrown(() => insights.deriveInsights({ asOf: 'soon' })).field, 'asOf');
});

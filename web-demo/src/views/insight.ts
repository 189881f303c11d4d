// Insight, all computed in the browser by the package: trends of income, expenses, surplus,
// savings rate and every category (`computeTrends`), anomalies with their explanations
// (`detectAnomalies`), two months side by side (`comparePeriods`) and a forecast with its 80 %
// band (`forecast`).

import {
  comparePeriods,
  computeTrends,
  detectAnomalies,
  forecast,
  isLifepathError,
  type AnomalyMethod,
  type AnomalyReport,
  type Baseline,
  type BudgetSnapshot,
  type SeriesTrend,
} from 'lifepath';
import { forecastChart, lineChart, PALETTE } from '../charts';
import { field, h, money, mount, select } from '../dom';
import { addMonths, byPeriod, label, parsePeriod, periodOf } from '../model';
import type { App } from '../app';
import { actualsSnapshots } from './transactions';

const ui = {
  source: 'budgets' as 'budgets' | 'actuals',
  months: 12,
  anomalyPeriod: '',
  method: 'zscore' as AnomalyMethod,
  baseline: 'recent' as Baseline,
  threshold: '2',
  a: '',
  b: '',
  series: 'total_expenses',
  horizon: 6,
};

/** Every `"YYYY-MM"` from `from` to `to`. */
function monthsBetween(from: string, to: string): string[] {
  const a = parsePeriod(from);
  const b = parsePeriod(to);
  if (!a || !b) return [];
  const out: string[] = [];
  for (let k = 0; ; k++) {
    const [y, m] = addMonths(a[0], a[1], k);
    const p = periodOf({ period_year: y, period_month: m });
    out.push(p);
    if (p === to || k > 1200) break;
  }
  return out;
}

const num = (v: string | number | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));

function aligned<A>(periods: string[], t: SeriesTrend<A>): (number | null)[] {
  const by = new Map(t.values.map((v) => [v.period, num(v.amount as unknown as string | number)]));
  return periods.map((p) => by.get(p) ?? null);
}

const arrow = (t: string): string => (t === 'increasing' ? '▲ increasing' : t === 'decreasing' ? '▼ decreasing' : '● stable');
const fmtPct = (v: number | null): string => (v === null ? '—' : `${v > 0 ? '+' : ''}${v.toFixed(1)} %`);

function errorBox(e: unknown): HTMLElement {
  const msg = isLifepathError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
  return h('p', { class: 'error banner', role: 'alert' }, msg);
}

/** The history the analytics read: the budgets typed by hand, or the months built from the
 * imported transactions (the same analytics run on both). */
function sourceSelect(root: HTMLElement, app: App): HTMLElement {
  const sel = select('source', [['budgets', 'Budgets (planned)'], ['actuals', 'Actuals (from transactions)']], ui.source, { id: 'insight-source' });
  sel.addEventListener('change', () => {
    ui.source = sel.value === 'actuals' ? 'actuals' : 'budgets';
    insightView(root, app);
  });
  return field('Months from', sel);
}

export function insightView(root: HTMLElement, app: App): void {
  if (ui.source === 'actuals') {
    mount(root, h('div', { class: 'insight' }, h('h1', {}, 'Insight'), sourceSelect(root, app), h('p', { class: 'muted' }, 'Adding up the transactions…')));
    void actualsSnapshots(app).then((snaps) => drawInsight(root, app, snaps));
    return;
  }
  drawInsight(root, app, byPeriod(app.data.list<BudgetSnapshot>('snapshot')));
}

function drawInsight(root: HTMLElement, app: App, snaps: BudgetSnapshot[]): void {
  if (snaps.length === 0) {
    mount(
      root,
      h(
        'section',
        {},
        h('h1', {}, 'Insight'),
        sourceSelect(root, app),
        ui.source === 'actuals'
          ? h('div', { class: 'card empty' }, h('p', {}, 'No transactions yet. '), h('a', { href: '#/transactions' }, 'Import a bank file'))
          : h('div', { class: 'card empty' }, h('p', {}, 'No months yet. '), h('a', { href: '#/budgets' }, 'Enter a month or load sample data')),
      ),
    );
    return;
  }
  const periods = snaps.map(periodOf);
  const byP = new Map(snaps.map((s) => [periodOf(s), s]));
  const latest = periods[periods.length - 1] ?? '';
  if (!byP.has(ui.anomalyPeriod)) ui.anomalyPeriod = latest;
  if (!byP.has(ui.b)) ui.b = latest;
  if (!byP.has(ui.a)) ui.a = periods[periods.length - 2] ?? latest;
  const rerender = (): void => insightView(root, app);

  // ---- trends
  const trendSection = h('section', { class: 'card', 'aria-labelledby': 'trends-h' });
  try {
    const t = computeTrends(snaps, { months: ui.months });
    const win = t.window.from && t.window.to ? monthsBetween(t.window.from, t.window.to) : [];
    const windowSelect = select('months', [['6', '6 months'], ['12', '12 months'], ['24', '24 months'], ['36', '36 months'], ['60', '60 months']], String(ui.months), { id: 'trend-months' });
    windowSelect.addEventListener('change', () => {
      ui.months = Number(windowSelect.value);
      rerender();
    });
    const cats = Object.keys(t.category_changes).sort();
    const rows: [string, SeriesTrend<string> | SeriesTrend<number>, boolean][] = [
      ['Income', t.income_trend, false],
      ['Expenses', t.expense_trend, false],
      ['Surplus', t.surplus_trend, false],
      ['Savings rate', t.savings_rate_trend, true],
    ];
    const statRow = (name: string, s: SeriesTrend<string> | SeriesTrend<number>, isRate: boolean): HTMLTableRowElement =>
      h(
        'tr',
        { 'data-series': name },
        h('th', { scope: 'row' }, name),
        h('td', { class: 'num' }, isRate ? `${(s.average * 100).toFixed(1)} %` : s.average.toFixed(2)),
        h('td', { class: 'num hide-narrow' }, isRate ? `${(s.volatility * 100).toFixed(1)} pts` : s.volatility.toFixed(2)),
        h('td', { class: 'num' }, fmtPct(s.change_percent)),
        h('td', { class: `trend ${s.trend}` }, arrow(s.trend)),
      );
    const statTable = (caption: string, body: HTMLTableRowElement[], id: string): HTMLElement =>
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { id },
          h('caption', {}, caption),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Series'), h('th', { scope: 'col', class: 'num' }, 'Average'), h('th', { scope: 'col', class: 'num hide-narrow' }, 'Volatility'), h('th', { scope: 'col', class: 'num' }, 'Change'), h('th', { scope: 'col' }, 'Trend'))),
          h('tbody', {}, body),
        ),
      );
    mount(
      trendSection,
      h('div', { class: 'toolbar' }, h('h2', { id: 'trends-h' }, 'Trends'), field('Window', windowSelect)),
      h('p', { class: 'muted' }, `${t.window.from} to ${t.window.to}: ${t.window.months_with_data} months with data.`),
      lineChart(
        'Income, expenses and surplus',
        win,
        [
          { label: 'Income', values: aligned(win, t.income_trend), color: PALETTE[2] },
          { label: 'Expenses', values: aligned(win, t.expense_trend), color: PALETTE[1] },
          { label: 'Surplus', values: aligned(win, t.surplus_trend), color: PALETTE[0] },
        ],
        { testId: 'totals' },
      ),
      lineChart('Savings rate', win, [{ label: 'Savings rate', values: aligned(win, t.savings_rate_trend), color: PALETTE[3] }], { percent: true, height: 180, testId: 'savings-rate' }),
      statTable('Totals over the window', rows.map(([n, s, r]) => statRow(n, s, r)), 'trend-table'),
      lineChart(
        'Spending by category',
        win,
        cats.map((c, i) => ({ label: label(c), values: aligned(win, t.category_changes[c] as SeriesTrend<string>), color: PALETTE[i % PALETTE.length] })),
        { height: 300, testId: 'categories' },
      ),
      statTable('Categories over the window', cats.map((c) => statRow(label(c), t.category_changes[c] as SeriesTrend<string>, false)), 'category-table'),
    );
  } catch (e) {
    mount(trendSection, h('h2', { id: 'trends-h' }, 'Trends'), errorBox(e));
  }

  // ---- anomalies
  const anomalySection = h('section', { class: 'card', 'aria-labelledby': 'anomalies-h', id: 'anomalies' });
  try {
    const threshold = Number(ui.threshold);
    const thresholdOk = Number.isFinite(threshold) && threshold > 0 && threshold <= 10;
    const opts = { method: ui.method, baseline: ui.baseline, threshold: thresholdOk ? threshold : 2 };
    const cur = byP.get(ui.anomalyPeriod);
    const report: AnomalyReport | null = cur ? detectAnomalies(cur, snaps, opts) : null;
    // Every month at once, to point at the ones worth a look.
    const flagged = snaps
      .map((s) => detectAnomalies(s, snaps, opts))
      .filter((r) => r.anomalies.length > 0)
      .reverse();
    const periodSel = select('anomaly-period', [...periods].reverse().map((p) => [p, p]), ui.anomalyPeriod, { id: 'anomaly-period' });
    periodSel.addEventListener('change', () => {
      ui.anomalyPeriod = periodSel.value;
      rerender();
    });
    const methodSel = select('method', [['zscore', 'z-score (mean)'], ['robust', 'Robust (median)']], ui.method, { id: 'anomaly-method' });
    methodSel.addEventListener('change', () => {
      ui.method = methodSel.value as AnomalyMethod;
      rerender();
    });
    const baseSel = select('baseline', [['recent', 'Recent months'], ['seasonal', 'Same month, past years']], ui.baseline, { id: 'anomaly-baseline' });
    baseSel.addEventListener('change', () => {
      ui.baseline = baseSel.value as Baseline;
      rerender();
    });
    const thr = h('input', { type: 'text', inputmode: 'decimal', id: 'anomaly-threshold', name: 'threshold', value: ui.threshold, size: 4 });
    thr.addEventListener('change', () => {
      ui.threshold = thr.value.trim();
      rerender();
    });
    mount(
      anomalySection,
      h('h2', { id: 'anomalies-h' }, 'Anomalies'),
      h(
        'div',
        { class: 'controls' },
        field('Month', periodSel),
        field('Method', methodSel),
        field('Baseline', baseSel),
        field('Threshold (|z|)', thr, thresholdOk ? undefined : 'Enter a number above 0 and at most 10; using 2.'),
      ),
      report && report.anomalies.length
        ? h(
            'ul',
            { class: 'anomalies', id: 'anomaly-list' },
            report.anomalies.map((a) =>
              h(
                'li',
                { class: `anomaly ${a.severity}`, 'data-category': a.category },
                h('span', { class: `badge ${a.severity}` }, a.severity),
                h('span', { class: 'explanation' }, a.explanation),
                h('small', { class: 'muted' }, ` (z = ${a.deviation.toFixed(2)}, ${a.direction} the baseline of ${a.historical_average.toFixed(2)})`),
              ),
            ),
          )
        : h('p', { class: 'muted', id: 'anomaly-list' }, `Nothing unusual in ${ui.anomalyPeriod}.`),
      h('h3', {}, 'Months with anomalies'),
      flagged.length
        ? h(
            'ul',
            { class: 'flagged', id: 'flagged-months' },
            flagged.map((r) => {
              const top = r.anomalies[0];
              const b = h('button', { type: 'button', class: 'link', 'data-period': r.period }, r.period);
              b.addEventListener('click', () => {
                ui.anomalyPeriod = r.period;
                rerender();
                document.getElementById('anomalies-h')?.scrollIntoView();
              });
              return h('li', {}, b, `: ${r.anomalies.length} — `, top ? top.explanation : '');
            }),
          )
        : h('p', { class: 'muted' }, 'None with these settings.'),
    );
  } catch (e) {
    mount(anomalySection, h('h2', { id: 'anomalies-h' }, 'Anomalies'), errorBox(e));
  }

  // ---- compare
  const compareSection = h('section', { class: 'card', 'aria-labelledby': 'compare-h', id: 'compare' });
  try {
    const aSel = select('compare-a', [...periods].reverse().map((p) => [p, p]), ui.a, { id: 'compare-a' });
    const bSel = select('compare-b', [...periods].reverse().map((p) => [p, p]), ui.b, { id: 'compare-b' });
    aSel.addEventListener('change', () => {
      ui.a = aSel.value;
      rerender();
    });
    bSel.addEventListener('change', () => {
      ui.b = bSel.value;
      rerender();
    });
    const sa = byP.get(ui.a);
    const sb = byP.get(ui.b);
    const c = sa && sb ? comparePeriods(sa, sb) : null;
    mount(
      compareSection,
      h('h2', { id: 'compare-h' }, 'Compare two months'),
      h('div', { class: 'controls' }, field('First month', aSel), field('Second month', bSel)),
      c
        ? h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { id: 'compare-table' },
              h('caption', {}, `${c.a.period} and ${c.b.period}, categories by size of change`),
              h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), h('th', { scope: 'col', class: 'num' }, c.a.period), h('th', { scope: 'col', class: 'num' }, c.b.period), h('th', { scope: 'col', class: 'num' }, 'Change'), h('th', { scope: 'col', class: 'num hide-narrow' }, '%'))),
              h(
                'tbody',
                {},
                h('tr', { class: 'total' }, h('th', { scope: 'row' }, 'Income'), h('td', { class: 'num' }, money(c.a.total_income)), h('td', { class: 'num' }, money(c.b.total_income)), h('td', {}), h('td', { class: 'hide-narrow' })),
                h('tr', { class: 'total' }, h('th', { scope: 'row' }, 'Expenses'), h('td', { class: 'num' }, money(c.a.total_expenses)), h('td', { class: 'num' }, money(c.b.total_expenses)), h('td', {}), h('td', { class: 'hide-narrow' })),
                h('tr', { class: 'total' }, h('th', { scope: 'row' }, 'Surplus'), h('td', { class: 'num' }, money(c.a.surplus)), h('td', { class: 'num' }, money(c.b.surplus)), h('td', {}), h('td', { class: 'hide-narrow' })),
                c.categories.map((k) =>
                  h(
                    'tr',
                    {},
                    h('th', { scope: 'row' }, label(k.category)),
                    h('td', { class: 'num' }, money(k.amount_a)),
                    h('td', { class: 'num' }, money(k.amount_b)),
                    h('td', { class: `num ${k.change.startsWith('-') ? 'down' : k.change === '0.00' ? '' : 'up'}` }, money(k.change)),
                    h('td', { class: 'num hide-narrow' }, fmtPct(k.change_percent)),
                  ),
                ),
              ),
            ),
          )
        : null,
    );
  } catch (e) {
    mount(compareSection, h('h2', { id: 'compare-h' }, 'Compare two months'), errorBox(e));
  }

  // ---- forecast
  const forecastSection = h('section', { class: 'card', 'aria-labelledby': 'forecast-h', id: 'forecast' });
  try {
    const f = forecast(snaps, { horizon: ui.horizon, months: Math.max(12, ui.months) });
    const keys = Object.keys(f.series).sort((x, y) => (x.startsWith('total_') === y.startsWith('total_') ? x.localeCompare(y) : x.startsWith('total_') ? -1 : 1));
    if (!f.series[ui.series]) ui.series = keys[0] ?? 'total_expenses';
    const points = f.series[ui.series] ?? [];
    const seriesSel = select('series', keys.map((k) => [k, label(k)]), ui.series, { id: 'forecast-series' });
    seriesSel.addEventListener('change', () => {
      ui.series = seriesSel.value;
      rerender();
    });
    const horizonSel = select('horizon', [['3', '3 months'], ['6', '6 months'], ['12', '12 months']], String(ui.horizon), { id: 'forecast-horizon' });
    horizonSel.addEventListener('change', () => {
      ui.horizon = Number(horizonSel.value);
      rerender();
    });
    const recent = periods.slice(-12);
    const actual = (p: string): number | null => {
      const s = byP.get(p);
      if (!s) return null;
      if (ui.series === 'total_income') return num(s.total_income);
      if (ui.series === 'total_expenses') return num(s.total_expenses);
      return num(s.category_totals[ui.series] ?? '0');
    };
    const first = recent[0] ?? latest;
    const last = points[points.length - 1]?.period ?? latest;
    const axis = monthsBetween(first, last);
    const fp = new Map(points.map((p) => [p.period, p]));
    mount(
      forecastSection,
      h('h2', { id: 'forecast-h' }, 'Forecast'),
      h('div', { class: 'controls' }, field('Series', seriesSel), field('Horizon', horizonSel)),
      forecastChart(
        `${label(ui.series)}: the last 12 months and the next ${ui.horizon}, with the 80 % band`,
        axis,
        axis.map((p) => (byP.has(p) ? actual(p) : null)),
        axis.map((p) => num(fp.get(p)?.amount) ?? (p === latest ? actual(p) : null)),
        axis.map((p) => num(fp.get(p)?.low) ?? (p === latest ? actual(p) : null)),
        axis.map((p) => num(fp.get(p)?.high) ?? (p === latest ? actual(p) : null)),
      ),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { id: 'forecast-table' },
          h('caption', {}, `${label(ui.series)} forecast`),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Month'), h('th', { scope: 'col', class: 'num' }, 'Expected'), h('th', { scope: 'col', class: 'num' }, 'Low (10 %)'), h('th', { scope: 'col', class: 'num' }, 'High (90 %)'))),
          h('tbody', {}, points.map((p) => h('tr', {}, h('th', { scope: 'row' }, p.period), h('td', { class: 'num' }, money(p.amount)), h('td', { class: 'num' }, money(p.low)), h('td', { class: 'num' }, money(p.high))))),
        ),
      ),
    );
  } catch (e) {
    mount(forecastSection, h('h2', { id: 'forecast-h' }, 'Forecast'), errorBox(e));
  }

  mount(root, h('div', { class: 'insight' }, h('h1', {}, 'Insight'), sourceSelect(root, app), h('p', { class: 'muted' }, 'Every number here is computed on this device by the lifepath package — it works offline.'), trendSection, anomalySection, compareSection, forecastSection));
}

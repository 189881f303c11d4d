// The yardstick of DESIGN §6: trends and anomalies as a web developer would write them in an
// afternoon without lifepath — parseFloat of each amount, one loop per series, the same
// formulas (docs/analytics in DESIGN §3) and the same result shape, amounts as numbers.
// Less exact than the package (binary floating point, no validation, no error for mixed
// currencies or two snapshots of one month), which is what people compare the package with.
// The benchmark (scripts/bench.mjs) checks that it agrees with the package on its data.

const index = (s) => s.period_year * 12 + s.period_month - 1;
const label = (i) => `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
const amount = (v) => (v === undefined ? 0 : parseFloat(v));

function series(xs, ys) {
  const n = ys.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += ys[i];
  const average = n === 0 ? 0 : sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (ys[i] - average) * (ys[i] - average);
  const volatility = n < 2 ? 0 : Math.sqrt(ss / (n - 1));
  const change_percent = n >= 2 && ys[0] !== 0 ? ((ys[n - 1] - ys[0]) / Math.abs(ys[0])) * 100 : null;
  let slope = 0;
  if (n >= 2) {
    let xm = 0;
    for (let i = 0; i < n; i++) xm += xs[i];
    xm /= n;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < n; i++) {
      sxy += (xs[i] - xm) * (ys[i] - average);
      sxx += (xs[i] - xm) * (xs[i] - xm);
    }
    slope = sxx === 0 ? 0 : sxy / sxx;
  }
  const relative_change = n >= 2 && average !== 0 ? (slope * (xs[n - 1] - xs[0])) / Math.abs(average) : 0;
  const trend = relative_change > 0.05 ? 'increasing' : relative_change < -0.05 ? 'decreasing' : 'stable';
  const values = [];
  for (let i = 0; i < n; i++) values.push({ period: label(xs[i]), amount: ys[i] });
  return { values, average, volatility, change_percent, slope, relative_change, trend };
}

/** computeTrends over the `months` calendar months ending at the latest snapshot. */
export function plainTrends(snapshots, months = 12) {
  const sorted = [...snapshots].sort((a, b) => index(a) - index(b));
  const to = sorted.length ? index(sorted[sorted.length - 1]) : 0;
  const window = sorted.filter((s) => index(s) >= to - (months - 1));
  const xs = window.map(index);
  const rates = window.filter((s) => parseFloat(s.total_income) !== 0);
  const names = new Set();
  for (const s of window) for (const c in s.category_totals) names.add(c);
  const category_changes = {};
  for (const c of [...names].sort()) {
    category_changes[c] = series(xs, window.map((s) => amount(s.category_totals[c])));
  }
  return {
    window: {
      from: sorted.length ? label(to - (months - 1)) : null,
      to: sorted.length ? label(to) : null,
      months_with_data: window.length,
    },
    income_trend: series(xs, window.map((s) => parseFloat(s.total_income))),
    expense_trend: series(xs, window.map((s) => parseFloat(s.total_expenses))),
    surplus_trend: series(xs, window.map((s) => parseFloat(s.surplus))),
    savings_rate_trend: series(
      rates.map(index),
      rates.map((s) => parseFloat(s.surplus) / parseFloat(s.total_income)),
    ),
    category_changes,
  };
}

const name = (slug) => slug.charAt(0).toUpperCase() + slug.slice(1).replaceAll('_', ' ');

/** detectAnomalies (z-score, recent baseline) of `current` against the `lookback` months before it. */
export function plainAnomalies(current, history, { threshold = 2, lookback = 12 } = {}) {
  const p = index(current);
  const base = history.filter((s) => index(s) < p && index(s) >= p - lookback);
  const anomalies = [];
  if (base.length >= 3) {
    const names = new Set(Object.keys(current.category_totals));
    for (const s of base) for (const c in s.category_totals) names.add(c);
    for (const c of [...names].sort()) {
      const h = base.map((s) => amount(s.category_totals[c]));
      let mu = 0;
      for (const x of h) mu += x;
      mu /= h.length;
      let ss = 0;
      for (const x of h) ss += (x - mu) * (x - mu);
      const sigma = h.length < 2 ? 0 : Math.sqrt(ss / (h.length - 1));
      const a = amount(current.category_totals[c]);
      const z = (a - mu) / Math.max(sigma, 0.05 * Math.abs(mu), 1);
      if (Math.abs(z) < threshold) continue;
      const direction = z > 0 ? 'above' : 'below';
      const average = Math.round(mu * 100) / 100;
      anomalies.push({
        category: c,
        current_amount: a,
        historical_average: mu,
        deviation: z,
        severity: Math.abs(z) >= threshold + 1 ? 'alert' : 'warning',
        direction,
        explanation: `${name(c)} is ${Math.abs(a - average).toFixed(2)} ${direction} your ${h.length}-month average of ${average.toFixed(2)} (${a.toFixed(2)} in ${label(p)}).`,
      });
    }
    anomalies.sort((x, y) => Math.abs(y.deviation) - Math.abs(x.deviation) || (x.category < y.category ? -1 : 1));
  }
  return { period: label(p), method: 'zscore', baseline: 'recent', threshold, anomalies };
}

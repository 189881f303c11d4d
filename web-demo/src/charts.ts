// Charts with uPlot: lines over months, and a forecast with its 80 % band. The values come
// from the package's outputs; money strings are turned into numbers only to draw them.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from './dom';

export const PALETTE = ['#1f5f8b', '#c0392b', '#2e8b57', '#8e44ad', '#d35400', '#16a085', '#7f8c8d', '#b7950b', '#2c3e50', '#e84393', '#6c5ce7', '#00838f', '#795548', '#558b2f', '#ad1457'];

/** A line to draw: one value per x (null = no data that month). */
export interface Line {
  label: string;
  values: (number | null)[];
  color?: string;
  dash?: number[];
  /** Join the points across months without data (a projection between two points). */
  spanGaps?: boolean;
}

/** Seconds since the epoch of the first day of `"YYYY-MM"` (uPlot's time axis). */
export function periodTime(p: string): number {
  const [y, m] = p.split('-').map(Number);
  return Date.UTC(y ?? 1970, (m ?? 1) - 1, 1) / 1000;
}

const charts = new Set<uPlot>();
let observer: ResizeObserver | null = null;

function widthOf(el: HTMLElement): number {
  return Math.max(280, Math.floor(el.clientWidth || el.parentElement?.clientWidth || 600));
}

function watch(plot: uPlot, box: HTMLElement, height: number): void {
  charts.add(plot);
  observer ??= new ResizeObserver(() => {
    for (const c of charts) {
      if (!c.root.isConnected) {
        charts.delete(c);
        c.destroy();
        continue;
      }
      const holder = c.root.parentElement;
      if (holder) c.setSize({ width: widthOf(holder), height: c.height });
    }
  });
  observer.observe(box);
  void height;
}

const moneyAxis = (v: number): string =>
  Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(Math.abs(v) >= 10000 ? 0 : 1)}k` : v.toFixed(0);

/** A figure with a title and a line chart of `lines` over `periods`. */
export function lineChart(
  title: string,
  periods: string[],
  lines: Line[],
  opts: { percent?: boolean; height?: number; testId?: string } = {},
): HTMLElement {
  const box = h('div', { class: 'chart-box' });
  const fig = h('figure', { class: 'chart', 'data-chart': opts.testId ?? title }, h('figcaption', {}, title), box);
  const height = opts.height ?? 240;
  // Draw once the figure is in the document (uPlot measures the legend).
  requestAnimationFrame(() => {
    if (!box.isConnected) return;
    const data: uPlot.AlignedData = [periods.map(periodTime), ...lines.map((l) => l.values)];
    const plot = new uPlot(
      {
        width: widthOf(box),
        height,
        scales: { x: { time: true } },
        axes: [
          {},
          {
            values: (_u, ticks) => ticks.map((t) => (opts.percent ? `${(t * 100).toFixed(0)}%` : moneyAxis(t))),
            size: 56,
          },
        ],
        series: [
          { value: (_u, v) => (v == null ? '—' : new Date(v * 1000).toISOString().slice(0, 7)) },
          ...lines.map((l, i) => ({
            label: l.label,
            stroke: l.color ?? PALETTE[i % PALETTE.length],
            width: 2,
            dash: l.dash,
            spanGaps: l.spanGaps ?? false,
            value: (_u: uPlot, v: number | null) => (v == null ? '—' : opts.percent ? `${(v * 100).toFixed(1)}%` : v.toFixed(2)),
          })),
        ],
      },
      data,
      box,
    );
    watch(plot, box, height);
  });
  return fig;
}

/**
 * History, then the forecast with its 80 % band (`low`..`high` filled) over `periods`
 * (history periods followed by forecast periods).
 */
export function forecastChart(
  title: string,
  periods: string[],
  history: (number | null)[],
  amount: (number | null)[],
  low: (number | null)[],
  high: (number | null)[],
): HTMLElement {
  const box = h('div', { class: 'chart-box' });
  const fig = h('figure', { class: 'chart', 'data-chart': 'forecast' }, h('figcaption', {}, title), box);
  requestAnimationFrame(() => {
    if (!box.isConnected) return;
    const fmt = (_u: uPlot, v: number | null): string => (v == null ? '—' : v.toFixed(2));
    const plot = new uPlot(
      {
        width: widthOf(box),
        height: 260,
        scales: { x: { time: true } },
        axes: [{}, { values: (_u, ticks) => ticks.map(moneyAxis), size: 56 }],
        series: [
          { value: (_u, v) => (v == null ? '—' : new Date(v * 1000).toISOString().slice(0, 7)) },
          { label: 'Actual', stroke: PALETTE[0], width: 2, value: fmt },
          { label: 'Forecast', stroke: PALETTE[1], width: 2, dash: [6, 4], value: fmt },
          { label: '80 % low', stroke: 'rgba(192,57,43,0.35)', width: 1, value: fmt },
          { label: '80 % high', stroke: 'rgba(192,57,43,0.35)', width: 1, value: fmt },
        ],
        bands: [{ series: [4, 3], fill: 'rgba(192,57,43,0.15)' }],
      },
      [periods.map(periodTime), history, amount, low, high],
      box,
    );
    watch(plot, box, 260);
  });
  return fig;
}

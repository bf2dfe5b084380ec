/**
 * vega-lite specs of a sweep: metric(s) against one swept parameter with ±sd error bars, and training
 * loss curves overlaid. They use the house style of @relaxomap/reports (its `$schema` and `config`,
 * taken from `lineChartSpec` so the two never drift apart) and render with `renderVegaLite`.
 */
import { lineChartSpec, type LineDatum } from '@relaxomap/reports';
import type { CompareRow, CompareTable } from './compare.js';
import { isNumericText, shortKeyNames } from './runs.js';

/** `$schema` and `config` of the reports package's charts. */
function houseStyle(): { $schema: string; config: unknown } {
  const probe = lineChartSpec({ title: '', xTitle: '', yTitle: '', data: [{ x: 0, y: 1, series: '' }] }) as unknown as {
    $schema: string;
    config: unknown;
  };
  return { $schema: probe.$schema, config: probe.config };
}

/** Options of {@link sweepPlotSpec}. */
export interface SweepPlotOptions {
  /** Grouping key on the x axis, e.g. `train.network.blocks`. */
  x: string;
  /** Metric keys on the y axis; one line per metric (and per value of the other keys). */
  metrics: string[];
  /** Key whose values name the lines first; default: the first grouping key other than `x`. */
  color?: string;
  /** Keep only rows with these key values (e.g. `{ 'train.loss': 'ssim' }`). */
  where?: Record<string, string>;
  /** Display names of metrics, e.g. `{ 'rmse_t2.varpro.brain': 'Varpro' }`; default the metric key. */
  labels?: Record<string, string>;
  /** Logarithmic x axis (e.g. noise variance); every x must then be > 0. */
  logX?: boolean;
  title?: string;
  xTitle?: string;
  /** Default "T2 RMSE (ms)" when every metric starts with `rmse_t2.`, else the metric keys. */
  yTitle?: string;
  /** Plot size in pixels; defaults 360 × 220. */
  width?: number;
  height?: number;
}

/** One plotted point of {@link sweepPlotData}: mean `y` ± `sd` over `n` runs at `x` on `series`. */
export interface SweepPlotDatum {
  x: number | string;
  y: number;
  /** y − sd and y + sd; equal to y when n = 1. */
  lo: number;
  hi: number;
  n: number;
  series: string;
}

/**
 * The house legend, made to fit many long series names: labels never truncated (vega cuts them at
 * 160 px by default, and `p03: loss=ssim, blocks=3, seed=1` is longer), and a right-hand column once
 * there are more than 4 series or their names are long (a top legend is one row of equal-width
 * entries and would outgrow the plot).
 */
function fitLegend<T extends object>(spec: T, series: readonly string[]): T {
  const config = (spec as { config?: { legend?: object } }).config ?? {};
  const wide = series.length > 4 || series.reduce((n, s) => n + s.length, 0) > 48;
  const legend = { ...config.legend, labelLimit: 0, ...(wide ? { orient: 'right' } : {}) };
  return { ...spec, config: { ...config, legend } };
}

function checkSize(value: number | undefined, field: string, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${field}: must be a positive number, got ${v}`);
  return v;
}

/**
 * The points of a sweep plot: for each row (after `where`) and each metric with a finite mean, one
 * datum. The series name is the metric label (when several metrics are drawn) followed by
 * `name=value` of the grouping keys other than `x`, `color` first, names shortened to their last
 * segment (`loss=ssim, sigma=0.01`); with one metric and no other key it is the metric label.
 * Numeric-looking x values become numbers.
 */
export function sweepPlotData(table: CompareTable, opts: SweepPlotOptions): SweepPlotDatum[] {
  if (!table.keys.includes(opts.x)) throw new Error(`x: '${opts.x}' is not a grouping key of the table (${table.keys.join(', ') || 'none'})`);
  if (!Array.isArray(opts.metrics) || opts.metrics.length === 0) throw new Error('metrics: need at least one metric key');
  for (const m of opts.metrics) if (!table.metrics.includes(m)) throw new Error(`metrics: '${m}' is not a metric of the table`);
  const others = table.keys.filter((k) => k !== opts.x);
  const color = opts.color ?? others[0];
  if (color !== undefined && !others.includes(color)) throw new Error(`color: '${color}' must be a grouping key other than x`);
  const ordered = color === undefined ? others : [color, ...others.filter((k) => k !== color)];
  const short = shortKeyNames(table.keys);
  const where = opts.where ?? {};
  for (const k of Object.keys(where)) if (!table.keys.includes(k)) throw new Error(`where: '${k}' is not a grouping key of the table`);
  const rows = table.rows.filter((r: CompareRow) => Object.entries(where).every(([k, v]) => r.keys[k] === v));
  // Keys fixed by `where` say nothing about a line: leave them out of its name.
  const naming = ordered.filter((k) => !(k in where));
  const numericX = rows.every((r) => r.keys[opts.x] !== null && isNumericText(r.keys[opts.x]!));
  const out: SweepPlotDatum[] = [];
  for (const row of rows) {
    const rawX = row.keys[opts.x] ?? '';
    const x = numericX ? Number(rawX) : rawX;
    if (opts.logX && !(typeof x === 'number' && x > 0)) throw new Error(`x: values must be numbers > 0 with logX, got '${rawX}' for ${opts.x}`);
    const keyLabel = naming.map((k) => `${short[k]}=${row.keys[k] ?? ''}`).join(', ');
    for (const m of opts.metrics) {
      const s = row.metrics[m];
      if (!s || !Number.isFinite(s.mean)) continue;
      const label = opts.labels?.[m] ?? m;
      const series = opts.metrics.length > 1 ? (keyLabel ? `${label}, ${keyLabel}` : label) : keyLabel || label;
      const sd = s.sd !== undefined && Number.isFinite(s.sd) ? s.sd : 0;
      out.push({ x, y: s.mean, lo: s.mean - sd, hi: s.mean + sd, n: s.n, series });
    }
  }
  return out;
}

/**
 * Metric(s) against one swept parameter: a line with points per series, ±1 sample sd error bars where
 * n > 1 (the spread over seeds). Numeric x values (blocks 0, 3, 6, 9; noise variance) use a
 * quantitative axis, linear or logarithmic (`logX`); others an ordinal axis in table order.
 * Series keep the table's row order (legend and colours). See {@link sweepPlotData} for the series names.
 */
export function sweepPlotSpec(table: CompareTable, opts: SweepPlotOptions): object {
  const data = sweepPlotData(table, opts);
  if (data.length === 0) throw new Error(`metrics: no row has a value of ${opts.metrics.join(', ')} to plot`);
  const series = [...new Set(data.map((d) => d.series))];
  const numericX = data.every((d) => typeof d.x === 'number');
  const xOrder = [...new Set(data.map((d) => String(d.x)))];
  const yTitle = opts.yTitle ?? (opts.metrics.every((m) => m.startsWith('rmse_t2.')) ? 'T2 RMSE (ms)' : opts.metrics.join(', '));
  const x = numericX
    ? { field: 'x', type: 'quantitative', title: opts.xTitle ?? opts.x, scale: opts.logX ? { type: 'log', nice: false, padding: 10 } : { zero: false, nice: false, padding: 10 }, ...(opts.logX ? { axis: { format: '~g' } } : {}) }
    : { field: 'x', type: 'ordinal', title: opts.xTitle ?? opts.x, sort: xOrder, axis: { labelAngle: 0 } };
  const color = { field: 'series', type: 'nominal', scale: { domain: series } };
  const layers: object[] = [
    {
      mark: { type: 'line', strokeWidth: 1.5, point: true },
      encoding: { x, y: { field: 'y', type: 'quantitative', title: yTitle, scale: { zero: false } }, color, ...(numericX ? { order: { field: 'x', type: 'quantitative' } } : {}) },
    },
  ];
  if (data.some((d) => d.n > 1)) {
    layers.push({
      transform: [{ filter: 'datum.n > 1' }],
      mark: { type: 'errorbar', ticks: true },
      encoding: { x, y: { field: 'lo', type: 'quantitative', title: yTitle }, y2: { field: 'hi' }, color },
    });
  }
  const title = opts.title ?? `${opts.metrics.length === 1 ? (opts.labels?.[opts.metrics[0]!] ?? opts.metrics[0]) : yTitle} vs ${opts.x}`;
  return fitLegend({
    ...houseStyle(),
    title,
    width: checkSize(opts.width, 'width', 360),
    height: checkSize(opts.height, 'height', 220),
    data: { values: data },
    layer: layers,
  }, series);
}

/**
 * One metric against a parameter, one line per value of another key — e.g. T2 RMSE vs residual blocks,
 * one line per loss. Shorthand for {@link sweepPlotSpec} with a single metric.
 */
export function metricVsParamSpec(
  table: CompareTable,
  opts: Omit<SweepPlotOptions, 'metrics'> & { metric: string },
): object {
  const { metric, ...rest } = opts;
  return sweepPlotSpec(table, { ...rest, metrics: [metric] });
}

/**
 * Several metrics against one parameter, one line per metric — e.g. RMSE vs noise variance for Varpro
 * and the network (`labels` names them, `logX` for variances). Shorthand for {@link sweepPlotSpec}.
 */
export function metricsVsParamSpec(table: CompareTable, opts: SweepPlotOptions): object {
  return sweepPlotSpec(table, opts);
}

/** One training curve: metric values by step of one run. */
export interface LossCurve {
  /** Legend name, e.g. `p03: loss=ssim, blocks=3, seed=1`. */
  series: string;
  runId: string;
  points: { step: number; value: number }[];
}

/**
 * At most `maxPoints` evenly spaced samples of a curve (first and last kept), so that an SVG of a
 * 10 000-step run stays small; the curve itself when it is short enough.
 */
export function thinCurve<T>(points: readonly T[], maxPoints: number): T[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 2) throw new Error(`maxPoints: must be an integer ≥ 2, got ${maxPoints}`);
  if (points.length <= maxPoints) return [...points];
  const out: T[] = [];
  for (let i = 0; i < maxPoints; i++) out.push(points[Math.round((i * (points.length - 1)) / (maxPoints - 1))]!);
  return out;
}

/** Options of {@link lossCurvesSpec}. */
export interface LossCurvesOptions {
  title?: string;
  /** Default "Loss". */
  yTitle?: string;
  /** Logarithmic y; default true when every value is > 0 (a log axis cannot show others). */
  logY?: boolean;
  width?: number;
  height?: number;
}

/**
 * Training-loss curves overlaid, one line per curve (series in the given order), step on x, loss on a
 * logarithmic y axis — `lineChartSpec` of @relaxomap/reports. Non-finite values (a diverged step) are
 * left out of the plot.
 */
export function lossCurvesSpec(curves: readonly LossCurve[], opts: LossCurvesOptions = {}): object {
  const data: LineDatum[] = [];
  for (const c of curves) for (const p of c.points) if (Number.isFinite(p.value) && Number.isFinite(p.step)) data.push({ x: p.step, y: p.value, series: c.series });
  if (data.length === 0) throw new Error('curves: no finite loss value to plot');
  const logY = opts.logY ?? data.every((d) => d.y > 0);
  const spec = lineChartSpec({
    title: opts.title ?? 'Training loss',
    xTitle: 'Step',
    yTitle: opts.yTitle ?? 'Loss',
    data,
    logY,
    ...(opts.width !== undefined ? { width: opts.width } : {}),
    ...(opts.height !== undefined ? { height: opts.height } : {}),
  });
  return fitLegend(spec, [...new Set(data.map((d) => d.series))]);
}

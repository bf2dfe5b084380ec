import type { TopLevelSpec } from 'vega-lite';

/** One bar: `value` of `series` (e.g. "Varpro", "network") in `group` (e.g. a tissue). */
export interface BarDatum {
  group: string;
  series: string;
  value: number;
}

/** Input of {@link barChartSpec}. */
export interface BarChartOptions {
  title: string;
  data: BarDatum[];
  /** Quantity and unit, e.g. "T2 RMSE (ms)". */
  yTitle: string;
  /** Axis title under the groups; default none. */
  xTitle?: string;
  /** d3-format string of the value labels; default '.3~g' (23.4, 5.67, 118). */
  valueFormat?: string;
  /** Plot size in pixels; defaults 360 × 220. */
  width?: number;
  height?: number;
}

/** One point of a curve: (x, y) on `series`. */
export interface LineDatum {
  x: number;
  y: number;
  series: string;
}

/** Input of {@link lineChartSpec}. */
export interface LineChartOptions {
  title: string;
  data: LineDatum[];
  xTitle: string;
  yTitle: string;
  /** Logarithmic y axis (loss curves); every y must then be > 0. */
  logY?: boolean;
  width?: number;
  height?: number;
}

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Shared look: light grid, no view frame, readable sizes at print scale. */
export const CHART_CONFIG = {
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', grid: true, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'top', title: null },
  title: { fontSize: 14, anchor: 'start', offset: 8 },
} as const;

function firstSeen(values: string[]): string[] {
  return [...new Set(values)];
}

function checkSize(value: number | undefined, field: string, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${field}: must be a positive number, got ${v}`);
  return v;
}

/**
 * Grouped bar chart: one cluster per `group` (x), one bar per `series` inside it (xOffset, colour), the value
 * printed above each bar. Groups and series keep their order of first appearance in `data`.
 */
export function barChartSpec(opts: BarChartOptions): TopLevelSpec {
  const { data } = opts;
  if (!Array.isArray(data) || data.length === 0) throw new Error('data: need at least one bar');
  data.forEach((d, i) => {
    if (typeof d.group !== 'string' || typeof d.series !== 'string') {
      throw new Error(`data[${i}].group/series: must be strings`);
    }
    if (!Number.isFinite(d.value)) throw new Error(`data[${i}].value: must be a finite number, got ${d.value}`);
  });
  const groups = firstSeen(data.map((d) => d.group));
  const series = firstSeen(data.map((d) => d.series));
  const x = { field: 'group', type: 'nominal', sort: groups, title: opts.xTitle ?? null, axis: { labelAngle: 0 } };
  const xOffset = { field: 'series', type: 'nominal', sort: series };
  const y = { field: 'value', type: 'quantitative', title: opts.yTitle };
  const spec = {
    $schema: SCHEMA,
    title: opts.title,
    width: checkSize(opts.width, 'width', 360),
    height: checkSize(opts.height, 'height', 220),
    data: { values: data.map((d) => ({ group: d.group, series: d.series, value: d.value })) },
    config: CHART_CONFIG,
    layer: [
      {
        mark: { type: 'bar' },
        encoding: { x, xOffset, y, color: { field: 'series', type: 'nominal', scale: { domain: series } } },
      },
      {
        mark: { type: 'text', baseline: 'bottom', dy: -2, fontSize: 10, color: '#222222' },
        encoding: {
          x,
          xOffset,
          y,
          text: { field: 'value', type: 'quantitative', format: opts.valueFormat ?? '.3~g' },
        },
      },
    ],
  };
  return spec as unknown as TopLevelSpec;
}

/**
 * Line chart of one or more series (e.g. training loss or T2 RMSE against epoch), optionally with a
 * logarithmic y axis. Series keep their order of first appearance in `data` (legend and colours).
 */
export function lineChartSpec(opts: LineChartOptions): TopLevelSpec {
  const { data } = opts;
  if (!Array.isArray(data) || data.length === 0) throw new Error('data: need at least one point');
  data.forEach((d, i) => {
    if (!Number.isFinite(d.x) || !Number.isFinite(d.y)) {
      throw new Error(`data[${i}].x/y: must be finite numbers, got ${d.x}, ${d.y}`);
    }
    if (opts.logY && d.y <= 0) throw new Error(`data[${i}].y: must be > 0 with logY, got ${d.y}`);
    if (typeof d.series !== 'string') throw new Error(`data[${i}].series: must be a string`);
  });
  const series = firstSeen(data.map((d) => d.series));
  const spec = {
    $schema: SCHEMA,
    title: opts.title,
    width: checkSize(opts.width, 'width', 360),
    height: checkSize(opts.height, 'height', 220),
    data: { values: data.map((d) => ({ x: d.x, y: d.y, series: d.series })) },
    config: CHART_CONFIG,
    mark: { type: 'line', strokeWidth: 1.5, interpolate: 'linear' },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: opts.xTitle, scale: { nice: false, zero: false } },
      y: {
        field: 'y',
        type: 'quantitative',
        title: opts.yTitle,
        scale: opts.logY ? { type: 'log', nice: false } : { zero: false },
        ...(opts.logY ? { axis: { format: '~g' } } : {}),
      },
      color: { field: 'series', type: 'nominal', scale: { domain: series } },
      order: { field: 'x', type: 'quantitative' },
    },
  };
  return spec as unknown as TopLevelSpec;
}

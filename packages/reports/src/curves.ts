import type { TopLevelSpec } from 'vega-lite';
import { CHART_CONFIG, SCHEMA } from './charts.js';

/** One panel of {@link markedCurvesSpec}: a curve, optional horizontal references, marked points. */
export interface MarkedCurvePanel {
  title: string;
  /** The curve, in x order (e.g. RMSE against training time). */
  curve: { x: number; y: number }[];
  /** Horizontal reference lines, e.g. a baseline method's value. */
  references?: { label: string; y: number }[];
  /** Points on (or off) the curve, each labelled: e.g. the step a rule chose. */
  marks: { label: string; x: number; y: number }[];
}

export interface MarkedCurvesOptions {
  title: string;
  panels: MarkedCurvePanel[];
  xTitle: string;
  yTitle: string;
  logY?: boolean;
  /** Size of each panel in pixels; defaults 300 × 220. */
  width?: number;
  height?: number;
}

/**
 * Side-by-side panels, each a line (the curve) with dashed horizontal references and coloured,
 * labelled points (mark labels share one colour legend across panels, in order of first appearance).
 * Used for "RMSE against wall time, with the step each stopping rule chose and the oracle-best step".
 */
export function markedCurvesSpec(opts: MarkedCurvesOptions): TopLevelSpec {
  if (!Array.isArray(opts.panels) || opts.panels.length === 0) throw new Error('panels: need at least one panel');
  const finite = (v: number, field: string): void => {
    if (!Number.isFinite(v)) throw new Error(`${field}: must be a finite number, got ${v}`);
    if (opts.logY && v <= 0) throw new Error(`${field}: must be > 0 with logY, got ${v}`);
  };
  opts.panels.forEach((p, i) => {
    if (p.curve.length === 0) throw new Error(`panels[${i}].curve: need at least one point`);
    p.curve.forEach((d, j) => (finite(d.x, `panels[${i}].curve[${j}].x`), finite(d.y, `panels[${i}].curve[${j}].y`)));
    p.marks.forEach((d, j) => (finite(d.x, `panels[${i}].marks[${j}].x`), finite(d.y, `panels[${i}].marks[${j}].y`)));
    (p.references ?? []).forEach((d, j) => finite(d.y, `panels[${i}].references[${j}].y`));
  });
  const labels = [...new Set(opts.panels.flatMap((p) => p.marks.map((m) => m.label)))];
  const y = {
    field: 'y',
    type: 'quantitative',
    title: opts.yTitle,
    scale: opts.logY ? { type: 'log', nice: false } : { zero: false },
    ...(opts.logY ? { axis: { format: '~g' } } : {}),
  };
  const x = { field: 'x', type: 'quantitative', title: opts.xTitle, scale: { nice: false, zero: false } };
  const panel = (p: MarkedCurvePanel) => ({
    title: p.title,
    width: opts.width ?? 300,
    height: opts.height ?? 220,
    layer: [
      { data: { values: p.curve }, mark: { type: 'line', strokeWidth: 1.5, color: '#555555' }, encoding: { x, y, order: { field: 'x', type: 'quantitative' } } },
      ...(p.references?.length
        ? [
            { data: { values: p.references }, mark: { type: 'rule', strokeDash: [5, 3], color: '#888888' }, encoding: { y } },
            {
              data: { values: p.references },
              mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -2, x: 'width', fontSize: 10, color: '#666666' },
              encoding: { y, text: { field: 'label', type: 'nominal' } },
            },
          ]
        : []),
      {
        data: { values: p.marks },
        mark: { type: 'point', filled: true, size: 70 },
        encoding: { x, y, color: { field: 'label', type: 'nominal', scale: { domain: labels }, title: null }, shape: { field: 'label', type: 'nominal', scale: { domain: labels }, title: null } },
      },
    ],
  });
  const spec = {
    $schema: SCHEMA,
    title: opts.title,
    config: CHART_CONFIG,
    resolve: { scale: { color: 'shared', shape: 'shared' } },
    hconcat: opts.panels.map(panel),
  };
  return spec as unknown as TopLevelSpec;
}

/**
 * Differences between two runs (params added, removed, changed; metrics side by side) and between two
 * sweeps (their best rows and their tables joined on the swept keys), as data and as Markdown.
 */
import * as aq from 'arquero';
import { formatSignificant, tableMarkdown } from '@relaxomap/reports';
import type { RunInfo } from '@relaxomap/tracking';
import { type CompareRow, type CompareTable, formatMeanSd } from './compare.js';
import { paramValueComparator } from './runs.js';

/** One metric of A and B: `diff` = B − A, `ratio` = B / A (undefined when either is missing or A = 0). */
export interface MetricComparison {
  key: string;
  a: number | undefined;
  b: number | undefined;
  diff: number | undefined;
  ratio: number | undefined;
}

/** A parameter present in both runs with different values. */
export interface ParamChange {
  key: string;
  a: string;
  b: string;
}

/** Output of {@link diffRuns}. Keys are sorted (code-unit order). */
export interface RunDiff {
  a: { runId: string; runName: string };
  b: { runId: string; runName: string };
  onlyA: Record<string, string>;
  onlyB: Record<string, string>;
  changed: ParamChange[];
  /** Number of params equal in both. */
  same: number;
  /** Union of both runs' metric keys. */
  metrics: MetricComparison[];
}

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
const sortedUnion = (a: object, b: object): string[] => [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();

/** Compare two values: difference B − A and ratio B / A. */
export function compareValues(key: string, a: number | undefined, b: number | undefined): MetricComparison {
  const both = a !== undefined && b !== undefined;
  return { key, a, b, diff: both ? b - a : undefined, ratio: both && a !== 0 ? b / a : undefined };
}

/** Params only in A, only in B and changed, and every metric of either run side by side (A = `a`, B = `b`). */
export function diffRuns(a: RunInfo, b: RunInfo): RunDiff {
  const onlyA: Record<string, string> = {};
  const onlyB: Record<string, string> = {};
  const changed: ParamChange[] = [];
  let same = 0;
  for (const k of sortedUnion(a.params, b.params)) {
    if (!has(b.params, k)) onlyA[k] = a.params[k]!;
    else if (!has(a.params, k)) onlyB[k] = b.params[k]!;
    else if (a.params[k] !== b.params[k]) changed.push({ key: k, a: a.params[k]!, b: b.params[k]! });
    else same++;
  }
  const metrics = sortedUnion(a.metrics, b.metrics).map((k) =>
    compareValues(k, has(a.metrics, k) ? a.metrics[k] : undefined, has(b.metrics, k) ? b.metrics[k] : undefined),
  );
  return { a: { runId: a.runId, runName: a.runName }, b: { runId: b.runId, runName: b.runName }, onlyA, onlyB, changed, same, metrics };
}

const num = (v: number | undefined, digits: number): string => (v === undefined ? '' : formatSignificant(v, digits));

/** A Markdown table of string cells, or `_none_`. */
function mdTable(rows: Record<string, string>[], names: string[]): string {
  if (rows.length === 0) return '_none_';
  return tableMarkdown(aq.from(rows, names)).trimEnd();
}

function metricRows(metrics: MetricComparison[], digits: number, fmt?: (k: string, side: 'a' | 'b') => string): Record<string, string>[] {
  return metrics.map((m) => ({
    metric: m.key,
    A: fmt ? fmt(m.key, 'a') : num(m.a, digits),
    B: fmt ? fmt(m.key, 'b') : num(m.b, digits),
    'B − A': num(m.diff, digits),
    'B / A': num(m.ratio, digits),
  }));
}

/** Options of the Markdown writers in this module. */
export interface DiffMarkdownOptions {
  /** Significant digits of numbers; default 4. */
  digits?: number;
}

/**
 * Markdown of a {@link RunDiff}: a heading naming A and B, then sections "Params only in A",
 * "Params only in B", "Params that differ" and "Metrics" (A, B, B − A, B / A).
 */
export function runDiffMarkdown(d: RunDiff, opts: DiffMarkdownOptions = {}): string {
  const digits = opts.digits ?? 4;
  const kv = (o: Record<string, string>, side: string): Record<string, string>[] => Object.entries(o).map(([param, v]) => ({ param, [side]: v }));
  return [
    `## A = ${d.a.runName} (${d.a.runId}), B = ${d.b.runName} (${d.b.runId})`,
    '',
    `${d.same} params equal.`,
    '',
    '### Params only in A',
    '',
    mdTable(kv(d.onlyA, 'A'), ['param', 'A']),
    '',
    '### Params only in B',
    '',
    mdTable(kv(d.onlyB, 'B'), ['param', 'B']),
    '',
    '### Params that differ',
    '',
    mdTable(d.changed.map((c) => ({ param: c.key, A: c.a, B: c.b })), ['param', 'A', 'B']),
    '',
    '### Metrics',
    '',
    mdTable(metricRows(d.metrics, digits), ['metric', 'A', 'B', 'B − A', 'B / A']),
    '',
  ].join('\n');
}

/** One joined row of {@link SweepDiff}: the same key values in A and B (either may be absent). */
export interface SweepDiffRow {
  keys: Record<string, string | null>;
  a: CompareRow | undefined;
  b: CompareRow | undefined;
  /** Means of A and B per metric. */
  metrics: MetricComparison[];
}

/** Output of {@link diffSweeps}. */
export interface SweepDiff {
  labelA: string;
  labelB: string;
  keys: string[];
  /** A's metrics, then B's others. */
  metrics: string[];
  primary: string;
  bestA: CompareRow | undefined;
  bestB: CompareRow | undefined;
  /** Best row of A against best row of B, per metric (means). */
  best: MetricComparison[];
  /** Rows of both tables joined on the key values, in key order. */
  rows: SweepDiffRow[];
}

function meansOf(metrics: string[], a: CompareRow | undefined, b: CompareRow | undefined): MetricComparison[] {
  return metrics.map((m) => compareValues(m, a?.metrics[m]?.mean, b?.metrics[m]?.mean));
}

/**
 * Compare two sweeps' tables: their best rows (by A's primary metric) and every row joined on the
 * grouping keys (full outer join: a combination swept in only one sweep has the other side undefined).
 * Both tables must group by the same keys (same set, A's order is used); throws otherwise.
 */
export function diffSweeps(a: CompareTable, b: CompareTable, labels: { a: string; b: string } = { a: 'A', b: 'B' }): SweepDiff {
  if (a.keys.length !== b.keys.length || !a.keys.every((k) => b.keys.includes(k))) {
    throw new Error(`keys: the sweeps group by different keys (A: ${a.keys.join(', ') || 'none'}; B: ${b.keys.join(', ') || 'none'}); compare them with the same keys`);
  }
  const keys = a.keys;
  const metrics = [...new Set([...a.metrics, ...b.metrics])];
  const id = (r: CompareRow): string => JSON.stringify(keys.map((k) => r.keys[k]));
  const joined = new Map<string, SweepDiffRow>();
  for (const [side, t] of [['a', a], ['b', b]] as const) {
    for (const r of t.rows) {
      const row = joined.get(id(r)) ?? { keys: r.keys, a: undefined, b: undefined, metrics: [] };
      row[side] = r;
      joined.set(id(r), row);
    }
  }
  const rows = [...joined.values()];
  const comparators = keys.map((k) => paramValueComparator(rows.map((r) => r.keys[k] ?? null)));
  rows.sort((x, y) => {
    for (let i = 0; i < keys.length; i++) {
      const c = comparators[i]!(x.keys[keys[i]!] ?? null, y.keys[keys[i]!] ?? null);
      if (c !== 0) return c;
    }
    return 0;
  });
  for (const r of rows) r.metrics = meansOf(metrics, r.a, r.b);
  const bestA = a.bestIndex >= 0 ? a.rows[a.bestIndex] : undefined;
  const bestB = b.bestIndex >= 0 ? b.rows[b.bestIndex] : undefined;
  return { labelA: labels.a, labelB: labels.b, keys, metrics, primary: a.primary, bestA, bestB, best: meansOf(metrics, bestA, bestB), rows };
}

const keyText = (keys: string[], r: CompareRow | undefined): string => (r ? keys.map((k) => `${k}=${r.keys[k] ?? ''}`).join(', ') || '(all runs)' : '(none)');

/**
 * Markdown of a {@link SweepDiff}: the best row of each sweep and their metrics (A and B as
 * `mean ± sd`, B − A and B / A of the means), then the primary metric for every key combination.
 */
export function sweepDiffMarkdown(d: SweepDiff, opts: DiffMarkdownOptions = {}): string {
  const digits = opts.digits ?? 4;
  const meanSd = (r: CompareRow | undefined, m: string): string => {
    const s = r?.metrics[m];
    return s ? formatMeanSd(s.mean, s.sd, digits) : '';
  };
  const bestRows = metricRows(d.best, digits, (m, side) => meanSd(side === 'a' ? d.bestA : d.bestB, m));
  const p = d.primary;
  const tableRows = d.rows.map((r) => {
    const o: Record<string, string> = {};
    for (const k of d.keys) o[k] = r.keys[k] ?? '';
    const m = r.metrics.find((c) => c.key === p)!;
    o[`A ${p}`] = meanSd(r.a, p);
    o[`B ${p}`] = meanSd(r.b, p);
    o['B − A'] = num(m.diff, digits);
    o['B / A'] = num(m.ratio, digits);
    return o;
  });
  return [
    `## A = ${d.labelA}, B = ${d.labelB}`,
    '',
    `Best by ${p}: A ${keyText(d.keys, d.bestA)}; B ${keyText(d.keys, d.bestB)}.`,
    '',
    '### Best rows',
    '',
    mdTable(bestRows, ['metric', 'A', 'B', 'B − A', 'B / A']),
    '',
    `### ${p} per combination`,
    '',
    mdTable(tableRows, [...d.keys, `A ${p}`, `B ${p}`, 'B − A', 'B / A']),
    '',
  ].join('\n');
}

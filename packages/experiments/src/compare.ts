/**
 * The sweep comparison table: one row per combination of the swept parameters, each metric's mean,
 * sample standard deviation and count over the seeds (and over re-seeded duplicates), the best row
 * by the primary metric marked. Grouping and rollup are done with arquero; everything here is pure.
 */
import * as aq from 'arquero';
import { formatSignificant, tableMarkdown } from '@relaxomap/reports';
import type { RunInfo } from '@relaxomap/tracking';
import { defaultSeedKeys, paramValueComparator, selectLatestFinished } from './runs.js';

/** Optimisation direction of the primary metric: `min` for errors (RMSE), `max` for scores. */
export type Goal = 'min' | 'max';

/** Options of {@link compareRuns}. */
export interface CompareOptions {
  /** Parameter keys of the sweep matrix, e.g. `['train.loss', 'train.network.blocks', 'train.seed']`. */
  keys: string[];
  /** Keys aggregated over instead of grouped by; default: the `keys` whose last segment is `seed`. */
  seedKeys?: string[];
  /** Metric keys to aggregate (the primary one is added in front when missing). */
  metrics: string[];
  /** Metric that picks the best row and decides which runs are rows at all. */
  primary: string;
  /** Default `min` (T2 RMSE in ms: lower is better). */
  goal?: Goal;
}

/** Aggregate of one metric over the runs of one row. */
export interface MetricStats {
  /** Arithmetic mean of the valid values. */
  mean: number;
  /** Sample standard deviation sqrt(Σ(v − mean)² / (n − 1)); undefined when n = 1. */
  sd: number | undefined;
  /** Number of valid values (NaN and missing values are left out). */
  n: number;
}

/** One row of a {@link CompareTable}: one combination of the grouping keys' values. */
export interface CompareRow {
  /** Value of each grouping key (MLflow params are strings); null where the runs lack the param. */
  keys: Record<string, string | null>;
  /** Stats per metric key; undefined when no run of the row has a valid value of it. */
  metrics: Record<string, MetricStats | undefined>;
  /** Ids of the runs aggregated into the row (order of the input). */
  runIds: string[];
  /** True on the one row with the best primary mean. */
  best: boolean;
}

/** Output of {@link compareRuns}. */
export interface CompareTable {
  /** Grouping keys: `keys` minus `seedKeys`, in the given order. */
  keys: string[];
  seedKeys: string[];
  /** Metric keys, primary included. */
  metrics: string[];
  primary: string;
  goal: Goal;
  /** Ordered by the grouping keys (numeric order for numeric-looking values, see {@link paramValueComparator}). */
  rows: CompareRow[];
  /** Index of the best row in `rows`; -1 when no row has a valid primary mean. */
  bestIndex: number;
}

function checkStrings(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((k) => typeof k === 'string' && k !== '')) {
    throw new Error(`${field}: must be an array of non-empty strings`);
  }
  return value as string[];
}

/**
 * Build the comparison table of a sweep.
 *
 * Runs are first reduced to those that count ({@link selectLatestFinished}: FINISHED, latest re-run
 * per point and stage) and to those that carry the primary metric. They are grouped by the values of
 * `keys` minus `seedKeys`; for each metric the group's mean, sample sd (n − 1 denominator) and count of
 * valid values are computed (arquero `groupby` + `rollup` with `op.mean`, `op.stdev`, `op.valid`).
 * The row with the lowest (goal `min`) or highest (`max`) primary mean is marked best; ties go to the
 * first row in table order.
 */
export function compareRuns(runs: RunInfo[], opts: CompareOptions): CompareTable {
  if (!Array.isArray(runs)) throw new Error('runs: must be an array of RunInfo');
  const allKeys = checkStrings(opts.keys, 'keys');
  const seedKeys = opts.seedKeys === undefined ? defaultSeedKeys(allKeys) : checkStrings(opts.seedKeys, 'seedKeys');
  if (typeof opts.primary !== 'string' || opts.primary === '') throw new Error('primary: must be a non-empty metric key');
  const given = checkStrings(opts.metrics, 'metrics');
  const metrics = given.includes(opts.primary) ? [...given] : [opts.primary, ...given];
  const goal = opts.goal ?? 'min';
  if (goal !== 'min' && goal !== 'max') throw new Error(`goal: must be 'min' or 'max', got '${String(goal)}'`);
  const keys = allKeys.filter((k) => !seedKeys.includes(k));
  const base = { keys, seedKeys, metrics, primary: opts.primary, goal };

  const kept = selectLatestFinished(runs).filter((r) => Object.prototype.hasOwnProperty.call(r.metrics, opts.primary));
  if (kept.length === 0) return { ...base, rows: [], bestIndex: -1 };

  // Positional column names: dotted keys would need escaping in arquero expressions.
  const kCol = (i: number): string => `k${i}`;
  const mCol = (j: number): string => `m${j}`;
  const table = aq.from(
    kept.map((r) => {
      const o: Record<string, unknown> = { runId: r.runId };
      keys.forEach((k, i) => (o[kCol(i)] = Object.prototype.hasOwnProperty.call(r.params, k) ? r.params[k] : null));
      metrics.forEach((m, j) => (o[mCol(j)] = Object.prototype.hasOwnProperty.call(r.metrics, m) ? r.metrics[m] : null));
      return o;
    }),
  );
  const rollup: Record<string, unknown> = { runIds: aq.op.array_agg('runId') };
  metrics.forEach((_, j) => {
    rollup[`${mCol(j)}_mean`] = aq.op.mean(mCol(j));
    rollup[`${mCol(j)}_sd`] = aq.op.stdev(mCol(j));
    rollup[`${mCol(j)}_n`] = aq.op.valid(mCol(j));
  });
  const grouped = keys.length > 0 ? table.groupby(...keys.map((_, i) => kCol(i))) : table;
  const rolled = grouped.rollup(rollup as Parameters<typeof grouped.rollup>[0]).objects() as Record<string, unknown>[];

  const rows: CompareRow[] = rolled.map((o) => ({
    keys: Object.fromEntries(keys.map((k, i) => [k, (o[kCol(i)] as string | null | undefined) ?? null])),
    metrics: Object.fromEntries(
      metrics.map((m, j) => {
        const n = Number(o[`${mCol(j)}_n`] ?? 0);
        if (n === 0) return [m, undefined];
        const sd = o[`${mCol(j)}_sd`] as number | undefined;
        return [m, { mean: o[`${mCol(j)}_mean`] as number, sd: n > 1 && sd !== undefined && sd !== null ? sd : undefined, n }];
      }),
    ),
    runIds: [...(o.runIds as string[])],
    best: false,
  }));
  const comparators = keys.map((k) => paramValueComparator(rows.map((r) => r.keys[k]!)));
  rows.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const c = comparators[i]!(a.keys[keys[i]!]!, b.keys[keys[i]!]!);
      if (c !== 0) return c;
    }
    return 0;
  });
  let bestIndex = -1;
  rows.forEach((row, i) => {
    const v = row.metrics[opts.primary]?.mean;
    if (v === undefined || Number.isNaN(v)) return;
    const current = bestIndex < 0 ? undefined : rows[bestIndex]!.metrics[opts.primary]!.mean;
    if (current === undefined || (goal === 'min' ? v < current : v > current)) bestIndex = i;
  });
  if (bestIndex >= 0) rows[bestIndex]!.best = true;
  return { ...base, rows, bestIndex };
}

/**
 * Flat records of a table for CSV: the grouping keys, `runs` (runs aggregated), then per metric
 * `<metric>.mean`, `<metric>.sd`, `<metric>.n`, then `best` (true/false). Absent values are undefined
 * (empty CSV cells).
 */
export function compareRecords(table: CompareTable): Record<string, unknown>[] {
  return table.rows.map((row) => {
    const o: Record<string, unknown> = {};
    for (const k of table.keys) o[k] = row.keys[k] ?? undefined;
    o.runs = row.runIds.length;
    for (const m of table.metrics) {
      const s = row.metrics[m];
      o[`${m}.mean`] = s?.mean;
      o[`${m}.sd`] = s?.sd;
      o[`${m}.n`] = s?.n;
    }
    o.best = row.best;
    return o;
  });
}

/**
 * `mean ± sd` for display: the mean to `digits` significant digits ({@link formatSignificant}; integers
 * too, 2 → "2.00"), the sd
 * to the same number of decimals as the printed mean (12.345 ± 0.4123 → "12.3 ± 0.4"), or to one
 * significant digit when that would print as zero; just the mean when `sd` is undefined (n = 1).
 */
export function formatMeanSd(mean: number, sd: number | undefined, digits = 3): string {
  // A mean that happens to be an integer is still a measurement: 2 → "2.00", not a count's "2".
  const m = Number.isInteger(mean) && Math.abs(mean) < 10 ** digits ? mean.toPrecision(digits) : formatSignificant(mean, digits);
  if (sd === undefined || sd === null) return m;
  if (!Number.isFinite(sd)) return `${m} ± ${formatSignificant(sd, 1)}`;
  const decimals = /^[-+]?\d*\.(\d+)$/.exec(m)?.[1]?.length ?? 0;
  const fixed = /e/i.test(m) ? '' : sd.toFixed(decimals);
  const s = fixed !== '' && (sd === 0 || /[1-9]/.test(fixed)) ? fixed : formatSignificant(sd, 1);
  return `${m} ± ${s}`;
}

/** Options of {@link compareMarkdown}. */
export interface CompareMarkdownOptions {
  /** Significant digits of the means; default 3. */
  digits?: number;
  /** Paragraph above the table; default: one line saying what is aggregated and what is best. */
  caption?: string;
}

/** The default caption of a comparison table (what is averaged, which row is best). */
export function compareCaption(table: CompareTable): string {
  const over = table.seedKeys.length > 0 ? ` over ${table.seedKeys.join(', ')}` : '';
  const dir = table.goal === 'min' ? 'lowest' : 'highest';
  return `Mean ± sample sd${over} (n > 1 only); ★ marks the ${dir} mean ${table.primary}.`;
}

/**
 * GitHub Markdown of a comparison table: key columns, `runs`, one column per metric printed as
 * {@link formatMeanSd} (`12.3 ± 0.4`, or `12.3` when n = 1), the best row's primary cell bold with a ★.
 */
export function compareMarkdown(table: CompareTable, opts: CompareMarkdownOptions = {}): string {
  const digits = opts.digits ?? 3;
  const caption = opts.caption ?? compareCaption(table);
  if (table.rows.length === 0) return `${caption}\n\n_No run carries ${table.primary}._\n`;
  const names = [...table.keys, 'runs', ...table.metrics];
  const cells = table.rows.map((row) => {
    const o: Record<string, string> = {};
    for (const k of table.keys) o[k] = row.keys[k] ?? '';
    o.runs = String(row.runIds.length);
    for (const m of table.metrics) {
      const s = row.metrics[m];
      const text = s ? formatMeanSd(s.mean, s.sd, digits) : '';
      o[m] = row.best && m === table.primary ? `**${text}** ★` : text;
    }
    return o;
  });
  return `${tableMarkdown(aq.from(cells, names), { digits, caption }).trimEnd()}\n`;
}

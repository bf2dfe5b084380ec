/**
 * Comparison reports written to disk from a tracking store: the sweep table (CSV + Markdown), its
 * plots (SVG + PNG) and the training-loss curves; and the Markdown diff of two sweeps. Every file is
 * written atomically (temporary sibling + rename), so a reader never sees a torn table or figure.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderVegaLite, type RenderOptions, writeTable } from '@relaxomap/reports';
import { type RunInfo, type Tracker, writeFileAtomicSync } from '@relaxomap/tracking';
import { collectLossCurves, collectSweep, collectSweepRuns } from './collect.js';
import { compareCaption, compareMarkdown, compareRecords, compareRuns, type CompareTable, type Goal } from './compare.js';
import { diffSweeps, type SweepDiff, sweepDiffMarkdown } from './diff.js';
import { lossCurvesSpec, sweepPlotData, sweepPlotSpec } from './plots.js';
import { selectLatestFinished, sortRunsByParams, SWEEP_TAGS, sweepKeysOf } from './runs.js';

/** Primary metric when none is given: whole-brain T2 RMSE of the network, ms. */
export const DEFAULT_PRIMARY = 'rmse_t2.network.brain';
/** Stage kind whose runs hold the training-loss histories. */
export const DEFAULT_TRAIN_KIND = 'train-t2';
/** At most this many lines in the all-metrics plot; more would be unreadable, so it is skipped. */
export const MAX_SERIES = 12;

/** Table options shared by {@link writeComparison} and {@link compareSweeps}; all have defaults. */
export interface TableDefaults {
  /** MLflow search filter applied to the compared runs (see {@link CollectOptions.filter}). */
  filter?: string;
  /** Matrix keys; default the `relaxomap.sweep_keys` tag of the sweep (latest parent run). */
  keys?: string[];
  /** Default: keys whose last segment is `seed`. */
  seedKeys?: string[];
  /** Default: every metric key starting with `rmse_t2.` that the compared runs carry (sorted). */
  metrics?: string[];
  /** Default {@link DEFAULT_PRIMARY}. */
  primary?: string;
  /** Default `min`. */
  goal?: Goal;
}

/** The plot of {@link writeComparison}: primary metric vs `x`, one line per value of `color`. */
export interface ComparisonPlotOptions {
  /** Default: the last grouping key (seed keys excluded). */
  x?: string;
  /** Default: the first grouping key other than x. */
  color?: string;
  logX?: boolean;
  /** Display names of metrics in the all-metrics plot, e.g. `{ 'rmse_t2.varpro.brain': 'Varpro' }`. */
  labels?: Record<string, string>;
}

/** Options of {@link writeComparison}. */
export interface WriteComparisonOptions extends TableDefaults {
  /** Folder of the outputs (created when missing). */
  outDir: string;
  /** `false`: no metric plots. */
  plot?: ComparisonPlotOptions | false;
  /**
   * Only runs of these sweep points (`relaxomap.sweep_point` tag): the points of the sweep as it is now
   * declared, not every point the experiment has ever held (a value since removed from the matrix).
   */
  points?: readonly string[];
  /** `false`: no loss curves. Default key `loss` of runs of kind {@link DEFAULT_TRAIN_KIND}. */
  lossCurves?: { key?: string; trainKind?: string; maxPoints?: number } | false;
  /** Significant digits in the Markdown; default 3. */
  digits?: number;
  /** PNG scale etc. (renderVegaLite). */
  render?: RenderOptions;
}

/** Output of {@link writeComparison}. */
export interface ComparisonResult {
  table: CompareTable;
  /** Paths written, in writing order (`path.join(outDir, name)`). */
  files: string[];
}

function hasTag(run: RunInfo, tag: string, value: string): boolean {
  return run.tags[tag] === value;
}

/** The runs a table is made of: the sweep's point runs when it has any (not shared stages), else all. */
function comparedRuns(runs: readonly RunInfo[]): RunInfo[] {
  const points = runs.filter((r) => hasTag(r, SWEEP_TAGS.role, 'point'));
  return points.length > 0 ? points : [...runs];
}

/** `rmse_t2.*` metric keys of the runs that count and carry `primary`, sorted. */
function defaultMetrics(runs: readonly RunInfo[], primary: string): string[] {
  const keys = new Set<string>();
  for (const r of selectLatestFinished(runs)) {
    if (!Object.prototype.hasOwnProperty.call(r.metrics, primary)) continue;
    for (const k of Object.keys(r.metrics)) if (k.startsWith('rmse_t2.')) keys.add(k);
  }
  return [...keys].sort();
}

function tableOf(runs: readonly RunInfo[], keys: string[], opts: TableDefaults): CompareTable {
  const primary = opts.primary ?? DEFAULT_PRIMARY;
  const compared = comparedRuns(runs);
  return compareRuns(compared, {
    keys,
    ...(opts.seedKeys ? { seedKeys: opts.seedKeys } : {}),
    metrics: opts.metrics ?? defaultMetrics(compared, primary),
    primary,
    ...(opts.goal ? { goal: opts.goal } : {}),
  });
}

function resolveKeys(opts: TableDefaults, where: string, ...runSets: RunInfo[][]): string[] {
  if (opts.keys) return opts.keys;
  for (const runs of runSets) {
    const keys = sweepKeysOf(runs);
    if (keys) return keys;
  }
  throw new Error(`keys: no run of ${where} has a ${SWEEP_TAGS.keys} tag; pass keys`);
}

/** A file-name-safe form of a key: `train.network.blocks` stays, other characters become `_`. */
export function fileSlug(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * Compare the runs of one sweep (MLflow experiment `experimentName`) and write, under `outDir`:
 *
 * - `compare.csv` — {@link compareRecords}: keys, `runs`, `<metric>.mean|sd|n`, `best` (full precision);
 * - `compare.md` — {@link compareMarkdown}: `mean ± sd`, best row's primary cell bold with ★;
 * - `<primary>_vs_<x>.svg|png` — primary metric vs `plot.x`, one line per `plot.color` value, ±sd bars;
 * - `metrics_vs_<x>.svg|png` — every metric vs x (only with more than one metric and at most
 *   {@link MAX_SERIES} lines);
 * - `loss_curves.svg|png` — the loss history of the train runs of the compared points, log y
 *   (only when such runs exist).
 *
 * Plots need at least one grouping key. Reads only (the experiment is looked up, never created); a
 * missing experiment, or one with no FINISHED run carrying the primary metric, is a one-line error.
 */
export async function writeComparison(tracker: Tracker, experimentName: string, opts: WriteComparisonOptions): Promise<ComparisonResult> {
  if (typeof opts?.outDir !== 'string' || opts.outDir === '') throw new Error('outDir: must be a non-empty path');
  const inPoints = (runs: RunInfo[]): RunInfo[] => (opts.points ? runs.filter((r) => opts.points!.includes(r.tags[SWEEP_TAGS.point] ?? '')) : runs);
  const all = await collectSweepRuns(tracker, experimentName);
  const selected = inPoints(opts.filter ? await collectSweepRuns(tracker, experimentName, { filter: opts.filter }) : all);
  const keys = resolveKeys(opts, `experiment '${experimentName}'`, all);
  const table = tableOf(selected, keys, opts);
  if (table.rows.length === 0) {
    throw new Error(`experiment '${experimentName}' on ${tracker.uri}: no FINISHED run carries metric ${table.primary}${opts.filter ? ` (filter: ${opts.filter})` : ''}`);
  }
  // Specs first (pure; they validate plot.x / plot.color), so a bad option writes nothing.
  const specs: { spec: object; name: string }[] = [];
  if (opts.plot !== false && table.keys.length > 0) {
    const plot = opts.plot ?? {};
    const x = plot.x ?? table.keys[table.keys.length - 1]!;
    const base = { x, ...(plot.color ? { color: plot.color } : {}), ...(plot.logX ? { logX: true } : {}), ...(plot.labels ? { labels: plot.labels } : {}) };
    specs.push({ spec: sweepPlotSpec(table, { ...base, metrics: [table.primary] }), name: `${fileSlug(table.primary)}_vs_${fileSlug(x)}` });
    if (table.metrics.length > 1) {
      const series = new Set(sweepPlotData(table, { ...base, metrics: table.metrics }).map((d) => d.series));
      if (series.size <= MAX_SERIES) specs.push({ spec: sweepPlotSpec(table, { ...base, metrics: table.metrics }), name: `metrics_vs_${fileSlug(x)}` });
    }
  }

  fs.mkdirSync(opts.outDir, { recursive: true });
  const files: string[] = [];
  const digits = opts.digits ?? 3;
  const caption = `Sweep '${experimentName}'${opts.filter ? ` (filter: ${opts.filter})` : ''}. ${compareCaption(table)}`;
  const written = await writeTable(compareRecords(table), path.join(opts.outDir, 'compare'), { digits, caption });
  // writeTable's Markdown prints the raw columns; the report wants `mean ± sd` cells: replace it.
  writeFileAtomicSync(written.mdPath, compareMarkdown(table, { digits, caption }));
  files.push(written.csvPath, written.mdPath);

  const render = async (spec: object, name: string): Promise<void> => {
    const r = await renderVegaLite(spec, path.join(opts.outDir, name), opts.render);
    files.push(r.svgPath, r.pngPath);
  };
  for (const { spec, name } of specs) await render(spec, name);

  if (opts.lossCurves !== false) {
    const lc = opts.lossCurves ?? {};
    const trainKind = lc.trainKind ?? DEFAULT_TRAIN_KIND;
    // The train runs of the points in the table: same sweep and point tags as a compared run.
    const byId = new Map(selected.map((r) => [r.runId, r]));
    const pointOf = (r: RunInfo): string | undefined =>
      r.tags[SWEEP_TAGS.point] === undefined ? undefined : `${r.tags[SWEEP_TAGS.sweep] ?? ''}\u0000${r.tags[SWEEP_TAGS.point]}`;
    const points = new Set(table.rows.flatMap((row) => row.runIds.map((id) => pointOf(byId.get(id)!))).filter((p) => p !== undefined));
    const pool = points.size > 0 ? all.filter((r) => points.has(pointOf(r) ?? '')) : selected;
    const trainRuns = sortRunsByParams(selectLatestFinished(pool).filter((r) => hasTag(r, SWEEP_TAGS.kind, trainKind)), keys);
    const curves = await collectLossCurves(tracker, trainRuns, { keys, ...(lc.key ? { key: lc.key } : {}), ...(lc.maxPoints ? { maxPoints: lc.maxPoints } : {}) });
    if (curves.some((c) => c.points.some((p) => Number.isFinite(p.value)))) {
      await render(lossCurvesSpec(curves, { title: `Training loss — ${experimentName}`, yTitle: lc.key ?? 'loss' }), 'loss_curves');
    }
  }
  return { table, files };
}

/** Options of {@link compareSweeps}. */
export interface CompareSweepsOptions extends TableDefaults {
  /** Write the Markdown here too (atomically; parent folder created). */
  outFile?: string;
  /** Significant digits in the Markdown; default 4. */
  digits?: number;
}

/** Output of {@link compareSweeps}. */
export interface SweepComparison {
  a: CompareTable;
  b: CompareTable;
  diff: SweepDiff;
  markdown: string;
}

/**
 * Compare two sweeps, each named by experiment name or parent run id ({@link collectSweep}), with the
 * same keys (default: A's `relaxomap.sweep_keys` tag, else B's), metrics (default: the `rmse_t2.*`
 * metrics of either) and primary metric: {@link diffSweeps} of their tables plus its Markdown.
 */
export async function compareSweeps(tracker: Tracker, refA: string, refB: string, opts: CompareSweepsOptions = {}): Promise<SweepComparison> {
  const collect = opts.filter ? { filter: opts.filter } : {};
  const sa = await collectSweep(tracker, refA, collect);
  const sb = await collectSweep(tracker, refB, collect);
  const keys = resolveKeys(opts, `sweeps '${refA}' and '${refB}'`, sa.runs, sb.runs);
  const primary = opts.primary ?? DEFAULT_PRIMARY;
  const metrics = opts.metrics ?? [...new Set([...defaultMetrics(comparedRuns(sa.runs), primary), ...defaultMetrics(comparedRuns(sb.runs), primary)])].sort();
  const shared = { ...opts, keys, metrics, primary };
  const a = tableOf(sa.runs, keys, shared);
  const b = tableOf(sb.runs, keys, shared);
  const diff = diffSweeps(a, b, { a: sa.label, b: sb.label });
  const markdown = sweepDiffMarkdown(diff, { digits: opts.digits ?? 4 });
  if (opts.outFile) {
    fs.mkdirSync(path.dirname(opts.outFile), { recursive: true });
    writeFileAtomicSync(opts.outFile, markdown);
  }
  return { a, b, diff, markdown };
}

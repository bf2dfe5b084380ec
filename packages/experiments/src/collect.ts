/**
 * Reading sweeps from a tracking store: the edge between a `Tracker` (MLflow file store or tracking
 * server — both implement the same interface, so everything here works for either) and the pure
 * comparison functions. Nothing here writes to the store: experiments are looked up, never created.
 */
import { FilterError, LIMITS, MlflowRestError, type RunInfo, type Tracker } from '@relaxomap/tracking';
import type { LossCurve } from './plots.js';
import { thinCurve } from './plots.js';
import { SWEEP_TAGS, shortKeyNames } from './runs.js';

/** Options of {@link collectSweepRuns} and {@link collectSweep}. */
export interface CollectOptions {
  /**
   * MLflow search filter, e.g. `params.train.loss = 'ssim' and metrics.rmse_t2.network.brain < 10`.
   * As in MLflow, the part after `params.` / `metrics.` / `tags.` is the whole key, dots included;
   * a key with other special characters (`-`, spaces) is quoted with backticks: ``params.`net-depth` = '3'``
   * (backticks around a dotted key work too: ``tags.`mlflow.parentRunId` = '…'``), and so is a key with
   * a segment starting with a digit (``params.`net.2d` = 'x'``: unquoted, `.2` reads as a number).
   * AND only, no OR.
   */
  filter?: string;
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0]!;
}

async function search(tracker: Tracker, experimentId: string, filter: string | undefined, what: string): Promise<RunInfo[]> {
  try {
    return await tracker.searchRuns([experimentId], { ...(filter ? { filter } : {}), maxResults: LIMITS.maxSearchResults });
  } catch (err) {
    const badFilter = err instanceof FilterError || (err instanceof MlflowRestError && err.errorCode === 'INVALID_PARAMETER_VALUE');
    if (filter && badFilter) throw new Error(`filter: ${firstLine(err)} (${what} on ${tracker.uri})`);
    throw err;
  }
}

/**
 * Every active run of the experiment `experimentName` matching `filter` (MLflow's default order:
 * newest first), all statuses included — {@link selectLatestFinished} picks the ones that count.
 * Throws a one-line error naming the experiment and the tracking URI when it does not exist.
 */
export async function collectSweepRuns(tracker: Tracker, experimentName: string, opts: CollectOptions = {}): Promise<RunInfo[]> {
  if (typeof experimentName !== 'string' || experimentName === '') throw new Error('experimentName: must be a non-empty string');
  const id = await tracker.findExperiment(experimentName);
  if (id === undefined) throw new Error(`experiment '${experimentName}' not found on ${tracker.uri}`);
  return search(tracker, id, opts.filter, `experiment '${experimentName}'`);
}

/** A sweep read from a store by {@link collectSweep}. */
export interface CollectedSweep {
  /** The experiment name, or `<run name> (<run id>)` of the parent run. */
  label: string;
  experimentId: string;
  /** Set when the sweep was named by its parent run. */
  parentRunId?: string;
  /** The runs (the parent run itself included when named by it, filter permitting none of it). */
  runs: RunInfo[];
}

/**
 * A sweep named either by its experiment name or by its parent run id (an experiment name wins when
 * both exist). By parent id, the runs are those tagged `mlflow.parentRunId = <id>` plus the parent.
 * Throws a one-line error naming `ref` and the tracking URI when it is neither.
 */
export async function collectSweep(tracker: Tracker, ref: string, opts: CollectOptions = {}): Promise<CollectedSweep> {
  if (typeof ref !== 'string' || ref === '') throw new Error('sweep: must be an experiment name or a parent run id');
  const expId = await tracker.findExperiment(ref);
  if (expId !== undefined) return { label: ref, experimentId: expId, runs: await search(tracker, expId, opts.filter, `experiment '${ref}'`) };
  let parent: RunInfo;
  try {
    parent = await tracker.getRun(ref);
  } catch (err) {
    throw new Error(`sweep '${ref}': no experiment of that name and no run with that id on ${tracker.uri} (${firstLine(err)})`);
  }
  if (!/^[\w-]+$/.test(ref)) throw new Error(`sweep '${ref}': run id has characters a search filter cannot quote`);
  const byParent = `tags.\`${SWEEP_TAGS.parent}\` = '${ref}'`;
  const filter = opts.filter?.trim() ? `${byParent} and ${opts.filter}` : byParent;
  const children = await search(tracker, parent.experimentId, filter, `children of run ${ref}`);
  return { label: `${parent.runName} (${ref})`, experimentId: parent.experimentId, parentRunId: ref, runs: [parent, ...children] };
}

/** Options of {@link collectLossCurves}. */
export interface LossCurveOptions {
  /** Metric key of the loss; default `loss`. */
  key?: string;
  /** Param keys named in each curve's legend entry (e.g. the sweep keys); default none. */
  keys?: string[];
  /** Samples per curve at most (see {@link thinCurve}); default 1000. */
  maxPoints?: number;
}

/**
 * The training curve of each run: `tracker.getMetricHistory(runId, key)`, ordered by step (stable),
 * thinned to `maxPoints`. Runs without the metric are left out. Legend name: the sweep point, then
 * `name=value` of `keys` (short names), e.g. `p03: loss=ssim, blocks=3, seed=1`; the run name when
 * the run has neither.
 */
export async function collectLossCurves(tracker: Tracker, runs: readonly RunInfo[], opts: LossCurveOptions = {}): Promise<LossCurve[]> {
  const key = opts.key ?? 'loss';
  const keys = opts.keys ?? [];
  const short = shortKeyNames(keys);
  const maxPoints = opts.maxPoints ?? 1000;
  const out: LossCurve[] = [];
  for (const run of runs) {
    const history = await tracker.getMetricHistory(run.runId, key);
    if (history.length === 0) continue;
    const points = history.map((h, i) => ({ step: h.step, value: h.value, i }));
    points.sort((a, b) => a.step - b.step || a.i - b.i);
    const values = keys.filter((k) => Object.prototype.hasOwnProperty.call(run.params, k)).map((k) => `${short[k]}=${run.params[k]}`).join(', ');
    const point = run.tags[SWEEP_TAGS.point];
    const series = point ? (values ? `${point}: ${values}` : point) : values || run.runName || run.runId;
    out.push({ series, runId: run.runId, points: thinCurve(points, maxPoints).map(({ step, value }) => ({ step, value })) });
  }
  return out;
}

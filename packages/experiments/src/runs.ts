/**
 * Run selection and sweep conventions shared by the comparison, diff and plot modules: which runs
 * count (latest FINISHED per sweep point and stage), how sweep runs are tagged, how parameter values
 * sort (numerically when they all look like numbers).
 */
import type { RunInfo } from '@relaxomap/tracking';

/** Tags the sweep runtime writes on every sweep run (see the package README in index.ts). */
export const SWEEP_TAGS = Object.freeze({
  /** The sweep's name (also the MLflow experiment name). */
  sweep: 'relaxomap.sweep',
  /** `parent` | `point` | `shared`. */
  role: 'relaxomap.sweep_role',
  /** Point label, e.g. `p03` (point runs only). */
  point: 'relaxomap.sweep_point',
  /** JSON array of the matrix keys, e.g. `["train.loss","train.network.blocks"]`. */
  keys: 'relaxomap.sweep_keys',
  /** Stage id, e.g. `evaluate-p03`. */
  stage: 'relaxomap.stage',
  /** Stage kind, e.g. `evaluate-t2`, `train-t2`. */
  kind: 'relaxomap.kind',
  /** MLflow's own parent link. */
  parent: 'mlflow.parentRunId',
} as const);

const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** True when a parameter value is decimal number text ("3", "-0.5", "1e-3"); not "", "NaN", "0x10", "Infinity". */
export function isNumericText(value: string): boolean {
  return DECIMAL.test(value.trim());
}

/**
 * A comparator for the values of one parameter across runs: numeric order when every non-null value
 * is decimal number text (so blocks sort 0, 3, 10 and not "0" < "10" < "3"), otherwise code-unit
 * string order; null (parameter absent) sorts last.
 */
export function paramValueComparator(values: readonly (string | null)[]): (a: string | null, b: string | null) => number {
  const numeric = values.every((v) => v === null || isNumericText(v));
  return (a, b) => {
    if (a === b) return 0;
    if (a === null) return 1;
    if (b === null) return -1;
    if (numeric) {
      const d = Number(a) - Number(b);
      if (d !== 0) return d;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  };
}

/** Last dot-separated segment of a key: `train.network.blocks` → `blocks`. */
export function lastSegment(key: string): string {
  const i = key.lastIndexOf('.');
  return i < 0 ? key : key.slice(i + 1);
}

/** The default seed keys of a key list: those whose last segment is `seed` (`train.seed`). */
export function defaultSeedKeys(keys: readonly string[]): string[] {
  return keys.filter((k) => lastSegment(k) === 'seed');
}

/**
 * Short display names of keys: the last segment when that is unique among `keys`, else the full key
 * (`train.loss` → `loss`, but `a.seed`/`b.seed` stay whole).
 */
export function shortKeyNames(keys: readonly string[]): Record<string, string> {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(lastSegment(k), (counts.get(lastSegment(k)) ?? 0) + 1);
  return Object.fromEntries(keys.map((k) => [k, counts.get(lastSegment(k)) === 1 ? lastSegment(k) : k]));
}

/**
 * Identity of a run for re-run de-duplication: runs of the same experiment, sweep, point and stage
 * (tags {@link SWEEP_TAGS}) are re-runs of one another. A run without a stage tag is its own identity.
 */
export function runIdentity(run: RunInfo): string {
  const stage = run.tags[SWEEP_TAGS.stage];
  if (stage === undefined) return `run\u0000${run.runId}`;
  return ['stage', run.experimentId, run.tags[SWEEP_TAGS.sweep] ?? '', run.tags[SWEEP_TAGS.point] ?? '', stage].join('\u0000');
}

/**
 * The runs that count: FINISHED runs only, and of several runs with the same {@link runIdentity}
 * (re-runs of one sweep point's stage) only the latest by `startTime` (ties: the larger run id, so
 * the choice does not depend on input order). Output keeps the input order of the kept runs.
 */
export function selectLatestFinished(runs: readonly RunInfo[]): RunInfo[] {
  const latest = new Map<string, RunInfo>();
  for (const run of runs) {
    if (run.status !== 'FINISHED') continue;
    const id = runIdentity(run);
    const seen = latest.get(id);
    if (!seen || run.startTime > seen.startTime || (run.startTime === seen.startTime && run.runId > seen.runId)) latest.set(id, run);
  }
  const kept = new Set(latest.values());
  return runs.filter((r) => kept.has(r));
}

/**
 * The sweep's matrix keys from the `relaxomap.sweep_keys` tag (a JSON array of strings): taken from
 * the latest parent run carrying the tag, else the latest run of any role; undefined when no run has it.
 * Throws when the tag is not a JSON array of strings, naming the run.
 */
export function sweepKeysOf(runs: readonly RunInfo[]): string[] | undefined {
  const tagged = runs.filter((r) => r.tags[SWEEP_TAGS.keys] !== undefined);
  if (tagged.length === 0) return undefined;
  const byLatest = [...tagged].sort((a, b) => b.startTime - a.startTime || (a.runId < b.runId ? 1 : -1));
  const chosen = byLatest.find((r) => r.tags[SWEEP_TAGS.role] === 'parent') ?? byLatest[0]!;
  const text = chosen.tags[SWEEP_TAGS.keys]!;
  let keys: unknown;
  try {
    keys = JSON.parse(text);
  } catch {
    keys = undefined;
  }
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) {
    throw new Error(`tag ${SWEEP_TAGS.keys} of run ${chosen.runId}: must be a JSON array of strings, got '${text}'`);
  }
  return keys as string[];
}

/**
 * Runs ordered by the values of `keys` in their params (each key with {@link paramValueComparator}),
 * then by the sweep point tag, then by run id — a stable legend order for per-run plots.
 */
export function sortRunsByParams(runs: readonly RunInfo[], keys: readonly string[]): RunInfo[] {
  const value = (r: RunInfo, k: string): string | null => (Object.prototype.hasOwnProperty.call(r.params, k) ? r.params[k]! : null);
  const comparators = keys.map((k) => paramValueComparator(runs.map((r) => value(r, k))));
  return [...runs].sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const c = comparators[i]!(value(a, keys[i]!), value(b, keys[i]!));
      if (c !== 0) return c;
    }
    const pa = a.tags[SWEEP_TAGS.point] ?? '';
    const pb = b.tags[SWEEP_TAGS.point] ?? '';
    if (pa !== pb) return pa < pb ? -1 : 1;
    return a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
  });
}

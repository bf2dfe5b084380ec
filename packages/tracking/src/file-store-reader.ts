/**
 * Read an MLflow file store (`mlruns/`) the way MLflow's `FileStore` parses it
 * (mlflow/store/tracking/file_store.py), failing where MLflow fails:
 *
 * - `<exp>/meta.yaml` needs experiment_id (== folder name), name, artifact_location, lifecycle_stage;
 * - `<exp>/<run>/meta.yaml` needs run_uuid (== folder name), experiment_id (== parent folder),
 *   user_id, start_time, end_time (null allowed); status is an INTEGER 1..5;
 * - `metrics/<key>`: lines `<timestamp> <value> [<step>]` split on single spaces, Python `int`/`float`;
 * - `params/<key>`, `tags/<key>`: the file content is the value (keys may contain `/` → subfolders).
 *
 * Folders MLflow skips with a warning (no meta.yaml, mismatched ids) are skipped and reported in
 * `warnings`; anything that would raise inside MLflow throws here, naming the file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type RunInfo, type RunStatus, runStatusFromCode } from './types.js';
import { keyProblem, parsePythonFloat } from './validation.js';
import { type FlatYaml, parseFlatYaml } from './yaml.js';

export interface MetricPoint {
  /** ms since epoch. */
  timestamp: number;
  value: number;
  step: number;
}

export interface StoredRun {
  runId: string;
  runUuid: string;
  runName: string;
  experimentId: string;
  status: RunStatus;
  /** The integer as written in meta.yaml. */
  statusCode: number;
  startTime: number;
  endTime: number | null;
  artifactUri: string;
  userId: string;
  lifecycleStage: string;
  /** The parsed meta.yaml as is. */
  meta: FlatYaml;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Full history per key, in file order. */
  metrics: Record<string, MetricPoint[]>;
}

export interface StoredExperiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: string;
  creationTime: number | null;
  lastUpdateTime: number | null;
  /** True when found under `.trash/`. */
  deleted: boolean;
  meta: FlatYaml;
  tags: Record<string, string>;
  runs: StoredRun[];
}

export interface FileStoreContents {
  root: string;
  experiments: StoredExperiment[];
  /** What MLflow would log as a warning and skip. */
  warnings: string[];
}

/** Folders inside an experiment that are not runs (FileStore.RESERVED_EXPERIMENT_FOLDERS). */
const RESERVED_EXPERIMENT_FOLDERS = new Set(['tags', 'datasets', 'traces']);
const RUN_ID_RE = /^[a-zA-Z0-9][\w-]{0,255}$/;

/** Thrown when meta.yaml is missing or empty: MLflow's MissingConfigException (skipped with a warning). */
export class MissingConfigError extends Error {
  override name = 'MissingConfigError';
}

/** A run whose meta.yaml names another experiment: MLflow's search skips it with a warning. */
export class WrongExperimentError extends Error {
  override name = 'WrongExperimentError';
}

function readMeta(dir: string): FlatYaml {
  const file = path.join(dir, 'meta.yaml');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new MissingConfigError(`${file}: missing`);
  }
  const meta = parseFlatYaml(text, file);
  if (Object.keys(meta).length === 0) throw new MissingConfigError(`${file}: empty`);
  return meta;
}

function asInt(meta: FlatYaml, key: string, file: string, nullable: boolean): number | null {
  if (!(key in meta)) throw new Error(`${file}: missing required field '${key}'`);
  const v = meta[key];
  if (v === null && nullable) return null;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new Error(`${file}: field '${key}' must be an integer${nullable ? ' or null' : ''}, got ${JSON.stringify(v)}`);
}

function asString(meta: FlatYaml, key: string, file: string): string {
  const v = meta[key];
  if (v === undefined) throw new Error(`${file}: missing required field '${key}'`);
  // MLflow casts a legacy integer experiment_id to str; anything else must already be a string.
  if (typeof v === 'number' && key === 'experiment_id') return String(v);
  if (typeof v !== 'string') throw new Error(`${file}: field '${key}' must be a string, got ${JSON.stringify(v)}`);
  return v;
}

/** Files under `dir` as posix relative paths (os.walk order does not matter: keyed maps). */
function walkFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (abs: string, rel: string): void => {
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(abs, e.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

function readKeyedFiles(dir: string, kind: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of walkFiles(dir)) {
    const problem = keyProblem(kind, key);
    if (problem) throw new Error(`${path.join(dir, key)}: ${problem}`);
    // Python reads in text mode: universal newlines.
    out[key] = fs.readFileSync(path.join(dir, key), 'utf8').replace(/\r\n?/g, '\n');
  }
  return out;
}

/** Parse one metric file exactly as FileStore._get_metric_from_line does. */
export function parseMetricFile(text: string, file: string): MetricPoint[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new Error(`${file}: metric is malformed, no data found`);
  return lines.map((line, i) => {
    const parts = line.trim().split(' ');
    if (parts.length !== 2 && parts.length !== 3) {
      throw new Error(`${file}:${i + 1}: metric line has ${parts.length} fields, expected 2 or 3`);
    }
    const [ts, val, step] = parts as [string, string, string | undefined];
    if (!/^[+-]?\d(?:_?\d)*$/.test(ts)) throw new Error(`${file}:${i + 1}: timestamp '${ts}' is not an integer`);
    const value = parsePythonFloat(val);
    if (value === undefined) throw new Error(`${file}:${i + 1}: value '${val}' is not a float`);
    if (step !== undefined && !/^[+-]?\d(?:_?\d)*$/.test(step)) throw new Error(`${file}:${i + 1}: step '${step}' is not an integer`);
    return { timestamp: Number(ts.replace(/_/g, '')), value, step: step === undefined ? 0 : Number(step.replace(/_/g, '')) };
  });
}

/** MLflow's latest value: max by (step, timestamp, value). */
export function latestMetric<T extends MetricPoint>(points: readonly T[]): T {
  return points.reduce((best, p) => {
    if (p.step !== best.step) return p.step > best.step ? p : best;
    if (p.timestamp !== best.timestamp) return p.timestamp > best.timestamp ? p : best;
    return p.value > best.value || (Number.isNaN(best.value) && !Number.isNaN(p.value)) ? p : best;
  });
}

/** A run folder without its params and metric histories (cheap: meta.yaml and tags only). */
export type StoredRunHead = Omit<StoredRun, 'params' | 'metrics'>;

/**
 * Read a run folder's meta.yaml and tags only, with the checks of {@link readRunDir}; for callers that
 * decide from status and tags whether the (possibly large) metric histories are needed at all.
 */
export function readRunHead(runDir: string, experimentId: string): StoredRunHead {
  const meta = readMeta(runDir);
  const file = path.join(runDir, 'meta.yaml');
  const folder = path.basename(runDir);
  const runUuid = asString(meta, 'run_uuid', file);
  if (runUuid !== folder) throw new Error(`${file}: run_uuid '${runUuid}' differs from its folder name '${folder}'`);
  const metaExp = asString(meta, 'experiment_id', file);
  if (metaExp !== experimentId) throw new WrongExperimentError(`${file}: experiment_id '${metaExp}' differs from its parent folder '${experimentId}'`);
  const userId = meta.user_id === null ? '' : asString(meta, 'user_id', file);
  const startTime = asInt(meta, 'start_time', file, true) ?? 0;
  const endTime = asInt(meta, 'end_time', file, true);
  const statusCode = 'status' in meta ? asInt(meta, 'status', file, false)! : 1;
  const status = runStatusFromCode(statusCode);
  if (!status) throw new Error(`${file}: status ${statusCode} is not an MLflow RunStatus (1..5)`);
  const tags = readKeyedFiles(path.join(runDir, 'tags'), 'tag');
  const runName = typeof meta.run_name === 'string' && meta.run_name !== '' ? meta.run_name : (tags['mlflow.runName'] ?? '');
  return {
    runId: typeof meta.run_id === 'string' ? meta.run_id : runUuid,
    runUuid,
    runName,
    experimentId,
    status,
    statusCode,
    startTime,
    endTime,
    artifactUri: typeof meta.artifact_uri === 'string' ? meta.artifact_uri : '',
    userId,
    lifecycleStage: typeof meta.lifecycle_stage === 'string' ? meta.lifecycle_stage : 'active',
    meta,
    tags,
  };
}

/** Read one run folder; `experimentId` is the parent folder's name. Throws MissingConfigError if meta.yaml is absent. */
export function readRunDir(runDir: string, experimentId: string): StoredRun {
  const head = readRunHead(runDir, experimentId);
  const params = readKeyedFiles(path.join(runDir, 'params'), 'parameter');
  const metrics: Record<string, MetricPoint[]> = {};
  const metricDir = path.join(runDir, 'metrics');
  for (const key of walkFiles(metricDir)) {
    const problem = keyProblem('metric', key);
    if (problem) throw new Error(`${path.join(metricDir, key)}: ${problem}`);
    metrics[key] = parseMetricFile(fs.readFileSync(path.join(metricDir, key), 'utf8'), path.join(metricDir, key));
  }
  return { ...head, params, metrics };
}

/** A stored run as the tracker's RunInfo (latest metric values). */
export function toRunInfo(run: StoredRun): RunInfo {
  const metrics: Record<string, number> = {};
  for (const [k, points] of Object.entries(run.metrics)) metrics[k] = latestMetric(points).value;
  return {
    runId: run.runId,
    experimentId: run.experimentId,
    runName: run.runName,
    status: run.status,
    startTime: run.startTime,
    endTime: run.endTime,
    artifactUri: run.artifactUri,
    userId: run.userId,
    lifecycleStage: run.lifecycleStage,
    params: { ...run.params },
    tags: { ...run.tags },
    metrics,
  };
}

/** Read an experiment folder's meta.yaml; throws MissingConfigError when absent. */
export function readExperimentMeta(expDir: string): Omit<StoredExperiment, 'runs' | 'deleted' | 'tags'> {
  const meta = readMeta(expDir);
  const file = path.join(expDir, 'meta.yaml');
  const experimentId = asString(meta, 'experiment_id', file);
  const num = (k: string): number | null => (typeof meta[k] === 'number' ? (meta[k] as number) : null);
  return {
    experimentId,
    name: asString(meta, 'name', file),
    artifactLocation: asString(meta, 'artifact_location', file),
    lifecycleStage: asString(meta, 'lifecycle_stage', file),
    creationTime: num('creation_time'),
    lastUpdateTime: num('last_update_time'),
    meta,
  };
}

/** Run folders of one experiment folder (sub-folders except the reserved ones). */
export function listRunDirs(expDir: string): string[] {
  return fs
    .readdirSync(expDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !RESERVED_EXPERIMENT_FOLDERS.has(e.name))
    .map((e) => path.join(expDir, e.name))
    .sort();
}

/** Experiment folders: `root/*` except `.trash` and `models`, then `root/.trash/*`. */
export function listExperimentDirs(root: string): { dir: string; deleted: boolean }[] {
  const subdirs = (d: string): string[] =>
    fs.existsSync(d)
      ? fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()
      : [];
  return [
    ...subdirs(root).filter((n) => n !== '.trash' && n !== 'models').map((n) => ({ dir: path.join(root, n), deleted: false })),
    ...subdirs(path.join(root, '.trash')).map((n) => ({ dir: path.join(root, '.trash', n), deleted: true })),
  ];
}

/** Whether a run id has the shape MLflow accepts (`_validate_run_id`). */
export function isValidRunId(runId: string): boolean {
  return RUN_ID_RE.test(runId);
}

/** Read a whole file store: every experiment (active and in `.trash`) with every run. */
export function readFileStore(root: string): FileStoreContents {
  const abs = path.resolve(root);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new Error(`${abs}: not a directory`);
  const warnings: string[] = [];
  const experiments: StoredExperiment[] = [];
  for (const { dir, deleted } of listExperimentDirs(abs)) {
    let head: ReturnType<typeof readExperimentMeta>;
    try {
      head = readExperimentMeta(dir);
    } catch (err) {
      if (err instanceof MissingConfigError) {
        warnings.push(`malformed experiment '${path.basename(dir)}': ${err.message}`);
        continue;
      }
      throw err;
    }
    if (head.experimentId !== path.basename(dir)) {
      warnings.push(`experiment id mismatch for '${path.basename(dir)}': meta.yaml says '${head.experimentId}'; ignored`);
      continue;
    }
    const runs: StoredRun[] = [];
    for (const runDir of listRunDirs(dir)) {
      try {
        runs.push(readRunDir(runDir, head.experimentId));
      } catch (err) {
        if (!(err instanceof MissingConfigError || err instanceof WrongExperimentError)) throw err;
        warnings.push(`run '${path.basename(runDir)}' skipped: ${err.message}`);
      }
    }
    const tags = readKeyedFiles(path.join(dir, 'tags'), 'tag');
    experiments.push({ ...head, deleted, tags, runs });
  }
  return { root: abs, experiments, warnings };
}

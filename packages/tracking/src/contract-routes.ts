/**
 * State and endpoint handlers of the contract server: MLflow's store semantics (sql store flavour:
 * sequential experiment ids, Default experiment "0") over in-memory maps. Messages arrive parsed
 * and type-checked (contract-proto.ts); handlers add the required-field checks of
 * mlflow/server/handlers.py and the store checks of mlflow/utils/validation.py.
 */
import { randomBytes } from 'node:crypto';
import { ApiError, MESSAGES, requireField, runIdOf, type Schema } from './contract-proto.js';
import { latestMetric } from './file-store-reader.js';
import { FilterError, matchesFilter, parseFilter, sortRunsDefault } from './filter.js';
import { doubleToJson, type ExperimentJson, type KeyValueJson, type MetricJson, type RunInfoJson, type RunJson } from './rest-types.js';
import type { RunInfo, RunStatus } from './types.js';
import { keyProblem, LIMITS } from './validation.js';

export interface ContractExperiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
  tags: Map<string, string>;
}

export interface ContractMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface ContractRun {
  info: {
    run_id: string;
    run_name: string;
    experiment_id: string;
    user_id: string;
    status: RunStatus;
    start_time: number;
    end_time: number | null;
    artifact_uri: string;
    lifecycle_stage: 'active' | 'deleted';
  };
  params: Map<string, string>;
  tags: Map<string, string>;
  /** Full history per key, in logging order. */
  metrics: Map<string, ContractMetric[]>;
}

export interface RecordedCall {
  method: string;
  path: string;
  status: number;
  /** Parsed JSON body of POST calls. */
  body?: unknown;
}

export interface ContractState {
  experiments: Map<string, ContractExperiment>;
  runs: Map<string, ContractRun>;
  /** Uploaded artifacts by path under mlflow-artifacts (`<exp>/<run>/artifacts/<file>`). */
  artifacts: Map<string, Buffer>;
  calls: RecordedCall[];
  nextExperimentId: number;
}

type Msg = Record<string, unknown>;
interface Route {
  method: 'GET' | 'POST';
  schema: Schema;
  maxBodyBytes?: number;
  handle(state: ContractState, msg: Msg): unknown;
}

const invalid = (message: string): ApiError => new ApiError('INVALID_PARAMETER_VALUE', message);

/** A store with the Default experiment, as a fresh MLflow server has. */
export function createState(): ContractState {
  const now = Date.now();
  const experiments = new Map<string, ContractExperiment>([
    ['0', { experiment_id: '0', name: 'Default', artifact_location: 'mlflow-artifacts:/0', lifecycle_stage: 'active', creation_time: now, last_update_time: now, tags: new Map() }],
  ]);
  return { experiments, runs: new Map(), artifacts: new Map(), calls: [], nextExperimentId: 1 };
}

const kvList = (m: Map<string, string>): KeyValueJson[] => [...m].map(([key, value]) => ({ key, value }));
const metricJson = (m: ContractMetric): MetricJson => ({ key: m.key, value: doubleToJson(m.value), timestamp: m.timestamp, step: m.step });

function experimentJson(e: ContractExperiment): ExperimentJson {
  const { tags, ...rest } = e;
  return tags.size ? { ...rest, tags: kvList(tags) } : rest;
}

function infoJson(r: ContractRun): RunInfoJson {
  const { end_time, ...rest } = r.info;
  return { ...rest, run_uuid: r.info.run_id, ...(end_time !== null ? { end_time } : {}) };
}

/** proto3 JSON of a Run: empty repeated fields are omitted, metrics are the latest values. */
function runJson(r: ContractRun): RunJson {
  const data: NonNullable<RunJson['data']> = {};
  const latest = [...r.metrics.values()].map((h) => metricJson(latestMetric(h)));
  if (latest.length) data.metrics = latest;
  if (r.params.size) data.params = kvList(r.params);
  if (r.tags.size) data.tags = kvList(r.tags);
  return { info: infoJson(r), data, inputs: {} };
}

function runInfoView(r: ContractRun): RunInfo {
  const metrics: Record<string, number> = {};
  for (const [k, h] of r.metrics) metrics[k] = latestMetric(h).value;
  const i = r.info;
  return {
    runId: i.run_id, experimentId: i.experiment_id, runName: i.run_name, status: i.status, startTime: i.start_time,
    endTime: i.end_time, artifactUri: i.artifact_uri, userId: i.user_id, lifecycleStage: i.lifecycle_stage,
    params: Object.fromEntries(r.params), tags: Object.fromEntries(r.tags), metrics,
  };
}

function getRun(state: ContractState, runId: string): ContractRun {
  const run = state.runs.get(runId);
  if (!run) throw new ApiError('RESOURCE_DOES_NOT_EXIST', `Run with id=${runId} not found`);
  return run;
}

function activeRun(state: ContractState, msg: Msg): ContractRun {
  const run = getRun(state, runIdOf(msg));
  if (run.info.lifecycle_stage !== 'active') {
    throw new ApiError('INVALID_STATE', `The run ${run.info.run_id} must be in the 'active' state. Current state is ${run.info.lifecycle_stage}.`);
  }
  return run;
}

function checkKey(kind: string, key: string): void {
  const problem = keyProblem(kind, key);
  if (problem) throw invalid(problem);
}

function checkLength(what: string, value: string, limit: number): void {
  if (value.length > limit) throw invalid(`${what} '${value.slice(0, 250)}' had length ${value.length}, which exceeded length limit of ${limit}`);
}

/** Validate a param against the run (`_validate_param` + immutability); returns true when new. */
function checkParam(run: ContractRun, key: string, value: string): boolean {
  checkKey('parameter', key);
  checkLength('Param value', value, LIMITS.maxParamValueLength);
  const old = run.params.get(key);
  if (old !== undefined && old !== value) {
    throw invalid(`Changing param values is not allowed. Param with key='${key}' was already logged with value='${old}' for run ID='${run.info.run_id}'. Attempted logging new value '${value}'.`);
  }
  return old === undefined;
}

function checkTag(key: string, value: string): void {
  checkKey('tag', key);
  checkLength('Tag value', value, LIMITS.maxTagValueLength);
}

function setTag(run: ContractRun, key: string, value: string): void {
  run.tags.set(key, value);
  if (key === 'mlflow.runName') run.info.run_name = value;
}

/** `_validate_metric`: numeric value, nonnegative integer timestamp, integer step. */
function checkMetric(m: Msg, where = ''): ContractMetric {
  const key = m.key as string;
  checkKey('metric', key);
  if (typeof m.value !== 'number') throw invalid(`Got invalid value ${String(m.value)} for metric '${key}'${where}. Please specify value as a valid double (64-bit floating point)`);
  const timestamp = m.timestamp as number;
  if (timestamp < 0) throw invalid(`Got invalid timestamp ${timestamp} for metric '${key}' (value=${m.value}). Timestamp must be a nonnegative long (64-bit integer) `);
  return { key, value: m.value, timestamp, step: (m.step as number | undefined) ?? 0 };
}

function appendMetric(run: ContractRun, m: ContractMetric): void {
  const history = run.metrics.get(m.key) ?? [];
  history.push(m);
  run.metrics.set(m.key, history);
}

function decodePageToken(token: unknown): number {
  if (token === undefined || token === '') return 0;
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && Number.isInteger(parsed.offset) && parsed.offset >= 0) return parsed.offset;
  } catch {
    // fall through
  }
  throw invalid('Invalid page token, could not base64-decode');
}

export const TRACKING_ROUTES: Record<string, Route> = {
  'experiments/create': {
    method: 'POST',
    schema: MESSAGES.CreateExperiment,
    handle(state, msg) {
      requireField(msg, 'name');
      const name = msg.name as string;
      if (name.length > LIMITS.maxExperimentNameLength) throw invalid(`Experiment name exceeds the maximum length of ${LIMITS.maxExperimentNameLength} characters`);
      for (const e of state.experiments.values()) {
        if (e.name === name) throw new ApiError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists. Error: (raised as a result of Query-invoked autoflush)`);
      }
      const id = String(state.nextExperimentId++);
      const now = Date.now();
      const tags = new Map<string, string>();
      for (const t of (msg.tags as KeyValueJson[] | undefined) ?? []) {
        checkTag(t.key, t.value ?? '');
        tags.set(t.key, t.value ?? '');
      }
      const location = (msg.artifact_location as string | undefined) || `mlflow-artifacts:/${id}`;
      state.experiments.set(id, { experiment_id: id, name, artifact_location: location, lifecycle_stage: 'active', creation_time: now, last_update_time: now, tags });
      return { experiment_id: id };
    },
  },
  'experiments/get-by-name': {
    method: 'GET',
    schema: MESSAGES.GetExperimentByName,
    handle(state, msg) {
      requireField(msg, 'experiment_name');
      for (const e of state.experiments.values()) if (e.name === msg.experiment_name) return { experiment: experimentJson(e) };
      throw new ApiError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${String(msg.experiment_name)}'`);
    },
  },
  'experiments/get': {
    method: 'GET',
    schema: MESSAGES.GetExperiment,
    handle(state, msg) {
      requireField(msg, 'experiment_id');
      const e = state.experiments.get(msg.experiment_id as string);
      if (!e) throw new ApiError('RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${String(msg.experiment_id)} exists`);
      return { experiment: experimentJson(e) };
    },
  },
  'runs/create': {
    method: 'POST',
    schema: MESSAGES.CreateRun,
    handle(state, msg) {
      const expId = (msg.experiment_id as string | undefined) ?? '';
      const exp = state.experiments.get(expId);
      if (!exp) throw new ApiError('RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${expId} exists`);
      if (exp.lifecycle_stage !== 'active') throw new ApiError('INVALID_STATE', `The experiment ${expId} must be in the 'active' state. Current state is ${exp.lifecycle_stage}.`);
      const tags = (msg.tags as KeyValueJson[] | undefined) ?? [];
      for (const t of tags) {
        requireField(t as unknown as Msg, 'key', 'tags.key');
        checkTag(t.key, t.value ?? '');
      }
      const tagName = tags.find((t) => t.key === 'mlflow.runName')?.value;
      const runName = msg.run_name as string | undefined;
      if (runName && tagName && runName !== tagName) {
        throw invalid(`Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${runName}', mlflow.runName='${tagName}').`);
      }
      const runId = randomBytes(16).toString('hex');
      const name = runName || tagName || `run-${runId.slice(0, 6)}`;
      const run: ContractRun = {
        info: {
          run_id: runId, run_name: name, experiment_id: expId, user_id: (msg.user_id as string | undefined) ?? '', status: 'RUNNING',
          start_time: (msg.start_time as number | undefined) ?? 0, end_time: null, artifact_uri: `${exp.artifact_location}/${runId}/artifacts`, lifecycle_stage: 'active',
        },
        params: new Map(), tags: new Map(), metrics: new Map(),
      };
      for (const t of tags) setTag(run, t.key, t.value ?? '');
      setTag(run, 'mlflow.runName', name);
      state.runs.set(runId, run);
      return { run: runJson(run) };
    },
  },
  'runs/update': {
    method: 'POST',
    schema: MESSAGES.UpdateRun,
    handle(state, msg) {
      const run = activeRun(state, msg);
      if (msg.status !== undefined) run.info.status = msg.status as RunStatus;
      if (msg.end_time !== undefined) run.info.end_time = msg.end_time as number;
      if (msg.run_name) setTag(run, 'mlflow.runName', msg.run_name as string);
      return { run_info: infoJson(run) };
    },
  },
  'runs/log-metric': {
    method: 'POST',
    schema: MESSAGES.LogMetric,
    handle(state, msg) {
      runIdOf(msg);
      for (const f of ['key', 'value', 'timestamp']) requireField(msg, f);
      const m = checkMetric(msg);
      appendMetric(activeRun(state, msg), m);
      return {};
    },
  },
  'runs/log-parameter': {
    method: 'POST',
    schema: MESSAGES.LogParam,
    handle(state, msg) {
      runIdOf(msg);
      requireField(msg, 'key');
      const run = activeRun(state, msg);
      const value = (msg.value as string | undefined) ?? '';
      if (checkParam(run, msg.key as string, value)) run.params.set(msg.key as string, value);
      return {};
    },
  },
  'runs/set-tag': {
    method: 'POST',
    schema: MESSAGES.SetTag,
    handle(state, msg) {
      runIdOf(msg);
      requireField(msg, 'key');
      const run = activeRun(state, msg);
      const value = (msg.value as string | undefined) ?? '';
      checkTag(msg.key as string, value);
      setTag(run, msg.key as string, value);
      return {};
    },
  },
  'runs/log-batch': {
    method: 'POST',
    schema: MESSAGES.LogBatch,
    maxBodyBytes: LIMITS.maxBatchRequestBytes,
    handle(state, msg) {
      requireField(msg, 'run_id');
      const metrics = (msg.metrics as Msg[] | undefined) ?? [];
      const params = (msg.params as Msg[] | undefined) ?? [];
      const tags = (msg.tags as Msg[] | undefined) ?? [];
      metrics.forEach((m, i) => ['key', 'value', 'timestamp'].forEach((f) => requireField(m, f, `metrics[${i}].${f}`)));
      params.forEach((p, i) => requireField(p, 'key', `params[${i}].key`));
      tags.forEach((t, i) => requireField(t, 'key', `tags[${i}].key`));
      const limit = (what: string, max: number, n: number): void => {
        if (n > max) throw invalid(`A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`);
      };
      limit('metrics', LIMITS.maxMetricsPerBatch, metrics.length);
      limit('params', LIMITS.maxParamsTagsPerBatch, params.length);
      limit('tags', LIMITS.maxParamsTagsPerBatch, tags.length);
      limit('metrics, params, and tags', LIMITS.maxEntitiesPerBatch, metrics.length + params.length + tags.length);
      const keys = params.map((p) => p.key as string);
      const dupes = keys.filter((k, i) => keys.indexOf(k) !== i);
      if (dupes.length) throw invalid(`Duplicate parameter keys have been submitted: ${JSON.stringify(dupes)}. Please ensure the request contains only one param value per param key.`);
      // Validate everything before writing anything: a rejected batch leaves the run unchanged.
      const resolved = metrics.map((m) => checkMetric(m));
      const run = activeRun(state, msg);
      const newParams = params.filter((p) => checkParam(run, p.key as string, (p.value as string | undefined) ?? ''));
      tags.forEach((t) => checkTag(t.key as string, (t.value as string | undefined) ?? ''));
      for (const p of newParams) run.params.set(p.key as string, (p.value as string | undefined) ?? '');
      for (const m of resolved) appendMetric(run, m);
      for (const t of tags) setTag(run, t.key as string, (t.value as string | undefined) ?? '');
      return {};
    },
  },
  'runs/delete': {
    method: 'POST',
    schema: MESSAGES.DeleteRun,
    handle(state, msg) {
      // SqlAlchemyStore.delete_run: no check of the current stage; the run stays readable by id.
      requireField(msg, 'run_id');
      getRun(state, msg.run_id as string).info.lifecycle_stage = 'deleted';
      return {};
    },
  },
  'runs/get': {
    method: 'GET',
    schema: MESSAGES.GetRun,
    handle(state, msg) {
      return { run: runJson(getRun(state, runIdOf(msg))) };
    },
  },
  'runs/search': {
    method: 'POST',
    schema: MESSAGES.SearchRuns,
    handle(state, msg) {
      const maxResults = (msg.max_results as number | undefined) ?? LIMITS.defaultSearchResults;
      if (maxResults > LIMITS.maxSearchResults || maxResults < 1) throw invalid(`Invalid value ${maxResults} for parameter 'max_results' supplied.`);
      if (((msg.order_by as string[] | undefined) ?? []).length) throw invalid('order_by is not implemented by the contract server');
      let clauses;
      try {
        clauses = parseFilter(msg.filter as string | undefined);
      } catch (err) {
        if (err instanceof FilterError) throw invalid(err.message);
        throw err;
      }
      const view = (msg.run_view_type as string | undefined) ?? 'ACTIVE_ONLY';
      const ids = new Set((msg.experiment_ids as string[] | undefined) ?? []);
      const matching = [...state.runs.values()]
        .filter((r) => ids.has(r.info.experiment_id))
        .filter((r) => view === 'ALL' || (view === 'ACTIVE_ONLY') === (r.info.lifecycle_stage === 'active'))
        .filter((r) => matchesFilter(runInfoView(r), clauses));
      const byId = new Map(matching.map((r) => [r.info.run_id, r]));
      const sorted = sortRunsDefault(matching.map((r) => ({ startTime: r.info.start_time, runId: r.info.run_id })));
      const offset = decodePageToken(msg.page_token);
      const page = sorted.slice(offset, offset + maxResults).map((s) => runJson(byId.get(s.runId)!));
      const out: { runs?: RunJson[]; next_page_token?: string } = {};
      if (page.length) out.runs = page;
      if (offset + maxResults < sorted.length) out.next_page_token = Buffer.from(JSON.stringify({ offset: offset + maxResults })).toString('base64');
      return out;
    },
  },
  'metrics/get-history': {
    method: 'GET',
    schema: MESSAGES.GetMetricHistory,
    handle(state, msg) {
      const run = getRun(state, runIdOf(msg));
      requireField(msg, 'metric_key');
      const history = run.metrics.get(msg.metric_key as string) ?? [];
      return history.length ? { metrics: history.map(metricJson) } : {};
    },
  },
};

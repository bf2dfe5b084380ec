/**
 * JSON shapes of MLflow REST API 2.0 (mlflow/protos/service.proto, proto3 JSON mapping as the
 * server writes it: snake_case, int64 as numbers (older servers: strings), empty repeated fields
 * omitted, non-finite doubles as "NaN" / "Infinity" / "-Infinity").
 */
import type { RunInfo, RunStatus } from './types.js';

export interface KeyValueJson {
  key: string;
  value: string;
}

export interface MetricJson {
  key: string;
  value: number | string;
  timestamp: number | string;
  step?: number | string;
}

export interface ExperimentJson {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: string;
  creation_time?: number | string;
  last_update_time?: number | string;
  tags?: KeyValueJson[];
}

export interface RunInfoJson {
  run_id: string;
  run_uuid?: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status?: RunStatus;
  start_time?: number | string;
  end_time?: number | string;
  artifact_uri?: string;
  lifecycle_stage?: string;
}

export interface RunJson {
  info: RunInfoJson;
  data?: { metrics?: MetricJson[]; params?: KeyValueJson[]; tags?: KeyValueJson[] };
  inputs?: unknown;
}

/** Error body of every failed MLflow call. */
export interface ErrorJson {
  error_code: string;
  message: string;
}

/** A double as proto3 JSON writes it: non-finite values are strings. */
export function doubleToJson(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

/** Read a proto3 JSON double (number, or "NaN"/"Infinity"/"-Infinity"/numeric string). */
export function doubleFromJson(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  const t = v.trim();
  if (t === '' || !/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/** Read a proto3 JSON int64 (number, or decimal string as some servers write it). */
export function int64FromJson(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

/** Map a wire run to the tracker's RunInfo (metrics in `data` are the latest values already). */
export function runFromJson(run: RunJson): RunInfo {
  const d = run.data ?? {};
  const kv = (xs: KeyValueJson[] | undefined): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const x of xs ?? []) out[x.key] = x.value ?? '';
    return out;
  };
  const metrics: Record<string, number> = {};
  for (const m of d.metrics ?? []) metrics[m.key] = doubleFromJson(m.value) ?? NaN;
  const i = run.info;
  const tags = kv(d.tags);
  return {
    runId: i.run_id ?? i.run_uuid,
    experimentId: i.experiment_id,
    runName: i.run_name ?? tags['mlflow.runName'] ?? '',
    status: i.status ?? 'RUNNING',
    startTime: int64FromJson(i.start_time) ?? 0,
    endTime: int64FromJson(i.end_time) ?? null,
    artifactUri: i.artifact_uri ?? '',
    userId: i.user_id ?? '',
    lifecycleStage: i.lifecycle_stage ?? 'active',
    params: kv(d.params),
    tags,
    metrics,
  };
}

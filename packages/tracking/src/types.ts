/**
 * Public types of the tracking package: a `Tracker` (one MLflow store: a local `mlruns` file store
 * or a tracking server over REST API 2.0) that creates `Run`s and reads them back.
 *
 * Times are milliseconds since the Unix epoch everywhere (MLflow's own unit).
 */

/** MLflow run status, as strings (REST API and `RunInfo.status`). */
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

/** A terminal status accepted by {@link Run.end}. */
export type EndStatus = 'FINISHED' | 'FAILED' | 'KILLED';

/**
 * Integer codes the MLflow file store writes in `meta.yaml` (`mlflow.entities.RunStatus`).
 * The string form ("FINISHED") in a meta.yaml breaks MLflow's reader.
 */
export const RUN_STATUS_CODE: Readonly<Record<RunStatus, number>> = Object.freeze({
  RUNNING: 1,
  SCHEDULED: 2,
  FINISHED: 3,
  FAILED: 4,
  KILLED: 5,
});

/** Inverse of {@link RUN_STATUS_CODE}. */
export function runStatusFromCode(code: number): RunStatus | undefined {
  for (const [name, value] of Object.entries(RUN_STATUS_CODE)) {
    if (value === code) return name as RunStatus;
  }
  return undefined;
}

/** A run's info and data, as `mlflow.get_run` returns it (metrics = latest value per key). */
export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  status: RunStatus;
  /** ms since epoch. */
  startTime: number;
  /** ms since epoch; null while running. */
  endTime: number | null;
  artifactUri: string;
  userId: string;
  lifecycleStage: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Latest value per metric key: MLflow's choice = max by (step, timestamp, value). */
  metrics: Record<string, number>;
}

/** One metric sample. */
export interface MetricSample {
  key: string;
  value: number;
  /** Defaults to 0. */
  step?: number;
  /** ms since epoch; defaults to now. */
  timestamp?: number;
}

export interface CreateRunOptions {
  runName: string;
  tags?: Record<string, string>;
  /** ms since epoch; defaults to now. */
  startTime?: number;
  /** `mlflow.source.name` tag; defaults to the entry script (process.argv[1]). */
  sourceName?: string;
  /** `mlflow.source.git.commit` tag; defaults to {@link gitCommit} of the tracker's cwd. */
  gitCommit?: string;
}

export interface SearchRunsOptions {
  /** MLflow search filter, e.g. `params.lr = '0.01' and metrics.loss < 0.5`. */
  filter?: string;
  /** Defaults to 1000 (MLflow's default page size). */
  maxResults?: number;
}

/** One MLflow run being logged to. */
export interface Run {
  readonly runId: string;
  readonly experimentId: string;
  readonly artifactUri: string;
  /** Values become strings; longer than 6000 chars are truncated (MLflow's default). */
  logParams(params: Record<string, string | number | boolean>): Promise<void>;
  logMetric(key: string, value: number, step?: number, timestamp?: number): Promise<void>;
  /** Batched (REST: runs/log-batch, at most 1000 metrics per request). */
  logMetrics(metrics: MetricSample[]): Promise<void>;
  setTags(tags: Record<string, string>): Promise<void>;
  /** Copy one file to `artifacts/<artifactPath>/<basename>`. */
  logArtifact(localPath: string, artifactPath?: string): Promise<void>;
  /** Copy the contents of a directory (recursive) to `artifacts/<artifactPath>/`. */
  logArtifacts(localDir: string, artifactPath?: string): Promise<void>;
  end(status: EndStatus): Promise<void>;
  /** Synchronous end, usable from a signal or `exit` handler (file store only). */
  endSync?(status: EndStatus): void;
}

/** One MLflow tracking store. */
export interface Tracker {
  /** `file:///abs/mlruns` or `http(s)://host:port`. */
  readonly uri: string;
  /** Experiment id for `name`, created if missing; safe under concurrent callers. */
  getOrCreateExperiment(name: string): Promise<string>;
  createRun(experimentId: string, opts: CreateRunOptions): Promise<Run>;
  searchRuns(experimentIds: string[], opts?: SearchRunsOptions): Promise<RunInfo[]>;
  getRun(runId: string): Promise<RunInfo>;
  /** Id of the active experiment called `name`, or undefined (never creates one: readers must not write). */
  findExperiment(name: string): Promise<string | undefined>;
  /** Every logged value of one metric of a run, in logging order (MLflow `metrics/get-history`). */
  getMetricHistory(runId: string, key: string): Promise<Required<MetricSample>[]>;
  /** End a run by id, e.g. one left RUNNING by a process that was SIGKILLed (nothing could mark it). */
  endRun(runId: string, status: EndStatus): Promise<void>;
}

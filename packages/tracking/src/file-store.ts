/**
 * A writer for MLflow's file store (`mlruns/`), the layout `mlflow ui --backend-store-uri ./mlruns`
 * reads (see file-store-reader.ts for the rules). Every meta.yaml is written atomically;
 * experiment creation takes a cross-process lock so concurrent stages create one experiment.
 *
 * Layout written:
 * ```
 * mlruns/0/meta.yaml                          Default experiment (created with the store)
 * mlruns/<exp_id>/meta.yaml                   artifact_location, creation_time, experiment_id, ...
 * mlruns/<exp_id>/<run_id>/meta.yaml          run_uuid == run_id == folder, status integer
 * mlruns/<exp_id>/<run_id>/metrics/<key>      "<ts_ms> <value> <step>\n" per sample
 * mlruns/<exp_id>/<run_id>/params/<key>       value, no trailing newline
 * mlruns/<exp_id>/<run_id>/tags/<key>         value, no trailing newline
 * mlruns/<exp_id>/<run_id>/artifacts/
 * ```
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  isValidRunId, listExperimentDirs, listRunDirs, MissingConfigError, parseMetricFile, readExperimentMeta, readRunDir, toRunInfo, WrongExperimentError,
} from './file-store-reader.js';
import { matchesFilter, parseFilter, sortRunsDefault } from './filter.js';
import { checkArtifactSubpath, withFileLock, writeFileAtomicSync } from './fs-util.js';
import { gitCommit } from './git.js';
import { currentUser, runTags } from './system-tags.js';
import {
  type CreateRunOptions, type EndStatus, type MetricSample, type Run, type RunInfo, RUN_STATUS_CODE, type SearchRunsOptions, type Tracker,
} from './types.js';
import { formatPythonFloat, LIMITS, prepareParams, prepareTags, resolveMetric, type ResolvedMetric } from './validation.js';
import { emitFlatYaml, type FlatYaml } from './yaml.js';

const DEFAULT_EXPERIMENT_ID = '0';

/** MLflow's `_generate_unique_integer_id`: an 18-digit decimal id without a leading zero. */
function newExperimentId(): string {
  let s = String(randomInt(1, 10));
  for (let i = 0; i < 17; i++) s += String(randomInt(0, 10));
  return s;
}

function checkExperimentName(name: string): void {
  if (typeof name !== 'string' || name === '') throw new Error(`experiment name must be a non-empty string, got '${String(name)}'`);
  if (name.length > LIMITS.maxExperimentNameLength) {
    throw new Error(`experiment name exceeds the maximum length of ${LIMITS.maxExperimentNameLength} characters`);
  }
}

/** Tracker over a local MLflow file store. */
export class FileStoreTracker implements Tracker {
  readonly uri: string;
  readonly root: string;
  private readonly cwd: string;
  private commit: string | undefined | null = null;

  /** @param root store folder (created on first use); @param cwd folder whose git HEAD tags runs. */
  constructor(root: string, { cwd = process.cwd() }: { cwd?: string } = {}) {
    this.root = path.resolve(cwd, root);
    this.cwd = cwd;
    this.uri = pathToFileURL(this.root).href;
  }

  /** Create the store like MLflow's FileStore.__init__: root, `.trash`, Default experiment 0. */
  private ensureStore(): void {
    fs.mkdirSync(path.join(this.root, '.trash'), { recursive: true });
    const zero = path.join(this.root, DEFAULT_EXPERIMENT_ID);
    if (fs.existsSync(path.join(this.root, '.trash', DEFAULT_EXPERIMENT_ID))) return;
    try {
      fs.mkdirSync(zero);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
      throw err;
    }
    this.writeExperimentMeta(DEFAULT_EXPERIMENT_ID, 'Default');
  }

  private writeExperimentMeta(id: string, name: string): void {
    const now = Date.now();
    const meta: FlatYaml = {
      artifact_location: `${this.uri}/${id}`,
      creation_time: now,
      experiment_id: id,
      last_update_time: now,
      lifecycle_stage: 'active',
      name,
    };
    writeFileAtomicSync(path.join(this.root, id, 'meta.yaml'), emitFlatYaml(meta));
  }

  private lookupExperiment(name: string): { id: string; deleted: boolean } | undefined {
    for (const { dir, deleted } of listExperimentDirs(this.root)) {
      try {
        const meta = readExperimentMeta(dir);
        if (meta.name === name && meta.experimentId === path.basename(dir)) return { id: meta.experimentId, deleted: deleted || meta.lifecycleStage !== 'active' };
      } catch (err) {
        if (!(err instanceof MissingConfigError)) throw err;
      }
    }
    return undefined;
  }

  async getOrCreateExperiment(name: string): Promise<string> {
    checkExperimentName(name);
    this.ensureStore();
    const check = (): string | undefined => {
      const found = this.lookupExperiment(name);
      if (found?.deleted) {
        throw new Error(`experiment '${name}' (id ${found.id}) exists in deleted state under ${this.root}/.trash; restore or remove it`);
      }
      return found?.id;
    };
    const existing = check();
    if (existing) return existing;
    // Files at the store root are invisible to MLflow (it lists sub-folders only).
    const lock = path.join(this.root, `.experiment-${createHash('sha256').update(name).digest('hex').slice(0, 16)}.lock`);
    return withFileLock(lock, () => {
      const again = check();
      if (again) return again;
      for (;;) {
        const id = newExperimentId();
        try {
          fs.mkdirSync(path.join(this.root, id));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
          throw err;
        }
        this.writeExperimentMeta(id, name);
        return id;
      }
    });
  }

  private experimentDir(experimentId: string): string {
    if (!/^[a-zA-Z0-9][\w-]{0,63}$/.test(experimentId)) throw new Error(`experimentId '${experimentId}' is not a valid MLflow experiment id`);
    return path.join(this.root, experimentId);
  }

  private gitCommit(): string | undefined {
    if (this.commit === null) this.commit = gitCommit(this.cwd);
    return this.commit;
  }

  /**
   * @param internal.runId use this id instead of a random one (the mirrored tracker gives a local run
   * its server run's id, so one id names the run in both stores); ignored when invalid or taken.
   */
  async createRun(experimentId: string, opts: CreateRunOptions, internal: { runId?: string } = {}): Promise<FileRun> {
    this.ensureStore();
    const expDir = this.experimentDir(experimentId);
    let exp: ReturnType<typeof readExperimentMeta>;
    try {
      exp = readExperimentMeta(expDir);
    } catch (err) {
      if (err instanceof MissingConfigError) throw new Error(`createRun: experiment '${experimentId}' does not exist in ${this.root}`);
      throw err;
    }
    if (exp.lifecycleStage !== 'active') throw new Error(`createRun: experiment '${experimentId}' is not active`);
    const user = currentUser();
    const tags = runTags(opts, user, opts.gitCommit ?? this.gitCommit());
    const wanted = internal.runId;
    const runId = wanted !== undefined && isValidRunId(wanted) && !fs.existsSync(path.join(expDir, wanted)) ? wanted : randomBytes(16).toString('hex');
    const runName = opts.runName || tags['mlflow.runName'] || `run-${runId.slice(0, 8)}`;
    tags['mlflow.runName'] = runName;
    const startTime = opts.startTime ?? Date.now();
    if (!Number.isSafeInteger(startTime) || startTime < 0) throw new Error(`createRun: startTime must be an integer (ms), got ${startTime}`);
    const runDir = path.join(expDir, runId);
    fs.mkdirSync(runDir);
    const meta: FlatYaml = {
      artifact_uri: `${exp.artifactLocation.replace(/\/+$/, '')}/${runId}/artifacts`,
      end_time: null,
      entry_point_name: '',
      experiment_id: experimentId,
      lifecycle_stage: 'active',
      run_id: runId,
      run_name: runName,
      run_uuid: runId,
      source_name: '',
      source_type: 4,
      source_version: '',
      start_time: startTime,
      status: RUN_STATUS_CODE.RUNNING,
      tags: [],
      user_id: user,
    };
    writeFileAtomicSync(path.join(runDir, 'meta.yaml'), emitFlatYaml({ ...meta, deleted_time: null }));
    for (const sub of ['metrics', 'params', 'tags', 'artifacts']) fs.mkdirSync(path.join(runDir, sub), { recursive: true });
    const run = new FileRun(runDir, meta);
    await run.setTags(tags);
    return run;
  }

  private findRunDir(runId: string): { runDir: string; experimentId: string } {
    if (!isValidRunId(runId)) throw new Error(`runId '${runId}' is not a valid MLflow run id`);
    for (const { dir } of listExperimentDirs(this.root)) {
      const runDir = path.join(dir, runId);
      if (fs.existsSync(path.join(runDir, 'meta.yaml'))) return { runDir, experimentId: path.basename(dir) };
    }
    throw new Error(`run '${runId}' not found in ${this.root}`);
  }

  async findExperiment(name: string): Promise<string | undefined> {
    if (!fs.existsSync(this.root)) return undefined;
    const found = this.lookupExperiment(name);
    return found && !found.deleted ? found.id : undefined;
  }

  async getMetricHistory(runId: string, key: string): Promise<Required<MetricSample>[]> {
    const { runDir } = this.findRunDir(runId);
    const file = path.join(runDir, 'metrics', key);
    if (!fs.existsSync(file)) return [];
    return parseMetricFile(fs.readFileSync(file, 'utf8'), file).map((p) => ({ key, value: p.value, step: p.step, timestamp: p.timestamp }));
  }

  async getRun(runId: string): Promise<RunInfo> {
    const { runDir, experimentId } = this.findRunDir(runId);
    return toRunInfo(readRunDir(runDir, experimentId));
  }

  async endRun(runId: string, status: EndStatus): Promise<void> {
    const { runDir, experimentId } = this.findRunDir(runId);
    new FileRun(runDir, readRunDir(runDir, experimentId).meta).endSync(status);
  }

  async searchRuns(experimentIds: string[], opts: SearchRunsOptions = {}): Promise<RunInfo[]> {
    const maxResults = opts.maxResults ?? LIMITS.defaultSearchResults;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > LIMITS.maxSearchResults) {
      throw new Error(`searchRuns: maxResults must be an integer in 1..${LIMITS.maxSearchResults}, got ${maxResults}`);
    }
    const clauses = parseFilter(opts.filter);
    const runs: RunInfo[] = [];
    for (const id of experimentIds) {
      const expDir = this.experimentDir(id);
      if (!fs.existsSync(expDir)) continue;
      for (const runDir of listRunDirs(expDir)) {
        try {
          const info = toRunInfo(readRunDir(runDir, id));
          if (info.lifecycleStage === 'active' && matchesFilter(info, clauses)) runs.push(info);
        } catch (err) {
          // MLflow skips these with a warning; anything else breaks its search too.
          if (!(err instanceof MissingConfigError || err instanceof WrongExperimentError)) throw err;
        }
      }
    }
    return sortRunsDefault(runs).slice(0, maxResults);
  }
}

/** One run in a file store. Writes are synchronous underneath (safe from exit handlers). */
export class FileRun implements Run {
  readonly runId: string;
  readonly experimentId: string;
  readonly artifactUri: string;

  constructor(private readonly runDir: string, private readonly meta: FlatYaml) {
    this.runId = meta.run_id as string;
    this.experimentId = meta.experiment_id as string;
    this.artifactUri = meta.artifact_uri as string;
  }

  private writeValueFile(sub: 'params' | 'tags', key: string, value: string): void {
    const file = path.join(this.runDir, sub, key);
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, value, 'utf8');
    } catch (err) {
      throw new Error(`${sub.slice(0, -1)} '${key}' (${file}): ${(err as Error).message}`);
    }
  }

  async logParams(params: Record<string, string | number | boolean>): Promise<void> {
    for (const [key, value] of prepareParams(params)) {
      const file = path.join(this.runDir, 'params', key);
      if (fs.existsSync(file) && fs.statSync(file).isFile()) {
        const old = fs.readFileSync(file, 'utf8');
        if (old === value) continue;
        throw new Error(`param '${key}' was already logged with value '${old.slice(0, 200)}' for run ${this.runId}; MLflow params are immutable (new value '${value.slice(0, 200)}')`);
      }
      this.writeValueFile('params', key, value);
    }
  }

  async logMetric(key: string, value: number, step?: number, timestamp?: number): Promise<void> {
    this.appendMetrics([resolveMetric(key, value, step, timestamp)]);
  }

  async logMetrics(metrics: MetricSample[]): Promise<void> {
    this.appendMetrics(metrics.map((m) => resolveMetric(m.key, m.value, m.step, m.timestamp)));
  }

  /** One append per key, lines `<ts> <python float> <step>\n` as FileStore._log_run_metric writes. */
  private appendMetrics(metrics: ResolvedMetric[]): void {
    const byKey = new Map<string, string>();
    for (const m of metrics) byKey.set(m.key, `${byKey.get(m.key) ?? ''}${m.timestamp} ${formatPythonFloat(m.value)} ${m.step}\n`);
    for (const [key, lines] of byKey) {
      const file = path.join(this.runDir, 'metrics', key);
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.appendFileSync(file, lines, 'utf8');
      } catch (err) {
        throw new Error(`metric '${key}' (${file}): ${(err as Error).message}`);
      }
    }
  }

  async setTags(tags: Record<string, string>): Promise<void> {
    for (const [key, value] of prepareTags(tags)) {
      this.writeValueFile('tags', key, value);
      // FileStore.set_tag keeps meta.yaml's run_name in step with the mlflow.runName tag.
      if (key === 'mlflow.runName' && this.meta.run_name !== value) {
        this.meta.run_name = value;
        this.writeMeta();
      }
    }
  }

  private artifactDir(artifactPath: string | undefined): string {
    let root: string;
    try {
      root = fileURLToPath(this.artifactUri);
    } catch {
      throw new Error(`run ${this.runId}: artifact_uri '${this.artifactUri}' is not a local file URI`);
    }
    return path.join(root, ...checkArtifactSubpath(artifactPath).split('/').filter(Boolean));
  }

  async logArtifact(localPath: string, artifactPath?: string): Promise<void> {
    if (!fs.existsSync(localPath) || !fs.statSync(localPath).isFile()) throw new Error(`logArtifact: '${localPath}' is not a file`);
    const dest = this.artifactDir(artifactPath);
    fs.mkdirSync(dest, { recursive: true });
    fs.copyFileSync(localPath, path.join(dest, path.basename(localPath)));
  }

  async logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    if (!fs.existsSync(localDir) || !fs.statSync(localDir).isDirectory()) throw new Error(`logArtifacts: '${localDir}' is not a directory`);
    const dest = this.artifactDir(artifactPath);
    fs.mkdirSync(dest, { recursive: true });
    fs.cpSync(localDir, dest, { recursive: true, dereference: true });
  }

  private writeMeta(): void {
    writeFileAtomicSync(path.join(this.runDir, 'meta.yaml'), emitFlatYaml(this.meta));
  }

  async end(status: EndStatus): Promise<void> {
    this.endSync(status);
  }

  /** Set status and end_time (default now, ms) in meta.yaml, atomically and synchronously. */
  endSync(status: EndStatus, endTime: number = Date.now()): void {
    const code = RUN_STATUS_CODE[status];
    if (code === undefined || status === 'RUNNING' as string || status === 'SCHEDULED' as string) {
      throw new Error(`end: status must be FINISHED, FAILED or KILLED, got '${String(status)}'`);
    }
    this.meta.status = code;
    this.meta.end_time = endTime;
    this.writeMeta();
  }
}

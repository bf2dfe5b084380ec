/**
 * `Tracker` / `Run` over an MLflow tracking server (REST API 2.0), with the same input rules as
 * the file store: keys sanitized, params truncated to 6000 chars, metrics batched by 1000.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkArtifactSubpath, listFilesRecursive } from './fs-util.js';
import { gitCommit } from './git.js';
import { MlflowRestClient, MlflowRestError, type RestClientOptions } from './rest-client.js';
import { doubleToJson, type KeyValueJson, type MetricJson, runFromJson } from './rest-types.js';
import { currentUser, runTags } from './system-tags.js';
import type { CreateRunOptions, EndStatus, MetricSample, Run, RunInfo, SearchRunsOptions, Tracker } from './types.js';
import { LIMITS, prepareParams, prepareTags, resolveMetric } from './validation.js';

/** Split `items` into chunks of at most `size`. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const toKv = (m: Map<string, string>): KeyValueJson[] => [...m].map(([key, value]) => ({ key, value }));

/** Where a server run's artifacts go. */
export type ArtifactTarget = { kind: 'server'; prefix: string } | { kind: 'local'; dir: string };

/**
 * Where a server run's artifacts go, from its `artifact_uri`: a path under the server's
 * mlflow-artifacts proxy (`mlflow-artifacts:/…` or `http(s)://…/api/2.0/mlflow-artifacts/artifacts/…`)
 * or a folder this machine shares with the server (`file:` or an absolute path). Throws otherwise.
 */
export function artifactTarget(runId: string, artifactUri: string): ArtifactTarget {
  const uri = artifactUri;
  if (uri.startsWith('mlflow-artifacts:')) {
    return { kind: 'server', prefix: new URL(uri).pathname.replace(/^\/+/, '').replace(/\/+$/, '') };
  }
  const anchor = '/api/2.0/mlflow-artifacts/artifacts/';
  if (/^https?:/.test(uri) && uri.includes(anchor)) {
    return { kind: 'server', prefix: decodeURIComponent(new URL(uri).pathname.split(anchor)[1]!).replace(/\/+$/, '') };
  }
  // The server stores artifacts on a path this machine shares: MLflow's client writes there too.
  if (uri.startsWith('file:')) return { kind: 'local', dir: fileURLToPath(uri) };
  if (uri.startsWith('/')) return { kind: 'local', dir: uri };
  throw new Error(`run ${runId}: artifact_uri '${uri}' is not supported here (use 'mlflow server --serve-artifacts' for mlflow-artifacts: URIs)`);
}

/** Tracker over an MLflow tracking server. */
export class RestTracker implements Tracker {
  readonly uri: string;
  readonly client: MlflowRestClient;
  private readonly cwd: string;

  constructor(opts: RestClientOptions & { cwd?: string }) {
    this.client = new MlflowRestClient(opts);
    this.uri = this.client.baseUrl;
    this.cwd = opts.cwd ?? process.cwd();
  }

  async getOrCreateExperiment(name: string): Promise<string> {
    if (typeof name !== 'string' || name === '') throw new Error(`experiment name must be a non-empty string, got '${String(name)}'`);
    const lookup = async (): Promise<string | undefined> => {
      const exp = await this.client.getExperimentByName(name);
      if (exp && exp.lifecycle_stage && exp.lifecycle_stage !== 'active') {
        throw new Error(`experiment '${name}' (id ${exp.experiment_id}) exists in deleted state on ${this.uri}; restore it or use another name`);
      }
      return exp?.experiment_id;
    };
    const found = await lookup();
    if (found !== undefined) return found;
    try {
      return await this.client.createExperiment(name);
    } catch (err) {
      // Another process created it between our lookup and create.
      if (err instanceof MlflowRestError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') {
        const raced = await lookup();
        if (raced !== undefined) return raced;
      }
      throw err;
    }
  }

  async createRun(experimentId: string, opts: CreateRunOptions): Promise<RestRun> {
    const user = currentUser();
    const tags = prepareTags(runTags(opts, user, opts.gitCommit ?? gitCommit(this.cwd)));
    const startTime = opts.startTime ?? Date.now();
    // The server adds the mlflow.runName tag from run_name (and rejects a contradicting one).
    const run = await this.client.createRun({
      experiment_id: experimentId,
      user_id: user,
      start_time: startTime,
      tags: toKv(tags),
      ...(opts.runName ? { run_name: opts.runName } : {}),
    });
    const info = run.info;
    return new RestRun(this.client, info.run_id ?? info.run_uuid, info.experiment_id, info.artifact_uri ?? '');
  }

  async searchRuns(experimentIds: string[], opts: SearchRunsOptions = {}): Promise<RunInfo[]> {
    const maxResults = opts.maxResults ?? LIMITS.defaultSearchResults;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > LIMITS.maxSearchResults) {
      throw new Error(`searchRuns: maxResults must be an integer in 1..${LIMITS.maxSearchResults}, got ${maxResults}`);
    }
    const out: RunInfo[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.client.searchRuns({
        experiment_ids: experimentIds,
        filter: opts.filter ?? '',
        max_results: maxResults - out.length,
        run_view_type: 'ACTIVE_ONLY',
        ...(pageToken ? { page_token: pageToken } : {}),
      });
      out.push(...page.runs.map(runFromJson));
      pageToken = page.next_page_token;
    } while (pageToken && out.length < maxResults);
    return out.slice(0, maxResults);
  }

  async findExperiment(name: string): Promise<string | undefined> {
    const exp = await this.client.getExperimentByName(name);
    return exp && (!exp.lifecycle_stage || exp.lifecycle_stage === 'active') ? exp.experiment_id : undefined;
  }

  async getMetricHistory(runId: string, key: string): Promise<Required<MetricSample>[]> {
    return (await this.client.getMetricHistory(runId, key)).map((m) => ({ key: m.key, value: Number(m.value), step: Number(m.step ?? 0), timestamp: Number(m.timestamp) }));
  }

  async getRun(runId: string): Promise<RunInfo> {
    return runFromJson(await this.client.getRun(runId));
  }

  async endRun(runId: string, status: EndStatus): Promise<void> {
    await this.client.updateRun(runId, { status, end_time: Date.now() });
  }
}

/** One run on a tracking server. */
export class RestRun implements Run {
  constructor(
    private readonly client: MlflowRestClient,
    readonly runId: string,
    readonly experimentId: string,
    readonly artifactUri: string,
  ) {}

  async logParams(params: Record<string, string | number | boolean>): Promise<void> {
    for (const part of chunks(toKv(prepareParams(params)), LIMITS.maxParamsTagsPerBatch)) {
      await this.client.logBatch(this.runId, { params: part });
    }
  }

  async logMetric(key: string, value: number, step?: number, timestamp?: number): Promise<void> {
    const m = resolveMetric(key, value, step, timestamp);
    await this.client.logMetric(this.runId, { key: m.key, value: doubleToJson(m.value), timestamp: m.timestamp, step: m.step });
  }

  /** Batches of ≤ 1000 metrics and ≤ ~900 kB of JSON (MLflow's log-batch limits are 1000 and 1 MB). */
  async logMetrics(metrics: MetricSample[]): Promise<void> {
    const wire: MetricJson[] = metrics.map((s) => {
      const m = resolveMetric(s.key, s.value, s.step, s.timestamp);
      return { key: m.key, value: doubleToJson(m.value), timestamp: m.timestamp, step: m.step };
    });
    let batch: MetricJson[] = [];
    let bytes = 0;
    for (const m of wire) {
      const size = JSON.stringify(m).length + 1;
      if (batch.length === LIMITS.maxMetricsPerBatch || bytes + size > 900_000) {
        await this.client.logBatch(this.runId, { metrics: batch });
        batch = [];
        bytes = 0;
      }
      batch.push(m);
      bytes += size;
    }
    if (batch.length > 0) await this.client.logBatch(this.runId, { metrics: batch });
  }

  async setTags(tags: Record<string, string>): Promise<void> {
    for (const part of chunks(toKv(prepareTags(tags)), LIMITS.maxParamsTagsPerBatch)) {
      await this.client.logBatch(this.runId, { tags: part });
    }
  }

  private async putFile(localFile: string, relDest: string): Promise<void> {
    const target = artifactTarget(this.runId, this.artifactUri);
    if (target.kind === 'server') {
      await this.client.uploadArtifact(`${target.prefix}/${relDest}`, fs.readFileSync(localFile));
    } else {
      const dest = path.join(target.dir, ...relDest.split('/'));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(localFile, dest);
    }
  }

  async logArtifact(localPath: string, artifactPath?: string): Promise<void> {
    if (!fs.existsSync(localPath) || !fs.statSync(localPath).isFile()) throw new Error(`logArtifact: '${localPath}' is not a file`);
    const sub = checkArtifactSubpath(artifactPath);
    await this.putFile(localPath, sub ? `${sub}/${path.basename(localPath)}` : path.basename(localPath));
  }

  async logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    if (!fs.existsSync(localDir) || !fs.statSync(localDir).isDirectory()) throw new Error(`logArtifacts: '${localDir}' is not a directory`);
    const sub = checkArtifactSubpath(artifactPath);
    for (const rel of listFilesRecursive(localDir)) {
      await this.putFile(path.join(localDir, ...rel.split('/')), sub ? `${sub}/${rel}` : rel);
    }
  }

  async end(status: EndStatus): Promise<void> {
    if (status !== 'FINISHED' && status !== 'FAILED' && status !== 'KILLED') {
      throw new Error(`end: status must be FINISHED, FAILED or KILLED, got '${String(status)}'`);
    }
    await this.client.updateRun(this.runId, { status, end_time: Date.now() });
  }
}

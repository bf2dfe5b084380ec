/**
 * Upload a local MLflow file store to a tracking server (`relaxomap sync`): experiments by name
 * (get-or-create), then every finished run — name, user, start/end time, status, params, tags,
 * FULL metric histories (value, step, timestamp of every point) and artifacts.
 *
 * Idempotent, and resumable after an interruption at any request:
 *
 * - The server copy of a local run carries `relaxomap.source_run_id = <local id>` from the request
 *   that creates it, so the copy is found (runs/search on that tag) even when the answer to
 *   runs/create never arrived; the local run records `relaxomap.server_run_id` as soon as it is known.
 * - A copy that exists is COMPLETED in place, not re-uploaded: params and tags it lacks, the metric
 *   points it lacks (the local history minus the server's, counted as a multiset of (timestamp,
 *   step, value), so a batch the server applied before the connection dropped is not sent twice,
 *   whatever order or de-duplication the server's store applies), artifacts missing or of another
 *   size, then status and end time. Completing in place keeps the run id a stage printed while
 *   it was mirrored live, and costs only what is missing.
 * - Only a copy that contradicts the local run (a param with another value, metric points the local
 *   run does not have) is deleted (runs/delete) and uploaded again: the local store is the truth.
 * - A run whose copy is known complete is tagged `relaxomap.sync_state = complete` locally and
 *   skipped by later syncs without a request; a second sync therefore creates nothing.
 * - `mlflow.parentRunId` is rewritten to the parent's server id; parents are synced before their
 *   children. A child whose parent has no server copy yet (the parent is still RUNNING) is uploaded
 *   without the link and not marked complete, so a later sync adds the link.
 *
 * Runs still RUNNING locally are skipped with a note (a stage killed by SIGKILL leaves its run
 * RUNNING until the next run of that stage marks it KILLED). A server that stops answering aborts
 * the sync with {@link SyncInterruptedError}; running it again resumes. One sync at a time per
 * store (a lock file in the store's root, which MLflow ignores).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  listExperimentDirs, listRunDirs, MissingConfigError, readExperimentMeta, readRunDir, readRunHead, type StoredRun, type StoredRunHead, WrongExperimentError,
} from './file-store-reader.js';
import { listFilesRecursive, withFileLock, writeFileAtomicSync } from './fs-util.js';
import { isServerUnavailable, MlflowRestError } from './rest-client.js';
import { artifactTarget, RestRun, RestTracker } from './rest-tracker.js';
import { doubleFromJson, int64FromJson, type RunJson } from './rest-types.js';
import { LOCAL_ONLY_TAGS, SYNC_TAGS } from './sync-tags.js';
import type { MetricSample } from './types.js';

export interface SyncOptions {
  /** The local file store (`mlruns` folder). */
  from: string;
  /** The tracking server, `http(s)://host:port`. */
  to: string;
  /** Only the experiments with these names (default: every active experiment). */
  experiments?: string[];
  /** Environment for MLFLOW_TRACKING_* credentials and MLFLOW_HTTP_REQUEST_TIMEOUT (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Per-request timeout in ms (default MLFLOW_HTTP_REQUEST_TIMEOUT s, else 30 000). */
  timeoutMs?: number;
  /** One line per uploaded run and per note (default: stderr). */
  log?: (line: string) => void;
}

export interface SyncSummary {
  /** Local experiments holding at least one active run (their server twins are got or created by name when a run needs one). */
  experiments: number;
  /** Runs without a server copy before: created and uploaded in full (or re-uploaded after a contradiction). */
  runsCreated: number;
  /** Runs whose server copy was incomplete (mirror or earlier sync interrupted): the missing part uploaded. */
  runsCompleted: number;
  /** Runs left as they were: already complete on the server, or still RUNNING locally. */
  runsSkipped: number;
  /** Runs the server rejected (HTTP 4xx) or that could not be read locally; each is logged with the reason. */
  runsFailed: number;
}

/** The server stopped answering during a sync; `summary` counts what was done. Sync again to resume. */
export class SyncInterruptedError extends Error {
  override name = 'SyncInterruptedError';
  constructor(message: string, readonly summary: SyncSummary) {
    super(message);
  }
}

interface Candidate {
  head: StoredRunHead;
  runDir: string;
  experimentName: string;
}

type Outcome = 'runsCreated' | 'runsCompleted' | 'runsSkipped';

const pointKey = (timestamp: number, step: number, value: number): string => `${timestamp} ${step} ${String(value)}`;
const label = (run: { runId: string; runName: string }, experiment: string): string => `run ${run.runId} '${run.runName}' (${experiment})`;

/**
 * Upload the runs of a local file store to a tracking server; safe to repeat and to resume (see the
 * module doc). Throws SyncInterruptedError when the server stops answering, an Error when `from` is
 * not a folder, an experiment name is unknown, or another sync holds the store.
 */
export async function syncFileStore(opts: SyncOptions): Promise<SyncSummary> {
  const root = path.resolve(opts.from);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new Error(`sync: local store '${root}' is not a folder`);
  const server = new RestTracker({ baseUrl: opts.to, ...(opts.env ? { env: opts.env } : {}), ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) });
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const syncer = new Syncer(root, server, log);
  // The owner's pid is checked, not the lock's age: a long sync must not lose its lock.
  return withFileLock(path.join(root, '.relaxomap-sync.lock'), () => syncer.run(opts.experiments), { timeoutMs: 1000, staleMs: Number.MAX_SAFE_INTEGER });
}

class Syncer {
  private readonly summary: SyncSummary = { experiments: 0, runsCreated: 0, runsCompleted: 0, runsSkipped: 0, runsFailed: 0 };
  /** Local run id → id of its copy on this server (from local tags, then from this sync). */
  private readonly serverIds = new Map<string, string>();
  private readonly serverExperiments = new Map<string, Promise<string>>();
  private readonly to: string;

  constructor(
    private readonly root: string,
    private readonly server: RestTracker,
    private readonly log: (line: string) => void,
  ) {
    this.to = server.uri;
  }

  async run(names: string[] | undefined): Promise<SyncSummary> {
    for (const c of parentsFirst(this.collect(names))) {
      try {
        this.summary[await this.syncRun(c)]++;
      } catch (err) {
        if (isServerUnavailable(err)) {
          const done = this.summary.runsCreated + this.summary.runsCompleted;
          throw new SyncInterruptedError(`sync to ${this.to} interrupted after ${done} uploaded run(s): ${err.message}; run sync again to resume`, { ...this.summary });
        }
        this.summary.runsFailed++;
        this.log(`sync: ${label(c.head, c.experimentName)} not uploaded: ${(err as Error).message}`);
      }
    }
    return { ...this.summary };
  }

  /** The runs to look at, deciding from meta.yaml and tags alone which ones need no request. */
  private collect(names: string[] | undefined): Candidate[] {
    const experiments: { dir: string; id: string; name: string }[] = [];
    for (const { dir, deleted } of listExperimentDirs(this.root)) {
      if (deleted) continue;
      try {
        const meta = readExperimentMeta(dir);
        if (meta.experimentId === path.basename(dir) && meta.lifecycleStage === 'active') experiments.push({ dir, id: meta.experimentId, name: meta.name });
      } catch (err) {
        if (!(err instanceof MissingConfigError)) throw err;
      }
    }
    if (names) {
      const unknown = names.filter((n) => !experiments.some((e) => e.name === n));
      if (unknown.length) {
        throw new Error(`sync: no experiment ${unknown.map((n) => `'${n}'`).join(', ')} in ${this.root} (it has: ${experiments.map((e) => `'${e.name}'`).join(', ') || 'none'})`);
      }
    }
    const out: Candidate[] = [];
    for (const exp of experiments.filter((e) => !names || names.includes(e.name))) {
      let active = 0;
      for (const runDir of listRunDirs(exp.dir)) {
        let head: StoredRunHead;
        try {
          head = readRunHead(runDir, exp.id);
        } catch (err) {
          // MLflow skips these folders too; anything else is a broken run worth reporting.
          if (!(err instanceof MissingConfigError || err instanceof WrongExperimentError)) {
            this.summary.runsFailed++;
            this.log(`sync: ${runDir} not uploaded: ${(err as Error).message}`);
          }
          continue;
        }
        if (head.lifecycleStage !== 'active') continue;
        active++;
        const serverId = this.knownServerId(head);
        if (serverId !== undefined) this.serverIds.set(head.runId, serverId);
        if (head.status === 'RUNNING' || head.status === 'SCHEDULED') {
          this.summary.runsSkipped++;
          this.log(`sync: ${label(head, exp.name)} is still ${head.status} locally: not uploaded (a run whose process died is marked KILLED by the next run of its stage)`);
        } else if (serverId !== undefined && head.tags[SYNC_TAGS.state] === 'complete') {
          this.summary.runsSkipped++;
        } else {
          out.push({ head, runDir, experimentName: exp.name });
        }
      }
      if (active > 0) this.summary.experiments++;
    }
    return out;
  }

  private knownServerId(head: StoredRunHead): string | undefined {
    return head.tags[SYNC_TAGS.uri] === this.to ? head.tags[SYNC_TAGS.serverRunId] || undefined : undefined;
  }

  private serverExperiment(name: string): Promise<string> {
    let id = this.serverExperiments.get(name);
    if (!id) {
      id = this.server.getOrCreateExperiment(name);
      this.serverExperiments.set(name, id);
    }
    return id;
  }

  /** The server copy of a local run: by the id the local run recorded, else by the source tag. */
  private async findServerRun(run: StoredRun, experimentId: string): Promise<RunJson | undefined> {
    const known = this.knownServerId(run);
    if (known !== undefined) {
      try {
        const found = await this.server.client.getRun(known);
        if (found.info.lifecycle_stage !== 'deleted') return found;
      } catch (err) {
        if (!(err instanceof MlflowRestError && err.status === 404)) throw err;
      }
    }
    const page = await this.server.client.searchRuns({
      experiment_ids: [experimentId],
      filter: `tags.\`${SYNC_TAGS.sourceRunId}\` = '${run.runId}'`,
      max_results: 10,
      run_view_type: 'ACTIVE_ONLY',
    });
    return page.runs[0];
  }

  /**
   * The server id of a parent given by its local id: synced before its children, or recorded in its
   * tags. A run this store does not hold is passed through (it may be a server run already).
   */
  private resolveParent(localId: string): string | undefined {
    const known = this.serverIds.get(localId);
    if (known !== undefined) return known;
    for (const { dir } of listExperimentDirs(this.root)) {
      const runDir = path.join(dir, localId);
      if (!fs.existsSync(path.join(runDir, 'meta.yaml'))) continue;
      try {
        return this.knownServerId(readRunHead(runDir, path.basename(dir)));
      } catch {
        return undefined;
      }
    }
    return localId;
  }

  /** The tags the server copy must have, and whether the parent link could be made. */
  private wantedTags(run: StoredRun, where: string): { tags: Record<string, string>; linked: boolean } {
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(run.tags)) if (!LOCAL_ONLY_TAGS.has(k)) tags[k] = v;
    tags[SYNC_TAGS.sourceRunId] = run.runId;
    const parent = tags['mlflow.parentRunId'];
    if (parent === undefined) return { tags, linked: true };
    const mapped = this.resolveParent(parent);
    if (mapped !== undefined) {
      tags['mlflow.parentRunId'] = mapped;
      return { tags, linked: true };
    }
    delete tags['mlflow.parentRunId'];
    this.log(`sync: ${where}: its parent run ${parent} has no copy on ${this.to} yet; a later sync links them`);
    return { tags, linked: false };
  }

  private async syncRun(c: Candidate): Promise<Outcome> {
    const run = readRunDir(c.runDir, c.head.experimentId);
    const where = label(run, c.experimentName);
    const client = this.server.client;
    const { tags: wanted, linked } = this.wantedTags(run, where);
    const experimentId = await this.serverExperiment(c.experimentName);
    let existing = await this.findServerRun(run, experimentId);
    let plan: UploadPlan | undefined;
    if (existing) {
      const completion = await this.planCompletion(run, existing, wanted);
      if (typeof completion === 'string') {
        this.log(`sync: ${where}: server run ${existing.info.run_id} contradicts it (${completion}); replacing that copy`);
        await client.deleteRun(existing.info.run_id);
        existing = undefined;
      } else {
        plan = completion;
      }
    }
    let serverRun: RunJson;
    if (existing && plan) {
      serverRun = existing;
    } else {
      existing = undefined;
      const { 'mlflow.runName': _name, ...createTags } = wanted;
      serverRun = await client.createRun({
        experiment_id: experimentId,
        user_id: run.userId,
        start_time: run.startTime,
        tags: Object.entries(createTags).map(([key, value]) => ({ key, value })),
        ...(run.runName ? { run_name: run.runName } : {}),
      });
      plan = fullPlan(run);
    }
    const serverId = serverRun.info.run_id ?? serverRun.info.run_uuid;
    // Record the copy at once: an interruption from here on resumes this run instead of searching.
    writeLocalTags(c.runDir, { [SYNC_TAGS.uri]: this.to, [SYNC_TAGS.serverRunId]: serverId, [SYNC_TAGS.state]: 'partial' });
    this.serverIds.set(run.runId, serverId);

    const remote = new RestRun(client, serverId, serverRun.info.experiment_id, serverRun.info.artifact_uri ?? '');
    const artifacts = await this.missingArtifacts(run, remote, existing !== undefined, where);
    const info = serverRun.info;
    const needsUpdate = info.status !== run.status || (run.endTime !== null && int64FromJson(info.end_time) !== run.endTime) || (run.runName !== '' && info.run_name !== run.runName);
    const changed = !existing || Object.keys(plan.params).length > 0 || Object.keys(plan.tags).length > 0 || plan.metrics.length > 0 || artifacts.length > 0 || needsUpdate;

    await remote.logParams(plan.params);
    await remote.setTags(plan.tags);
    await remote.logMetrics(plan.metrics);
    for (const a of artifacts) await remote.logArtifact(a.file, a.dir);
    if (needsUpdate) {
      await client.updateRun(serverId, {
        status: run.status,
        ...(run.endTime !== null ? { end_time: run.endTime } : {}),
        ...(run.runName !== '' && info.run_name !== run.runName ? { run_name: run.runName } : {}),
      });
    }
    if (linked) writeLocalTags(c.runDir, { [SYNC_TAGS.state]: 'complete' });
    if (changed) {
      const points = plan.metrics.length;
      this.log(`sync: ${where} → ${this.to} run ${serverId}: ${existing ? 'completed' : 'created'} (${Object.keys(plan.params).length} params, ${points} metric points, ${artifacts.length} artifacts)`);
    }
    return !existing ? 'runsCreated' : changed ? 'runsCompleted' : 'runsSkipped';
  }

  /**
   * What an existing server copy lacks, or a string saying how it contradicts the local run.
   * Metric histories are fetched only for keys the copy has (its latest values list them).
   */
  private async planCompletion(run: StoredRun, existing: RunJson, wanted: Record<string, string>): Promise<UploadPlan | string> {
    const data = existing.data ?? {};
    const serverParams = new Map((data.params ?? []).map((p) => [p.key, p.value ?? '']));
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(run.params)) {
      const there = serverParams.get(k);
      if (there === undefined) params[k] = v;
      else if (there !== v) return `param '${k}' is '${there.slice(0, 80)}' there, '${v.slice(0, 80)}' here`;
    }
    const serverTags = new Map((data.tags ?? []).map((t) => [t.key, t.value ?? '']));
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(wanted)) if (serverTags.get(k) !== v) tags[k] = v;
    const serverKeys = new Set((data.metrics ?? []).map((m) => m.key));
    for (const key of serverKeys) if (!(key in run.metrics)) return `metric '${key}' exists only there`;
    const metrics: Required<MetricSample>[] = [];
    for (const [key, points] of Object.entries(run.metrics)) {
      const remaining = new Map<string, number>();
      if (serverKeys.has(key)) {
        for (const m of await this.server.client.getMetricHistory(existing.info.run_id, key)) {
          const k = pointKey(int64FromJson(m.timestamp) ?? -1, int64FromJson(m.step ?? 0) ?? 0, doubleFromJson(m.value) ?? NaN);
          remaining.set(k, (remaining.get(k) ?? 0) + 1);
        }
      }
      for (const p of points) {
        const k = pointKey(p.timestamp, p.step, p.value);
        const n = remaining.get(k) ?? 0;
        if (n > 0) remaining.set(k, n - 1);
        else metrics.push({ key, value: p.value, step: p.step, timestamp: p.timestamp });
      }
      const extra = [...remaining.values()].reduce((a, b) => a + b, 0);
      if (extra > 0) return `metric '${key}' has ${extra} point(s) there that are not here`;
    }
    return { params, tags, metrics };
  }

  /** Local artifact files the server copy lacks (or holds with another size), as (file, artifact sub-folder). */
  private async missingArtifacts(run: StoredRun, remote: RestRun, existed: boolean, where: string): Promise<{ file: string; dir: string }[]> {
    let localDir: string;
    try {
      localDir = run.artifactUri.startsWith('file:') ? fileURLToPath(run.artifactUri) : run.artifactUri;
    } catch {
      localDir = '';
    }
    if (!path.isAbsolute(localDir)) {
      if (run.artifactUri !== '') this.log(`sync: ${where}: artifacts at '${run.artifactUri}' are not a local folder; not uploaded`);
      return [];
    }
    if (!fs.existsSync(localDir)) return [];
    const files = listFilesRecursive(localDir);
    if (files.length === 0) return [];
    const have = existed ? await this.serverArtifactSizes(remote) : new Map<string, number>();
    return files
      .filter((rel) => have.get(rel) !== fs.statSync(path.join(localDir, ...rel.split('/'))).size)
      .map((rel) => ({ file: path.join(localDir, ...rel.split('/')), dir: path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel) }));
  }

  /** Sizes of the files the server copy already has, by path relative to its artifact root. */
  private async serverArtifactSizes(remote: RestRun): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const target = artifactTarget(remote.runId, remote.artifactUri);
    if (target.kind === 'local') {
      if (!fs.existsSync(target.dir)) return out;
      for (const rel of listFilesRecursive(target.dir)) out.set(rel, fs.statSync(path.join(target.dir, ...rel.split('/'))).size);
      return out;
    }
    const walk = async (rel: string): Promise<void> => {
      for (const f of await this.server.client.listArtifacts(rel ? `${target.prefix}/${rel}` : target.prefix)) {
        // MLflow answers basenames; take the last segment in case a server answers paths.
        const name = f.path.split('/').pop()!;
        const child = rel ? `${rel}/${name}` : name;
        if (f.is_dir) await walk(child);
        else out.set(child, f.file_size ?? -1);
      }
    };
    await walk('');
    return out;
  }
}

interface UploadPlan {
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Required<MetricSample>[];
}

/** Everything of a run, for a server copy created just now (its tags went with runs/create). */
function fullPlan(run: StoredRun): UploadPlan {
  const metrics: Required<MetricSample>[] = [];
  for (const [key, points] of Object.entries(run.metrics)) for (const p of points) metrics.push({ key, value: p.value, step: p.step, timestamp: p.timestamp });
  return { params: { ...run.params }, tags: {}, metrics };
}

/** Order runs by start time, moving each parent (when it is synced too) before its children. */
function parentsFirst(runs: Candidate[]): Candidate[] {
  const byId = new Map(runs.map((c) => [c.head.runId, c]));
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const visit = (c: Candidate): void => {
    if (seen.has(c.head.runId)) return;
    seen.add(c.head.runId);
    const parent = byId.get(c.head.tags['mlflow.parentRunId'] ?? '');
    if (parent) visit(parent);
    out.push(c);
  };
  [...runs].sort((a, b) => a.head.startTime - b.head.startTime).forEach(visit);
  return out;
}

/** Write tags of a local run (bookkeeping of the sync), each file atomically. */
function writeLocalTags(runDir: string, tags: Record<string, string>): void {
  for (const [key, value] of Object.entries(tags)) {
    fs.mkdirSync(path.join(runDir, 'tags'), { recursive: true });
    writeFileAtomicSync(path.join(runDir, 'tags', key), value);
  }
}

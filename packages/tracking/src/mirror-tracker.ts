/**
 * The tracker behind an http(s) tracking URI: a tracking server that is down loses nothing.
 *
 * Every call goes first to a local MLflow file store (the source of truth, always complete), then
 * the same call goes to the server, best-effort:
 *
 * - The first call the server cannot answer (connection refused, no answer within the timeout,
 *   HTTP 429/5xx after the client's retries) prints ONE warning line and turns the server off for
 *   this tracker: the run, and any later run of this tracker, goes on locally only. `relaxomap sync`
 *   (`syncFileStore`) uploads what the server missed.
 * - A 4xx answer is a real error (a bad value, a param logged twice with different values, wrong
 *   credentials): it is thrown as before; the local store already holds the call.
 *
 * Ids: when the server creates the run, the local run takes the SERVER's run id, so the id a stage
 * prints names the run in both stores. Experiment ids are the local ones (the server's are looked up
 * by name). Each local run carries `relaxomap.sync_uri` (the server) and `relaxomap.server_run_id`
 * (its copy there, if created); a run mirrored without a single miss to its end gets
 * `relaxomap.sync_state = complete`, which sync skips without asking the server.
 *
 * Reads (`searchRuns`, `getRun`, `findExperiment`, `getMetricHistory`) are answered by the local
 * store: it holds every run this machine logged, including those the server missed, and answers
 * even while the server is down. Runs logged to the server from elsewhere are not seen here.
 */
import * as path from 'node:path';
import type { FileRun, FileStoreTracker } from './file-store.js';
import { readExperimentMeta } from './file-store-reader.js';
import { gitCommit } from './git.js';
import { isServerUnavailable } from './rest-client.js';
import type { RestRun, RestTracker } from './rest-tracker.js';
import { LOCAL_ONLY_TAGS, SYNC_TAGS } from './sync-tags.js';
import { defaultSourceName } from './system-tags.js';
import type { CreateRunOptions, EndStatus, MetricSample, Run, RunInfo, SearchRunsOptions, Tracker } from './types.js';

/** Outcome of one call mirrored to the server: its value, or skipped/failed because the server is down. */
type Mirrored<T> = { ok: true; value: T } | { ok: false };
type MirrorFn = <T>(call: () => Promise<T>) => Promise<Mirrored<T>>;

/** The two stores the mirrored tracker writes to, and where its warning goes. */
export interface MirroredTrackerStores {
  local: FileStoreTracker;
  server: RestTracker;
  /** Receives the one warning line when the server becomes unreachable (default: stderr). */
  warn?: (line: string) => void;
  /** Folder whose git HEAD tags runs (default process.cwd()). */
  cwd?: string;
}

/** Tracker over a local file store mirrored, best-effort, to a tracking server (see module doc). */
export class MirroredTracker implements Tracker {
  /** The server's URI (where the runs are meant to go). */
  readonly uri: string;
  readonly local: FileStoreTracker;
  readonly server: RestTracker;
  private readonly warn: (line: string) => void;
  private readonly cwd: string;
  private down: string | undefined;
  private commit: string | undefined | null = null;
  /** Local experiment id → server experiment id. */
  private readonly serverExperiments = new Map<string, string>();
  /** Runs created by this tracker, so endRun of one of them knows whether its mirror is complete. */
  private readonly runs = new Map<string, MirroredRun>();
  private readonly mirrorFn: MirrorFn;

  constructor(stores: MirroredTrackerStores) {
    this.local = stores.local;
    this.server = stores.server;
    this.uri = stores.server.uri;
    this.cwd = stores.cwd ?? process.cwd();
    this.warn = stores.warn ?? ((line) => process.stderr.write(`${line}\n`));
    this.mirrorFn = async <T>(call: () => Promise<T>): Promise<Mirrored<T>> => {
      if (this.down !== undefined) return { ok: false };
      try {
        return { ok: true, value: await call() };
      } catch (err) {
        if (!isServerUnavailable(err)) throw err;
        this.down = err.message;
        this.warn(
          `warning: MLflow tracking server ${this.uri} is unreachable (${err.message}); the run goes on in the local store ${this.local.root}, and \`relaxomap sync\` uploads it later`,
        );
        return { ok: false };
      }
    };
  }

  /** Why the server was given up (the first failed call), or undefined while it answers. */
  get serverDownReason(): string | undefined {
    return this.down;
  }

  async getOrCreateExperiment(name: string): Promise<string> {
    const id = await this.local.getOrCreateExperiment(name);
    const remote = await this.mirrorFn(() => this.server.getOrCreateExperiment(name));
    if (remote.ok) this.serverExperiments.set(id, remote.value);
    return id;
  }

  /** The server's id of a local experiment (by name), or undefined when the server is down. */
  private async serverExperiment(localId: string): Promise<string | undefined> {
    const known = this.serverExperiments.get(localId);
    if (known !== undefined || this.down !== undefined) return known;
    // An id the local store would reject: leave the error to local.createRun.
    if (!/^[a-zA-Z0-9][\w-]{0,63}$/.test(localId)) return undefined;
    let name: string;
    try {
      name = readExperimentMeta(path.join(this.local.root, localId)).name;
    } catch {
      return undefined;
    }
    const remote = await this.mirrorFn(() => this.server.getOrCreateExperiment(name));
    if (!remote.ok) return undefined;
    this.serverExperiments.set(localId, remote.value);
    return remote.value;
  }

  /**
   * The server id of a run given by its local id: the copy this tracker or a sync made. A run the
   * local store does not know is passed through (it may be a server-only run); undefined when the
   * run is local but has no copy on this server (yet).
   */
  private async serverRunIdOf(localRunId: string): Promise<string | undefined> {
    const mine = this.runs.get(localRunId);
    if (mine) return mine.serverRunId;
    let info: RunInfo;
    try {
      info = await this.local.getRun(localRunId);
    } catch {
      return localRunId;
    }
    return info.tags[SYNC_TAGS.uri] === this.uri ? info.tags[SYNC_TAGS.serverRunId] : undefined;
  }

  private gitCommit(): string {
    if (this.commit === null) this.commit = gitCommit(this.cwd);
    return this.commit ?? '';
  }

  async createRun(experimentId: string, opts: CreateRunOptions): Promise<Run> {
    // Resolve the defaults once so both stores get identical tags and start time.
    const base: CreateRunOptions = {
      ...opts,
      startTime: opts.startTime ?? Date.now(),
      sourceName: opts.sourceName ?? defaultSourceName(),
      gitCommit: opts.gitCommit ?? this.gitCommit(),
    };
    const given = opts.tags ?? {};
    const serverTags = Object.fromEntries(Object.entries(given).filter(([k]) => !LOCAL_ONLY_TAGS.has(k)));
    // A parent logged while the server was down has no server copy yet: link the child at sync time.
    let linked = true;
    const parent = given['mlflow.parentRunId'];
    if (parent !== undefined) {
      const serverParent = await this.serverRunIdOf(parent);
      if (serverParent !== undefined) serverTags['mlflow.parentRunId'] = serverParent;
      else {
        delete serverTags['mlflow.parentRunId'];
        linked = false;
      }
    }
    let remote: RestRun | undefined;
    const serverExp = await this.serverExperiment(experimentId);
    if (serverExp !== undefined) {
      const created = await this.mirrorFn(() => this.server.createRun(serverExp, { ...base, tags: serverTags }));
      if (created.ok) remote = created.value;
    }
    const localTags = { ...given, [SYNC_TAGS.uri]: this.uri, ...(remote ? { [SYNC_TAGS.serverRunId]: remote.runId } : {}) };
    let local: FileRun;
    try {
      local = await this.local.createRun(experimentId, { ...base, tags: localTags }, remote ? { runId: remote.runId } : {});
    } catch (err) {
      // No local run means no run: do not leave its server copy RUNNING forever.
      if (remote) {
        const orphan = remote.runId;
        await this.mirrorFn(() => this.server.client.deleteRun(orphan)).catch(() => undefined);
      }
      throw err;
    }
    const run = new MirroredRun(local, remote, linked, this.mirrorFn, this.server);
    this.runs.set(run.runId, run);
    await run.toServer((s) => s.setTags({ [SYNC_TAGS.sourceRunId]: local.runId }));
    return run;
  }

  /** Local store. */
  async searchRuns(experimentIds: string[], opts?: SearchRunsOptions): Promise<RunInfo[]> {
    return this.local.searchRuns(experimentIds, opts);
  }

  /** Local store. */
  async getRun(runId: string): Promise<RunInfo> {
    return this.local.getRun(runId);
  }

  /** Local store. */
  async findExperiment(name: string): Promise<string | undefined> {
    return this.local.findExperiment(name);
  }

  /** Local store. */
  async getMetricHistory(runId: string, key: string): Promise<Required<MetricSample>[]> {
    return this.local.getMetricHistory(runId, key);
  }

  /** Ends the local run, then its server copy (same end time) when there is one. */
  async endRun(runId: string, status: EndStatus): Promise<void> {
    const mine = this.runs.get(runId);
    if (mine) return mine.end(status);
    await this.local.endRun(runId, status);
    const info = await this.local.getRun(runId);
    const serverId = info.tags[SYNC_TAGS.uri] === this.uri ? info.tags[SYNC_TAGS.serverRunId] : undefined;
    if (serverId !== undefined) {
      await this.mirrorFn(() => this.server.client.updateRun(serverId, { status, end_time: info.endTime ?? Date.now() }));
    }
  }
}

/** One run: local FileRun first, the server copy best-effort. */
class MirroredRun implements Run {
  readonly runId: string;
  readonly experimentId: string;
  /** The local artifact folder (file: URI): the copy that always exists. */
  readonly artifactUri: string;
  /** False once the server copy missed something (or never existed): sync must look at this run. */
  private inSync: boolean;

  constructor(
    private readonly local: FileRun,
    private readonly remote: RestRun | undefined,
    linked: boolean,
    private readonly mirror: MirrorFn,
    private readonly server: RestTracker,
  ) {
    this.runId = local.runId;
    this.experimentId = local.experimentId;
    this.artifactUri = local.artifactUri;
    this.inSync = remote !== undefined && linked;
  }

  get serverRunId(): string | undefined {
    return this.remote?.runId;
  }

  /** Send one call to the server copy; a miss (server down, or a 4xx that is rethrown) marks the run out of sync. */
  async toServer(call: (remote: RestRun) => Promise<unknown>): Promise<void> {
    const remote = this.remote;
    if (!remote) return;
    try {
      if (!(await this.mirror(() => call(remote))).ok) this.inSync = false;
    } catch (err) {
      this.inSync = false;
      throw err;
    }
  }

  async logParams(params: Record<string, string | number | boolean>): Promise<void> {
    await this.local.logParams(params);
    await this.toServer((s) => s.logParams(params));
  }

  async logMetric(key: string, value: number, step?: number, timestamp?: number): Promise<void> {
    // One timestamp for both copies, so sync recognises the server's points as the local ones.
    const ts = timestamp ?? Date.now();
    await this.local.logMetric(key, value, step, ts);
    await this.toServer((s) => s.logMetric(key, value, step, ts));
  }

  async logMetrics(metrics: MetricSample[]): Promise<void> {
    const now = Date.now();
    const stamped = metrics.map((m) => (m.timestamp === undefined ? { ...m, timestamp: now } : m));
    await this.local.logMetrics(stamped);
    await this.toServer((s) => s.logMetrics(stamped));
  }

  async setTags(tags: Record<string, string>): Promise<void> {
    await this.local.setTags(tags);
    const shared = Object.fromEntries(Object.entries(tags).filter(([k]) => !LOCAL_ONLY_TAGS.has(k)));
    await this.toServer((s) => s.setTags(shared));
  }

  async logArtifact(localPath: string, artifactPath?: string): Promise<void> {
    await this.local.logArtifact(localPath, artifactPath);
    await this.toServer((s) => s.logArtifact(localPath, artifactPath));
  }

  async logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    await this.local.logArtifacts(localDir, artifactPath);
    await this.toServer((s) => s.logArtifacts(localDir, artifactPath));
  }

  async end(status: EndStatus): Promise<void> {
    const endTime = Date.now();
    this.local.endSync(status, endTime);
    await this.toServer((s) => this.server.client.updateRun(s.runId, { status, end_time: endTime }));
    if (this.inSync) await this.local.setTags({ [SYNC_TAGS.state]: 'complete' });
  }

  /** Local store only (a signal handler cannot wait for the network); sync updates the server copy. */
  endSync(status: EndStatus): void {
    this.local.endSync(status);
  }
}

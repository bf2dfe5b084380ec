/**
 * Following a submission: where each task is (queued, running, done, failed), a live progress line,
 * and — once nothing is left in the queue — the end: outputs restored into the checkout from the
 * shared cache, reports published, the sweep's parent MLflow run ended, failures reported with their
 * exit code, SLURM state and log.
 *
 * A task's outcome comes first from the result file it writes as it ends (exit code, which Nx project
 * failed); a task that never wrote one (killed at its time limit, out of memory, node failure) is looked
 * up in `scontrol show job` and, once the controller has forgotten it, in the job-completion log.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, rmSync } from 'node:fs';
import { relative } from 'node:path';
import { publishReports } from '@relaxomap/pipeline';
import { createTracker } from '@relaxomap/tracking';
import { startCacheBridge } from './cache-bridge.js';
import { isCacheHit, runNx } from './nx.js';
import { FINAL_STATES, QUEUED_STATES, jobCompLog, parseJobCompLog, scancel, scontrolShowJob, squeue, type JobRecord } from './slurm.js';
import {
  finalFile, logFile, readJson, resultFile, writeJsonAtomic, type FinalSummary, type JobSpec, type Submission, type TaskResult, type Unit,
} from './submission.js';
import { localNxCacheDir } from './workspace.js';

export type TaskPhase = 'queued' | 'running' | 'done' | 'failed';

export interface TaskStatus {
  readonly job: string;
  readonly index: number;
  readonly unit: string;
  /** `123_4` (array task) or `123`. */
  readonly slurmId: string | undefined;
  readonly phase: TaskPhase;
  /** SLURM's state (PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, CANCELLED, OUT_OF_MEMORY, …). */
  readonly slurmState: string | undefined;
  readonly exitCode: number | null | undefined;
  readonly signal: string | number | null | undefined;
  /** Why it waits (squeue %r) or how it ended. */
  readonly reason: string | undefined;
  readonly log: string;
  /** Nx projects that failed in it (from its result file). */
  readonly failedProjects: readonly string[];
}

export interface FollowOptions {
  /** Keep polling until every task is over (else: one look, then return). */
  readonly wait: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly pollSeconds?: number;
  readonly log?: (line: string) => void;
  /** Receives the live progress line (default: rewritten in place on a terminal, else printed on change). */
  readonly progress?: (line: string) => void;
  /** Ctrl-C while waiting cancels the jobs (default; the submitting command) or only stops following (status). */
  readonly cancelOnInterrupt?: boolean;
  /** Called once, after a submission ends — or right away when nothing had to be submitted (sub undefined). */
  readonly onFinished?: (summary: FinalSummary, sub: Submission | undefined) => Promise<void> | void;
}

/** Exit code of `status` while tasks are still queued or running. */
export const STILL_RUNNING = 3;

const taskIndex = (job: JobSpec, unit: Unit): number => (job.array ? unit.index : 0);

/** Look at every task of a submission once. */
export function pollSubmission(sub: Submission, env: NodeJS.ProcessEnv = process.env): TaskStatus[] {
  const ids = sub.jobs.filter((j) => j.jobId && !j.local).map((j) => j.jobId!);
  const queued = new Map(squeue(ids, env).map((r) => [r.id, r]));
  const known = new Map<string, JobRecord>();
  const looked = new Set<string>();
  let jobcomp: Map<string, JobRecord> | undefined;
  const finalRecord = (jobId: string, slurmId: string): JobRecord | undefined => {
    if (!looked.has(jobId)) {
      looked.add(jobId);
      for (const r of scontrolShowJob(jobId, env)) known.set(r.id, r);
    }
    const r = known.get(slurmId);
    if (r && FINAL_STATES.has(r.state)) return r;
    jobcomp ??= new Map(parseJobCompLog(jobCompLog(env) ?? '').map((rec) => [rec.id, rec]));
    return jobcomp.get(slurmId) ?? r;
  };
  const out: TaskStatus[] = [];
  for (const job of sub.jobs) {
    for (const unitId of job.units) {
      const unit = sub.units.find((u) => u.id === unitId)!;
      const index = taskIndex(job, unit);
      const slurmId = job.jobId ? (job.array ? `${job.jobId}_${index}` : job.jobId) : undefined;
      const base = { job: job.name, index, unit: unitId, slurmId, log: logFile(sub.dir, job, index) };
      const q = slurmId ? queued.get(slurmId) : undefined;
      if (q) {
        out.push({ ...base, phase: QUEUED_STATES.has(q.state) ? 'queued' : 'running', slurmState: q.state, exitCode: undefined, signal: undefined, reason: q.reason, failedProjects: [] });
        continue;
      }
      const result = readJson<TaskResult>(resultFile(sub.dir, job.name, index));
      if (result?.exitCode === 0) {
        out.push({ ...base, phase: 'done', slurmState: job.local ? undefined : 'COMPLETED', exitCode: 0, signal: null, reason: undefined, failedProjects: [] });
        continue;
      }
      const failedProjects = Object.entries(result?.tasks ?? {}).filter(([, t]) => t.status !== 0).map(([p]) => p);
      const record = job.jobId && !job.local ? finalRecord(job.jobId, slurmId!) : undefined;
      if (!result && record && !FINAL_STATES.has(record.state)) {
        out.push({ ...base, phase: record.state === 'RUNNING' ? 'running' : 'queued', slurmState: record.state, exitCode: undefined, signal: undefined, reason: record.reason, failedProjects: [] });
        continue;
      }
      const completed = !result && record?.state === 'COMPLETED' && record.exitCode === 0;
      out.push({
        ...base,
        phase: completed ? 'done' : 'failed',
        slurmState: record?.state,
        exitCode: result ? result.exitCode : record?.exitCode,
        signal: result ? result.signal : record?.signal,
        reason: !job.jobId && !job.local ? 'never submitted' : !result && !record ? 'left the queue without a result file, and SLURM has no record of it (scontrol, job-completion log)' : record?.reason,
        failedProjects,
      });
    }
  }
  return out;
}

/** `grid · job 12 · 4 points: 1 queued · 2 running · 1 done · 0 failed · 0:42` */
export function formatProgress(sub: Submission, statuses: readonly TaskStatus[], elapsedMs: number): string {
  const count = (phase: TaskPhase, list = statuses): number => list.filter((s) => s.phase === phase).length;
  const main = sub.jobs.find((j) => j.array) ?? sub.jobs.at(-1);
  const noun = sub.kind === 'sweep' ? 'points' : 'stages';
  const mains = sub.kind === 'sweep' ? statuses.filter((s) => s.job !== 'shared') : statuses;
  const shared = sub.kind === 'sweep' ? statuses.find((s) => s.job === 'shared') : undefined;
  const secs = Math.round(elapsedMs / 1000);
  const clock = `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')}`;
  return [
    `${sub.name} · SLURM job ${main?.jobId ?? (main?.local ? 'local' : '-')}`,
    ...(shared ? [`shared stages ${shared.phase}`] : []),
    `${mains.length} ${mains.length === 1 ? noun.slice(0, -1) : noun}: ${count('queued', mains)} queued · ${count('running', mains)} running · ${count('done', mains)} done · ${count('failed', mains)} failed`,
    clock,
  ].join(' · ');
}

/**
 * What a failure report quotes from a task's log: its error lines (a stage's one-line `relaxomap: error:`,
 * SLURM's `slurmstepd: error: … DUE TO TIME LIMIT`), else its last lines.
 */
export function logExcerpt(file: string, lines = 6): string[] {
  if (!existsSync(file)) return [];
  const fd = openSync(file, 'r');
  let text: string;
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 256 * 1024);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    text = buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
  // eslint-disable-next-line no-control-regex
  const all = text.replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => l.trimEnd()).filter((l) => l.trim());
  const errors = all.filter((l) => /\berror\b/i.test(l) && !/^\s*at /.test(l));
  return (errors.length ? errors : all).slice(-lines);
}

/** One failure as a report line: what, where, how it ended, and the log to read. */
export function describeFailure(sub: Submission, s: TaskStatus): string {
  const unit = sub.units.find((u) => u.id === s.unit)!;
  const how = [
    s.slurmState && s.slurmState !== 'COMPLETED' ? s.slurmState : undefined,
    s.exitCode !== undefined && s.exitCode !== null ? `exit code ${s.exitCode}` : undefined,
    s.signal ? `signal ${s.signal}` : undefined,
  ].filter(Boolean).join(', ') || 'failed';
  const where = s.slurmId ? `SLURM ${s.job === 'points' ? 'task' : 'job'} ${s.slurmId}` : s.job;
  const failed = s.failedProjects.length ? ` · failed: ${s.failedProjects.join(', ')}` : '';
  const reason = s.reason && s.reason !== 'None' ? ` · ${s.reason}` : '';
  return `✖ ${unit.id}${unit.label && sub.kind === 'sweep' && unit.id !== 'shared' ? ` (${unit.label})` : ''} · ${where} · ${how}${failed}${reason} · log ${relative(sub.root, s.log) || s.log}`;
}

/** Follow a submission until it is over (wait) or look once; returns 0 (all done), 1 (failures), 3 (still running), 130 (cancelled). */
export async function followSubmission(sub: Submission, opts: FollowOptions): Promise<number> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const previous = readJson<FinalSummary>(finalFile(sub.dir));
  if (previous) {
    for (const line of previous.report) log(line);
    return previous.ok ? 0 : previous.cancelled ? 130 : 1;
  }
  const progress = opts.progress ?? defaultProgress();
  const started = Date.parse(sub.createdAt);
  let interrupted = false;
  let wake: (() => void) | undefined;
  const onSigint = (): void => {
    interrupted = true;
    wake?.();
  };
  if (opts.wait) process.on('SIGINT', onSigint);
  try {
    for (;;) {
      const statuses = pollSubmission(sub, env);
      if (interrupted && !(opts.cancelOnInterrupt ?? true)) {
        progress('');
        log(`stopped following ${sub.name}: its SLURM jobs go on (relaxomap status ${sub.name} to look again, --cancel to cancel them)`);
        return 130;
      }
      if (interrupted) {
        progress('');
        const ids = sub.jobs.filter((j) => j.jobId && !j.local).map((j) => j.jobId!);
        scancel(ids, env);
        log(`cancelled SLURM job${ids.length > 1 ? 's' : ''} ${ids.join(', ')}`);
        return await finish(sub, await settle(sub, env), { ...opts, log }, true);
      }
      const over = statuses.every((s) => s.phase === 'done' || s.phase === 'failed');
      if (opts.wait) progress(formatProgress(sub, statuses, Date.now() - started));
      if (over) {
        progress('');
        return await finish(sub, statuses, { ...opts, log }, false);
      }
      if (!opts.wait) {
        log(formatProgress(sub, statuses, Date.now() - started));
        for (const s of statuses.filter((t) => t.phase === 'failed')) log(describeFailure(sub, s));
        return STILL_RUNNING;
      }
      await new Promise<void>((ok) => {
        wake = ok;
        setTimeout(ok, (opts.pollSeconds ?? 10) * 1000);
      });
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * After scancel: give the tasks up to 30 s to stop (SLURM's KillWait) and write their result files.
 * SLURM reports a job CANCELLED as soon as it is signalled, before its stage has ended its MLflow run
 * KILLED; a task that started (its log exists) has settled only once its result file is written.
 */
async function settle(sub: Submission, env: NodeJS.ProcessEnv): Promise<TaskStatus[]> {
  const deadline = Date.now() + 30_000;
  const settled = (s: TaskStatus): boolean =>
    (s.phase === 'done' || s.phase === 'failed') && (!existsSync(s.log) || existsSync(resultFile(sub.dir, s.job, s.index)));
  for (;;) {
    const statuses = pollSubmission(sub, env);
    if (Date.now() > deadline || statuses.every(settled)) return statuses;
    await new Promise((ok) => setTimeout(ok, 500));
  }
}

/**
 * The end of a submission: restore every cached output into the checkout (a probe pass: nothing is
 * computed here), publish reports, end the parent run, report, clean the snapshot and workspaces.
 */
async function finish(sub: Submission, statuses: readonly TaskStatus[], opts: FollowOptions & { log: (l: string) => void }, cancelled: boolean): Promise<number> {
  const env = opts.env ?? process.env;
  const bridge = await startCacheBridge(sub.cacheDir);
  let probe;
  try {
    probe = await runNx({ cwd: sub.root, projects: sub.projects, cacheDir: localNxCacheDir(sub.root, env), env: { ...sub.env, ...bridge.env }, probe: true, output: 'collect', parallel: 2 });
  } finally {
    await bridge.close();
  }
  const doneUnits = sub.units.filter((u) => u.projects.every((p) => isCacheHit(probe.tasks.get(p)))).map((u) => u.id);
  const failedUnits = sub.units.map((u) => u.id).filter((id) => !doneUnits.includes(id));
  const ok = !cancelled && failedUnits.length === 0;
  try {
    await publishReports(sub.root, sub.name, sub.stageIds);
  } catch (err) {
    opts.log(`reports of ${sub.name} not published: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (sub.parentRunId) {
    const tracker = createTracker({ cwd: sub.root, env: { ...env, ...sub.env } });
    await tracker.endRun(sub.parentRunId, cancelled ? 'KILLED' : ok ? 'FINISHED' : 'FAILED');
  }
  const noun = sub.kind === 'sweep' ? 'points' : 'stages';
  const counted = sub.kind === 'sweep' ? sub.units.filter((u) => u.id !== 'shared') : sub.units;
  const doneCount = counted.filter((u) => doneUnits.includes(u.id)).length;
  const report: string[] = [];
  const ran = statuses.filter((s) => s.phase === 'done').length;
  const cached = sub.cachedUnits.filter((u) => u !== 'shared').length;
  const tasks = `${statuses.length} task${statuses.length === 1 ? '' : 's'}: ${ran} done, ${statuses.length - ran} not`;
  report.push(`${ok ? '✔' : cancelled ? '■' : '✖'} ${sub.name}: ${doneCount} of ${counted.length} ${noun} done (${cached} cached before; ${tasks})${cancelled ? ' — cancelled' : ''}${sub.parentRunId ? ` · parent MLflow run ${sub.parentRunId}` : ''}`);
  for (const s of statuses.filter((t) => t.phase === 'failed' || !doneUnits.includes(t.unit))) {
    report.push(describeFailure(sub, s));
    for (const line of logExcerpt(s.log)) report.push(`    ${line}`);
  }
  if (!ok && !cancelled) report.push(`run the same command again to resubmit only the ${noun} that are not done`);
  const summary: FinalSummary = { endedAt: new Date().toISOString(), ok, cancelled, doneUnits, failedUnits, report };
  writeJsonAtomic(finalFile(sub.dir), summary);
  rmSync(`${sub.dir}/snapshot`, { recursive: true, force: true });
  rmSync(`${sub.dir}/ws`, { recursive: true, force: true });
  for (const line of report) opts.log(line);
  await opts.onFinished?.(summary, sub);
  return ok ? 0 : cancelled ? 130 : 1;
}

/** A progress line rewritten in place on a terminal; elsewhere, printed when it changes (minus the clock). */
function defaultProgress(): (line: string) => void {
  const tty = process.stderr.isTTY;
  let last = '';
  return (line) => {
    if (tty) {
      process.stderr.write(line ? `\r\x1b[K${line}` : '\r\x1b[K');
      return;
    }
    const key = line.replace(/ · \d+:\d\d$/, '');
    if (line && key !== last) process.stderr.write(`${line}\n`);
    last = key;
  };
}

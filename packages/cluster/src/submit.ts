/**
 * `relaxomap sweep <name> --executor slurm` (and `run <pipeline> --executor slurm`): probe what is
 * cached, snapshot the checkout, create the sweep's parent MLflow run, submit the shared stages as one
 * job and the missing points as ONE job array that depends on it, then follow the array to its end
 * (or return at once with `detach`; `slurmStatus` picks it up later).
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PipelineError, findSweepParent, publishReports, sweepParentTags, type Pipeline, type Sweep } from '@relaxomap/pipeline';
import { createTracker, type Run } from '@relaxomap/tracking';
import { resourceArgs, formatSlurmTime, type ClusterSettings } from './config.js';
import { startCacheBridge } from './cache-bridge.js';
import { mirrorWorkspace } from './mirror.js';
import { followSubmission, pollSubmission, type FollowOptions } from './monitor.js';
import { runNx } from './nx.js';
import { SHARED_UNIT, arraySpec, decide, pipelinePlan, planJobs, sharedCacheHas, sweepPlan, type WorkPlan } from './plan.js';
import { sbatch, scancel, slurmCommand, SlurmError } from './slurm.js';
import {
  ensureWorkDir, finalFile, latestFile, newSubmissionId, readSubmission, writeSubmission, type JobSpec, type Submission,
} from './submission.js';
import { runTask } from './task-run.js';
import { localNxCacheDir, trackingEnv } from './workspace.js';

export interface SlurmRunOptions extends Omit<FollowOptions, 'wait' | 'pollSeconds'> {
  /** Workspace root (the checkout, on the shared filesystem). */
  readonly root: string;
  readonly settings: ClusterSettings;
  /** Return right after submitting; `slurmStatus` follows it later. */
  readonly detach?: boolean;
}

/**
 * Run a sweep on SLURM: shared stages once, the points that are not cached as one job array.
 * @returns 0 when every point is done, 1 when some failed, 130 when cancelled (Ctrl-C cancels the jobs),
 *   0 right after submitting with `detach`.
 */
export async function runSweepOnSlurm(opts: SlurmRunOptions & { readonly sweep: Sweep }): Promise<number> {
  return submitPlan(sweepPlan(opts.sweep), opts, opts.sweep);
}

/** Run a pipeline on SLURM: one job per stage that is not cached, each after the jobs of the stages it needs. */
export async function runPipelineOnSlurm(opts: SlurmRunOptions & { readonly pipeline: Pipeline }): Promise<number> {
  return submitPlan(pipelinePlan(opts.pipeline), opts, undefined);
}

/**
 * The newest submission of a sweep or pipeline: print where it stands; with `wait`, follow it to the end;
 * with `cancel`, scancel its jobs. Finishing a submission (restoring outputs, publishing reports, ending
 * the parent run) happens once, in whichever command sees it over first.
 * @returns 0 all done, 1 failures, 3 still queued or running (without wait), 130 cancelled.
 */
export async function slurmStatus(opts: Omit<FollowOptions, 'wait'> & { readonly root: string; readonly settings: ClusterSettings; readonly name: string; readonly wait?: boolean; readonly cancel?: boolean }): Promise<number> {
  const dir = latestSubmissionDir(opts.settings, opts.name);
  if (!dir) throw new PipelineError(`no SLURM submission of '${opts.name}' under ${relative(opts.root, opts.settings.workDir) || opts.settings.workDir}`);
  const sub = readSubmission(dir);
  const env = opts.env ?? process.env;
  if (opts.cancel && !existsSync(finalFile(dir))) {
    const ids = sub.jobs.filter((j) => j.jobId && !j.local).map((j) => j.jobId!);
    scancel(ids, env);
    (opts.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(`cancelled SLURM job${ids.length > 1 ? 's' : ''} ${ids.join(', ')}`);
  }
  return followSubmission(sub, { cancelOnInterrupt: false, ...opts, pollSeconds: opts.pollSeconds ?? opts.settings.pollSeconds, wait: Boolean(opts.wait || opts.cancel) });
}

export function latestSubmissionDir(settings: ClusterSettings, name: string): string | undefined {
  const latest = latestFile(settings.workDir, name);
  if (!existsSync(latest)) return undefined;
  const dir = join(settings.workDir, name, readFileSync(latest, 'utf8').trim());
  return existsSync(dir) ? dir : undefined;
}

async function submitPlan(plan: WorkPlan, opts: SlurmRunOptions, sweep: Sweep | undefined): Promise<number> {
  const { root, settings } = opts;
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const version = slurmCommand('sbatch', ['--version'], env);
  if (version.status !== 0) throw new SlurmError(`sbatch --version failed: ${version.stderr.trim().split('\n')[0]}`);
  ensureWorkDir(settings.workDir);
  await settlePrevious(plan, opts, env, log);

  const tracking = trackingEnv(root, settings, env);
  const noun = plan.kind === 'sweep' ? 'points' : 'stages';
  const counted = plan.units.filter((u) => u.id !== SHARED_UNIT || plan.kind === 'pipeline');
  // Probe: what the caches (this machine's and the shared one) already hold. Nothing is computed.
  const bridge = await startCacheBridge(settings.cacheDir);
  let probe;
  try {
    probe = await runNx({ cwd: root, projects: plan.projects, cacheDir: localNxCacheDir(root, env), env: { ...tracking, ...bridge.env }, probe: true, output: 'collect', parallel: 2 });
  } finally {
    await bridge.close();
  }
  if (probe.tasks.size === 0 && probe.code !== 0) {
    throw new PipelineError(`nx failed before running anything: ${probe.output.trim().split('\n').slice(-5).join(' | ')}`);
  }
  const decision = decide(plan, probe.tasks, sharedCacheHas(settings.cacheDir));
  const tracker = createTracker({ cwd: root, env: { ...env, ...tracking } });

  if (decision.todo.length === 0) {
    log(`${plan.name}: all ${counted.length} ${noun} are cached — nothing to submit`);
    await publishReports(root, plan.name, plan.stageIds);
    if (sweep) {
      const experimentId = await tracker.getOrCreateExperiment(sweep.name);
      const parent = (await findSweepParent(tracker, experimentId, sweep.hash))?.runId ?? (await createParent(tracker, experimentId, sweep, root)).runId;
      await tracker.endRun(parent, 'FINISHED');
    }
    await opts.onFinished?.({ endedAt: new Date().toISOString(), ok: true, cancelled: false, doneUnits: decision.done, failedUnits: [], report: [] }, undefined);
    return 0;
  }

  const id = newSubmissionId();
  const dir = join(settings.workDir, plan.name, id);
  const jobs = planJobs(plan, decision.todo, settings);
  const t0 = Date.now();
  mirrorWorkspace(root, join(dir, 'snapshot'), { mode: 'copy', skip: [settings.workDir, settings.cacheDir, settings.trackingStore, localNxCacheDir(root, env)] });
  log(`${plan.name}: ${decision.missing.length} of ${counted.length} ${noun} to compute${decision.done.length ? ` (${counted.filter((u) => decision.done.includes(u.id)).length} cached)` : ''}; snapshot of the checkout in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  let parent: Run | undefined;
  if (sweep) {
    const experimentId = await tracker.getOrCreateExperiment(sweep.name);
    parent = await createParent(tracker, experimentId, sweep, root);
  }
  const sub: Submission = {
    version: 1, id, kind: plan.kind, name: plan.name, file: plan.file, root, dir,
    createdAt: new Date().toISOString(), cacheDir: settings.cacheDir, env: tracking, node: process.execPath,
    projects: plan.projects, stageIds: plan.stageIds, units: plan.units, jobs,
    cachedUnits: decision.done, concurrency: settings.concurrency,
    ...(parent ? { parentRunId: parent.runId } : {}),
  };
  writeSubmission(sub);
  writeFileSync(latestFile(settings.workDir, plan.name), `${id}\n`);

  const submitted: string[] = [];
  try {
    for (const job of jobs) {
      if (job.local) {
        log(`${plan.name}: running the shared stages here first (shared: local)`);
        const code = await runTask({ submission: sub, job: job.name, index: 0, log: (l) => log(`  ${l}`) });
        if (code !== 0) throw new PipelineError(`the shared stages failed here (exit code ${code}); nothing submitted`);
        continue;
      }
      job.jobId = sbatch(sbatchArgs(sub, job, settings), env);
      submitted.push(job.jobId);
      writeSubmission(sub);
      const tasks = job.array ? ` (${job.units.length} task${job.units.length === 1 ? '' : 's'}, --array=${arraySpecOf(sub, job)}${settings.concurrency ? `%${settings.concurrency}` : ''})` : '';
      log(`submitted ${job.name} as SLURM job ${job.jobId}${tasks}: ${describeResources(job)}${job.after.length ? ` · after ${job.after.join(', ')}` : ''}`);
    }
  } catch (err) {
    if (submitted.length) scancel(submitted, env);
    await parent?.end('FAILED');
    throw err;
  }
  const arrayJob = jobs.find((j) => j.array) ?? jobs.at(-1);
  await parent?.setTags({
    'relaxomap.executor': 'slurm',
    'relaxomap.slurm_submission': id,
    ...(arrayJob?.jobId ? { 'slurm.job_id': arrayJob.jobId, ...(arrayJob.array ? { 'slurm.array_job_id': arrayJob.jobId } : {}) } : {}),
    ...(jobs.find((j) => j.name === SHARED_UNIT)?.jobId ? { 'slurm.shared_job_id': jobs.find((j) => j.name === SHARED_UNIT)!.jobId! } : {}),
  });
  log(`logs: ${relative(root, join(dir, 'logs')) || join(dir, 'logs')}/`);
  if (opts.detach) {
    log(`detached: follow it with \`relaxomap status ${plan.name}\` (--wait to wait, --cancel to cancel)`);
    return 0;
  }
  return followSubmission(sub, { ...opts, env, log, wait: true, pollSeconds: settings.pollSeconds });
}

/** A previous submission of the same name still in the queue blocks a new one; one that is over but never followed is finished now. */
async function settlePrevious(plan: WorkPlan, opts: SlurmRunOptions, env: NodeJS.ProcessEnv, log: (l: string) => void): Promise<void> {
  const dir = latestSubmissionDir(opts.settings, plan.name);
  if (!dir || existsSync(finalFile(dir))) return;
  const prev = readSubmission(dir);
  const statuses = pollSubmission(prev, env);
  if (statuses.some((s) => s.phase === 'queued' || s.phase === 'running')) {
    const ids = prev.jobs.filter((j) => j.jobId).map((j) => j.jobId).join(', ');
    throw new PipelineError(`'${plan.name}' is still on SLURM (submission ${prev.id}, job ${ids}): follow it with \`relaxomap status ${plan.name} --wait\` or cancel it with \`relaxomap status ${plan.name} --cancel\``);
  }
  log(`${plan.name}: finishing the previous submission ${prev.id} first`);
  await followSubmission(prev, { ...opts, env, log, wait: true });
}

async function createParent(tracker: ReturnType<typeof createTracker>, experimentId: string, sweep: Sweep, root: string): Promise<Run> {
  const parent = await tracker.createRun(experimentId, { runName: `sweep ${sweep.name}`, tags: sweepParentTags(sweep) });
  await parent.logParams({ 'sweep.pipeline': sweep.base.name, 'sweep.points': sweep.points.length, 'sweep.keys': sweep.keys.join(',') });
  await parent.logArtifact(join(root, sweep.file));
  return parent;
}

function arraySpecOf(sub: Submission, job: JobSpec): string {
  return arraySpec(job.units.map((u) => sub.units.find((x) => x.id === u)!.index));
}

function describeResources(job: JobSpec): string {
  const r = job.resources;
  return [`${r.cpus} cpu${r.cpus > 1 ? 's' : ''}`, `${r.memoryMb} MB`, formatSlurmTime(r.timeSeconds), ...(r.gpus ? [`${r.gpus} GPU${r.gpus > 1 ? 's' : ''}`] : []), ...(r.partition ? [`partition ${r.partition}`] : [])].join(', ');
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Write the batch script and build sbatch's arguments for one job. */
function sbatchArgs(sub: Submission, job: JobSpec, settings: ClusterSettings): string[] {
  const script = join(sub.dir, `job-${job.name}.sh`);
  const entry = join(sub.dir, 'snapshot', 'packages', 'cluster', 'dist', 'task.js');
  writeFileSync(script, [
    '#!/bin/sh',
    `# relaxomap ${sub.kind} ${sub.name}, submission ${sub.id}, job ${job.name} (written by relaxomap; sbatch keeps its own copy)`,
    `exec ${quote(sub.node)} ${quote(entry)} ${quote(sub.dir)} ${quote(job.name)}`,
    '',
  ].join('\n'));
  chmodSync(script, 0o755);
  const deps = job.after.map((name) => sub.jobs.find((j) => j.name === name)?.jobId).filter((x): x is string => Boolean(x));
  return [
    `--job-name=relaxomap-${sub.name}-${job.name}`,
    `--output=${join(sub.dir, 'logs', job.array ? `${job.name}-%A_%a.out` : `${job.name}-%j.out`)}`,
    `--chdir=${sub.dir}`,
    ...resourceArgs(settings, job.resources),
    ...(job.array ? [`--array=${arraySpecOf(sub, job)}${settings.concurrency ? `%${settings.concurrency}` : ''}`] : []),
    ...(deps.length ? [`--dependency=afterok:${deps.join(':')}`, '--kill-on-invalid-dep=yes'] : []),
    script,
  ];
}

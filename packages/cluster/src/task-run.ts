/**
 * One task of a submission, on whatever node SLURM chose: mirror the submission's snapshot into a
 * workspace of its own, point Nx at a private local cache (node-local disk) and at the shared cache
 * (through the bridge), run the unit's Nx projects, record the outcome, clean up.
 *
 * Nx runs the unit's projects with their upstream stages: those come back from the shared cache (the
 * shared job put them there), so their cache keys — and so the points' keys — are exactly those of a
 * local run of the same sweep. Every run the stages log goes to the shared tracking store; the runner
 * tags it with SLURM_JOB_ID / SLURM_ARRAY_JOB_ID / SLURM_ARRAY_TASK_ID.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCacheBridge } from './cache-bridge.js';
import { mirrorWorkspace } from './mirror.js';
import { runNx } from './nx.js';
import { logFile, resultFile, writeJsonAtomic, type Submission, type TaskResult } from './submission.js';

export interface RunTaskOptions {
  readonly submission: Submission;
  readonly job: string;
  readonly index: number;
  readonly log?: (line: string) => void;
  /** Keep the task's workspace and Nx folders (debugging). */
  readonly keep?: boolean;
}

/** Run one task; returns its exit code (Nx's), after writing results/<job>-<index>.json. */
export async function runTask(opts: RunTaskOptions): Promise<number> {
  const { submission: sub, job: jobName, index } = opts;
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const job = sub.jobs.find((j) => j.name === jobName);
  if (!job) throw new Error(`submission ${sub.id} has no job '${jobName}'`);
  const unitId = job.array ? sub.units.find((u) => u.index === index && job.units.includes(u.id))?.id : job.units[0];
  const unit = sub.units.find((u) => u.id === unitId);
  if (!unit) throw new Error(`submission ${sub.id}, job '${jobName}': no unit for task ${index}`);
  const startedAt = new Date();
  const slurmJob = process.env.SLURM_JOB_ID;
  log(`relaxomap task · ${sub.kind} ${sub.name} · ${unit.id}${unit.label ? ` (${unit.label})` : ''} · job ${jobName}${job.array ? ` task ${index}` : ''} · SLURM job ${slurmJob ?? '-'} on ${hostname()}`);

  const ws = join(sub.dir, 'ws', `${jobName}-${index}-${slurmJob ?? process.pid}`);
  // Nx's local cache and database on node-local disk: SQLite (WAL) is not safe on a network filesystem.
  const scratch = mkdtempSync(join(process.env.TMPDIR || tmpdir(), `relaxomap-task-${slurmJob ?? process.pid}-`));
  const bridge = await startCacheBridge(sub.cacheDir);
  let child: { kill(signal: NodeJS.Signals): boolean; pid?: number } | undefined;
  let caught: NodeJS.Signals | null = null;
  // SLURM sends SIGTERM at the time limit or on scancel: pass it on, so the stage ends its MLflow run KILLED.
  const forward = (signal: NodeJS.Signals): void => {
    caught = signal;
    child?.kill(signal);
  };
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  let code = 1;
  let signal: string | null = null;
  let tasks: TaskResult['tasks'] = {};
  try {
    const t0 = Date.now();
    const stats = mirrorWorkspace(join(sub.dir, 'snapshot'), ws, { mode: 'link' });
    log(`workspace ${ws} (${stats.hardLinks + stats.files} files linked in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const r = await runNx({
      cwd: ws,
      projects: unit.projects,
      cacheDir: join(scratch, 'cache'),
      workspaceDataDir: join(scratch, 'workspace-data'),
      env: { ...sub.env, ...bridge.env, CI: 'true', NO_COLOR: '1' },
      output: 'inherit',
      onSpawn: (c) => {
        child = c;
        if (caught) c.kill(caught);
      },
    });
    code = r.code;
    signal = r.signal ?? caught;
    tasks = Object.fromEntries([...r.tasks.values()].map((t) => [t.project, { cacheStatus: t.cacheStatus, status: t.status }]));
    log(`shared cache ${sub.cacheDir}: ${bridge.stats.hits} restored, ${bridge.stats.stores} stored`);
  } catch (err) {
    log(`relaxomap task: error: ${err instanceof Error ? err.message : String(err)}`);
    code = 1;
  } finally {
    process.off('SIGTERM', forward);
    process.off('SIGINT', forward);
    await bridge.close();
    const result: TaskResult = {
      job: jobName, index, unit: unit.id, slurmJobId: slurmJob, host: hostname(),
      startedAt: startedAt.toISOString(), endedAt: new Date().toISOString(),
      exitCode: signal ? null : code, signal: signal ?? null, tasks,
      log: logFile(sub.dir, { ...job, jobId: process.env.SLURM_ARRAY_JOB_ID ?? slurmJob }, index),
    };
    writeJsonAtomic(resultFile(sub.dir, jobName, index), result);
    if (!opts.keep) {
      rmSync(ws, { recursive: true, force: true });
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  log(code === 0 ? `✔ ${unit.id} done` : `✖ ${unit.id} failed (${signal ? `signal ${signal}` : `exit code ${code}`})`);
  return signal ? 128 + (signal === 'SIGTERM' ? 15 : signal === 'SIGINT' ? 2 : 9) : code;
}

/**
 * A submission: everything one `relaxomap sweep … --executor slurm` sent to SLURM, written as JSON next
 * to the logs so that array tasks (on other nodes) and a later `relaxomap status` (in another process)
 * read the same map. Layout, under the work folder (default .relaxomap/slurm/):
 *
 *   <name>/latest                      id of the newest submission
 *   <name>/<id>/submission.json        units, jobs (SLURM ids), task → unit map, env, parent run
 *   <name>/<id>/job-<job>.sh           the batch script given to sbatch
 *   <name>/<id>/logs/<job>-%A_%a.out   one log per array task (stdout + stderr); <job>-%j.out for a single job
 *   <name>/<id>/results/<job>-<i>.json written by each task as it ends: exit code, signal, Nx task statuses
 *   <name>/<id>/final.json             written once the whole submission is over (by the waiting command or status)
 *   <name>/<id>/snapshot/              the checkout as it was at submission (removed when over)
 *   <name>/<id>/ws/<job>-<i>/          a task's own workspace while it runs
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '@relaxomap/tracking';
import type { JobResources } from './config.js';

/** Something that must be done: a sweep point, the shared stages, or one stage of a pipeline. */
export interface Unit {
  /** `shared`, a point id (`p-mse-1`) or a stage id. */
  readonly id: string;
  /** The point's values, for messages (`train.loss=mse train.network.blocks=1`). */
  readonly label: string;
  /** Its Nx projects (`grid.train--p-mse-1`, …). */
  readonly projects: readonly string[];
  /** Base stage ids, for resources (`train`, `evaluate`). */
  readonly stages: readonly string[];
  /** Array task id (a point's position in the sweep), stable across submissions. */
  readonly index: number;
}

export interface JobSpec {
  /** `shared`, `points`, or a stage id. */
  readonly name: string;
  readonly array: boolean;
  /** Units run by this job; for an array, task i runs the unit with index i. */
  readonly units: readonly string[];
  readonly resources: JobResources;
  /** Jobs of this submission that must finish first (afterok). */
  readonly after: readonly string[];
  /** Runs on the submitting machine before the others are submitted (shared stages, `shared: local`). */
  readonly local?: boolean;
  /** SLURM job id once submitted. */
  jobId?: string;
}

export interface Submission {
  readonly version: 1;
  readonly id: string;
  readonly kind: 'sweep' | 'pipeline';
  readonly name: string;
  readonly file: string;
  readonly root: string;
  readonly dir: string;
  readonly createdAt: string;
  readonly cacheDir: string;
  /** Environment every task gets (tracking URIs). */
  readonly env: Readonly<Record<string, string>>;
  readonly node: string;
  /** Every Nx project of the pipeline, for the final restore pass. */
  readonly projects: readonly string[];
  readonly stageIds: readonly string[];
  readonly units: readonly Unit[];
  readonly jobs: JobSpec[];
  /** Units found complete (cached) before submitting. */
  readonly cachedUnits: readonly string[];
  parentRunId?: string;
  readonly concurrency: number | undefined;
}

export interface TaskResult {
  readonly job: string;
  readonly index: number;
  readonly unit: string;
  readonly slurmJobId: string | undefined;
  readonly host: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Per Nx project: cache status and exit status, as Nx recorded them. */
  readonly tasks: Readonly<Record<string, { cacheStatus: string; status: number }>>;
  readonly log: string | undefined;
}

export interface FinalSummary {
  readonly endedAt: string;
  readonly ok: boolean;
  readonly cancelled: boolean;
  readonly doneUnits: readonly string[];
  readonly failedUnits: readonly string[];
  readonly report: readonly string[];
}

export const submissionFile = (dir: string): string => join(dir, 'submission.json');
export const resultFile = (dir: string, job: string, index: number): string => join(dir, 'results', `${job}-${index}.json`);
export const finalFile = (dir: string): string => join(dir, 'final.json');
export const latestFile = (workDir: string, name: string): string => join(workDir, name, 'latest');
/** Log of a task: what sbatch's `--output` pattern expands to. */
export const logFile = (dir: string, job: JobSpec, index: number): string =>
  join(dir, 'logs', job.array ? `${job.name}-${job.jobId ?? '%A'}_${index}.out` : `${job.name}-${job.jobId ?? '%j'}.out`);

/** Submission ids sort by time: `20261125-233000-1a2b`. */
export function newSubmissionId(now = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, '').replace(/[-:]/g, '').replace('T', '-');
  return `${stamp}-${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0')}`;
}

export function writeSubmission(sub: Submission): void {
  // sbatch does not create the folder of --output: a job whose log folder is missing fails unseen.
  for (const d of ['logs', 'results']) mkdirSync(join(sub.dir, d), { recursive: true });
  writeFileAtomicSync(submissionFile(sub.dir), `${JSON.stringify(sub, null, 2)}\n`);
}

export function readSubmission(dir: string): Submission {
  const file = submissionFile(dir);
  if (!existsSync(file)) throw new Error(`${file}: no submission here`);
  return JSON.parse(readFileSync(file, 'utf8')) as Submission;
}

export function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileAtomicSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** The work folder's own `.gitignore` (`*`): neither git nor Nx should ever walk submissions. */
export function ensureWorkDir(workDir: string): void {
  mkdirSync(workDir, { recursive: true });
  const ignore = join(workDir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '# relaxomap SLURM submissions: logs, task maps, snapshots\n*\n');
}

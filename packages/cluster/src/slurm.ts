/**
 * The SLURM commands this package uses — sbatch, squeue, scontrol, scancel — and parsers for what they
 * print. No slurmdbd is assumed: `sacct` needs it, so the state and exit code of a job that has left the
 * queue come from `scontrol show job` (while the controller still remembers it, MinJobAge) and else from
 * the job-completion log (JobCompType=jobcomp/filetxt, JobCompLoc) when the site keeps one readable.
 * Parsers are pure (tested on captured output); the runners spawn the commands with the caller's env.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** A job's (or array task's) state as SLURM reports it, e.g. PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT. */
export interface JobRecord {
  /** `123` for a job, `123_4` for an array task. */
  readonly id: string;
  readonly jobId: string;
  readonly arrayJobId: string | undefined;
  readonly arrayTaskId: number | undefined;
  readonly state: string;
  /** Exit code of the batch script; undefined while running. */
  readonly exitCode: number | undefined;
  /** Signal that ended it (0 = none). */
  readonly signal: number | undefined;
  readonly stdout: string | undefined;
  readonly reason: string | undefined;
  readonly timeLimit: string | undefined;
  readonly runTime: string | undefined;
}

export class SlurmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SlurmError';
  }
}

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run a SLURM client command; throws a one-line SlurmError when it is missing. */
export function slurmCommand(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout: 60_000 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new SlurmError(code === 'ENOENT' ? `${cmd} not found: is this a SLURM login node? (install slurm-wlm, or load the slurm module)` : `${cmd}: ${r.error.message}`);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const firstLine = (text: string): string => text.trim().split('\n')[0] ?? '';

/** `sbatch --parsable …` → the job id (the part before `;cluster`). */
export function sbatch(args: readonly string[], env?: NodeJS.ProcessEnv): string {
  const r = slurmCommand('sbatch', ['--parsable', ...args], env);
  if (r.status !== 0) throw new SlurmError(`sbatch failed: ${firstLine(r.stderr) || `exit ${r.status}`}`);
  const id = firstLine(r.stdout).split(';')[0]!;
  if (!/^\d+$/.test(id)) throw new SlurmError(`sbatch printed no job id: '${firstLine(r.stdout)}'`);
  return id;
}

export function scancel(jobIds: readonly string[], env?: NodeJS.ProcessEnv): void {
  if (jobIds.length === 0) return;
  const r = slurmCommand('scancel', [...jobIds], env);
  if (r.status !== 0) throw new SlurmError(`scancel failed: ${firstLine(r.stderr) || `exit ${r.status}`}`);
}

/** Split a job id as squeue/scontrol print it: `123`, `123_4`, or a pending range `123_[0-4%2]`. */
function splitId(id: string): { jobId: string; arrayJobId?: string; arrayTaskId?: number } {
  const m = /^(\d+)_(\d+)$/.exec(id);
  return m ? { jobId: id, arrayJobId: m[1]!, arrayTaskId: Number(m[2]) } : { jobId: id };
}

/** Parse `squeue -h -r -o '%i|%T|%r'` (one array task per line with -r). */
export function parseSqueue(text: string): JobRecord[] {
  return text.split('\n').filter((l) => l.trim()).map((line) => {
    const [id = '', state = '', reason] = line.trim().split('|');
    const s = splitId(id);
    return { id, jobId: s.jobId, arrayJobId: s.arrayJobId, arrayTaskId: s.arrayTaskId, state, exitCode: undefined, signal: undefined, stdout: undefined, reason: reason || undefined, timeLimit: undefined, runTime: undefined };
  });
}

/** Jobs still in the queue (pending, running, completing); jobs the controller has forgotten are simply absent. */
export function squeue(jobIds: readonly string[], env?: NodeJS.ProcessEnv): JobRecord[] {
  if (jobIds.length === 0) return [];
  const r = slurmCommand('squeue', ['-h', '-r', '-j', jobIds.join(','), '-o', '%i|%T|%r'], env);
  if (r.status !== 0) {
    // Every id purged (older than MinJobAge): nothing of them is queued.
    if (/Invalid job id/i.test(r.stderr)) return [];
    throw new SlurmError(`squeue failed: ${firstLine(r.stderr) || `exit ${r.status}`}`);
  }
  return parseSqueue(r.stdout);
}

/** `key=value` pairs of one `scontrol -o show job` line (values may not contain spaces, except the last). */
function keyValues(line: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of line.matchAll(/(?:^|\s)([A-Za-z][A-Za-z0-9/:_]*)=(\S*)/g)) if (!out.has(m[1]!)) out.set(m[1]!, m[2]!);
  return out;
}

function exitPair(value: string | undefined): { exitCode?: number; signal?: number } {
  const m = /^(\d+):(\d+)$/.exec(value ?? '');
  return m ? { exitCode: Number(m[1]), signal: Number(m[2]) } : {};
}

/** One `Key=Value …` line of scontrol or the jobcomp log → a job record (fields the source lacks stay undefined). */
function jobRecord(kv: Map<string, string>, withDetails: boolean): JobRecord {
  const arrayJobId = kv.get('ArrayJobId');
  const taskText = kv.get('ArrayTaskId');
  const arrayTaskId = taskText && /^\d+$/.test(taskText) ? Number(taskText) : undefined;
  const jobId = kv.get('JobId')!;
  const { exitCode, signal } = exitPair(kv.get('ExitCode'));
  return {
    id: arrayJobId && arrayTaskId !== undefined ? `${arrayJobId}_${arrayTaskId}` : jobId,
    jobId, arrayJobId, arrayTaskId,
    state: kv.get('JobState') ?? 'UNKNOWN',
    exitCode, signal,
    stdout: withDetails ? kv.get('StdOut') : undefined,
    reason: withDetails ? kv.get('Reason') : undefined,
    timeLimit: kv.get('TimeLimit'),
    runTime: withDetails ? kv.get('RunTime') : undefined,
  };
}

/** Parse `scontrol -o show job …` (one job or array task per line). */
export function parseScontrolJobs(text: string): JobRecord[] {
  return text.split('\n').filter((l) => /JobId=/.test(l)).map((line) => jobRecord(keyValues(line), true));
}

/** What the controller still knows of a job (all tasks of an array); empty once it has been purged. */
export function scontrolShowJob(jobId: string, env?: NodeJS.ProcessEnv): JobRecord[] {
  const r = slurmCommand('scontrol', ['-o', 'show', 'job', jobId], env);
  if (r.status !== 0) {
    if (/Invalid job id/i.test(r.stderr)) return [];
    throw new SlurmError(`scontrol show job ${jobId} failed: ${firstLine(r.stderr) || `exit ${r.status}`}`);
  }
  return parseScontrolJobs(r.stdout);
}

/** Parse a jobcomp/filetxt log (`JobId=… JobState=… ArrayJobId=… ArrayTaskId=… ExitCode=a:b` per line). */
export function parseJobCompLog(text: string): JobRecord[] {
  return text.split('\n').filter((l) => l.startsWith('JobId=')).map((line) => jobRecord(keyValues(line), false));
}

/** The job-completion log, if the site writes one (jobcomp/filetxt) and we may read it. */
export function jobCompLog(env?: NodeJS.ProcessEnv): string | undefined {
  const r = slurmCommand('scontrol', ['show', 'config'], env);
  if (r.status !== 0) return undefined;
  const type = /^JobCompType\s*=\s*(\S+)/m.exec(r.stdout)?.[1];
  const loc = /^JobCompLoc\s*=\s*(\S+)/m.exec(r.stdout)?.[1];
  if (type !== 'jobcomp/filetxt' || !loc || !existsSync(loc)) return undefined;
  try {
    return readFileSync(loc, 'utf8');
  } catch {
    return undefined;
  }
}

/** SLURM states in which a job or task is finished for good. */
export const FINAL_STATES = new Set([
  'COMPLETED', 'FAILED', 'TIMEOUT', 'CANCELLED', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'REVOKED', 'SPECIAL_EXIT',
]);

/** SLURM states counted as waiting in the queue. */
export const QUEUED_STATES = new Set(['PENDING', 'CONFIGURING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD', 'SUSPENDED', 'STOPPED']);

#!/usr/bin/env node
/**
 * The command every SLURM job of a submission runs (see submit.ts, the batch script):
 *   node …/packages/cluster/dist/task.js <submission dir> <job name> [task index]
 * The task index is SLURM_ARRAY_TASK_ID in an array job, else 0. Exit code: Nx's (0 = every project of
 * the unit done), 128 + signal when SLURM stopped it (time limit, scancel).
 */
import { readSubmission } from './submission.js';
import { runTask } from './task-run.js';

const [dir, job, indexArg] = process.argv.slice(2);
if (!dir || !job) {
  process.stderr.write('usage: task.js <submission dir> <job name> [task index]\n');
  process.exit(2);
}
const index = Number(process.env.SLURM_ARRAY_TASK_ID ?? indexArg ?? 0);
runTask({ submission: readSubmission(dir), job, index, keep: process.env.RELAXOMAP_KEEP_TASK_WS === '1' }).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`relaxomap task: error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

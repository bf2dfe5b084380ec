/**
 * Sweeps and pipelines on a real SLURM (Debian's slurm-wlm 22.05 + munge), started and stopped here as
 * a single-node cluster by scripts/slurm-cluster.sh. A 2 × 2 sweep goes out as a shared job and one job
 * array; its comparison is identical to a local run's; a second run submits nothing; a point made to fail
 * is reported with exit code and log, and after the fix only that point is resubmitted (detached, picked
 * up by `status`); Ctrl-C cancels the array. A pipeline goes out as one job per stage.
 * Without slurmctld/munged the tests are skipped, except under CI=true where they fail (.ci/run installs them).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readFileStore, type StoredRun } from '@relaxomap/tracking';
import { REPO, createWorkspace, tinyPipeline, type Workspace } from './workspace.js';

const installed = ['/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/sbin/munged'].every((f) => existsSync(f));
const inCi = process.env['CI'] === 'true';
const skip = !installed && !inCi ? 'no SLURM (apt-get install slurm-wlm munge); CI=true makes this a failure' : false;

const SCRIPT = join(REPO, 'scripts/slurm-cluster.sh');
const ENTRY = join(REPO, 'packages/stages/dist/cli.js');
/** `relaxomap sweep|run … --executor slurm`, or `relaxomap status …`. */
const onSlurm = (args: string[]): string[] => (args[0] === 'sweep' || args[0] === 'run' ? [...args, '--executor', 'slurm'] : args);
let clusterDir = '';
let slurmEnv: Record<string, string> = {};

before(() => {
  if (skip) return;
  if (!installed) assert.fail('CI=true but SLURM is not installed: apt-get install slurm-wlm munge (.ci/run does)');
  clusterDir = mkdtempSync(join(tmpdir(), 'relaxomap-slurm-'));
  const r = spawnSync('bash', [SCRIPT, 'start', clusterDir], { encoding: 'utf8', env: { ...process.env, SLURM_TEST_GPUS: '2' }, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  slurmEnv = { SLURM_CONF: join(clusterDir, 'slurm.conf') };
});

after(() => {
  if (clusterDir) spawnSync('bash', [SCRIPT, 'stop', clusterDir], { encoding: 'utf8', timeout: 60_000 });
});

/** The relaxomap CLI with the SLURM executor. */
function slurm(ws: Workspace, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [ENTRY, ...onSlurm(args)], { cwd: ws.root, encoding: 'utf8', env: { ...process.env, ...slurmEnv, CI: 'true', NO_COLOR: '1' }, timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function scontrol(id: string): string {
  return spawnSync('scontrol', ['-o', 'show', 'job', id], { encoding: 'utf8', env: { ...process.env, ...slurmEnv } }).stdout;
}

function runsOf(root: string, experiment: string): StoredRun[] {
  const store = readFileStore(join(root, 'mlruns'));
  assert.deepEqual(store.warnings, []);
  return store.experiments.filter((e) => e.name === experiment).flatMap((e) => e.runs).sort((a, b) => a.startTime - b.startTime);
}

const grid = (include = ''): string => `description: tiny grid
pipeline: tiny
targets: [evaluate]
set: { train.steps: 12 }
matrix:
  train.loss: [mse, l1]
  train.network.blocks: [0, 1]
${include}compare:
  primary: rmse_t2.network.brain
  plot: { x: train.network.blocks, color: train.loss }
`;

const CLUSTER = `# the single-node test cluster: 2 cores, 2 fake GPUs
concurrency: 2
poll_seconds: 1
resources:
  default: { cpus: 1, memory: 1G, time: "00:10:00" }
  train: { gpus: 1, time: "00:20:00" }
`;

test('a sweep on SLURM: one array, same comparison as a local run, nothing resubmitted, a failed point reported then alone resubmitted, Ctrl-C cancels', { skip, timeout: 600_000 }, async () => {
  const local = createWorkspace({ 'pipelines/tiny.yaml': tinyPipeline(), 'pipelines/sweeps/grid.yaml': grid() });
  const ws = createWorkspace({ 'pipelines/tiny.yaml': tinyPipeline(), 'pipelines/sweeps/grid.yaml': grid(), 'configs/cluster/slurm.yaml': CLUSTER });
  const reference = local.cli(['sweep', 'grid']);
  assert.equal(reference.status, 0, reference.stderr);

  // 1. The whole sweep: the shared stages as one job, the four points as one array after it.
  const first = slurm(ws, ['sweep', 'grid']);
  assert.equal(first.status, 0, first.stderr);
  const sharedJob = /submitted shared as SLURM job (\d+): 1 cpu, 1024 MB, 00:20:00\n/.exec(first.stderr)?.[1];
  const arrayJob = /submitted points as SLURM job (\d+) \(4 tasks, --array=0-3%2\): 1 cpu, 1024 MB, 00:30:00, 1 GPU · after shared\n/.exec(first.stderr)?.[1];
  assert.ok(sharedJob && arrayJob, first.stderr);
  assert.match(first.stderr, /✔ grid: 4 of 4 points done \(0 cached before; 5 tasks: 5 done, 0 not\)/);
  const job = scontrol(arrayJob);
  assert.match(job, /TresPerNode=gres:gpu:1/, 'train asks for a GPU');
  assert.match(job, /ArrayTaskThrottle=2/, 'at most 2 tasks at once');

  let runs = runsOf(ws.root, 'grid');
  const parent = runs.find((r) => r.tags['relaxomap.sweep_role'] === 'parent')!;
  assert.equal(parent.status, 'FINISHED');
  assert.equal(parent.tags['slurm.job_id'], arrayJob, "the parent records the array's job id");
  assert.equal(parent.tags['slurm.shared_job_id'], sharedJob);
  const children = runs.filter((r) => r !== parent);
  assert.equal(children.length, 10);
  const pointIndex: Record<string, string> = { 'p-mse-0': '0', 'p-mse-1': '1', 'p-l1-0': '2', 'p-l1-1': '3' };
  for (const run of children) {
    assert.equal(run.status, 'FINISHED', run.runName);
    assert.equal(run.tags['mlflow.parentRunId'], parent.runId, run.runName);
    const point = run.tags['relaxomap.sweep_point'];
    if (point) {
      assert.equal(run.tags['slurm.array_job_id'], arrayJob, run.runName);
      assert.equal(run.tags['slurm.array_task_id'], pointIndex[point], `${run.runName}: its array task`);
    } else assert.equal(run.tags['slurm.job_id'], sharedJob, run.runName);
  }
  assert.equal(readdirSync(join(ws.root, '.nx/shared-cache')).filter((f) => !f.startsWith('.')).length, 10, 'every task in the shared cache');
  assert.ok(readdirSync(join(ws.root, 'artifacts/grid/evaluate--p-l1-1')).length > 0, 'outputs restored into the checkout');

  // Same numbers as the local run: the comparison tables are identical, to the last digit.
  const compare = ws.cli(['compare', 'grid']);
  assert.equal(compare.status, 0, compare.stderr);
  for (const f of ['compare.md', 'compare.csv']) {
    assert.equal(readFileSync(join(ws.root, 'reports/grid', f), 'utf8'), readFileSync(join(local.root, 'reports/grid', f), 'utf8'), f);
  }

  // 2. Again: every point is cached, nothing is submitted.
  const latest = join(ws.root, '.relaxomap/slurm/grid/latest');
  const submission = readFileSync(latest, 'utf8');
  const again = slurm(ws, ['sweep', 'grid']);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /^grid: all 4 points are cached — nothing to submit$/m);
  assert.doesNotMatch(again.stderr, /submitted/);
  assert.equal(readFileSync(latest, 'utf8'), submission, 'no new submission');

  // 3. A point with an impossible parameter (3 echo times for 4 echoes): reported with exit code, error and log.
  ws.write('pipelines/sweeps/grid.yaml', grid('include:\n  - { train.loss: mse, train.network.blocks: 1, train.TE_ms: [43, 67, 91] }\n'));
  const failing = slurm(ws, ['sweep', 'grid']);
  assert.equal(failing.status, 1, failing.stderr);
  assert.match(failing.stderr, /submitted points as SLURM job \d+ \(1 task, --array=4%2\)/, 'only the new point; the shared stages are cached');
  assert.doesNotMatch(failing.stderr, /submitted shared/);
  const failure = /✖ (p-[0-9a-f]{8}) \(train\.loss="mse" train\.network\.blocks=1 train\.TE_ms=\[43,67,91\]\) · SLURM task (\d+)_4 · FAILED, exit code 1 · failed: grid\.train--p-[0-9a-f]{8} · NonZeroExitCode · log (\S+)\n/.exec(failing.stderr);
  assert.ok(failure, failing.stderr);
  assert.match(failing.stderr, /\n {4}.*relaxomap: error: .*TE_ms: has 3 echo times but the data .* has 4 echoes\n/, 'the error line from the log');
  assert.match(readFileSync(join(ws.root, failure[3]!), 'utf8'), /TE_ms: has 3 echo times/, 'the log named is the task log');
  const failedRun = runsOf(ws.root, 'grid').find((r) => r.runName === `train--${failure[1]}`)!;
  assert.equal(failedRun.status, 'FAILED');
  assert.equal(failedRun.tags['slurm.array_task_id'], '4');
  const status = slurm(ws, ['status', 'grid']);
  assert.equal(status.status, 1);
  assert.match(status.stderr, /✖ p-[0-9a-f]{8} .* exit code 1/, 'status tells the same later');

  // 4. Fixed (4 echo times): only that point goes out, detached; `status --wait` follows it to the end.
  ws.write('pipelines/sweeps/grid.yaml', grid('include:\n  - { train.loss: mse, train.network.blocks: 1, train.TE_ms: [43, 67, 91, 115] }\n'));
  const detached = slurm(ws, ['sweep', 'grid', '--detach']);
  assert.equal(detached.status, 0, detached.stderr);
  assert.match(detached.stderr, /grid: 1 of 5 points to compute \(4 cached\)/);
  assert.match(detached.stderr, /submitted points as SLURM job \d+ \(1 task, --array=4%2\)/);
  assert.match(detached.stderr, /detached: follow it with `relaxomap status grid`/);
  const waited = slurm(ws, ['status', 'grid', '--wait']);
  assert.equal(waited.status, 0, waited.stderr);
  assert.match(waited.stderr, /✔ grid: 5 of 5 points done \(4 cached before; 1 task: 1 done, 0 not\)/);
  runs = runsOf(ws.root, 'grid');
  const fixedParent = runs.filter((r) => r.tags['relaxomap.sweep_role'] === 'parent').at(-1)!;
  assert.equal(fixedParent.status, 'FINISHED', 'status ended the parent of the detached submission');

  // 5. Ctrl-C while waiting cancels the array: the job is CANCELLED, the stage run and the parent KILLED.
  ws.write('pipelines/sweeps/grid.yaml', grid('include:\n  - { train.loss: l1, train.network.blocks: 1, train.steps: 1000000 }\n'));
  const child = spawn(process.execPath, [ENTRY, ...onSlurm(['sweep', 'grid'])], { cwd: ws.root, env: { ...process.env, ...slurmEnv, CI: 'true', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 120_000;
  const training = (): boolean => runsOf(ws.root, 'grid').some((r) => r.runName === 'train--p-l1-1-1000000' && r.status === 'RUNNING');
  while (!training()) {
    if (Date.now() > deadline) assert.fail(`the long point never started training: ${stderr}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const exited = new Promise<number | null>((ok) => child.on('close', ok));
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  const cancelled = /cancelled SLURM job (\d+)/.exec(stderr)?.[1];
  assert.ok(cancelled, stderr);
  assert.match(scontrol(cancelled), /JobState=CANCELLED/);
  runs = runsOf(ws.root, 'grid');
  assert.equal(runs.find((r) => r.runName === 'train--p-l1-1-1000000')?.status, 'KILLED');
  assert.equal(runs.filter((r) => r.tags['relaxomap.sweep_role'] === 'parent').at(-1)!.status, 'KILLED');
});

test('a pipeline on SLURM: one job per stage, each after the stages it needs; a second run submits nothing', { skip, timeout: 300_000 }, () => {
  const ws = createWorkspace({ 'pipelines/tiny.yaml': tinyPipeline({ steps: 12 }), 'configs/cluster/slurm.yaml': CLUSTER });
  const r = slurm(ws, ['run', 'tiny']);
  assert.equal(r.status, 0, r.stderr);
  const jobs = Object.fromEntries([...r.stderr.matchAll(/submitted (\w+) as SLURM job (\d+): .*?(?: · after ([\w, ]+))?\n/g)].map((m) => [m[1], { id: m[2], after: m[3] ?? '' }]));
  assert.deepEqual(Object.keys(jobs), ['simulate', 'varpro', 'train', 'evaluate', 'figure']);
  assert.equal(jobs.evaluate!.after, 'simulate, varpro, train');
  assert.match(scontrol(jobs.evaluate!.id!), new RegExp(`JobState=COMPLETED`));
  const runs = runsOf(ws.root, 'tiny');
  assert.deepEqual(runs.map((x) => x.runName).sort(), ['evaluate', 'figure', 'simulate', 'train', 'varpro']);
  for (const run of runs) {
    assert.equal(run.status, 'FINISHED', run.runName);
    assert.equal(run.tags['slurm.job_id'], jobs[run.runName]!.id, `${run.runName} ran in its own job`);
  }
  assert.ok(existsSync(join(ws.root, 'reports/tiny')), 'reports published in the checkout');
  const again = slurm(ws, ['run', 'tiny']);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /tiny: all 5 stages are cached — nothing to submit/);
});

/**
 * Bad input: a one-line error naming file and field, a non-zero exit, no partial artifact and no
 * MLflow run left RUNNING — for malformed YAML, unknown kinds, ill-typed params, a TE list that does
 * not match the data, NaN in the data, a T2 range with min ≥ max; plus SIGTERM → KILLED → resume.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeNpy, readNpy } from '@relaxomap/array-io';
import { readFileStore } from '@relaxomap/tracking';
import { createWorkspace, tinyPipeline } from './workspace.js';

function statuses(root: string): string[] {
  if (!existsSync(join(root, 'mlruns'))) return [];
  return readFileStore(join(root, 'mlruns')).experiments.flatMap((e) => e.runs.map((r) => `${r.runName}:${r.status}`)).sort();
}

/** Wait until the train stage's first complete checkpoint exists (latest.json is written last, atomically). */
async function firstCheckpoint(root: string): Promise<void> {
  const work = join(root, 'artifacts/tiny/.work/train');
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const dirs = existsSync(work) ? readdirSync(work).filter((d) => d.startsWith('checkpoint-')) : [];
    if (dirs.length && existsSync(join(work, dirs[0]!, 'latest.json'))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail('no checkpoint within 120 s');
}

function assertOneLineError(r: { status: number | null; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.status, 0);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('relaxomap: error:'));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0]!, pattern);
}

test('pipeline errors are caught before anything runs', () => {
  const ws = createWorkspace({ 'pipelines/tiny.yaml': tinyPipeline() });
  const cases: [string, RegExp][] = [
    ['stages:\n  - id: simulate\n    kind: simulate-t2\n    params: {phantom: [\n', /pipelines\/tiny\.yaml:\d+: invalid YAML/],
    ['stages:\n  - id: simulate\n    kind: simulate-t3\n', /pipelines\/tiny\.yaml:3: stages\[0\]\.kind: unknown stage kind 'simulate-t3'/],
    [tinyPipeline().replace('steps: 30', 'steps: many'), /pipelines\/tiny\.yaml:\d+: stages\[2\]\.params\.steps: .*expected number/],
    [tinyPipeline().replace('loss: mse', 'los: mse'), /stages\[2\]\.params\.los: unknown field/],
    [tinyPipeline({ t2Range: '[300, 3]' }), /stages\[1\]\.params\.t2_range_ms: T2 range must have min < max/],
    [tinyPipeline().replace('  - id: varpro\n', '  - id: varpro\n    needs: [simulate]\n'), /invalid YAML|duplicate/i],
  ];
  for (const [text, pattern] of cases) {
    ws.write('pipelines/tiny.yaml', text);
    // `run` validates the pipeline before it starts Nx, so both give the same one-line error.
    for (const args of [['validate', 'tiny'], ['run', 'tiny']]) assertOneLineError(ws.cli(args), pattern);
  }
  assert.deepEqual(statuses(ws.root), [], 'no MLflow run was started');
  assert.ok(!existsSync(join(ws.root, 'artifacts')), 'nothing written');
});

test('data errors fail the stage: run FAILED, no partial output', async () => {
  const ws = createWorkspace({ 'pipelines/tiny.yaml': tinyPipeline({ varproTE: '[43, 67, 91]' }) });
  assert.equal(ws.cli(['stage', 'pipelines/tiny.yaml', 'simulate']).status, 0);
  const r = ws.cli(['stage', 'pipelines/tiny.yaml', 'varpro']);
  assertOneLineError(r, /pipelines\/tiny\.yaml:\d+: stages\[1\]\.params\.TE_ms: has 3 echo times but the data \(artifacts\/tiny\/simulate\/echoes\.npy\) has 4 echoes/);
  assert.ok(!existsSync(join(ws.root, 'artifacts/tiny/varpro')), 'no partial artifact');
  assert.deepEqual(statuses(ws.root), ['simulate:FINISHED', 'varpro:FAILED']);

  // NaN in the data: the error names the file.
  ws.write('pipelines/tiny.yaml', tinyPipeline());
  const echoesPath = join(ws.root, 'artifacts/tiny/simulate/echoes.npy');
  const echoes = await readNpy(echoesPath);
  (echoes.data as Float32Array)[7] = Number.NaN;
  writeFileSync(echoesPath, encodeNpy(echoes));
  for (const stage of ['varpro', 'train']) {
    const bad = ws.cli(['stage', 'pipelines/tiny.yaml', stage]);
    assertOneLineError(bad, /artifacts\/tiny\/simulate\/echoes\.npy.*NaN/);
    assert.ok(!existsSync(join(ws.root, 'artifacts/tiny', stage)));
  }
  assert.ok(!statuses(ws.root).some((s) => s.endsWith(':RUNNING')));
  assert.equal(statuses(ws.root).filter((s) => s.endsWith(':FAILED')).length, 3);
});

test('SIGTERM during training: run KILLED, no output, and the next run resumes from the checkpoint', { timeout: 300_000 }, async () => {
  const ws = createWorkspace({ 'pipelines/tiny.yaml': tinyPipeline({ steps: 400 }) });
  assert.equal(ws.cli(['stage', 'pipelines/tiny.yaml', 'simulate']).status, 0);
  const child = ws.spawnCli(['stage', 'pipelines/tiny.yaml', 'train']);
  await firstCheckpoint(ws.root);
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  assert.equal(code, 143);
  assert.deepEqual(statuses(ws.root), ['simulate:FINISHED', 'train:KILLED']);
  assert.ok(!existsSync(join(ws.root, 'artifacts/tiny/train')));
  assert.deepEqual(readdirSync(join(ws.root, 'artifacts/tiny')).filter((d) => d.includes('building')), [], 'no half-built output left');
  const resumed = ws.cli(['stage', 'pipelines/tiny.yaml', 'train']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resumed from checkpoint at step [1-9]\d*/);
  assert.deepEqual(statuses(ws.root), ['simulate:FINISHED', 'train:FINISHED', 'train:KILLED']);
});

test('SIGKILL leaves a RUNNING run; the next run of that stage marks it KILLED', { timeout: 300_000 }, async () => {
  const ws = createWorkspace({ 'pipelines/tiny.yaml': tinyPipeline({ steps: 400 }) });
  assert.equal(ws.cli(['stage', 'pipelines/tiny.yaml', 'simulate']).status, 0);
  const child = ws.spawnCli(['stage', 'pipelines/tiny.yaml', 'train']);
  await firstCheckpoint(ws.root);
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  assert.deepEqual(statuses(ws.root), ['simulate:FINISHED', 'train:RUNNING'], 'nothing can mark a SIGKILLed run');
  const next = ws.cli(['stage', 'pipelines/tiny.yaml', 'train']);
  assert.equal(next.status, 0, next.stderr);
  assert.match(next.stderr, /marked MLflow run [0-9a-f]{32} KILLED/);
  assert.deepEqual(statuses(ws.root), ['simulate:FINISHED', 'train:FINISHED', 'train:KILLED']);
});

/**
 * Sweeps end to end through Nx: a 2 × 2 matrix over the tiny T2 study runs the shared stages once and
 * each point once, logs a parent run and one child run per point stage, runs nothing the second time,
 * and — after a value is added to the matrix — runs only the new points. Bad sweeps stop before anything runs.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readFileStore, type StoredRun } from '@relaxomap/tracking';
import { createWorkspace, tinyPipeline } from './workspace.js';

function runs(root: string): StoredRun[] {
  const store = readFileStore(join(root, 'mlruns'));
  assert.deepEqual(store.warnings, []);
  return store.experiments.filter((e) => e.name === 'grid').flatMap((e) => e.runs).sort((a, b) => a.startTime - b.startTime);
}

const sweep = (losses: string): string => `description: tiny grid
pipeline: tiny
targets: [evaluate]
set: { train.steps: 12 }
matrix:
  train.loss: ${losses}
  train.network.blocks: [0, 1]
compare:
  primary: rmse_t2.network.brain
  plot: { x: train.network.blocks, color: train.loss }
`;

test('sweep: shared stages once, one child run per point stage, cache hits on rerun, new points only after an edit', { timeout: 900_000 }, () => {
  const ws = createWorkspace({ 'pipelines/tiny.yaml': tinyPipeline(), 'pipelines/sweeps/grid.yaml': sweep('[mse, l1]') });

  const dry = ws.cli(['sweep', 'grid', '--dry-run']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /4 points × 2 stages \+ 2 shared/);
  assert.match(dry.stdout, /p-l1-1 +train\.loss="l1" train\.network\.blocks=1 +\[train: would run, evaluate: would run\]/);
  assert.match(dry.stdout, /10 of 10 targets would run/);
  assert.equal(existsSync(join(ws.root, 'mlruns')), false, 'a dry run writes nothing');

  const first = ws.cli(['sweep', 'grid']);
  assert.equal(first.status, 0, first.stderr + first.stdout);
  let all = runs(ws.root);
  const parents = all.filter((r) => r.tags['relaxomap.sweep_role'] === 'parent');
  assert.equal(parents.length, 1);
  const parent = parents[0]!;
  assert.equal(parent.status, 'FINISHED');
  assert.deepEqual(JSON.parse(parent.tags['relaxomap.sweep_keys']!), ['train.loss', 'train.network.blocks']);
  assert.ok(existsSync(join(ws.root, 'mlruns', parent.experimentId, parent.runId, 'artifacts', 'grid.yaml')), 'the sweep definition is an artifact of the parent');
  const children = all.filter((r) => r !== parent);
  assert.deepEqual(children.map((r) => r.runName).sort(), [
    'evaluate--p-l1-0', 'evaluate--p-l1-1', 'evaluate--p-mse-0', 'evaluate--p-mse-1', 'simulate',
    'train--p-l1-0', 'train--p-l1-1', 'train--p-mse-0', 'train--p-mse-1', 'varpro',
  ]);
  for (const run of children) {
    assert.equal(run.status, 'FINISHED', run.runName);
    assert.equal(run.tags['mlflow.parentRunId'], parent.runId, run.runName);
  }
  const train = children.find((r) => r.runName === 'train--p-l1-1')!;
  assert.equal(train.params['train.loss'], 'l1');
  assert.equal(train.params['train.network.blocks'], '1');
  assert.equal(train.params['network.blocks'], '1', "the stage's own params carry the point's value");
  assert.equal(train.params.steps, '12', 'set: applies to every point');
  assert.equal(train.tags['relaxomap.sweep_point'], 'p-l1-1');
  assert.equal(children.find((r) => r.runName === 'varpro')!.tags['relaxomap.sweep_role'], 'shared');
  assert.ok(Number.isFinite(children.find((r) => r.runName === 'evaluate--p-mse-0')!.metrics['rmse_t2.network.brain']?.[0]?.value));

  // The comparison: one row per point, the best one marked, plots and loss curves; the report page links it.
  const table = readFileSync(join(ws.root, 'reports/grid/compare.csv'), 'utf8').trim().split('\n');
  assert.equal(table.length, 1 + 4, table.join('\n'));
  assert.equal(table.filter((line) => line.endsWith(',true')).length, 1, 'one best point');
  assert.equal(readFileSync(join(ws.root, 'reports/grid/compare.md'), 'utf8').split('\n').filter((l) => l.startsWith('|') && l.includes('★')).length, 1);
  for (const f of ['rmse_t2.network.brain_vs_train.network.blocks.svg', 'loss_curves.png']) assert.ok(existsSync(join(ws.root, 'reports/grid', f)), f);
  assert.match(readFileSync(join(ws.root, 'reports/index.html'), 'utf8'), /href="grid\/compare\.csv"/);
  const filtered = ws.cli(['compare', 'grid', '--filter', "params.train.loss = 'l1'", '--out', join(ws.root, 'l1-only')]);
  assert.equal(filtered.status, 0, filtered.stderr);
  assert.equal(readFileSync(join(ws.root, 'l1-only/compare.csv'), 'utf8').trim().split('\n').length, 1 + 2);
  const [ra, rb] = ['train--p-l1-0', 'train--p-mse-0'].map((n) => children.find((r) => r.runName === n)!.runId);
  const diff = ws.cli(['compare', ra!, rb!]);
  assert.equal(diff.status, 0, diff.stderr);
  assert.match(diff.stdout, /train\.loss.*l1.*mse/);

  const second = ws.cli(['sweep', 'grid']);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /from the cache instead of running the command for 10 out of 10 tasks/);
  all = runs(ws.root);
  assert.equal(all.length, 11, 'cache hits log no runs and the parent is reused');
  const againDry = ws.cli(['sweep', 'grid', '--dry-run']);
  assert.match(againDry.stdout, /0 of 10 targets would run/);

  // A third loss: only its two points run; the shared stages and the four old points are cache hits.
  ws.write('pipelines/sweeps/grid.yaml', sweep('[mse, l1, ssim]'));
  const third = ws.cli(['sweep', 'grid']);
  assert.equal(third.status, 0, third.stderr);
  const added = runs(ws.root).slice(11);
  assert.deepEqual(added.map((r) => r.runName).sort(), ['evaluate--p-ssim-0', 'evaluate--p-ssim-1', 'sweep grid', 'train--p-ssim-0', 'train--p-ssim-1']);
  assert.match(third.stdout, /for 10 out of 14 tasks/);
  assert.equal(added.find((r) => r.runName === 'train--p-ssim-0')!.tags['mlflow.parentRunId'], added.find((r) => r.runName === 'sweep grid')!.runId, 'an edited sweep is a new parent');
  const rows = (): number => readFileSync(join(ws.root, 'reports/grid/compare.csv'), 'utf8').trim().split('\n').length - 1;
  assert.equal(rows(), 6);
  // Values removed from the matrix leave the report (their runs stay in MLflow).
  ws.write('pipelines/sweeps/grid.yaml', sweep('[ssim]'));
  const fourth = ws.cli(['sweep', 'grid']);
  assert.equal(fourth.status, 0, fourth.stderr);
  assert.equal(rows(), 2);
});

test('bad sweeps: a parameter no stage has, an empty matrix, a value of the wrong type — one line naming the sweep file and key, nothing run', { timeout: 120_000 }, () => {
  const ws = createWorkspace({ 'pipelines/tiny.yaml': tinyPipeline() });
  const cases: [string, RegExp][] = [
    [sweep('[mse]').replace('train.loss:', 'train.los:'), /^relaxomap: error: pipelines\/sweeps\/grid\.yaml:6: matrix\.train\.los: stage 'train' \(train-t2\) has no parameter 'los'\n$/],
    ['pipeline: tiny\nmatrix: {}\n', /^relaxomap: error: pipelines\/sweeps\/grid\.yaml:2: matrix: the matrix is empty/],
    [sweep('[mse]').replace('[0, 1]', '[0, two]'), /^relaxomap: error: pipelines\/sweeps\/grid\.yaml:7: matrix\.train\.network\.blocks\[1\]: /],
  ];
  for (const [text, expected] of cases) {
    ws.write('pipelines/sweeps/grid.yaml', text);
    const r = ws.cli(['sweep', 'grid']);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, expected);
    assert.equal(existsSync(join(ws.root, 'mlruns')), false, 'nothing run, no MLflow run');
    assert.equal(existsSync(join(ws.root, 'artifacts')), false);
  }
});

/**
 * End to end through Nx: the tiny T2 study runs, a second run is all cache hits, a param change
 * reruns only that stage and its downstream, deleted outputs come back from the cache, and every
 * stage run is an MLflow run read back from disk the way MLflow reads it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readNpy } from '@relaxomap/array-io';
import { readFileStore, type StoredRun } from '@relaxomap/tracking';
import { createWorkspace, tinyPipeline } from './workspace.js';

const STAGES = ['simulate', 'varpro', 'train', 'evaluate', 'figure'];

function runs(root: string): StoredRun[] {
  const store = readFileStore(join(root, 'mlruns'));
  assert.deepEqual(store.warnings, []);
  return store.experiments.filter((e) => e.name === 'tiny').flatMap((e) => e.runs).sort((a, b) => a.startTime - b.startTime);
}

test('tiny T2 pipeline through Nx: runs, caches, reruns downstream only, restores outputs', { timeout: 600_000 }, async () => {
  const ws = createWorkspace({ 'pipelines/tiny.yaml': tinyPipeline() });

  const first = ws.cli(['run', 'tiny']);
  assert.equal(first.status, 0, first.stderr + first.stdout);
  let all = runs(ws.root);
  assert.deepEqual(all.map((r) => r.runName).sort(), [...STAGES].sort());
  for (const run of all) {
    assert.equal(run.status, 'FINISHED', run.runName);
    assert.equal(run.statusCode, 3);
    assert.equal(run.tags['relaxomap.stage'], run.runName);
    assert.match(run.tags['relaxomap.params_hash'] ?? '', /^[0-9a-f]{16}$/);
  }
  const train = all.find((r) => r.runName === 'train')!;
  assert.equal(train.params['network.blocks'], '2');
  assert.equal(train.metrics.loss?.length, 30, 'loss logged at every step');
  assert.ok(train.tags['relaxomap.backend'], 'backend tag');
  // Stopping: the tiny 36×30 slice has too little background for a noise estimate (134 voxels),
  // so the discrepancy rule asked for falls back to the held-out rule, said in the record and the
  // tags; a check every 25 steps and at the end, the oracle curve (a simulation) beside it, and the
  // step whose maps were returned.
  const stopping = JSON.parse(readFileSync(join(ws.root, 'artifacts/tiny/train/stopping.json'), 'utf8'));
  assert.equal(stopping.rule, 'discrepancy');
  assert.equal(stopping.noise.ok, false);
  assert.match(stopping.noise.reason, /no background region/);
  assert.equal(stopping.rule_used, 'heldout');
  assert.equal(train.tags['relaxomap.stopping.rule'], 'heldout');
  assert.match(train.tags['relaxomap.stopping.fallback'] ?? '', /using the held-out rule/);
  assert.deepEqual(stopping.checks.map((c: { step: number }) => c.step), [25, 30]);
  assert.ok(Number.isFinite(stopping.checks[1].oracle_rmse.brain_no_csf));
  assert.equal(train.metrics['stopping.step']?.[0]?.value, stopping.output.step);
  assert.equal(train.metrics['oracle.rmse.brain']?.length, 2);
  const evaluate = all.find((r) => r.runName === 'evaluate')!;
  assert.ok(Number.isFinite(evaluate.metrics['rmse_t2.varpro.brain']?.[0]?.value), 'Varpro RMSE logged');
  for (const f of ['simulate/echoes.npy', 'simulate/echoes.nii.gz', 'varpro/t2.nii.gz', 'train/t2.npy', 'evaluate/rmse.csv']) {
    assert.ok(existsSync(join(ws.root, 'artifacts/tiny', f)), f);
  }
  for (const f of ['fig2_t2_maps.svg', 'fig2_t2_maps.png', 'fig2_rmse_bars.png', 'rmse.md', 'summary.md']) {
    assert.ok(existsSync(join(ws.root, 'reports/tiny', f)), f);
  }
  const t2 = await readNpy(join(ws.root, 'artifacts/tiny/train/t2.npy'));
  assert.deepEqual(t2.shape, [1, 36, 30]);

  const second = ws.cli(['run', 'tiny']);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /from the cache instead of running the command for 5 out of 5 tasks/);
  assert.equal(runs(ws.root).length, 5, 'cache hits log no new runs');

  ws.write('pipelines/tiny.yaml', tinyPipeline({ steps: 31 }));
  const third = ws.cli(['run', 'tiny']);
  assert.equal(third.status, 0, third.stderr);
  all = runs(ws.root);
  assert.deepEqual(all.slice(5).map((r) => r.runName).sort(), ['evaluate', 'figure', 'train'], 'only train and downstream reran');
  assert.match(third.stdout, /for 2 out of 5 tasks/);

  const before = readFileSync(join(ws.root, 'artifacts/tiny/train/t2.npy'));
  rmSync(join(ws.root, 'artifacts'), { recursive: true });
  rmSync(join(ws.root, 'reports'), { recursive: true });
  const fourth = ws.cli(['run', 'tiny']);
  assert.equal(fourth.status, 0, fourth.stderr);
  assert.match(fourth.stdout, /for 5 out of 5 tasks/);
  assert.deepEqual(readFileSync(join(ws.root, 'artifacts/tiny/train/t2.npy')), before, 'restored from the cache');
  assert.ok(existsSync(join(ws.root, 'reports/tiny/fig2_t2_maps.png')));
  assert.equal(runs(ws.root).length, 8);
});

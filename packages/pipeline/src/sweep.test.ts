import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { PipelineError } from './errors.js';
import { createRegistry, type StageKind } from './kinds.js';
import { stageProjects } from './nx-plugin.js';
import { loadPipeline } from './pipeline.js';
import { isSweepFile, loadPipelineOrSweep, loadSweep } from './sweep.js';

const noop = async () => ({ run: async () => undefined });
const registry = createRegistry([
  {
    kind: 'simulate', description: 'simulates', uses: [], externalDependencies: [], load: noop,
    params: z.strictObject({ noise: z.strictObject({ variance: z.number().positive().default(0.001) }).default({ variance: 0.001 }), seed: z.number().int().default(1) }),
  } satisfies StageKind<any>,
  { kind: 'fit', description: 'fits', uses: [], externalDependencies: [], load: noop, params: z.strictObject({}) },
  {
    kind: 'train', description: 'trains', uses: [], externalDependencies: [], load: noop,
    params: z.strictObject({
      loss: z.enum(['ssim', 'l1', 'mse']).default('mse'),
      network: z.strictObject({ blocks: z.number().int().min(0).default(4), width: z.number().int().default(32) }).default({ blocks: 4, width: 32 }),
      steps: z.number().int().positive().default(100),
      seed: z.number().int().default(1),
    }),
  },
  { kind: 'evaluate', description: 'evaluates', uses: [], externalDependencies: [], load: noop, params: z.strictObject({}) },
  { kind: 'plot', description: 'plots', uses: [], externalDependencies: [], load: noop, params: z.strictObject({}) },
]);

const BASE = `stages:
  - { id: simulate, kind: simulate }
  - { id: varpro, kind: fit, needs: [simulate] }
  - { id: train, kind: train, needs: [simulate] }
  - { id: evaluate, kind: evaluate, needs: [simulate, varpro, train] }
  - { id: figure, kind: plot, needs: [evaluate] }
`;

function workspace(sweep: string): string {
  const root = mkdtempSync(join(tmpdir(), 'relaxomap-sweep-'));
  mkdirSync(join(root, 'pipelines', 'sweeps'), { recursive: true });
  writeFileSync(join(root, 'pipelines', 'study.yaml'), BASE);
  writeFileSync(join(root, 'pipelines', 'sweeps', 'ablation.yaml'), sweep);
  return root;
}

const ABLATION = `pipeline: study
targets: [evaluate]
set: { train.steps: 20 }
matrix:
  train.loss: [ssim, l1, mse]
  train.network.blocks: [0, 3, 6, 9]
`;

test('a 3 × 4 matrix expands to 12 points; upstream stages are shared, the swept stage and its downstream are cloned', () => {
  const root = workspace(ABLATION);
  const sweep = loadSweep('pipelines/sweeps/ablation.yaml', { root, registry });
  assert.equal(sweep.points.length, 12);
  assert.deepEqual(sweep.shared, ['simulate', 'varpro']);
  assert.deepEqual(sweep.perPoint, ['train', 'evaluate']);
  assert.equal(sweep.pipeline.name, 'ablation');
  assert.equal(sweep.pipeline.stages.length, 2 + 12 * 2, 'figure is not a target: left out');
  assert.deepEqual(sweep.points[0], { id: 'p-ssim-0', values: { 'train.loss': 'ssim', 'train.network.blocks': 0 } });
  const train = sweep.pipeline.stages.find((s) => s.id === 'train--p-l1-6')!;
  assert.deepEqual(train.params, { loss: 'l1', network: { blocks: 6, width: 32 }, steps: 20, seed: 1 });
  assert.deepEqual(sweep.pipeline.stages.find((s) => s.id === 'evaluate--p-l1-6')!.needs, ['simulate', 'varpro', 'train--p-l1-6']);
  assert.equal(train.sweep?.point?.id, 'p-l1-6');
  assert.equal(train.baseId, 'train', 'a clone remembers its id in the base pipeline (its inputs are named by it)');
  assert.equal(sweep.pipeline.stages.find((s) => s.id === 'varpro')!.sweep?.point, undefined);
  // Every point its own Nx project; all 26 distinct.
  const projects = stageProjects(sweep.pipeline, registry, root);
  assert.equal(new Set(projects.map((p) => p.name)).size, 26);
  assert.match(projects.find((p) => p.name === 'ablation.train--p-l1-6')!.targets.run.command, /stage pipelines\/sweeps\/ablation\.yaml train--p-l1-6 --params-hash/);
  // The runner loads a sweep file as its expanded pipeline.
  assert.equal(loadPipelineOrSweep('pipelines/sweeps/ablation.yaml', { root, registry }).stages.length, 26);
  assert.equal(isSweepFile('pipelines/study.yaml', root), false);
});

test('point ids come from the values: adding a value keeps every other point (and its cache entry)', () => {
  const small = loadSweep('pipelines/sweeps/ablation.yaml', { root: workspace(ABLATION.replace('[ssim, l1, mse]', '[l1]')), registry });
  const large = loadSweep('pipelines/sweeps/ablation.yaml', { root: workspace(ABLATION), registry });
  for (const stage of small.pipeline.stages) {
    const same = large.pipeline.stages.find((s) => s.id === stage.id);
    assert.ok(same, stage.id);
    assert.equal(same.paramsHash, stage.paramsHash, stage.id);
  }
  assert.notEqual(small.hash, large.hash, 'a different sweep gets its own parent run');
});

test('exclude removes matching points, include adds them; a sweep over the simulation clones everything downstream', () => {
  const root = workspace(`${ABLATION}exclude:\n  - { train.loss: l1 }\n  - { train.loss: mse, train.network.blocks: 0 }\ninclude:\n  - { train.loss: mse, train.network.blocks: 12 }\n`);
  const sweep = loadSweep('pipelines/sweeps/ablation.yaml', { root, registry });
  assert.deepEqual(sweep.points.map((p) => p.id), ['p-ssim-0', 'p-ssim-3', 'p-ssim-6', 'p-ssim-9', 'p-mse-3', 'p-mse-6', 'p-mse-9', 'p-mse-12']);
  const noise = loadSweep('pipelines/sweeps/ablation.yaml', { root: workspace('pipeline: study\nmatrix:\n  simulate.noise.variance: [0.0003, 0.001]\n'), registry });
  assert.deepEqual(noise.shared, []);
  assert.deepEqual(noise.points.map((p) => p.id), ['p-0p0003', 'p-0p001']);
  assert.deepEqual(noise.pipeline.stages.find((s) => s.id === 'varpro--p-0p001')!.needs, ['simulate--p-0p001']);
  assert.deepEqual(noise.pipeline.stages.find((s) => s.id === 'simulate--p-0p0003')!.params, { noise: { variance: 0.0003 }, seed: 1 });
});

function sweepError(text: string): PipelineError {
  const root = workspace(text);
  try {
    loadSweep('pipelines/sweeps/ablation.yaml', { root, registry });
  } catch (err) {
    assert.ok(err instanceof PipelineError, String(err));
    assert.ok(!err.message.includes('\n'));
    return err;
  }
  assert.fail('expected a PipelineError');
}

test('bad sweeps: one-line errors naming the sweep file, line and key', () => {
  assert.match(sweepError(ABLATION.replace('train.loss:', 'train.los:')).message, /^pipelines\/sweeps\/ablation\.yaml:5: matrix\.train\.los: stage 'train' \(train\) has no parameter 'los'/);
  assert.match(sweepError(ABLATION.replace('train.loss:', 'trian.loss:')).message, /^pipelines\/sweeps\/ablation\.yaml:5: matrix\.trian\.loss: no stage 'trian' in the selected stages of pipeline 'study'/);
  assert.match(sweepError(ABLATION.replace('[0, 3, 6, 9]', '[0, three, 6]')).message, /^pipelines\/sweeps\/ablation\.yaml:6: matrix\.train\.network\.blocks\[1\]: .*expected number/i);
  assert.match(sweepError(ABLATION.replace('[ssim, l1, mse]', '[ssim, huber]')).message, /ablation\.yaml:5: matrix\.train\.loss\[1\]: .*"ssim"\|"l1"\|"mse"|ablation\.yaml:5: matrix\.train\.loss\[1\]: .*ssim/);
  assert.match(sweepError('pipeline: study\nmatrix: {}\n').message, /ablation\.yaml:2: matrix: the matrix is empty/);
  assert.match(sweepError('pipeline: study\nmatrix:\n  train.loss: []\n').message, /ablation\.yaml:3: matrix\.train\.loss: no values for 'train\.loss'/);
  assert.match(sweepError(`${ABLATION}exclude:\n  - { train.seed: 1 }\n`).message, /exclude\[0\]\.train\.seed: 'train\.seed' is not a key of the matrix/);
  assert.match(sweepError(ABLATION.replace('train.steps: 20', 'train.steps: -1')).message, /ablation\.yaml:3: set\.train\.steps: /);
  assert.match(sweepError(ABLATION.replace('pipeline: study', 'pipeline: nope')).message, /ablation\.yaml:1: pipeline: no pipeline file 'pipelines\/nope\.yaml'/);
  assert.match(sweepError(`${ABLATION}exclude:\n  - { train.loss: ssim }\n  - { train.loss: l1 }\n  - { train.loss: mse }\n`).message, /every point is excluded/);
  assert.match(sweepError(`${ABLATION}matrics: {}\n`).message, /ablation\.yaml:7: .*unknown field 'matrics'/);
});

test('a pipeline file is still loaded as a pipeline', () => {
  const root = workspace(ABLATION);
  assert.equal(loadPipelineOrSweep('pipelines/study.yaml', { root, registry }).stages.length, loadPipeline('pipelines/study.yaml', { root, registry }).stages.length);
});

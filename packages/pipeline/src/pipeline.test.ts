import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { PipelineError } from './errors.js';
import { flattenParams, paramsHash } from './hash.js';
import { createRegistry, type StageKind } from './kinds.js';
import { stageProjects } from './nx-plugin.js';
import { loadPipeline } from './pipeline.js';

const noop = async () => ({ run: async () => undefined });
const registry = createRegistry([
  {
    kind: 'make', description: 'makes', uses: ['physics'], externalDependencies: [], dataInputs: ['data/x/**'], load: noop,
    params: z.strictObject({ size: z.number().int().positive().default(4), seed: z.number().int().default(1) }),
  } satisfies StageKind<any>,
  {
    kind: 'fit', description: 'fits', uses: ['fitting'], externalDependencies: ['zod'], load: noop,
    params: z.strictObject({ loss: z.enum(['ssim', 'l1']).default('ssim'), range: z.tuple([z.number(), z.number()]).refine(([a, b]) => a < b, 'min must be < max').default([1, 2]) }),
  },
  { kind: 'plot', description: 'plots', uses: ['reports'], externalDependencies: [], writesReports: true, load: noop, params: z.strictObject({}) },
]);

function workspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'relaxomap-pipeline-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const GOOD = `description: demo
stages:
  - id: plot
    kind: plot
    needs: [fit, make]
  - id: make
    kind: make
    params: configs/make.yaml
  - id: fit
    kind: fit
    needs: [make]
    params:
      loss: l1
`;

function loadError(files: Record<string, string>): PipelineError {
  const root = workspace(files);
  try {
    loadPipeline('pipelines/demo.yaml', { root, registry });
  } catch (err) {
    assert.ok(err instanceof PipelineError, String(err));
    assert.ok(!err.message.includes('\n'), 'one line');
    return err;
  }
  assert.fail('expected a PipelineError');
}

test('loads, resolves params files and defaults, orders stages topologically', () => {
  const root = workspace({ 'pipelines/demo.yaml': GOOD, 'configs/make.yaml': 'size: 8\n' });
  const p = loadPipeline('pipelines/demo.yaml', { root, registry });
  assert.equal(p.name, 'demo');
  assert.deepEqual(p.stages.map((s) => s.id), ['make', 'fit', 'plot']);
  assert.deepEqual(p.stages[0]!.params, { size: 8, seed: 1 });
  assert.equal(p.stages[0]!.paramsFile, 'configs/make.yaml');
  assert.deepEqual(p.stages[1]!.params, { loss: 'l1', range: [1, 2] });
  assert.equal(p.stages[1]!.paramsHash, paramsHash({ kind: 'fit', params: { range: [1, 2], loss: 'l1' } }));
});

test('changing one stage param changes only that stage hash', () => {
  const a = loadPipeline('pipelines/demo.yaml', { root: workspace({ 'pipelines/demo.yaml': GOOD, 'configs/make.yaml': 'size: 8\n' }), registry });
  const b = loadPipeline('pipelines/demo.yaml', { root: workspace({ 'pipelines/demo.yaml': GOOD, 'configs/make.yaml': 'size: 9\n' }), registry });
  const changed = a.stages.filter((s, i) => s.paramsHash !== b.stages[i]!.paramsHash).map((s) => s.id);
  assert.deepEqual(changed, ['make']);
});

test('malformed YAML names file and line', () => {
  const err = loadError({ 'pipelines/demo.yaml': 'stages:\n  - id: make\n    kind: [unclosed\n' });
  assert.match(err.message, /^pipelines\/demo\.yaml:\d+: invalid YAML/);
});

test('unknown stage kind names file, line and field', () => {
  const err = loadError({ 'pipelines/demo.yaml': 'stages:\n  - id: make\n    kind: mkae\n' });
  assert.equal(err.line, 3);
  assert.match(err.message, /pipelines\/demo\.yaml:3: stages\[0\]\.kind: unknown stage kind 'mkae' \(known: make, fit, plot\)/);
});

test('ill-typed param in a params file names that file, line and field', () => {
  const err = loadError({ 'pipelines/demo.yaml': GOOD, 'configs/make.yaml': 'seed: 2\nsize: big\n' });
  assert.equal(err.file, 'configs/make.yaml');
  assert.equal(err.line, 2);
  assert.equal(err.field, 'size');
  assert.match(err.message, /expected number/);
});

test('inline param errors: unknown key, bad enum, min >= max', () => {
  const withParams = (params: string) => GOOD.replace('      loss: l1\n', params);
  let err = loadError({ 'pipelines/demo.yaml': withParams('      los: l1\n'), 'configs/make.yaml': '' });
  assert.equal(err.field, 'stages[2].params.los');
  assert.match(err.message, /unknown field/);
  assert.equal(err.line, 13);
  err = loadError({ 'pipelines/demo.yaml': withParams('      loss: mae\n'), 'configs/make.yaml': '' });
  assert.equal(err.field, 'stages[2].params.loss');
  assert.match(err.message, /ssim/);
  err = loadError({ 'pipelines/demo.yaml': withParams('      range: [3, 1]\n'), 'configs/make.yaml': '' });
  assert.equal(err.field, 'stages[2].params.range');
  assert.match(err.message, /min must be < max/);
});

test('missing required field, unknown need, cycle, duplicate id, missing params file', () => {
  let err = loadError({ 'pipelines/demo.yaml': 'stages:\n  - id: make\n' });
  assert.equal(err.field, 'stages[0].kind');
  assert.match(err.message, /required field is missing/);
  err = loadError({ 'pipelines/demo.yaml': 'stages:\n  - id: make\n    kind: make\n    needs: [nope]\n' });
  assert.equal(err.field, 'stages[0].needs[0]');
  err = loadError({ 'pipelines/demo.yaml': 'stages:\n  - {id: a, kind: make, needs: [b]}\n  - {id: b, kind: make, needs: [a]}\n' });
  assert.match(err.message, /cycle in needs: a → b → a/);
  err = loadError({ 'pipelines/demo.yaml': 'stages:\n  - {id: a, kind: make}\n  - {id: a, kind: make}\n' });
  assert.match(err.message, /duplicate stage id 'a'/);
  err = loadError({ 'pipelines/demo.yaml': 'stages:\n  - {id: a, kind: make, params: configs/none.yaml}\n' });
  assert.match(err.message, /params file 'configs\/none\.yaml' not found/);
});

test('Nx projects: one per stage with code, data, params, upstream-output inputs', () => {
  const root = workspace({ 'pipelines/demo.yaml': GOOD, 'configs/make.yaml': 'size: 8\n' });
  const p = loadPipeline('pipelines/demo.yaml', { root, registry });
  const projects = stageProjects(p, registry);
  assert.deepEqual(projects.map((x) => x.name), ['demo.make', 'demo.fit', 'demo.plot']);
  const [make, fit, plot] = projects as [typeof projects[0], typeof projects[0], typeof projects[0]];
  assert.equal(make.targets.run.command, `node packages/stages/dist/cli.js stage pipelines/demo.yaml make --params-hash ${p.stages[0]!.paramsHash}`);
  assert.deepEqual(make.targets.run.outputs, ['{workspaceRoot}/artifacts/demo/make']);
  assert.ok(make.targets.run.inputs.includes('{workspaceRoot}/packages/physics/src/**/*.ts'));
  assert.ok(make.targets.run.inputs.includes('!{workspaceRoot}/packages/physics/src/**/*.test.ts'));
  assert.ok(make.targets.run.inputs.includes('{workspaceRoot}/data/x/**'));
  assert.ok(!make.targets.run.inputs.some((i) => typeof i === 'string' && i.includes('packages/fitting')), 'only its own code');
  assert.deepEqual(make.targets.run.dependsOn, []);
  assert.deepEqual(fit.targets.run.dependsOn, [{ projects: ['demo.make'], target: 'run' }]);
  assert.ok(fit.targets.run.inputs.some((i) => typeof i === 'object' && 'dependentTasksOutputFiles' in i));
  assert.ok(fit.targets.run.inputs.some((i) => typeof i === 'object' && 'externalDependencies' in i && i.externalDependencies.includes('zod')));
  assert.deepEqual(plot.targets.run.outputs, ['{workspaceRoot}/artifacts/demo/plot']);
  assert.deepEqual(plot.implicitDependencies, ['demo.fit', 'demo.make']);
});

test('flattenParams gives MLflow dotted keys', () => {
  assert.deepEqual(flattenParams({ network: { blocks: 9 }, TE_ms: [43, 67], loss: 'ssim' }), {
    'network.blocks': '9', TE_ms: '[43,67]', loss: 'ssim',
  });
});

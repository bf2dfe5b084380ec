import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveSettings } from './config.js';
import type { NxTaskResult } from './nx.js';
import { arraySpec, decide, planJobs, type WorkPlan } from './plan.js';

const hit = (project: string, hash: string): [string, NxTaskResult] => [project, { project, hash, cacheStatus: 'local-cache-hit', status: 0 }];
const remote = (project: string, hash: string): [string, NxTaskResult] => [project, { project, hash, cacheStatus: 'remote-cache-hit', status: 0 }];
const miss = (project: string, hash: string): [string, NxTaskResult] => [project, { project, hash, cacheStatus: 'cache-miss', status: 1 }];

/** A 2-point sweep: shared = simulate + varpro, each point = train + evaluate. */
const sweep: WorkPlan = {
  kind: 'sweep', name: 'grid', file: 'pipelines/sweeps/grid.yaml',
  units: [
    { id: 'shared', label: '', projects: ['grid.simulate', 'grid.varpro'], stages: ['simulate', 'varpro'], index: 0 },
    { id: 'p-a', label: '', projects: ['grid.train--p-a', 'grid.evaluate--p-a'], stages: ['train', 'evaluate'], index: 0 },
    { id: 'p-b', label: '', projects: ['grid.train--p-b', 'grid.evaluate--p-b'], stages: ['train', 'evaluate'], index: 1 },
  ],
  needs: new Map([['p-a', ['shared']], ['p-b', ['shared']]]),
  projects: [], stageIds: [],
};

test('a point is done when every one of its projects came from a cache; the rest are submitted', () => {
  // p-b's evaluate is absent: Nx skipped it because its train failed in the probe.
  const probe = new Map([hit('grid.simulate', 's'), hit('grid.varpro', 'v'), remote('grid.train--p-a', 'ta'), hit('grid.evaluate--p-a', 'ea'), miss('grid.train--p-b', 'tb')]);
  const d = decide(sweep, probe, (h) => ['s', 'v'].includes(h));
  assert.deepEqual(d.done, ['shared', 'p-a']);
  assert.deepEqual(d.missing, ['p-b']);
  assert.deepEqual(d.todo, ['p-b'], 'the shared stages are in the shared cache: no shared job');
});

test('shared stages cached only on this machine are computed again on the cluster (tasks elsewhere cannot restore them)', () => {
  const probe = new Map([hit('grid.simulate', 's'), hit('grid.varpro', 'v'), miss('grid.train--p-a', 'ta'), miss('grid.train--p-b', 'tb')]);
  assert.deepEqual(decide(sweep, probe, (h) => h === 's').todo, ['shared', 'p-a', 'p-b']);
  const allDone = new Map([hit('grid.simulate', 's'), hit('grid.varpro', 'v'), hit('grid.train--p-a', 'ta'), hit('grid.evaluate--p-a', 'ea'), hit('grid.train--p-b', 'tb'), hit('grid.evaluate--p-b', 'eb')]);
  assert.deepEqual(decide(sweep, allDone, () => false).todo, [], 'nothing to compute: the shared stages alone are never submitted');
});

test('jobs: the shared stages, then ONE array over the points (task id = point index) after it; a pipeline: a job per stage', () => {
  const settings = resolveSettings('/ws', [{ resources: { train: { gpus: 1, time: '02:00:00' } } }]);
  const jobs = planJobs(sweep, ['shared', 'p-a', 'p-b'], settings);
  assert.deepEqual(jobs.map((j) => [j.name, j.array, j.units, j.after]), [['shared', false, ['shared'], []], ['points', true, ['p-a', 'p-b'], ['shared']]]);
  assert.equal(jobs[1]!.resources.gpus, 1);
  assert.equal(jobs[1]!.resources.timeSeconds, 3 * 3600, 'train 2 h + evaluate 1 h (default)');
  const local = planJobs(sweep, ['shared', 'p-b'], resolveSettings('/ws', [{ shared: 'local' }]));
  assert.deepEqual(local.map((j) => [j.name, j.local ?? false, j.after]), [['shared', true, []], ['points', false, []]]);

  const pipeline: WorkPlan = {
    kind: 'pipeline', name: 'tiny', file: 'pipelines/tiny.yaml',
    units: ['simulate', 'varpro', 'train', 'evaluate'].map((id, index) => ({ id, label: '', projects: [`tiny.${id}`], stages: [id], index })),
    needs: new Map([['varpro', ['simulate']], ['train', ['simulate']], ['evaluate', ['simulate', 'varpro', 'train']]]),
    projects: [], stageIds: [],
  };
  const probe = new Map([hit('tiny.simulate', 's'), hit('tiny.varpro', 'v'), miss('tiny.train', 't')]);
  const d = decide(pipeline, probe, (h) => h === 's');
  assert.deepEqual(d.todo, ['varpro', 'train', 'evaluate'], 'varpro is cached here only and evaluate needs it');
  assert.deepEqual(planJobs(pipeline, d.todo, settings).map((j) => [j.name, j.after]), [['varpro', []], ['train', []], ['evaluate', ['varpro', 'train']]]);
});

test('array specs are compact ranges', () => {
  assert.equal(arraySpec([0, 1, 2, 3]), '0-3');
  assert.equal(arraySpec([7, 0, 3, 8, 9]), '0,3,7-9');
  assert.equal(arraySpec([4]), '4');
});

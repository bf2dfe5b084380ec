import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MRF_GRID, mrfGrid } from '@relaxomap/physics';
import { mrfDictionaryParams, mrfSlidingWindowParams, simulateMrfParams } from './params.js';
import { rankChoice } from './kinds/mrf-dictionary.js';

test('mrf-dictionary defaults are the paper\'s setup and the physics default grid (10 597 atoms)', () => {
  const p = mrfDictionaryParams.parse({});
  assert.equal(p.schedule_dir, 'data/mrf/jiang2015-fisp');
  assert.equal(p.points, 600);
  assert.equal(p.TE_ms, 2);
  assert.equal(p.inversion_delay_ms, 20);
  assert.deepEqual(p.rank, { sigma_fraction: 0.95 });
  assert.deepEqual({ T1: p.grid.T1_ms, T2: p.grid.T2_ms }, DEFAULT_MRF_GRID);
  assert.equal(mrfGrid({ T1: p.grid.T1_ms, T2: p.grid.T2_ms }).nAtoms, 10597);
  assert.equal(mrfDictionaryParams.parse({ inversion_delay_ms: null }).inversion_delay_ms, null);
});

test('mrf-dictionary param errors name the param', () => {
  const issue = (raw: unknown) => {
    const r = mrfDictionaryParams.safeParse(raw);
    assert.equal(r.success, false);
    return r.error!.issues[0]!;
  };
  let i = issue({ points: 200, rank: { rank: 201 } });
  assert.deepEqual(i.path, ['rank', 'rank']);
  assert.match(i.message, /201 exceeds the number of TRs \(points = 200\)/);
  i = issue({ grid: { T1_ms: { min: 100, max: 500, ratio: 1.1 }, T2_ms: { min: 500, max: 900, ratio: 1.1 } } });
  assert.deepEqual(i.path, ['grid', 'T2_ms', 'min']);
  assert.match(i.message, /dictionary would be empty/);
  assert.deepEqual(issue({ grid: { T1_ms: { min: 900, max: 500, ratio: 1.1 } } }).path, ['grid', 'T1_ms']);
  assert.deepEqual(issue({ schedule_dir: '/etc' }).path, ['schedule_dir']);
  assert.deepEqual(issue({ schedule_dir: 'data/mrf/../phantoms' }).path, ['schedule_dir']);
  assert.equal(mrfDictionaryParams.safeParse({ rank: { energy: 0.9, rank: 3 } }).success, false, 'exactly one criterion');
  assert.equal(mrfSlidingWindowParams.safeParse({ window: 0 }).success, false);
});

test('rank criteria map onto the physics choices', () => {
  assert.deepEqual(rankChoice({ sigma_fraction: 0.95 }).choice, { sigmaFraction: 0.95 });
  assert.deepEqual(rankChoice({ energy: 0.9 }).choice, { energy: 0.9 });
  assert.deepEqual(rankChoice({ rank: 4 }).choice, { rank: 4 });
});

test('simulate-mrf defaults: slice 90 at 2 mm on a 112 matrix, 3 T tissues, 48 interleaves, 6 repeats', () => {
  const p = simulateMrfParams.parse({});
  assert.equal(p.phantom.slice, 90);
  assert.equal(p.matrix, 112);
  assert.deepEqual(p.tissues.WM, { T1_ms: 832, T2_ms: 80, PD: 0.7 });
  assert.deepEqual(p.tissues.CSF, { T1_ms: 3800, T2_ms: 1000, PD: 1 });
  assert.equal(p.spiral.interleaves, 48);
  assert.equal(p.reference.repeats, 6);
  assert.equal(p.state_threshold, 0, 'exact EPG');
  const bad = simulateMrfParams.safeParse({ spiral: { interleaves: 4 }, reference: { repeats: 6 } });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error!.issues[0]!.path, ['reference', 'repeats']);
});

test('train-mrf output: the paper\'s free coefficients by default; the parameter output needs the k-space term', async () => {
  const { trainMrfParams } = await import('./params.js');
  const p = trainMrfParams.parse({});
  assert.equal(p.output, 'coefficients');
  assert.equal(p.table_ratio, 1.04);
  assert.equal(trainMrfParams.safeParse({ output: 'parameters', data_term: 'kspace', loss: 'mse', stopping: { held_out_fraction: 0 } }).success, true);
  const bad = trainMrfParams.safeParse({ output: 'parameters' });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error!.issues[0]!.path, ['output']);
  assert.match(bad.error!.issues[0]!.message, /'parameters' needs data_term 'kspace'/);
  assert.equal(trainMrfParams.safeParse({ table_ratio: 1 }).success, false);
});

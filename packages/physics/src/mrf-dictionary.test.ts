import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  benchmarkDictionary,
  buildMrfDictionary,
  buildMrfDictionarySync,
  compressDictionary,
  mrfGrid,
  mrfSubspace,
  parseScheduleColumn,
  simulateFisp,
  type FispSequence,
} from './index.js';
import { JIANG2015_FA_TXT_600, JIANG2015_TR_TXT_600 } from './mrf-fixtures.js';

const seq600: FispSequence = {
  FA_deg: parseScheduleColumn(JIANG2015_FA_TXT_600, 'fa.txt', 'FA'),
  TR_ms: parseScheduleColumn(JIANG2015_TR_TXT_600, 'tr.txt', 'TR'),
  TE_ms: 2,
  inversionDelay_ms: 20,
};
const COARSE = { T1: { min: 100, max: 5000, ratio: 1.15 }, T2: { min: 10, max: 2000, ratio: 1.15 } };

test('mrfGrid: default ~10.6k atoms with T2 < T1, T1-major order; lists; bad axes named', () => {
  const g = mrfGrid();
  assert.equal(g.nAtoms, 10597);
  assert.equal(g.T1[0], 100);
  assert.equal(g.T2[0], 10);
  for (let a = 0; a < g.nAtoms; a++) assert.ok(g.T2[a] < g.T1[a]);
  for (let a = 1; a < g.nAtoms; a++) assert.ok(g.T1[a] > g.T1[a - 1] || (g.T1[a] === g.T1[a - 1] && g.T2[a] > g.T2[a - 1]));
  assert.ok(Math.abs(g.T1[g.nAtoms - 1] - 100 * 1.04 ** 99) < 1e-9);
  const l = mrfGrid({ T1: { list: [300, 1000, 3000] }, T2: { list: [30, 100, 1000] } });
  assert.deepEqual(Array.from(l.T1), [300, 300, 1000, 1000, 3000, 3000, 3000]);
  assert.deepEqual(Array.from(l.T2), [30, 100, 30, 100, 30, 100, 1000]);
  assert.throws(() => mrfGrid({ T1: { list: [100, 200] }, T2: { min: 200, max: 2000, ratio: 1.05 } }), {
    message: 'T2: every T2 is >= T1 (T2 from 200 ms, T1 up to 200 ms): the dictionary would be empty',
  });
  assert.throws(() => mrfGrid({ T1: { min: NaN, max: 5000, ratio: 1.05 }, T2: { list: [10] } }), {
    message: 'T1.min must be a finite number > 0 (got NaN)',
  });
  assert.throws(() => mrfGrid({ T1: { list: [100] }, T2: { min: 10, max: 20, ratio: 1 } }), { message: 'T2.ratio must be > 1 (got 1)' });
  assert.throws(() => mrfGrid({ T1: { list: [100, Infinity] }, T2: { list: [10] } }), {
    message: 'T1.list[1] must be a finite number > 0 ms (got Infinity)',
  });
});

test('atoms have unit norm; atom × norm is the simulated signal', () => {
  const grid = mrfGrid({ T1: { list: [300, 1000, 3000] }, T2: { list: [30, 100, 1000] } });
  const d = buildMrfDictionarySync(grid, seq600);
  assert.equal(d.nTR, 600);
  assert.equal(d.nAtoms, 7);
  assert.equal(d.atoms.length, 7 * 600);
  for (let a = 0; a < d.nAtoms; a++) {
    const s = simulateFisp(seq600, grid.T1[a], grid.T2[a]);
    const norm = Math.hypot(...s);
    assert.ok(Math.abs(d.norms[a] - norm) < 1e-14 * norm);
    let sq = 0;
    for (let n = 0; n < 600; n++) {
      sq += d.atoms[a * 600 + n] ** 2;
      assert.ok(Math.abs(d.atoms[a * 600 + n] - s[n] / norm) <= 6e-8 * Math.abs(s[n] / norm) + 1e-15);
    }
    assert.ok(Math.abs(sq - 1) < 1e-6);
  }
});

test('the 2-thread build is bit-identical to the single-thread build', async () => {
  const grid = mrfGrid(COARSE);
  assert.ok(grid.nAtoms >= 400, `${grid.nAtoms} atoms`); // 2 × MIN_ATOMS_PER_THREAD: two threads are used
  const sync = buildMrfDictionarySync(grid, seq600, { B1: 0.9 });
  const par = await buildMrfDictionary(grid, seq600, { B1: 0.9, threads: 2 });
  assert.deepEqual(par.atoms, sync.atoms);
  assert.deepEqual(par.norms, sync.norms);
  // The compressed dictionary keeps the energy the subspace reports (unit-norm atoms: total = nAtoms).
  const sub = mrfSubspace(par);
  const comp = compressDictionary(par, sub);
  let kept = 0;
  for (let i = 0; i < comp.coefficients.length; i += 2) kept += comp.coefficients[i] ** 2;
  assert.ok(Math.abs(kept / par.nAtoms - sub.energy[sub.rank - 1]) < 1e-5);
  assert.ok(sub.energy[sub.rank - 1] >= 0.95 && (sub.rank === 1 || sub.energy[sub.rank - 2] < 0.95));
});

test('Jiang 2015 (600 TRs, TE 2 ms, delay 20 ms): 95% of Σσ² needs rank 3, 95% of Σσ rank 6 (the paper\'s 6)', () => {
  // Same ranks on the default 4% grid (measured); this coarse grid keeps the test fast.
  const dict = buildMrfDictionarySync(mrfGrid(COARSE), seq600);
  assert.equal(mrfSubspace(dict, { energy: 0.95 }).rank, 3);
  const sub = mrfSubspace(dict, { sigmaFraction: 0.95 });
  assert.equal(sub.rank, 6);
  assert.ok(sub.sigmaFraction[4] < 0.95 && sub.sigmaFraction[5] >= 0.95);
});

test('bad inputs are rejected by name', async () => {
  const grid = mrfGrid({ T1: { list: [1000] }, T2: { list: [100] } });
  const zeros = { ...seq600, FA_deg: seq600.FA_deg.map(() => 0) };
  assert.throws(() => buildMrfDictionarySync(grid, zeros), { message: 'FA_deg: every flip angle is 0: every atom would be zero' });
  assert.throws(() => buildMrfDictionarySync(grid, seq600, { B1: 0 }), { message: 'B1 is 0: every atom would be zero' });
  await assert.rejects(buildMrfDictionary(grid, seq600, { threads: 0 }), { message: 'threads must be an integer >= 1 (got 0)' });
  const bad = { nAtoms: 1, T1: Float64Array.from([NaN]), T2: Float64Array.from([10]) };
  assert.throws(() => buildMrfDictionarySync(bad, seq600), { message: 'grid.T1[0] must be a finite number > 0 ms (got NaN)' });
});

test('benchmarkDictionary reports consistent numbers (no timing assertion)', async () => {
  const r = await benchmarkDictionary(seq600, { grid: { T1: { list: [500, 1000] }, T2: { list: [50, 100] } }, baselineAtoms: 2, threads: 2 });
  assert.equal(r.atoms, 4);
  assert.equal(r.nTR, 600);
  assert.equal(r.threads, 1); // 4 atoms: below the per-thread minimum
  assert.equal(r.baseline.atoms, 2);
  assert.ok(r.seconds > 0 && r.baseline.seconds > 0);
  assert.ok(Math.abs(r.atomsPerSecond - r.atoms / r.seconds) <= 1e-9 * r.atomsPerSecond);
  assert.ok(Math.abs(r.speedup - r.atomsPerSecond / r.baseline.atomsPerSecond) <= 1e-9 * r.speedup);
});

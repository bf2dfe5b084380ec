import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildMrfDictionarySync,
  compressDictionary,
  makeFispSimulator,
  mrfGrid,
  mrfSubspace,
  projectTimeSeries,
  type CompressedMrfDictionary,
  type FispSequence,
} from '@relaxomap/physics';
import { matchDictionary, matchTimeSeries } from './index.js';

// A smooth FISP-like schedule (300 TRs): flip angles 5-65°, TR 11-14 ms, inversion, TE 2 ms.
const nTR = 300;
const seq: FispSequence = {
  FA_deg: Array.from({ length: nTR }, (_, n) => 5 + 60 * Math.abs(Math.sin((Math.PI * n) / 150)) * (n < 150 ? 1 : 0.6)),
  TR_ms: Array.from({ length: nTR }, (_, n) => 12.5 + 1.5 * Math.sin((2 * Math.PI * n) / 200)),
  TE_ms: 2,
  inversionDelay_ms: 20,
};
const grid = mrfGrid({ T1: { min: 200, max: 3000, ratio: 1.1 }, T2: { min: 20, max: 500, ratio: 1.1 } });
const dict = buildMrfDictionarySync(grid, seq);
const subspace = mrfSubspace(dict, { energy: 0.999 });
const compressed = compressDictionary(dict, subspace);

/** Complex time series (voxel, TR) of PD·e^{iθ}·s for the given (T1, T2) pairs. */
function series(pairs: [number, number][], pd: (v: number) => number, theta: (v: number) => number): Float32Array {
  const sim = makeFispSimulator(seq);
  const s = new Float64Array(nTR);
  const out = new Float32Array(2 * pairs.length * nTR);
  pairs.forEach(([T1, T2], v) => {
    sim.simulate(T1, T2, s);
    for (let t = 0; t < nTR; t++) {
      out[2 * (v * nTR + t)] = pd(v) * Math.cos(theta(v)) * s[t];
      out[2 * (v * nTR + t) + 1] = pd(v) * Math.sin(theta(v)) * s[t];
    }
  });
  return out;
}

test('noise-free atoms match themselves, with PD and phase recovered (subspace and full time series)', () => {
  const n = dict.nAtoms;
  assert.ok(n > 500 && subspace.rank >= 3, `${n} atoms, rank ${subspace.rank}`);
  const pd = (v: number): number => 0.5 + (v % 13) / 10;
  const theta = (v: number): number => -3 + (v % 29) * 0.2;
  // Coefficients straight from the compressed atoms: y = PD·‖s‖·e^{iθ}·c_a.
  const y = new Float32Array(2 * n * subspace.rank);
  for (let a = 0; a < n; a++) {
    for (let r = 0; r < subspace.rank; r++) {
      const c = compressed.coefficients[2 * (a * subspace.rank + r)] * pd(a) * dict.norms[a];
      y[2 * (a * subspace.rank + r)] = c * Math.cos(theta(a));
      y[2 * (a * subspace.rank + r) + 1] = c * Math.sin(theta(a));
    }
  }
  const pairs = Array.from({ length: n }, (_, a) => [grid.T1[a], grid.T2[a]] as [number, number]);
  for (const m of [matchDictionary(compressed, y, n), matchTimeSeries(compressed, subspace, series(pairs, pd, theta), n)]) {
    for (let a = 0; a < n; a++) {
      assert.equal(m.index[a], a, `atom ${a} (T1 ${grid.T1[a]}, T2 ${grid.T2[a]}) matched ${m.index[a]}`);
      assert.equal(m.T1[a], Math.fround(grid.T1[a]));
      assert.equal(m.T2[a], Math.fround(grid.T2[a]));
      assert.ok(Math.abs(m.PD[a] - pd(a)) < 1e-5 * pd(a), `PD ${m.PD[a]} vs ${pd(a)}`);
      assert.ok(Math.abs(m.phase[a] - theta(a)) < 1e-5, `phase ${m.phase[a]} vs ${theta(a)}`);
    }
  }
});

test('a signal 1% off the grid (in T1, in T2, or both) matches the nearest grid point, for every atom', () => {
  // Rank 8 here: at rank 5 (99.9% energy) a few long-T2 atoms 1% off diagonally match their T2
  // neighbour, and beyond ~2% diagonal offsets even full-rank matching does (T1 and T2 changes
  // look alike in normalised long-T2 signals): "nearest" holds for small offsets only.
  const sub8 = mrfSubspace(dict, { rank: 8 });
  const comp8 = compressDictionary(dict, sub8);
  const offsets: [number, number][] = [[1.01, 1], [0.99, 1], [1, 1.01], [1, 0.99], [1.01, 1.01], [0.99, 0.99], [1.01, 0.99], [0.99, 1.01]];
  const pairs: [number, number][] = [];
  const want: number[] = [];
  for (let a = 0; a < dict.nAtoms; a++) {
    for (const [f1, f2] of offsets) {
      if (grid.T2[a] * f2 >= grid.T1[a] * f1) continue;
      pairs.push([grid.T1[a] * f1, grid.T2[a] * f2]);
      want.push(a);
    }
  }
  const m = matchTimeSeries(comp8, sub8, series(pairs, () => 1.7, () => 0.3), pairs.length);
  want.forEach((a, j) => assert.equal(m.index[j], a, `(${pairs[j][0]}, ${pairs[j][1]}) matched ${m.index[j]} instead of ${a}`));
  // One T1 step up (ratio 1.1) it matches the neighbouring atom (so the check above can fail).
  const next = Array.from(grid.T1).findIndex((t1, a) => t1 > grid.T1[333] * 1.0999 && grid.T2[a] === grid.T2[333]);
  assert.ok(next > 333);
  const far = matchTimeSeries(comp8, sub8, series([[grid.T1[333] * 1.1, grid.T2[333]]], () => 1, () => 0), 1);
  assert.equal(far.index[0], next);
});

test('complex dictionaries, masks and zero voxels; bad inputs named', () => {
  // Rotating every compressed atom by e^{iψ_a} keeps the match and shifts the phase by −ψ_a.
  const rank = subspace.rank;
  const rot: CompressedMrfDictionary = { ...compressed, coefficients: compressed.coefficients.slice() };
  for (let a = 0; a < dict.nAtoms; a++) {
    const psi = 0.01 * a - 2;
    for (let r = 0; r < rank; r++) {
      const j = 2 * (a * rank + r);
      const c = compressed.coefficients[j];
      rot.coefficients[j] = c * Math.cos(psi);
      rot.coefficients[j + 1] = c * Math.sin(psi);
    }
  }
  const a0 = 321;
  const y = projectTimeSeries(series([[grid.T1[a0], grid.T2[a0]]], () => 2, () => 0.5), 1, subspace);
  const m = matchDictionary(rot, y, 1);
  assert.equal(m.index[0], a0);
  assert.ok(Math.abs(m.PD[0] - 2) < 1e-5);
  assert.ok(Math.abs(m.phase[0] - (0.5 - (0.01 * a0 - 2))) < 1e-5);
  // The same voxel in (rank, voxel) layout: two voxels, the first all zero.
  const rv = new Float32Array(2 * 2 * rank);
  for (let r = 0; r < rank; r++) {
    rv[2 * (r * 2 + 1)] = y[2 * r];
    rv[2 * (r * 2 + 1) + 1] = y[2 * r + 1];
  }
  assert.deepEqual(Array.from(matchDictionary(rot, rv, 2, { layout: 'rank-voxel' }).index), [-1, a0]);
  // Mask and all-zero voxels stay unmatched.
  const three = new Float32Array(3 * 2 * rank);
  three.set(y, 0);
  three.set(y, 2 * 2 * rank);
  const masked = matchDictionary(compressed, three, 3, { mask: Uint8Array.from([1, 1, 0]) });
  assert.deepEqual(Array.from(masked.index), [a0, -1, -1]);
  assert.deepEqual(Array.from(masked.T1.subarray(1)), [0, 0]);
  const nan = three.slice();
  nan[2 * rank + 3] = NaN;
  assert.throws(() => matchDictionary(compressed, nan, 3), { message: 'coefficients contain NaN at voxel 1, coefficient 1' });
  assert.throws(() => matchDictionary(compressed, three, 4), /coefficients must be a complex interleaved Float32Array of 2·4·/);
  assert.throws(() => matchDictionary(compressed, three, 3, { mask: new Uint8Array(2) }), /mask must be a Uint8Array of 3 values/);
  assert.throws(() => matchTimeSeries(compressed, mrfSubspace(dict, { rank: rank + 1 }), new Float32Array(0), 0), {
    message: `subspace: rank ${rank + 1} differs from the dictionary's ${rank}`,
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compressDictionary,
  createRng,
  dictionaryGram,
  mrfSubspace,
  projectTimeSeries,
  synthesizeTimeSeries,
  type MrfSubspace,
} from './index.js';

/** Orthonormal rows (k, n) by Gram–Schmidt on seeded Gaussian vectors. */
function orthonormalRows(k: number, n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const Q = new Float64Array(k * n);
  for (let r = 0; r < k; r++) {
    const v = Array.from({ length: n }, () => rng.normal());
    for (let s = 0; s < r; s++) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += v[j] * Q[s * n + j];
      for (let j = 0; j < n; j++) v[j] -= dot * Q[s * n + j];
    }
    const norm = Math.hypot(...v);
    for (let j = 0; j < n; j++) Q[r * n + j] = v[j] / norm;
  }
  return Q;
}

// A rank-3 dictionary with known SVD: D = U·diag(10, 5, 1)·V, U (atoms × 3) and V (3 × TR) orthonormal.
const nAtoms = 80;
const nTR = 50;
const sigma = [10, 5, 1];
const U = orthonormalRows(3, nAtoms, 1); // rows = columns of U
const V = orthonormalRows(3, nTR, 2);
const atoms = new Float32Array(nAtoms * nTR);
for (let a = 0; a < nAtoms; a++) {
  for (let t = 0; t < nTR; t++) {
    let s = 0;
    for (let r = 0; r < 3; r++) s += U[r * nAtoms + a] * sigma[r] * V[r * nTR + t];
    atoms[a * nTR + t] = s;
  }
}
const dict = { nAtoms, nTR, atoms };

test('dictionaryGram equals DᵀD computed directly', () => {
  const G = dictionaryGram(dict);
  let worst = 0;
  for (let i = 0; i < nTR; i++) {
    for (let j = 0; j < nTR; j++) {
      let s = 0;
      for (let a = 0; a < nAtoms; a++) s += atoms[a * nTR + i] * atoms[a * nTR + j];
      worst = Math.max(worst, Math.abs(G[i * nTR + j] - s));
    }
  }
  assert.ok(worst < 1e-12, `${worst}`);
  // An odd atom count exercises the remainder loop (79 = 4·19 + 3).
  const odd = dictionaryGram({ nAtoms: 79, nTR, atoms: atoms.subarray(0, 79 * nTR) });
  const last = Array.from(atoms.subarray(79 * nTR, 80 * nTR)); // the atom left out
  assert.ok(Math.abs(G[0] - odd[0] - last[0] * last[0]) < 1e-12);
});

test('mrfSubspace finds the known singular values, basis and energy per rank', () => {
  const sub = mrfSubspace(dict, { energy: 0.9 });
  assert.equal(sub.rank, 2); // 125/126 ≥ 0.9 > 100/126
  for (let r = 0; r < 3; r++) assert.ok(Math.abs(sub.singularValues[r] - sigma[r]) < 1e-5);
  assert.ok(sub.singularValues[3] < 1e-5);
  const total = 126;
  assert.ok(Math.abs(sub.energy[0] - 100 / total) < 1e-6);
  assert.ok(Math.abs(sub.energy[1] - 125 / total) < 1e-6);
  assert.ok(Math.abs(sub.energy[2] - 1) < 1e-6);
  assert.equal(sub.energy[nTR - 1], 1);
  for (let r = 0; r < 2; r++) {
    let dot = 0;
    for (let t = 0; t < nTR; t++) dot += sub.phi[r * nTR + t] * V[r * nTR + t];
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-6, `basis vector ${r}: ${dot}`);
  }
  assert.equal(mrfSubspace(dict, { energy: 0.995 }).rank, 3);
  // Σσ: 10/16, 15/16, 1 — the paper's "95% power in singular values" criterion.
  assert.ok(Math.abs(sub.sigmaFraction[0] - 10 / 16) < 1e-6);
  assert.ok(Math.abs(sub.sigmaFraction[1] - 15 / 16) < 1e-6);
  assert.equal(mrfSubspace(dict, { sigmaFraction: 0.9 }).rank, 2);
  assert.equal(mrfSubspace(dict, { sigmaFraction: 0.95 }).rank, 3);
  assert.equal(mrfSubspace(dict).rank, 2); // default energy 0.95
  const fixed = mrfSubspace(dict, { rank: 5 });
  assert.equal(fixed.rank, 5);
  assert.equal(fixed.phi.length, 5 * nTR);
});

test('compressed atoms keep the captured energy; projection and synthesis are adjoint and invert on the span', () => {
  const sub = mrfSubspace(dict, { rank: 3 });
  const comp = compressDictionary({ ...dict, norms: new Float64Array(nAtoms).fill(1), T1: new Float64Array(nAtoms), T2: new Float64Array(nAtoms) }, sub);
  let kept = 0;
  for (let i = 0; i < comp.coefficients.length; i += 2) {
    kept += comp.coefficients[i] ** 2;
    assert.equal(comp.coefficients[i + 1], 0);
  }
  assert.ok(Math.abs(kept - 126) < 1e-4, `${kept}`);
  // ⟨P x, c⟩ = ⟨x, S c⟩ for complex x (voxel, TR) and c (voxel, rank).
  const rng = createRng(5);
  const nv = 4;
  const x = Float32Array.from({ length: 2 * nv * nTR }, () => rng.normal());
  const c = Float32Array.from({ length: 2 * nv * sub.rank }, () => rng.normal());
  const dotc = (p: Float32Array, q: Float32Array): [number, number] => {
    let re = 0;
    let im = 0;
    for (let i = 0; i < p.length; i += 2) {
      re += p[i] * q[i] + p[i + 1] * q[i + 1];
      im += p[i] * q[i + 1] - p[i + 1] * q[i];
    }
    return [re, im];
  };
  const lhs = dotc(projectTimeSeries(x, nv, sub), c);
  const rhs = dotc(x, synthesizeTimeSeries(c, nv, sub));
  assert.ok(Math.abs(lhs[0] - rhs[0]) < 1e-4 && Math.abs(lhs[1] - rhs[1]) < 1e-4, `${lhs} vs ${rhs}`);
  // Synthesis then projection is the identity on coefficients (orthonormal rows).
  const back = projectTimeSeries(synthesizeTimeSeries(c, nv, sub), nv, sub);
  for (let i = 0; i < c.length; i++) assert.ok(Math.abs(back[i] - c[i]) < 1e-5);
});

test('rank and energy are checked by name', () => {
  assert.throws(() => mrfSubspace(dict, { rank: 51 }), { message: 'rank: 51 exceeds the number of TRs (50)' });
  assert.throws(() => mrfSubspace(dict, { rank: 0 }), { message: 'rank must be an integer >= 1 (got 0)' });
  assert.throws(() => mrfSubspace(dict, { energy: 1.5 }), { message: 'energy must be a number in (0, 1] (got 1.5)' });
  assert.throws(() => mrfSubspace(dict, { energy: NaN }), /energy must be a number in \(0, 1\]/);
  assert.throws(() => mrfSubspace(dict, { energy: 0.9, rank: 2 } as never), {
    message: 'choice must give exactly one of rank, energy or sigmaFraction',
  });
  assert.throws(() => mrfSubspace(dict, { sigmaFraction: 0 }), { message: 'sigmaFraction must be a number in (0, 1] (got 0)' });
  assert.throws(() => mrfSubspace({ nAtoms: 2, nTR: 3, atoms: new Float32Array(6) }), /the dictionary is all zeros/);
  const sub: MrfSubspace = mrfSubspace(dict, { rank: 2 });
  assert.throws(() => projectTimeSeries(new Float32Array(10), 1, sub), /series must be a complex interleaved Float32Array of 2·1·50 values/);
});

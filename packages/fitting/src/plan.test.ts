import { test } from 'node:test';
import assert from 'node:assert/strict';
import { angularGridT2, makeVarproPlan } from './plan.js';

function angle(TE: number[], a: number, b: number): number {
  const u = TE.map((t) => Math.exp(-(t - TE[0]) / a));
  const w = TE.map((t) => Math.exp(-(t - TE[0]) / b));
  const dot = u.reduce((s, x, k) => s + x * w[k], 0);
  const nu = Math.hypot(...u);
  const nw = Math.hypot(...w);
  return Math.acos(Math.min(1, dot / (nu * nw)));
}

test('grid: exact bounds, increasing T2, equal angles between consecutive decay vectors', () => {
  const TE = [6, 12, 18, 24, 30, 36, 42, 48, 54, 60];
  const T2 = angularGridT2(TE, 1, 3000, 16);
  assert.equal(T2[0], 1);
  assert.equal(T2[15], 3000);
  const angles: number[] = [];
  for (let j = 1; j < 16; j++) {
    assert.ok(T2[j] > T2[j - 1]);
    angles.push(angle(TE, T2[j - 1], T2[j]));
  }
  const mean = angles.reduce((a, b) => a + b) / angles.length;
  for (const a of angles) assert.ok(Math.abs(a - mean) < 0.01 * mean, `angles ${angles.join(', ')}`);
  // The curve's length is at least the direct angle between its ends (T2 = 1: almost [1,0,…,0];
  // T2 = 3000: almost flat, so close to acos(1/√10)).
  assert.ok(mean * 15 >= angle(TE, 1, 3000) - 1e-9);
  assert.ok(angle(TE, 1, 3000) > 0.95 * Math.acos(1 / Math.sqrt(10)));
  // For TE ≤ 60 ms decays with T2 from ~150 to 3000 ms look alike: one cell covers them all,
  // while short T2s, where the decay shape changes fast, get most points.
  assert.ok(T2[14] < 200 && T2[7] < 20, `grid ${Array.from(T2).join(', ')}`);
});

test('plan: normalised grid vectors, even-spacing detection', () => {
  const plan = makeVarproPlan([43, 67, 91, 115], { t2Min: 5, t2Max: 2000 });
  assert.equal(plan.even, 1);
  assert.equal(plan.dTE, 24);
  assert.equal(plan.gridSize, 16);
  for (let j = 0; j < plan.gridSize; j++) {
    let norm = 0;
    for (let k = 0; k < 4; k++) norm += plan.gridU[j * 4 + k] ** 2;
    assert.ok(Math.abs(norm - 1) < 1e-12);
  }
  assert.equal(1 / plan.gridR[0], 5);
  assert.equal(makeVarproPlan([5, 7, 12], { t2Min: 5, t2Max: 2000 }).even, 0);
});

test('plan: the offset model adds centred normalised grid vectors; the others carry none', () => {
  const TE = [10, 20, 30, 40, 50, 60, 70, 80];
  const plan = makeVarproPlan(TE, { t2Min: 2, t2Max: 2000, model: 'offset' });
  assert.equal(plan.model, 1);
  assert.equal(plan.offsetGridR.length, 16);
  assert.equal(plan.offsetGridU.length, 16 * 8);
  assert.equal(1 / plan.offsetGridR[0], 2);
  assert.equal(1 / plan.offsetGridR[15], 2000);
  for (let j = 0; j < 16; j++) {
    let sum = 0;
    let norm = 0;
    for (let k = 0; k < 8; k++) {
      sum += plan.offsetGridU[j * 8 + k];
      norm += plan.offsetGridU[j * 8 + k] ** 2;
    }
    assert.ok(Math.abs(sum) < 1e-12 && Math.abs(norm - 1) < 1e-12, `grid ${j}: sum ${sum}, norm ${norm}`);
    if (j > 0) assert.ok(plan.offsetGridR[j] < plan.offsetGridR[j - 1]);
  }
  // The monoexp grid is the same as without a model.
  assert.deepEqual(plan.gridR, makeVarproPlan(TE, { t2Min: 2, t2Max: 2000 }).gridR);
  const rician = makeVarproPlan(TE, { t2Min: 2, t2Max: 2000, model: 'rician', noiseSigma: 3 });
  assert.deepEqual([rician.model, rician.noiseSigma, rician.offsetGridU.length], [2, 3, 0]);
  assert.deepEqual([makeVarproPlan(TE, { t2Min: 2, t2Max: 2000 }).model, makeVarproPlan(TE, { t2Min: 2, t2Max: 2000 }).noiseSigma], [0, 0]);
});

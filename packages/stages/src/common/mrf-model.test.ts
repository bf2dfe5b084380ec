import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kspaceLoss, kspaceResidual, rmsNorm } from './mrf-model.js';

test('kspaceLoss: zero at the coefficients that made the data; gradient = finite differences', async () => {
  const { subspaceNufftOperator, variableDensitySpiral, randomComplex } = await import('@relaxomap/recon');
  const traj = variableDensitySpiral({ imageSize: 8, nInterleaves: 4 });
  const nTR = 6;
  const interleafOf = [0, 1, 2, 3, 0, 1];
  // Φ: 2 orthonormal rows over 6 TRs.
  const phi = Float32Array.from([1, 1, 1, 1, 1, 1, 1, -1, 1, -1, 1, -1].map((v) => v / Math.sqrt(6)));
  const op = subspaceNufftOperator(traj, interleafOf, { values: phi, rank: 2, complex: false }, { imageShape: [8, 8] });
  const c0 = randomComplex(2 * 64, 3);
  const y = op.apply(c0);
  const w = new Float32Array(nTR * traj.samplesPerInterleaf).map((_, j) => 0.5 + (j % 7) / 7);
  const loss = kspaceLoss(op, y, w);
  assert.ok(loss(c0).value < 1e-10, `${loss(c0).value}`);
  const c = randomComplex(2 * 64, 4);
  const { value, grad } = loss(c);
  assert.ok(value > 0.1);
  for (const j of [0, 1, 37, 200]) {
    const h = 1e-2;
    const plus = c.slice();
    const minus = c.slice();
    plus[j]! += h;
    minus[j]! -= h;
    const fd = (loss(plus).value - loss(minus).value) / (2 * h);
    assert.ok(Math.abs(fd - grad[j]!) < 1e-3 * Math.max(1, Math.abs(fd)) + 1e-4, `sample ${j}: fd ${fd} vs grad ${grad[j]}`);
  }
  assert.throws(() => kspaceLoss(op, y, w.subarray(1)), /kspace: length/);
});

test('kspaceResidual: 0 at the coefficients that made the data; σ²/2 per real value with white noise of E|n|² = σ²', async () => {
  const { subspaceNufftOperator, variableDensitySpiral, randomComplex } = await import('@relaxomap/recon');
  const { createRng } = await import('@relaxomap/physics');
  const traj = variableDensitySpiral({ imageSize: 16, nInterleaves: 4 });
  const interleafOf = Array.from({ length: 40 }, (_, t) => t % 4);
  const phi = new Float32Array(2 * 40);
  for (let t = 0; t < 40; t++) [phi[t], phi[40 + t]] = [1 / Math.sqrt(40), (t % 2 ? -1 : 1) / Math.sqrt(40)];
  const op = subspaceNufftOperator(traj, interleafOf, { values: phi, rank: 2, complex: false }, { imageShape: [16, 16] });
  const c0 = randomComplex(2 * 256, 3);
  const clean = op.apply(c0);
  const ones = new Float32Array(clean.length / 2).fill(1);
  assert.ok(kspaceResidual(op, clean, ones)(c0) < 1e-10);
  // Complex white noise with E|n|² = 4 (σ = √2 per real part): the residual at c0 is ≈ 2 per real value.
  const rng = createRng(9);
  const y = clean.map((v) => v + Math.SQRT2 * rng.normal());
  const value = kspaceResidual(op, y, ones)(c0);
  assert.ok(Math.abs(value / 2 - 1) < 0.03, `residual ${value} vs 2 (${ones.length} samples)`);
  // Weights: the weighted mean, so constant weights change nothing.
  assert.ok(Math.abs(kspaceResidual(op, y, ones.map(() => 3))(c0) - value) < 1e-9 * value);
  assert.throws(() => kspaceResidual(op, y, ones.subarray(1)), /kspace: length/);
});

test('rmsNorm: RMS over voxels of the coefficient-vector norm, by hand', async () => {
  // rank 2, 2 voxels, (rank, voxel) complex: voxel 0 has c = (3 + 4i, 0), voxel 1 has c = (0, 1 − 1i).
  const c2 = Float32Array.from([3, 4, 0, 0, 0, 0, 1, -1]);
  assert.ok(Math.abs(rmsNorm(c2, 2) - Math.sqrt((25 + 2) / 2)) < 1e-6);
});

test('kspaceLoss with scale σ²·N is ρ: ≈ 1 at the coefficients that made the data under white noise of E|n|² = σ²; its gradient is the default one rescaled', async () => {
  const { subspaceNufftOperator, variableDensitySpiral, randomComplex } = await import('@relaxomap/recon');
  const { createRng } = await import('@relaxomap/physics');
  const traj = variableDensitySpiral({ imageSize: 16, nInterleaves: 4 });
  const interleafOf = Array.from({ length: 40 }, (_, t) => t % 4);
  const phi = new Float32Array(2 * 40);
  for (let t = 0; t < 40; t++) [phi[t], phi[40 + t]] = [1 / Math.sqrt(40), (t % 2 ? -1 : 1) / Math.sqrt(40)];
  const op = subspaceNufftOperator(traj, interleafOf, { values: phi, rank: 2, complex: false }, { imageShape: [16, 16] });
  const c0 = randomComplex(2 * 256, 3);
  const rng = createRng(11);
  const y = op.apply(c0).map((v) => v + Math.SQRT2 * rng.normal()); // E|n|² = 4
  const ones = new Float32Array(y.length / 2).fill(1);
  const rho = kspaceLoss(op, y, ones, 4 * ones.length);
  assert.ok(Math.abs(rho(c0).value - 1) < 0.03, `ρ at the truth ${rho(c0).value}`);
  const c = randomComplex(2 * 256, 4);
  let normY = 0;
  for (const v of y) normY += v * v;
  const plain = kspaceLoss(op, y, ones)(c);
  const scaled = rho(c);
  const k = normY / (4 * ones.length);
  assert.ok(Math.abs(scaled.value - plain.value * k) < 1e-6 * scaled.value);
  for (const j of [0, 9, 300]) assert.ok(Math.abs(scaled.grad[j]! - plain.grad[j]! * k) < 1e-4 * Math.max(1, Math.abs(scaled.grad[j]!)), `grad[${j}]`);
  assert.throws(() => kspaceLoss(op, y, ones, 0), /scale must be > 0/);
});

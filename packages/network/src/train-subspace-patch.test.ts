import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orthonormalPhi, randomArray } from './fixtures.js';
import { trainSubspaceNet, type TrainSubspaceOptions } from './train-subspace.js';

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** A series in span(Φ): random coefficients c (rank 2) per voxel, series = c·Φ. */
function options(S: number, H: number, W: number, extra: Partial<TrainSubspaceOptions> = {}): TrainSubspaceOptions {
  const [F, R, n] = [12, 2, S * H * W];
  const shape = { frames: F, slices: S, height: H, width: W, rank: R };
  const phi = orthonormalPhi(R, F, 2);
  const c = randomArray(2 * R * n, 31, -1, 1);
  const series = new Float32Array(2 * F * n);
  for (let f = 0; f < F; f++) {
    for (let v = 0; v < n; v++) {
      for (let r = 0; r < R; r++) {
        series[2 * (f * n + v)] += c[2 * (r * n + v)]! * phi[r * F + f]!;
        series[2 * (f * n + v) + 1] += c[2 * (r * n + v) + 1]! * phi[r * F + f]!;
      }
    }
  }
  return {
    series, phi, shape, net: { blocks: 1, width: 4 },
    loss: 'l1', learningRate: 1e-2, steps: 6, seed: 2, backend: 'wasm', emaDecay: 0.7, ...extra,
  };
}

test('trainSubspaceNet patch: a patch covering the only slice is exactly whole-slice training (held-out voxels too)', async () => {
  const heldOut = new Uint8Array(10 * 9);
  for (let i = 3; i < heldOut.length; i += 7) heldOut[i] = 1;
  const base = options(1, 10, 9, { heldOut });
  const whole = await trainSubspaceNet(base);
  const patched = await trainSubspaceNet({ ...base, patch: { size: 16, perStep: 1 } });
  assert.deepEqual(patched.lossHistory, whole.lossHistory);
  assert.ok(bytes(patched.coefficients).equals(bytes(whole.coefficients)));
});

test('trainSubspaceNet patch training reduces the loss; initialWeights reproduce the coefficients; dataLoss refused', async () => {
  const base = options(2, 12, 10, { patch: { size: 6, perStep: 2 }, steps: 40, loss: 'mse', learningRate: 1e-2 });
  const a = await trainSubspaceNet(base);
  const mean = (v: number[]) => v.reduce((p, q) => p + q, 0) / v.length;
  assert.ok(mean(a.lossHistory.slice(-8)) < 0.7 * mean(a.lossHistory.slice(0, 4)), `loss ${a.lossHistory[0]} → ${a.lossHistory.at(-1)}`);
  const b = await trainSubspaceNet({ ...base, steps: 0, initialWeights: a.weights });
  assert.ok(bytes(b.coefficients).equals(bytes(a.coefficients)));
  await assert.rejects(trainSubspaceNet({ ...base, net: { blocks: 2, width: 4 }, initialWeights: a.weights }), /initialWeights: missing variable block1\/conv1/);
  await assert.rejects(
    trainSubspaceNet({ ...base, slicesPerStep: 1, dataLoss: () => ({ value: 0, grad: new Float32Array(0) }) }),
    /patch: not with dataLoss/,
  );
});

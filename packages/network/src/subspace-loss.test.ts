import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend.js';
import { subspaceLoss, subspaceLossNaive, type SubspaceTarget } from './subspace-loss.js';
import { assertAllClose, randomArray } from './fixtures.js';

test('subspaceLoss: value by hand on one voxel', async () => {
  await initBackend('cpu');
  // rank 1, 2 frames, Φ = [0.6, 0.8]; c = 2 − i → c·Φ = (1.2 − 0.6i, 1.6 − 0.8i); x = (1, 2i)
  const phi = tf.tensor2d([0.6, 0.8], [1, 2]);
  const t: SubspaceTarget = { phi, phiT: tf.transpose(phi) as tf.Tensor2D, re: tf.tensor2d([1, 0], [1, 2]), im: tf.tensor2d([0, 2], [1, 2]), count: 4 };
  const c = tf.tensor2d([2, -1], [1, 2]);
  // d_re = (0.2, 1.6), d_im = (−0.6, −2.8)
  const l1 = subspaceLoss(c, 'l1', t);
  const mse = subspaceLoss(c, 'mse', t);
  assert.ok(Math.abs(l1.dataSync()[0] - (0.2 + 1.6 + 0.6 + 2.8) / 4) < 1e-6);
  assert.ok(Math.abs(mse.dataSync()[0] - (0.04 + 2.56 + 0.36 + 7.84) / 4) < 1e-6);
  // dL1/dc_re = (sign(0.2)·0.6 + sign(1.6)·0.8)/4 = 0.35; dL1/dc_im = −(0.6 + 0.8)/4 = −0.35
  const g = tf.grad((ci: tf.Tensor) => subspaceLoss(ci as tf.Tensor2D, 'l1', t))(c);
  assertAllClose(g.dataSync(), [0.35, -0.35], 1e-6, 0, 'L1 gradient');
  tf.dispose([phi, t.phiT, t.re, t.im, c, l1, mse, g]);
});

test('subspaceLoss: value and gradient equal autodiff of the plain formula (l1, mse; with and without weights)', async () => {
  await initBackend('wasm');
  const [N, R, F] = [30, 3, 7];
  const phi = tf.tensor2d(randomArray(R * F, 1), [R, F]);
  const c = tf.tensor2d(randomArray(N * 2 * R, 2), [N, 2 * R]);
  const w = randomArray(N, 5, 0, 1).map((v) => (v < 0.3 ? 0 : 1));
  const base = { phi, phiT: tf.transpose(phi) as tf.Tensor2D, re: tf.tensor2d(randomArray(N * F, 3), [N, F]), im: tf.tensor2d(randomArray(N * F, 4), [N, F]) };
  const weight = tf.tensor2d(w, [N, 1]);
  for (const kind of ['l1', 'mse'] as const) {
    for (const t of [{ ...base, count: 2 * F * N }, { ...base, weight, count: 2 * F * w.reduce((a, b) => a + b, 0) }] as SubspaceTarget[]) {
      const what = `${kind}${t.weight ? ' weighted' : ''}`;
      const fast = tf.valueAndGrad((ci: tf.Tensor) => subspaceLoss(ci as tf.Tensor2D, kind, t))(c);
      const ref = tf.valueAndGrad((ci: tf.Tensor) => subspaceLossNaive(ci as tf.Tensor2D, kind, t))(c);
      assertAllClose(fast.value.dataSync(), ref.value.dataSync(), 0, 1e-5, `${what} value`);
      assertAllClose(fast.grad.dataSync(), ref.grad.dataSync(), 1e-7, 1e-5, `${what} gradient`);
      if (t.weight !== undefined) {
        // Held-out voxels get no gradient.
        const g = fast.grad.dataSync();
        for (let i = 0; i < N; i++) if (w[i] === 0) for (let k = 0; k < 2 * R; k++) assert.equal(g[i * 2 * R + k], 0, `${what} voxel ${i}`);
      }
      tf.dispose([fast.value, fast.grad, ref.value, ref.grad]);
    }
  }
  const wrong = tf.zeros([N, 4]) as tf.Tensor2D;
  assert.throws(() => subspaceLoss(wrong, 'l1', { ...base, count: 1 }), /c: expected/);
  tf.dispose([phi, c, wrong, base.phiT, base.re, base.im, weight]);
});

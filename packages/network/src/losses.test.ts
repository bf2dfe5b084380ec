import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { ssim2d } from '@relaxomap/metrics';
import { initBackend } from './backend.js';
import { echoLoss, ssimTf } from './losses.js';
import { randomArray } from './fixtures.js';

/** (batch, H, W, C) NHWC data → the (b, c) images as plain (H, W) arrays. */
function images(data: Float32Array, [B, H, W, C]: number[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const img = new Float64Array(H * W);
      for (let i = 0; i < H * W; i++) img[i] = data[(b * H * W + i) * C + c];
      out.push(img);
    }
  }
  return out;
}

function meanSsim64(a: Float32Array, b: Float32Array, shape: number[], dataRange: number): number {
  const ia = images(a, shape);
  const ib = images(b, shape);
  return ia.reduce((s, img, k) => s + ssim2d(img, ib[k], shape[2], shape[1], { dataRange }), 0) / ia.length;
}

test('ssimTf equals metrics.ssim2d averaged over batch and channels', async () => {
  await initBackend('wasm');
  const shape = [2, 16, 13, 3];
  const n = shape.reduce((a, b) => a * b);
  const a = randomArray(n, 5, 0, 1);
  const b = Float32Array.from(a, (v, i) => v + 0.3 * Math.sin(i * 0.37));
  const ta = tf.tensor4d(a, shape as [number, number, number, number]);
  const tb = tf.tensor4d(b, shape as [number, number, number, number]);
  const got = ssimTf(ta, tb).dataSync()[0];
  const expected = meanSsim64(a, b, shape, 1);
  assert.ok(Math.abs(got - expected) < 1e-5, `ssim ${got} vs ${expected}`);
  assert.ok(expected < 0.9, 'the pair is not trivially similar');
  assert.ok(Math.abs(ssimTf(ta, ta).dataSync()[0] - 1) < 1e-6, 'SSIM(a, a) = 1');
  tf.dispose([ta, tb]);
});

test('ssim loss gradient agrees with float64 central differences of metrics.ssim2d', async () => {
  await initBackend('wasm');
  const shape = [1, 14, 12, 2];
  const n = shape.reduce((a, b) => a * b);
  const a = randomArray(n, 7, 0, 1);
  const b = randomArray(n, 8, 0, 1);
  const tb = tf.tensor4d(b, shape as [number, number, number, number]);
  const g = tf.grad((x: tf.Tensor) => echoLoss('ssim', x as tf.Tensor4D, tb))(tf.tensor4d(a, shape as [number, number, number, number]));
  const grad = g.dataSync();
  const h = 1e-4;
  for (const i of [0, 17, 100, 201, 335]) {
    const plus = Float32Array.from(a);
    const minus = Float32Array.from(a);
    plus[i] += h;
    minus[i] -= h;
    // Float32 storage of a ± h is exact enough at h = 1e-4 since the ssim is evaluated in float64.
    const fd = -(meanSsim64(plus, b, shape, 1) - meanSsim64(minus, b, shape, 1)) / (plus[i] - minus[i]);
    assert.ok(Math.abs(grad[i] - fd) <= 1e-3 * Math.abs(fd) + 1e-6, `index ${i}: grad ${grad[i]} vs fd ${fd}`);
  }
  tf.dispose([tb, g]);
});

test('l1 and mse losses: known answers', async () => {
  await initBackend('cpu');
  const p = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
  const t = tf.tensor4d([1, 0, 3, 8], [1, 2, 2, 1]);
  assert.equal(echoLoss('l1', p, t).dataSync()[0], 1.5); // (0 + 2 + 0 + 4)/4
  assert.equal(echoLoss('mse', p, t).dataSync()[0], 5); // (0 + 4 + 0 + 16)/4
  assert.throws(() => echoLoss('bogus' as 'mse', p, t), /loss/);
  tf.dispose([p, t]);
});

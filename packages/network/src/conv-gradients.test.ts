import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend.js';
import { assertAllClose, randomArray } from './fixtures.js';

/** The cpu backend's own kernels for the two gradients (what tfjs's built-in Conv2D gradient calls). */
function builtinGrads(x: tf.Tensor4D, w: tf.Tensor4D, dy: tf.Tensor4D, pad: 'same' | 'valid'): { dx: Float32Array; dw: Float32Array } {
  const attrs = { strides: [1, 1], pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
  const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
  const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
  const out = { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  tf.dispose([dx, dw]);
  return out;
}

/** Gradients through the registered (overridden) Conv2D gradient, for L = Σ conv2d(x, w) · r. */
function overrideGrads(x: tf.Tensor4D, w: tf.Tensor4D, r: tf.Tensor4D, pad: 'same' | 'valid'): { dx: Float32Array; dw: Float32Array } {
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad), r)))([x, w]);
  const out = { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  tf.dispose([dx, dw]);
  return out;
}

const cases: Array<{ kh: number; kw: number; pad: 'same' | 'valid' }> = [
  { kh: 1, kw: 1, pad: 'same' },
  { kh: 3, kw: 3, pad: 'same' },
  { kh: 3, kw: 3, pad: 'valid' },
  { kh: 5, kw: 5, pad: 'same' },
  { kh: 2, kw: 2, pad: 'same' }, // even kernel: asymmetric 'same' padding
  { kh: 4, kw: 2, pad: 'valid' },
  { kh: 11, kw: 1, pad: 'valid' }, // the SSIM window pass
];

for (const backend of ['cpu', 'wasm'] as const) {
  test(`Conv2D gradient override matches the cpu kernels' gradients (${backend})`, async () => {
    for (const { kh, kw, pad } of cases) {
      const [B, H, W, C, O] = [2, 12, 9, 3, 4];
      const xs = randomArray(B * H * W * C, 1 + kh * 10 + kw);
      const ws = randomArray(kh * kw * C * O, 2 + kh * 10 + kw);
      const Ho = pad === 'same' ? H : H - kh + 1;
      const Wo = pad === 'same' ? W : W - kw + 1;
      const rs = randomArray(B * Ho * Wo * O, 3 + kh * 10 + kw);
      await initBackend('cpu');
      const x = tf.tensor4d(xs, [B, H, W, C]);
      const w = tf.tensor4d(ws, [kh, kw, C, O]);
      const r = tf.tensor4d(rs, [B, Ho, Wo, O]);
      const ref = builtinGrads(x, w, r, pad);
      tf.dispose([x, w, r]);
      await initBackend(backend);
      const x2 = tf.tensor4d(xs, [B, H, W, C]);
      const w2 = tf.tensor4d(ws, [kh, kw, C, O]);
      const r2 = tf.tensor4d(rs, [B, Ho, Wo, O]);
      const got = overrideGrads(x2, w2, r2, pad);
      tf.dispose([x2, w2, r2]);
      assertAllClose(got.dx, ref.dx, 1e-5, 1e-5, `dx ${kh}×${kw} ${pad}`);
      assertAllClose(got.dw, ref.dw, 1e-4, 1e-5, `dw ${kh}×${kw} ${pad}`);
    }
  });
}

test('Conv2D gradient override agrees with a float64 loop (3×3 same, filter gradient)', async () => {
  await initBackend('wasm');
  const [H, W, C, O, k] = [5, 4, 2, 3, 3];
  const xs = randomArray(H * W * C, 11);
  const ws = randomArray(k * k * C * O, 12);
  const rs = randomArray(H * W * O, 13);
  // dL/dw[p,q,c,o] = Σ_{i,j} x[i+p−1, j+q−1, c] · r[i, j, o] (zero outside the image)
  const expected = new Float64Array(k * k * C * O);
  for (let p = 0; p < k; p++) for (let q = 0; q < k; q++) for (let c = 0; c < C; c++) for (let o = 0; o < O; o++) {
    let s = 0;
    for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
      const yi = i + p - 1;
      const xj = j + q - 1;
      if (yi < 0 || yi >= H || xj < 0 || xj >= W) continue;
      s += xs[(yi * W + xj) * C + c] * rs[(i * W + j) * O + o];
    }
    expected[((p * k + q) * C + c) * O + o] = s;
  }
  const x = tf.tensor4d(xs, [1, H, W, C]);
  const w = tf.tensor4d(ws, [k, k, C, O]);
  const r = tf.tensor4d(rs, [1, H, W, O]);
  const got = overrideGrads(x, w, r, 'same');
  tf.dispose([x, w, r]);
  assertAllClose(got.dw, expected, 1e-5, 1e-6, 'dw vs loop');
});

test('Conv2D gradient override rejects stride 2 with a one-line error', async () => {
  await initBackend('wasm');
  const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
  const w = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
  assert.throws(() => tf.grad((a: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, w, 2, 'same')))(x), /strides/);
  tf.dispose([x, w]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend.js';
import { createT2Net, synthesize } from './model.js';
import { randomArray } from './fixtures.js';

test('createT2Net: shapes, M0 > 0, T2 within range, start near the heads’ centres', async () => {
  await initBackend('wasm');
  const net = createT2Net({ echoes: 4, width: 8, blocks: 2, seed: 3, t2Range: [1, 3000] });
  // 2·IN(3 vars)... head conv + IN(2) + 2 blocks·(2 conv + 2·IN(2)) + tail conv + bias = 3 + 12 + 2.
  assert.equal(net.variables.size, 17);
  const x = tf.tensor4d(randomArray(2 * 12 * 10 * 4, 4, 0, 1), [2, 12, 10, 4]);
  const { m0, t2 } = net.apply(x);
  assert.deepEqual(m0.shape, [2, 12, 10]);
  assert.deepEqual(t2.shape, [2, 12, 10]);
  const m = m0.dataSync();
  const t = t2.dataSync();
  const centre = Math.sqrt(1 * 3000);
  for (let i = 0; i < m.length; i++) {
    assert.ok(m[i] > 0, 'M0 > 0');
    assert.ok(t[i] >= 1 && t[i] <= 3000, 'T2 in range');
    // ×0.01 output init: z ≈ 0, so T2 ≈ sqrt(min·max) ≈ 54.8 ms and M0 ≈ ln 2 ≈ 0.69.
    assert.ok(Math.abs(t[i] / centre - 1) < 0.2, `T2 ${t[i]} near ${centre}`);
    assert.ok(Math.abs(m[i] - Math.LN2) < 0.1, `M0 ${m[i]} near ln 2`);
  }
  tf.dispose([x, m0, t2]);
  net.dispose();
});

test('createT2Net: T2 stays within [min, max] even for extreme outputs', async () => {
  await initBackend('wasm');
  const net = createT2Net({ echoes: 2, width: 4, blocks: 1, seed: 1, t2Range: [20, 400] });
  // Blow up the output layer so the sigmoid saturates on both sides.
  const tail = net.variables.get('tail/conv') as tf.Variable;
  tf.tidy(() => tail.assign(tf.mul(tail, 1e5)));
  const x = tf.tensor4d(randomArray(1 * 8 * 8 * 2, 9, 0, 1), [1, 8, 8, 2]);
  const { m0, t2 } = net.apply(x);
  const t = t2.dataSync();
  assert.ok(Math.min(...t) >= 20 - 1e-3 && Math.max(...t) <= 400 + 1e-2, `T2 in [20, 400]: ${Math.min(...t)}..${Math.max(...t)}`);
  assert.ok(Math.min(...m0.dataSync()) >= 0);
  tf.dispose([x, m0, t2]);
  net.dispose();
});

test('createT2Net: same seed → identical weights and outputs; other seed → different', async () => {
  await initBackend('wasm');
  const a = createT2Net({ echoes: 3, width: 4, blocks: 1, seed: 42 });
  const b = createT2Net({ echoes: 3, width: 4, blocks: 1, seed: 42 });
  const c = createT2Net({ echoes: 3, width: 4, blocks: 1, seed: 43 });
  for (const [name, v] of a.variables) assert.deepEqual(v.dataSync(), (b.variables.get(name) as tf.Variable).dataSync(), name);
  const w = (n: typeof a) => (n.variables.get('head/conv') as tf.Variable).dataSync();
  assert.notDeepEqual(w(a), w(c));
  const x = tf.tensor4d(randomArray(8 * 8 * 3, 1, 0, 1), [1, 8, 8, 3]);
  assert.deepEqual(a.apply(x).t2.dataSync(), b.apply(x).t2.dataSync());
  tf.dispose(x);
  [a, b, c].forEach((n) => n.dispose());
});

test('createT2Net: blocks = 0 works; bad config throws naming the field', async () => {
  await initBackend('wasm');
  const net = createT2Net({ echoes: 1, width: 2, blocks: 0, seed: 0 });
  assert.equal(net.variables.size, 5);
  const x = tf.ones([1, 5, 5, 1]) as tf.Tensor4D;
  assert.deepEqual(net.apply(x).t2.shape, [1, 5, 5]);
  assert.throws(() => net.apply(tf.ones([1, 5, 5, 2]) as tf.Tensor4D), /x: expected shape/);
  net.dispose();
  tf.dispose(x);
  assert.throws(() => createT2Net({ echoes: 1, width: 2, blocks: -1, seed: 0 }), /blocks/);
  assert.throws(() => createT2Net({ echoes: 1, width: 2, blocks: 0, seed: 0, t2Range: [10, 5] }), /t2Range/);
});

test('synthesize: ρ = M0·exp(−TE/T2), known values', async () => {
  await initBackend('cpu');
  const m0 = tf.tensor3d([1, 2], [1, 1, 2]);
  const t2 = tf.tensor3d([50, 100], [1, 1, 2]);
  const rho = synthesize(m0, t2, [0, 50, 100]);
  assert.deepEqual(rho.shape, [1, 1, 2, 3]);
  const expected = [1, Math.exp(-1), Math.exp(-2), 2, 2 * Math.exp(-0.5), 2 * Math.exp(-1)];
  rho.dataSync().forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `ρ[${i}] ${v} vs ${expected[i]}`));
  tf.dispose([m0, t2, rho]);
});

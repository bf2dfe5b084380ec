import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend.js';
import { createHash } from 'node:crypto';
import { createResidualNet, createT2Net, synthesize } from './model.js';
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

/** SHA-256 over (local name, float32 bytes) of every variable in order, and Σw, Σw² over all of them. */
function checksum(variables: ReadonlyMap<string, tf.Variable>): { sha: string; sum: number; sumsq: number } {
  const h = createHash('sha256');
  let sum = 0;
  let sumsq = 0;
  for (const [name, v] of variables) {
    const d = v.dataSync() as Float32Array;
    h.update(name);
    h.update(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
    for (const x of d) {
      sum += x;
      sumsq += x * x;
    }
  }
  return { sha: h.digest('hex'), sum, sumsq };
}

test('createT2Net: initial weights pinned (computed before createResidualNet was extracted)', async () => {
  await initBackend('wasm');
  const net = createT2Net({ echoes: 4, width: 8, blocks: 2, seed: 3 });
  const c = checksum(net.variables);
  assert.ok(Math.abs(c.sum - 46.6185866169526) < 1e-9, `sum ${c.sum}`);
  assert.ok(Math.abs(c.sumsq - 120.82944706678995) < 1e-9, `sum of squares ${c.sumsq}`);
  assert.equal(c.sha, '00990ef7dee54df1a2a2b51c46b1e3d35ab519f41705749032cbb76bb33b36ab');
  assert.deepEqual([...net.variables.keys()].slice(0, 4), ['head/conv', 'head/in/gamma', 'head/in/beta', 'block0/conv1']);
  net.dispose();
  const small = createT2Net({ echoes: 3, width: 4, blocks: 0, seed: 11, t2Range: [5, 500] });
  assert.equal(checksum(small.variables).sha, '24fae9fc7bb9c43eae88f7d9c36a276064dcbfa7fee0d20af7ff0a49139328ed');
  small.dispose();
});

test('createResidualNet: shapes, variable names, determinism per seed, output init scale', async () => {
  await initBackend('wasm');
  const cfg = { inChannels: 6, outChannels: 6, width: 8, blocks: 2, seed: 5 };
  const a = createResidualNet({ ...cfg, outputInitScale: 0.01, name: 'test' });
  const b = createResidualNet({ ...cfg, outputInitScale: 0.01 });
  const plain = createResidualNet(cfg);
  const other = createResidualNet({ ...cfg, seed: 6 });
  assert.deepEqual([...a.variables.keys()], [
    'head/conv', 'head/in/gamma', 'head/in/beta',
    ...[0, 1].flatMap((i) => [`block${i}/conv1`, `block${i}/in1/gamma`, `block${i}/in1/beta`, `block${i}/conv2`, `block${i}/in2/gamma`, `block${i}/in2/beta`]),
    'tail/conv', 'tail/bias',
  ]);
  assert.deepEqual(a.variables.get('head/conv')?.shape, [3, 3, 6, 8]);
  assert.deepEqual(a.variables.get('tail/conv')?.shape, [3, 3, 8, 6]);
  assert.match(a.variables.get('tail/bias')?.name ?? '', /^test\d+\/tail\/bias$/);
  // Same seed → same weights (the global names differ); another seed → different.
  for (const [name, v] of a.variables) assert.deepEqual(v.dataSync(), b.variables.get(name)?.dataSync(), name);
  assert.notDeepEqual(a.variables.get('head/conv')?.dataSync(), other.variables.get('head/conv')?.dataSync());
  // The output conv is the plain He-normal draw × outputInitScale; the rest is unaffected by it.
  const scaled = a.variables.get('tail/conv')?.dataSync() as Float32Array;
  const unscaled = plain.variables.get('tail/conv')?.dataSync() as Float32Array;
  scaled.forEach((w, i) => assert.ok(Math.abs(w - 0.01 * unscaled[i]) <= 1e-6 * Math.abs(w), `tail/conv[${i}]`));
  assert.deepEqual(a.variables.get('block1/conv2')?.dataSync(), plain.variables.get('block1/conv2')?.dataSync());
  // He-normal: std of the 3·3·8·8 block weights ≈ sqrt(2 / 72) = 0.167.
  const w = plain.variables.get('block0/conv1')?.dataSync() as Float32Array;
  const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
  assert.ok(Math.abs(std / Math.sqrt(2 / 72) - 1) < 0.15, `std ${std}`);

  const x = tf.tensor4d(randomArray(2 * 7 * 5 * 6, 8, -1, 1), [2, 7, 5, 6]);
  const ya = a.apply(x);
  assert.deepEqual(ya.shape, [2, 7, 5, 6]);
  assert.deepEqual(ya.dataSync(), b.apply(x).dataSync());
  assert.throws(() => a.apply(tf.ones([1, 4, 4, 2]) as tf.Tensor4D), /x: expected shape \(batch, H, W, 6\)/);
  assert.throws(() => createResidualNet({ ...cfg, outChannels: 0 }), /outChannels/);
  tf.dispose([x, ya]);
  [a, b, plain, other].forEach((n) => n.dispose());
});

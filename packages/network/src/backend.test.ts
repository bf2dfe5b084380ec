import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend.js';

test('initBackend: auto falls back to wasm here and says why; idempotent; explicit choices', async () => {
  const auto = await initBackend('auto');
  // On this machine @tensorflow/tfjs-node-gpu cannot install (it downloads libtensorflow).
  assert.equal(auto.name, 'wasm');
  assert.equal(auto.gpu, false);
  assert.match(auto.note, /SIMD/);
  assert.match(auto.note, /tfjs-node/);
  assert.equal(await initBackend('auto'), auto, 'same result object on a second call');
  assert.equal(tf.getBackend(), 'wasm');

  const cpu = await initBackend('cpu');
  assert.equal(cpu.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  await initBackend('wasm');
  assert.equal(tf.getBackend(), 'wasm');
  await assert.rejects(initBackend('tensorflow'), /preference: native TensorFlow/);
  await assert.rejects(initBackend('gpu' as 'auto'), /preference/);
});

test('initBackend: training gradients exist on wasm (Conv2D filter gradient, core ops)', async () => {
  await initBackend('wasm');
  const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
  const w = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
  // Σ conv(x, w) over a 4×4 'same' output: ∂/∂w[p,q] = number of output pixels whose tap (p,q)
  // falls inside the image = rows(p)·cols(q) with rows = cols = [3, 4, 3].
  const g = tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'same')))(w);
  assert.deepEqual(Array.from(g.dataSync()), [9, 12, 9, 12, 16, 12, 9, 12, 9]);
  tf.dispose([x, w, g]);
});

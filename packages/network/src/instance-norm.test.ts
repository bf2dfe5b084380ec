import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend.js';
import { instanceNorm, instanceNormNaive } from './instance-norm.js';
import { assertAllClose, randomArray } from './fixtures.js';

test('lean instance norm equals the naive one: values and gradients (x, γ, β)', async () => {
  await initBackend('cpu');
  const shape: [number, number, number, number] = [2, 5, 6, 3];
  const n = shape.reduce((a, b) => a * b);
  const x = tf.tensor4d(randomArray(n, 1, -2, 3), shape);
  const gamma = tf.tensor1d([0.5, 1.5, -1]);
  const beta = tf.tensor1d([0.1, -0.2, 0.3]);
  const r = tf.tensor4d(randomArray(n, 2), shape);
  const loss = (f: typeof instanceNorm) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.square(f(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D)), r));

  const yLean = instanceNorm(x, gamma, beta);
  const yNaive = instanceNormNaive(x, gamma, beta);
  assertAllClose(yLean.dataSync(), yNaive.dataSync(), 1e-5, 1e-6, 'y');

  const gLean = tf.grads(loss(instanceNorm))([x, gamma, beta]);
  const gNaive = tf.grads(loss(instanceNormNaive))([x, gamma, beta]);
  for (let i = 0; i < 3; i++) assertAllClose(gLean[i].dataSync(), gNaive[i].dataSync(), 1e-4, 1e-5, ['dx', 'dγ', 'dβ'][i]);

  // Known answer: each (instance, channel) of (y − β)/γ has mean 0 and variance 1 − ε/(σ²+ε) ≈ 1.
  const z = tf.div(tf.sub(yLean, beta), gamma);
  const { mean, variance } = tf.moments(z, [1, 2]);
  assertAllClose(mean.dataSync(), new Float32Array(6), 1e-6, 0, 'mean 0');
  assertAllClose(variance.dataSync(), new Float32Array(6).fill(1), 1e-3, 0, 'variance 1');
  tf.dispose([x, gamma, beta, r, yLean, yNaive, z, mean, variance, ...gLean, ...gNaive]);
});

test('lean instance norm holds only y, x̂ and 1/σ between forward and backward', async () => {
  await initBackend('wasm');
  const x = tf.randomNormal([1, 8, 8, 4]) as tf.Tensor4D;
  const g = tf.variable(tf.ones([4]));
  const b = tf.variable(tf.zeros([4]));
  const liveAfterForward = (f: typeof instanceNorm): number => {
    let live = 0;
    tf.tidy(() => {
      const before = tf.memory().numTensors;
      tf.variableGrads(() => {
        const y = f(x, g as tf.Variable<tf.Rank.R1>, b as tf.Variable<tf.Rank.R1>);
        live = tf.memory().numTensors - before;
        return tf.sum(y);
      }, [g, b]);
    });
    return live;
  };
  const before = tf.memory().numTensors;
  const lean = liveAfterForward(instanceNorm);
  const naive = liveAfterForward(instanceNormNaive);
  assert.ok(lean <= 4, `lean keeps ${lean} tensors`);
  assert.ok(naive >= 3 * lean, `naive keeps ${naive} tensors, lean ${lean}`);
  assert.equal(tf.memory().numTensors, before, 'no leak');
  tf.dispose([x, g, b]);
});

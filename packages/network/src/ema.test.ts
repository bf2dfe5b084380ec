import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend.js';
import { WeightAverage } from './ema.js';
import { lrFactor } from './train.js';

test('WeightAverage: bias-corrected average of known weights; trained weights restored', async () => {
  await initBackend('cpu');
  const w = tf.variable(tf.tensor1d([0, 0]));
  const avg = new WeightAverage(new Map([['w', w]]), 0.5);
  // Weights 2, then 4: shadow = 0.5·(0.5·0 + 0.5·2) + 0.5·4 = 2.5; / (1 − 0.25) = 10/3.
  w.assign(tf.tensor1d([2, -2]));
  avg.update();
  w.assign(tf.tensor1d([4, -4]));
  avg.update();
  const seen = await avg.withAveraged(async () => Array.from(w.dataSync()));
  assert.ok(Math.abs(seen[0] - 10 / 3) < 1e-6 && Math.abs(seen[1] + 10 / 3) < 1e-6, `averaged ${seen}`);
  assert.deepEqual(Array.from(w.dataSync()), [4, -4], 'restored');
  const before = tf.memory().numTensors;
  await avg.withAveraged(async () => undefined);
  assert.equal(tf.memory().numTensors, before, 'no leak');
  assert.throws(() => new WeightAverage(new Map(), 1), /emaDecay/);
  avg.dispose();
  w.dispose();
});

test('lrFactor: constant 1; cosine 1 → ½ → 0', () => {
  assert.equal(lrFactor(7, 10, 'constant'), 1);
  assert.equal(lrFactor(0, 10, 'cosine'), 1);
  assert.ok(Math.abs(lrFactor(5, 10, 'cosine') - 0.5) < 1e-15);
  assert.ok(Math.abs(lrFactor(10, 10, 'cosine')) < 1e-15);
});

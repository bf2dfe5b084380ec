import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend.js';
import { randomArray } from './fixtures.js';

type Fn = (...xs: tf.Tensor[]) => tf.Scalar;

/** Central differences of a scalar tf function (evaluated in float32) w.r.t. each input element. */
function numericGrads(f: Fn, inputs: Array<{ data: Float32Array; shape: number[] }>, h: number): Float64Array[] {
  const evalAt = (arrays: Float32Array[]): number =>
    tf.tidy(() => f(...arrays.map((d, k) => tf.tensor(d, inputs[k].shape))).dataSync()[0]);
  return inputs.map((inp, k) => {
    const g = new Float64Array(inp.data.length);
    for (let i = 0; i < inp.data.length; i++) {
      const plus = inputs.map((x) => Float32Array.from(x.data));
      const minus = inputs.map((x) => Float32Array.from(x.data));
      plus[k][i] += h;
      minus[k][i] -= h;
      g[i] = (evalAt(plus) - evalAt(minus)) / (plus[k][i] - minus[k][i]);
    }
    return g;
  });
}

const cases: Array<{ name: string; f: Fn; shapes: number[][]; lo?: number }> = [
  { name: 'add/sub/mul broadcast', f: (a, b) => tf.sum(tf.mul(tf.add(a, b), tf.sub(a, tf.mul(b, 2)))), shapes: [[2, 3], [3]] },
  { name: 'div broadcast', f: (a, b) => tf.sum(tf.div(a, b)), shapes: [[2, 3], [2, 1]], lo: 0.5 },
  { name: 'squaredDifference', f: (a, b) => tf.mean(tf.squaredDifference(a, b)), shapes: [[3, 2], [3, 2]] },
  { name: 'neg/exp/sigmoid/softplus', f: (a) => tf.sum(tf.mul(tf.exp(tf.neg(a)), tf.add(tf.sigmoid(a), tf.softplus(a)))), shapes: [[5]] },
  { name: 'sqrt/log/square', f: (a) => tf.sum(tf.add(tf.sqrt(a), tf.mul(tf.log(a), tf.square(a)))), shapes: [[4]], lo: 0.5 },
  { name: 'abs/relu (away from 0)', f: (a) => tf.sum(tf.mul(tf.abs(a), tf.relu(tf.sub(a, 0.05)))), shapes: [[6]], lo: 0.2 },
  { name: 'mean/sum over axes', f: (a) => tf.sum(tf.square(tf.mean(tf.mul(a, tf.sum(a, [0], true)), [1]))), shapes: [[3, 4]] },
  { name: 'reshape/expandDims/transpose', f: (a) => tf.sum(tf.mul(tf.transpose(tf.expandDims(tf.reshape(a, [2, 3]), 2), [2, 1, 0]), tf.tensor([1, 2, 3, 4, 5, 6], [1, 3, 2]))), shapes: [[6]] },
  {
    name: 'concat/split/pad',
    f: (a, b) => {
      const [p, q] = tf.split(tf.concat([a, b], 1), [3, 2], 1);
      return tf.add(tf.sum(tf.mul(tf.pad(tf.square(p), [[1, 0], [0, 2]]), 0.5)), tf.sum(tf.exp(q))) as tf.Scalar;
    },
    shapes: [[2, 2], [2, 3]],
  },
  { name: 'matMul', f: (a, b) => tf.sum(tf.square(tf.matMul(a, b))), shapes: [[2, 3], [3, 4]] },
  { name: 'matMul transposeA', f: (a, b) => tf.sum(tf.square(tf.matMul(a, b, true, false))), shapes: [[3, 2], [3, 4]] },
  { name: 'matMul transposeB', f: (a, b) => tf.sum(tf.square(tf.matMul(a, b, false, true))), shapes: [[2, 3], [4, 3]] },
  { name: 'matMul transposeA+B', f: (a, b) => tf.sum(tf.square(tf.matMul(a, b, true, true))), shapes: [[3, 2], [4, 3]] },
];

test('registered core gradients agree with central differences', async () => {
  await initBackend('cpu');
  for (const { name, f, shapes, lo } of cases) {
    const inputs = shapes.map((shape, k) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = randomArray(n, 31 + k, lo ?? -1, lo !== undefined ? lo + 1 : 1);
      return { data, shape };
    });
    const tensors = inputs.map((x) => tf.tensor(x.data, x.shape));
    const grads = tf.grads(f)(tensors);
    const fd = numericGrads(f, inputs, 1e-2);
    grads.forEach((g, k) => {
      const got = g.dataSync();
      for (let i = 0; i < got.length; i++) {
        assert.ok(Math.abs(got[i] - fd[k][i]) <= 2e-3 * Math.max(1, Math.abs(fd[k][i])), `${name}: input ${k}[${i}] grad ${got[i]} vs fd ${fd[k][i]}`);
      }
    });
    tf.dispose([...tensors, ...grads]);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend.js';
import { randomArray } from './fixtures.js';
import { createT2Net, t2NetShapes } from './model.js';
import { predictSlice, predictSliceTiled, predictT2, sliceInput, tileStarts } from './predict.js';
import { predictT2Parallel } from './parallel.js';
import { trainT2Net } from './train.js';
import { getWeights } from './weights.js';

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const NET = { echoes: 3, width: 4, blocks: 1, t2Range: [5, 2000] as [number, number] };
const shape = { echoes: 3, slices: 5, height: 13, width: 11 };
const echoes = randomArray(3 * 5 * 13 * 11, 21, 0, 1);

async function weights(seed: number) {
  await initBackend('wasm');
  const net = createT2Net({ ...NET, seed });
  // Perturb the output conv so the maps vary across the image (the ×0.01 init makes them nearly flat).
  tf.tidy(() => (net.variables.get('tail/conv') as tf.Variable).assign(tf.mul(net.variables.get('tail/conv') as tf.Variable, 50)));
  const w = await getWeights(net.variables);
  net.dispose();
  return w;
}

test('predictT2Parallel: worker threads give the single-thread maps bit for bit (whole slices and tiles)', async () => {
  const w = await weights(1);
  const serial = await predictT2({ weights: w, net: NET, echoes, shape, backend: 'wasm' });
  assert.equal(serial.threads, 1);
  let max = 0;
  for (const v of echoes) max = Math.max(max, v);
  assert.equal(serial.scale, max);
  const t2 = Array.from(serial.t2);
  assert.ok(Math.max(...t2) / Math.min(...t2) > 1.05, 'maps are not flat');
  assert.ok(t2.every((v) => v >= 5 && v <= 2000));

  const par = await predictT2Parallel({ weights: w, net: NET, echoes, shape, backend: 'wasm', threads: 2 });
  assert.equal(par.threads, 2);
  assert.equal(par.backend, 'wasm');
  assert.ok(bytes(par.t2).equals(bytes(serial.t2)), 'T2 identical');
  assert.ok(bytes(par.m0).equals(bytes(serial.m0)), 'M0 identical');

  const tile = { size: 8, overlap: 3 };
  const tiledSerial = await predictT2({ weights: w, net: NET, echoes, shape, backend: 'wasm', tile, scale: 2 });
  const tiledPar = await predictT2Parallel({ weights: w, net: NET, echoes, shape, backend: 'wasm', tile, scale: 2, threads: 9 });
  assert.equal(tiledPar.threads, 5, 'capped at the slice count');
  assert.ok(bytes(tiledPar.t2).equals(bytes(tiledSerial.t2)) && bytes(tiledPar.m0).equals(bytes(tiledSerial.m0)), 'tiled maps identical');
  assert.ok(!bytes(tiledSerial.t2).equals(bytes(serial.t2)), 'tiles differ from whole slices (instance norm per tile)');
});

test('predictT2Parallel: weights that do not fit the network are refused before any worker starts', async () => {
  const w = await weights(2);
  await assert.rejects(predictT2Parallel({ weights: w, net: { ...NET, width: 8 }, echoes, shape, threads: 2 }), /^Error: weights: variable head\/conv has shape \(3, 3, 3, 4\), the network expects \(3, 3, 3, 8\)$/);
  await assert.rejects(predictT2Parallel({ weights: w, net: { ...NET, echoes: 4 }, echoes, shape, threads: 2 }), /net.echoes: the network takes 4 echoes, the data has 3/);
  await assert.rejects(predictT2Parallel({ weights: w, net: NET, echoes, shape, threads: 0 }), /threads/);
  await assert.rejects(predictT2({ weights: w, net: NET, echoes: echoes.subarray(1), shape }), /echoes: length/);
});

test('trainT2Net: final maps on worker threads equal those predicted in this thread', async () => {
  const base = {
    echoes, shape, TE: [10, 30, 50], t2Range: NET.t2Range, net: { blocks: 1, width: 4 }, loss: 'mse' as const,
    learningRate: 1e-2, steps: 3, seed: 1, backend: 'wasm' as const, emaDecay: 0.5, patch: { size: 8, perStep: 2 },
  };
  const one = await trainT2Net(base);
  const two = await trainT2Net({ ...base, inferenceThreads: 2 });
  assert.ok(bytes(two.t2).equals(bytes(one.t2)) && bytes(two.m0).equals(bytes(one.m0)));
});

test('tiled inference: tile positions, a tile as large as the slice = whole-slice inference, single-tile corners exact', async () => {
  assert.deepEqual(tileStarts(10, 4, 2), [0, 2, 4, 6]);
  assert.deepEqual(tileStarts(11, 4, 2), [0, 2, 4, 6, 7]);
  assert.deepEqual(tileStarts(3, 4, 1), [0]);
  assert.deepEqual(tileStarts(8, 8, 0), [0]);
  assert.deepEqual(tileStarts(9, 4, 0), [0, 4, 5]);

  await initBackend('wasm');
  const net = createT2Net({ ...NET, seed: 3 });
  tf.tidy(() => (net.variables.get('tail/conv') as tf.Variable).assign(tf.mul(net.variables.get('tail/conv') as tf.Variable, 50)));
  const [H, W] = [13, 11];
  const x = tf.tensor4d(sliceInput(echoes, shape, 2, 1), [1, H, W, 3]);
  const whole = await predictSlice(net, x, 1.5);
  const big = await predictSliceTiled(net, x, 1.5, { size: 64, overlap: 8 });
  assert.ok(bytes(big.t2).equals(bytes(whole.t2)) && bytes(big.m0).equals(bytes(whole.m0)));

  // Tiles 6×6 overlapping by 2: pixel (0, 0) lies in the first tile only, (H−1, W−1) in the last only.
  const tiled = await predictSliceTiled(net, x, 1.5, { size: 6, overlap: 2 });
  const first = await predictSlice(net, tf.slice(x, [0, 0, 0, 0], [1, 6, 6, 3]), 1.5);
  const last = await predictSlice(net, tf.slice(x, [0, H - 6, W - 6, 0], [1, 6, 6, 3]), 1.5);
  assert.equal(tiled.t2[0], first.t2[0]);
  assert.equal(tiled.m0[0], first.m0[0]);
  assert.equal(tiled.t2[H * W - 1], last.t2[35]);
  // A blended pixel lies between the predictions of the tiles covering it. Column starts are
  // tileStarts(11, 6, 2) = [0, 4, 5]: (0, 4) lies in tile x0 = 0 (column 4) and tile x0 = 4 (column 0).
  const second = await predictSlice(net, tf.slice(x, [0, 0, 4, 0], [1, 6, 6, 3]), 1.5);
  const [a, b] = [first.t2[4]!, second.t2[0]!];
  assert.notEqual(a, b);
  assert.ok(tiled.t2[4]! >= Math.min(a, b) - 1e-4 && tiled.t2[4]! <= Math.max(a, b) + 1e-4, `${tiled.t2[4]} between ${a} and ${b}`);
  // Tent weights: min(4 + 1, 6 − 4) = 2 in the first tile, min(0 + 1, 6 − 0) = 1 in the second (row weight 1).
  const expected = (2 * a + b) / 3;
  assert.ok(Math.abs(tiled.t2[4]! - expected) <= 1e-6 * expected, `${tiled.t2[4]} vs ${expected}`);
  x.dispose();
  net.dispose();
  // residualNetShapes / t2NetShapes describe createT2Net's variables exactly.
  const n = createT2Net({ ...NET, seed: 0, blocks: 2 });
  assert.deepEqual([...t2NetShapes({ ...NET, blocks: 2 })], [...n.variables].map(([k, v]) => [k, v.shape]));
  n.dispose();
});

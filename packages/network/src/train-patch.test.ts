import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend.js';
import { loadCheckpoint } from './checkpoint.js';
import { randomArray } from './fixtures.js';
import { heldOutMask } from './stopping.js';
import { loadTfjsWeights, saveTfjsWeights } from './tfjs-weights.js';
import { trainT2Net, type TrainT2Options } from './train.js';
import { predictT2 } from './predict.js';

/** Two tissues in a disc and a square per slice, zero outside, plus uniform noise ±0.02. */
function data(S: number, H: number, W: number, TE: number[], noiseSeed = 99): { echoes: Float32Array; t2: Float32Array } {
  const n = S * H * W;
  const t2 = new Float32Array(n);
  const m0 = new Float32Array(n);
  for (let s = 0; s < S; s++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (s * H + y) * W + x;
        const disc = (x - W / 2 - s) ** 2 + (y - H / 2) ** 2 < (H / 4) ** 2;
        const square = x > 2 && x < W - 2 && y > 2 && y < H - 2;
        [t2[i], m0[i]] = disc ? [60, 1] : square ? [100, 0.8] : [100, 0];
      }
    }
  }
  const echoes = new Float32Array(TE.length * n);
  const noise = randomArray(echoes.length, noiseSeed, -0.02, 0.02);
  TE.forEach((te, e) => {
    for (let i = 0; i < n; i++) echoes[e * n + i] = m0[i]! * Math.exp(-te / t2[i]!) + noise[e * n + i]!;
  });
  return { echoes, t2 };
}

function options(S: number, H: number, W: number, extra: Partial<TrainT2Options> = {}): TrainT2Options {
  const TE = [10, 30, 50];
  return {
    echoes: data(S, H, W, TE).echoes, shape: { echoes: 3, slices: S, height: H, width: W }, TE, t2Range: [5, 2000],
    net: { blocks: 1, width: 4 }, loss: 'mse', learningRate: 1e-2, steps: 8, seed: 3, backend: 'wasm', ...extra,
  };
}

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

test('patch training: a patch covering the whole (only) slice is exactly whole-slice training, held-out mask included', async () => {
  const [S, H, W] = [1, 12, 14];
  const heldOut = heldOutMask({ voxels: S * H * W, echoes: 3, fraction: 0.1, seed: 4, unit: 'echo' });
  const base = options(S, H, W, { heldOut, emaDecay: 0.8 });
  const whole = await trainT2Net(base);
  // size ≥ both sides → clamped to 12×14 at corner (0, 0) of slice 0: the same batch every step.
  const patched = await trainT2Net({ ...base, patch: { size: 32, perStep: 1 } });
  assert.deepEqual(patched.lossHistory, whole.lossHistory);
  assert.ok(bytes(patched.t2).equals(bytes(whole.t2)), 'same T2 maps');
  assert.ok(bytes(patched.m0).equals(bytes(whole.m0)), 'same M0 maps');
});

test('patch training reduces the loss, is reproducible, and resumes exactly (patch in the checkpoint config)', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'relaxomap-patch-'));
  try {
    const base = options(3, 24, 20, { patch: { size: 10, perStep: 2 }, steps: 60, learningRate: 1e-2 });
    const a = await trainT2Net(base);
    const mean = (v: number[]) => v.reduce((p, q) => p + q, 0) / v.length;
    const first = mean(a.lossHistory.slice(0, 5));
    const last = mean(a.lossHistory.slice(-10));
    assert.ok(last < first / 4, `loss ${first} → ${last}`);
    assert.equal(a.t2.length, 3 * 24 * 20, 'maps of whole slices');
    const again = await trainT2Net(base);
    assert.deepEqual(again.lossHistory, a.lossHistory, 'same seed → same run');
    const otherSeed = await trainT2Net({ ...base, seed: 4, steps: 3 });
    assert.notDeepEqual(otherSeed.lossHistory, a.lossHistory.slice(0, 3));

    const dir = path.join(root, 'ckpt');
    const short = { ...base, steps: 12, checkpoint: { dir, every: 5 } };
    const full = await trainT2Net({ ...short, checkpoint: { dir: path.join(root, 'full'), every: 100 } });
    const controller = new AbortController();
    const first6 = await trainT2Net({ ...short, signal: controller.signal, onStep: ({ step }) => void (step === 7 && controller.abort()) });
    assert.equal(first6.stepsDone, 7);
    const ckpt = await loadCheckpoint(dir);
    assert.deepEqual((ckpt?.config as { patch: unknown }).patch, { size: 10, perStep: 2, sampler: 'mulberry32(seed⊕step)-v1' });
    const resumed = await trainT2Net(short);
    assert.equal(resumed.resumedFrom, 7);
    assert.deepEqual(resumed.lossHistory, full.lossHistory);
    assert.ok(bytes(resumed.t2).equals(bytes(full.t2)));
    // Whole-slice training does not resume a patch checkpoint (another configuration).
    assert.equal((await trainT2Net({ ...short, patch: undefined, steps: 8 })).resumedFrom, 0);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('initialWeights: a network started from saved weights predicts exactly what the saving network did', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'relaxomap-init-'));
  try {
    const base = options(2, 12, 12, { emaDecay: 0.8 });
    const a = await trainT2Net(base);
    // Averaged weights are returned (EMA on): they differ from the raw ones.
    const raw = await trainT2Net({ ...base, emaDecay: undefined });
    assert.notDeepEqual(raw.weights.get('tail/conv')?.data, a.weights.get('tail/conv')?.data);

    // 0 steps from a's weights: the maps are a's, bit for bit; likewise through model.json + weights.bin.
    const b = await trainT2Net({ ...base, steps: 0, initialWeights: a.weights });
    assert.ok(bytes(b.t2).equals(bytes(a.t2)) && bytes(b.m0).equals(bytes(a.m0)), 'same maps from the returned weights');
    await saveTfjsWeights(path.join(root, 'model'), a.weights, { echoes: 3 });
    const loaded = await loadTfjsWeights(path.join(root, 'model'));
    const c = await trainT2Net({ ...base, steps: 0, initialWeights: loaded.weights });
    assert.ok(bytes(c.t2).equals(bytes(a.t2)) && bytes(c.m0).equals(bytes(a.m0)), 'same maps from the saved weights');
    const p = await predictT2({ weights: loaded.weights, net: { echoes: 3, width: 4, blocks: 1, t2Range: [5, 2000] }, echoes: base.echoes, shape: base.shape, backend: 'wasm' });
    assert.equal(p.scale, a.scale);
    assert.ok(bytes(p.t2).equals(bytes(a.t2)) && bytes(p.m0).equals(bytes(a.m0)), 'predictT2 = the training maps');
    for (const [name, w] of a.weights) assert.deepEqual(c.weights.get(name), w, name);

    // Fine-tuning starts where a stopped: its first loss is far below a fresh start's.
    const fine = await trainT2Net({ ...base, steps: 2, initialWeights: a.weights });
    assert.ok(fine.lossHistory[0]! < a.lossHistory[0]! / 2, `first loss ${fine.lossHistory[0]} vs fresh ${a.lossHistory[0]}`);

    await assert.rejects(trainT2Net({ ...base, net: { blocks: 1, width: 5 }, initialWeights: a.weights }), /^Error: initialWeights: variable head\/conv has shape \(3, 3, 3, 4\), the network expects \(3, 3, 3, 5\)$/);
    const missing = new Map(a.weights);
    missing.delete('tail/bias');
    await assert.rejects(trainT2Net({ ...base, initialWeights: missing }), /initialWeights: missing variable tail\/bias \(2\)/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('patch training options: validation, no leaks, returnMaps false', async () => {
  await initBackend('wasm');
  const before = tf.memory().numTensors;
  const base = options(2, 12, 12, { patch: { size: 6, perStep: 2 }, steps: 3, heldOut: heldOutMask({ voxels: 288, echoes: 3, fraction: 0.1, seed: 1, unit: 'echo' }), checks: { every: 2, fn: () => undefined } });
  const r = await trainT2Net({ ...base, returnMaps: false });
  assert.equal(r.t2.length, 0);
  assert.equal(r.weights.size, 11);
  await trainT2Net({ ...base, inferenceTile: { size: 8, overlap: 4 } });
  assert.equal(tf.memory().numTensors, before);
  await assert.rejects(trainT2Net({ ...base, patch: { size: 0, perStep: 1 } }), /patch.size/);
  await assert.rejects(trainT2Net({ ...base, loss: 'ssim' }), /patch.size: SSIM needs patches of at least 11×11/);
  await assert.rejects(trainT2Net({ ...base, inferenceThreads: 0 }), /inferenceThreads/);
  await assert.rejects(trainT2Net({ ...base, inferenceTile: { size: 4, overlap: 4 } }), /inferenceTile.overlap/);
});

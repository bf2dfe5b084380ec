import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend.js';
import { loadCheckpoint } from './checkpoint.js';
import { slicesOfStep, trainT2Net, type TrainT2Options } from './train.js';
import { randomArray } from './fixtures.js';

/** Noise-free two-region phantom: disc (T2 60 ms, M0 1) inside a square (T2 100 ms, M0 0.8), zero outside. */
function phantom(S: number, H: number, W: number, TE: number[]): { echoes: Float32Array; t2: Float32Array; region: Uint8Array } {
  const n = S * H * W;
  const t2 = new Float32Array(n);
  const m0 = new Float32Array(n);
  const region = new Uint8Array(n);
  for (let s = 0; s < S; s++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (s * H + y) * W + x;
        const disc = (x - 6 - s) ** 2 + (y - 7) ** 2 < 20;
        const square = x > 2 && x < W - 2 && y > 2 && y < H - 2;
        [t2[i], m0[i], region[i]] = disc ? [60, 1, 1] : square ? [100, 0.8, 2] : [100, 0, 0];
      }
    }
  }
  const echoes = new Float32Array(TE.length * n);
  TE.forEach((te, e) => {
    for (let i = 0; i < n; i++) echoes[e * n + i] = m0[i] * Math.exp(-te / t2[i]);
  });
  return { echoes, t2, region };
}

test('noise-free phantom: T2 recovered within a few % (known answer)', async () => {
  const TE = [20, 40, 60, 80];
  const [S, H, W] = [1, 16, 16];
  const { echoes, t2, region } = phantom(S, H, W, TE);
  const res = await trainT2Net({
    echoes, shape: { echoes: 4, slices: S, height: H, width: W }, TE, t2Range: [10, 3000],
    net: { blocks: 2, width: 16 }, loss: 'mse', learningRate: 3e-3, steps: 300, seed: 1, backend: 'wasm',
  });
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= W || y >= H ? 255 : region[y * W + x]);
  const all: number[] = [];
  const interior: number[] = []; // voxels whose 3×3 neighbourhood lies in one region
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (region[i] === 0) continue;
      const rel = Math.abs(res.t2[i] / t2[i] - 1);
      all.push(rel);
      let same = true;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) same &&= at(x + dx, y + dy) === region[i];
      if (same) interior.push(rel);
    }
  }
  const median = (a: number[]) => a.slice().sort((p, q) => p - q)[a.length >> 1];
  const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;
  // At initialisation T2 ≈ sqrt(10·3000) ≈ 173 ms everywhere: errors of 70–190%.
  assert.ok(median(interior) < 0.03, `interior median relative error ${median(interior)}`);
  assert.ok(mean(interior) < 0.04, `interior mean relative error ${mean(interior)}`);
  assert.ok(median(all) < 0.04, `tissue median relative error ${median(all)}`);
  assert.ok(res.lossHistory[299] < res.lossHistory[0] / 20, 'loss fell');
  assert.equal(res.backend, 'wasm');
  assert.equal(res.lossHistory.length, 300);
});

function smallOptions(dir: string | undefined, extra: Partial<TrainT2Options> = {}): TrainT2Options {
  const TE = [10, 30, 50];
  const [S, H, W] = [2, 12, 12];
  const { echoes } = phantom(S, H, W, TE);
  // Some noise so that SSIM has structure everywhere.
  const noise = randomArray(echoes.length, 99, -0.02, 0.02);
  for (let i = 0; i < echoes.length; i++) echoes[i] += noise[i];
  return {
    echoes, shape: { echoes: 3, slices: S, height: H, width: W }, TE, t2Range: [5, 2000],
    net: { blocks: 1, width: 4 }, loss: 'ssim', learningRate: 1e-2, steps: 12, seed: 7, slicesPerStep: 1, backend: 'wasm', emaDecay: 0.8, lrSchedule: 'cosine',
    checkpoint: dir === undefined ? undefined : { dir, every: 4 },
    ...extra,
  };
}

test('abort + resume from checkpoint gives exactly the uninterrupted result', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'relaxomap-net-'));
  try {
    const full = await trainT2Net(smallOptions(path.join(root, 'a')));
    assert.equal(full.resumedFrom, 0);
    assert.equal(full.stepsDone, 12);
    assert.equal(full.aborted, false);

    const dir = path.join(root, 'b');
    const controller = new AbortController();
    const first = await trainT2Net(smallOptions(dir, {
      signal: controller.signal,
      onStep: ({ step }) => {
        if (step === 6) controller.abort();
      },
    }));
    assert.equal(first.aborted, true);
    assert.equal(first.stepsDone, 6);
    assert.equal((await loadCheckpoint(dir))?.step, 6, 'checkpoint saved on abort');
    assert.deepEqual(await readdir(dir), ['latest.json', 'step-000000006'], 'older step folders removed');

    const second = await trainT2Net(smallOptions(dir));
    assert.equal(second.resumedFrom, 6);
    assert.equal(second.stepsDone, 12);
    assert.deepEqual(second.lossHistory, full.lossHistory);
    assert.deepEqual(second.t2, full.t2);
    assert.deepEqual(second.m0, full.m0);
    const ckA = await loadCheckpoint(path.join(root, 'a'));
    const ckB = await loadCheckpoint(dir);
    for (const [name, v] of ckA?.variables ?? []) assert.deepEqual(ckB?.variables.get(name)?.data, v.data, name);

    // The weight average is what the maps come from: without it the maps differ.
    const raw = await trainT2Net(smallOptions(undefined, { emaDecay: undefined }));
    assert.deepEqual(raw.lossHistory, full.lossHistory);
    assert.notDeepEqual(raw.t2, full.t2);

    // A different configuration (learning rate) does not resume from it.
    const other = await trainT2Net(smallOptions(dir, { learningRate: 5e-3, steps: 2 }));
    assert.equal(other.resumedFrom, 0);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('training leaks no tensors (with checkpoints and snapshots)', async () => {
  await initBackend('wasm');
  const root = await mkdtemp(path.join(tmpdir(), 'relaxomap-net-'));
  try {
    const before = tf.memory().numTensors;
    let snapshots = 0;
    await trainT2Net(smallOptions(path.join(root, 'c'), { steps: 3, slicesPerStep: 2, loss: 'l1', checks: { every: 2, fn: () => void snapshots++ } }));
    await trainT2Net(smallOptions(undefined, { steps: 2, loss: 'mse' }));
    assert.equal(tf.memory().numTensors, before);
    assert.equal(snapshots, 2); // after steps 2 and 3 (the last)
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('cyclic slice order and input validation', async () => {
  assert.deepEqual(slicesOfStep(0, 1, 3), [0]);
  assert.deepEqual(slicesOfStep(4, 1, 3), [1]);
  assert.deepEqual(slicesOfStep(1, 2, 3), [2, 0]);
  const ok = smallOptions(undefined);
  await assert.rejects(trainT2Net({ ...ok, echoes: new Float32Array(5) }), /echoes: length/);
  await assert.rejects(trainT2Net({ ...ok, TE: [1, 2] }), /TE/);
  await assert.rejects(trainT2Net({ ...ok, shape: { ...ok.shape, height: 0 } }), /shape.height/);
  await assert.rejects(trainT2Net({ ...ok, learningRate: 0 }), /learningRate/);
  await assert.rejects(trainT2Net({ ...ok, echoes: new Float32Array(ok.echoes.length) }), /echoes: maximum/);
});

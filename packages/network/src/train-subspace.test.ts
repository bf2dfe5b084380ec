import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '@relaxomap/physics';
import { initBackend } from './backend.js';
import { loadCheckpoint } from './checkpoint.js';
import { createResidualNet } from './model.js';
import { channelGains, projectSeries, SUBSPACE_OUTPUT_INIT_SCALE, trainSubspaceNet, type CoefficientMaps, type SubspaceShape, type TrainSubspaceOptions } from './train-subspace.js';
import type { Check } from './stopping.js';
import { orthonormalPhi } from './fixtures.js';

/** Complex coefficients (re, im) of the two regions, per rank. */
const C_DISC = [[1, 0.2], [-0.3, 0.1], [0.1, -0.2]];
const C_SQUARE = [[0.6, -0.3], [0.2, 0.2], [-0.1, 0]];

/**
 * Noise-free phantom whose series lies exactly in span(Φ): a disc (C_DISC) inside a square
 * (C_SQUARE), zero outside; series = c·Φ, (frame, slice, y, x) complex interleaved.
 */
function phantom(shape: SubspaceShape, phi: Float64Array): { series: Float32Array; truth: Float32Array; region: Uint8Array } {
  const { frames: F, slices: S, height: H, width: W, rank: R } = shape;
  const n = S * H * W;
  const region = new Uint8Array(n);
  const series = new Float32Array(2 * F * n);
  const truth = new Float32Array(2 * R * n);
  for (let s = 0; s < S; s++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (s * H + y) * W + x;
        const disc = (x - 6 - s) ** 2 + (y - 7) ** 2 < 20;
        const square = x > 2 && x < W - 2 && y > 2 && y < H - 2;
        region[i] = disc ? 1 : square ? 2 : 0;
        const c = disc ? C_DISC : square ? C_SQUARE : undefined;
        if (c === undefined) continue;
        for (let r = 0; r < R; r++) [truth[2 * (r * n + i)], truth[2 * (r * n + i) + 1]] = c[r];
        for (let f = 0; f < F; f++) {
          let re = 0;
          let im = 0;
          for (let r = 0; r < R; r++) {
            re += c[r][0] * phi[r * F + f];
            im += c[r][1] * phi[r * F + f];
          }
          series[2 * (f * n + i)] = re;
          series[2 * (f * n + i) + 1] = im;
        }
      }
    }
  }
  return { series, truth, region };
}

/** The external data term ‖c − c*‖² and its gradient (what a k-space term is minimised by, without an operator). */
function squaredDistanceTo(target: Float32Array): (c: Float32Array) => { value: number; grad: Float32Array } {
  return (c) => {
    const grad = new Float32Array(c.length);
    let value = 0;
    for (let j = 0; j < c.length; j++) {
      value += (c[j]! - target[j]!) ** 2;
      grad[j] = 2 * (c[j]! - target[j]!);
    }
    return { value, grad };
  };
}

/** Median over voxels in a region (region ≠ 0) of ‖c − c_true‖ / ‖c_true‖, (rank, voxel) complex interleaved. */
function medianRelativeError(c: Float32Array, truth: Float32Array, region: Uint8Array, rank: number): number {
  const n = region.length;
  const rel: number[] = [];
  for (let i = 0; i < n; i++) {
    if (region[i] === 0) continue;
    let err = 0;
    let norm = 0;
    for (let j = 0; j < 2 * rank; j++) {
      const k = 2 * (Math.floor(j / 2) * n + i) + (j % 2);
      err += (c[k]! - truth[k]!) ** 2;
      norm += truth[k]! ** 2;
    }
    rel.push(Math.sqrt(err / norm));
  }
  rel.sort((a, b) => a - b);
  return rel[rel.length >> 1]!;
}

test('projectSeries: c = x·Φᵀ, by hand', () => {
  // 3 frames, 1 slice, 1×2 voxels, rank 2; Φ rows [1, 0, 0] and [0, 0.6, 0.8].
  const shape = { frames: 3, slices: 1, height: 1, width: 2, rank: 2 };
  const phi = Float64Array.from([1, 0, 0, 0, 0.6, 0.8]);
  // voxel 0: 1+2i, 3−i, 0.5; voxel 1: i, 2, −1+i; (frame, voxel) interleaved
  const series = Float32Array.from([1, 2, 0, 1, 3, -1, 2, 0, 0.5, 0, -1, 1]);
  const c = projectSeries(series, phi, shape);
  // c[0] = frame 0; c[1] = 0.6·frame 1 + 0.8·frame 2: voxel 0 2.2 − 0.6i, voxel 1 0.4 + 0.8i
  const expected = [1, 2, 0, 1, 2.2, -0.6, 0.4, 0.8];
  assert.equal(c.length, 8);
  c.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `c[${i}] ${v} vs ${expected[i]}`));
  assert.throws(() => projectSeries(series.subarray(2), phi, shape), /series: length/);
  assert.throws(() => projectSeries(series, phi.subarray(1), shape), /phi: length/);
});

test('noise-free phantom in span(Φ): coefficients recovered within a few % (known answer)', async () => {
  const shape = { frames: 40, slices: 1, height: 16, width: 16, rank: 3 };
  const phi = orthonormalPhi(shape.rank, shape.frames, 5);
  const { series, truth, region } = phantom(shape, phi);
  // The projection of a series in span(Φ) is its coefficients.
  const cIn = projectSeries(series, phi, shape);
  cIn.forEach((v, i) => assert.ok(Math.abs(v - truth[i]) < 1e-5, `c_in[${i}]`));
  const res = await trainSubspaceNet({
    series, phi, shape, net: { blocks: 2, width: 16 }, loss: 'l1', learningRate: 3e-3, lrSchedule: 'cosine',
    steps: 200, seed: 1, backend: 'wasm',
  });
  const { height: H, width: W, rank: R } = shape;
  const n = H * W;
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= W || y >= H ? 255 : region[y * W + x]);
  const interior: number[] = []; // relative error of the coefficient vector, voxels whose 3×3 neighbourhood is one region
  const all: number[] = [];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (region[i] === 0) continue;
      let err = 0;
      let norm = 0;
      for (let r = 0; r < R; r++) {
        for (const k of [0, 1]) {
          const j = 2 * (r * n + i) + k;
          err += (res.coefficients[j] - truth[j]) ** 2;
          norm += truth[j] ** 2;
        }
      }
      const rel = Math.sqrt(err / norm);
      all.push(rel);
      let same = true;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) same &&= at(x + dx, y + dy) === region[i];
      if (same) interior.push(rel);
    }
  }
  const median = (a: number[]) => a.slice().sort((p, q) => p - q)[a.length >> 1];
  assert.ok(interior.length > 30);
  // At initialisation c ≈ 0 everywhere: relative errors ≈ 100 %.
  assert.ok(median(interior) < 0.01, `interior median relative error ${median(interior)}`);
  assert.ok(Math.max(...interior) < 0.02, `interior max relative error ${Math.max(...interior)}`);
  assert.ok(median(all) < 0.02, `tissue median relative error ${median(all)}`);
  // Step 1's loss, by hand: the same initial network on c_in / s (channels re c_0..c_2, im c_0..c_2),
  // synthesis c·Φ in float64, mean |c·Φ − x/s| over frames, voxels, re/im; s = max ‖c_in‖ = ‖C_DISC‖.
  const scale = Math.hypot(...C_DISC.flat());
  const input = new Float32Array(n * 2 * R);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < R; r++) {
      input[i * 2 * R + r] = cIn[2 * (r * n + i)] / scale;
      input[i * 2 * R + R + r] = cIn[2 * (r * n + i) + 1] / scale;
    }
  }
  const net0 = createResidualNet({ inChannels: 2 * R, outChannels: 2 * R, width: 16, blocks: 2, seed: 1, outputInitScale: SUBSPACE_OUTPUT_INIT_SCALE });
  const x0 = tf.tensor4d(input, [1, H, W, 2 * R]);
  const y0 = net0.apply(x0);
  const c0 = y0.dataSync();
  tf.dispose([x0, y0]);
  net0.dispose();
  const F = shape.frames;
  let l1 = 0;
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < F; f++) {
      for (const k of [0, 1]) {
        let synth = 0;
        for (let r = 0; r < R; r++) synth += c0[i * 2 * R + k * R + r] * phi[r * F + f];
        l1 += Math.abs(synth - series[2 * (f * n + i) + k] / scale);
      }
    }
  }
  l1 /= 2 * F * n;
  assert.ok(Math.abs(res.lossHistory[0] / l1 - 1) < 1e-4, `first loss ${res.lossHistory[0]} vs ${l1} by hand`);
  assert.ok(res.lossHistory[199] < res.lossHistory[0] / 50, 'loss fell');
  assert.equal(res.lossHistory.length, 200);
  assert.equal(res.backend, 'wasm');
});

function smallOptions(dir: string | undefined, extra: Partial<TrainSubspaceOptions> = {}): TrainSubspaceOptions {
  const shape = { frames: 12, slices: 2, height: 10, width: 10, rank: 2 };
  const phi = orthonormalPhi(shape.rank, shape.frames, 3);
  const { series } = phantom(shape, phi);
  return {
    series, phi, shape, net: { blocks: 1, width: 4 }, loss: 'l1', learningRate: 1e-2, steps: 12, seed: 7,
    slicesPerStep: 1, backend: 'wasm', emaDecay: 0.8, lrSchedule: 'cosine',
    checkpoint: dir === undefined ? undefined : { dir, every: 4 },
    ...extra,
  };
}

test('subspace: abort + resume from checkpoint gives exactly the uninterrupted result', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'relaxomap-subspace-'));
  try {
    const full = await trainSubspaceNet(smallOptions(path.join(root, 'a')));
    assert.equal(full.stepsDone, 12);
    assert.equal(full.resumedFrom, 0);

    const dir = path.join(root, 'b');
    const controller = new AbortController();
    const first = await trainSubspaceNet(smallOptions(dir, {
      signal: controller.signal,
      onStep: ({ step }) => {
        if (step === 6) controller.abort();
      },
    }));
    assert.equal(first.aborted, true);
    assert.equal(first.stepsDone, 6);
    assert.equal((await loadCheckpoint(dir))?.step, 6, 'checkpoint saved on abort');
    assert.deepEqual(await readdir(dir), ['latest.json', 'step-000000006']);

    const second = await trainSubspaceNet(smallOptions(dir));
    assert.equal(second.resumedFrom, 6);
    assert.equal(second.stepsDone, 12);
    assert.deepEqual(second.lossHistory, full.lossHistory);
    assert.deepEqual(second.coefficients, full.coefficients);

    // Other data (Φ of another seed) does not resume from it.
    const o = smallOptions(dir, { steps: 2 });
    const other = await trainSubspaceNet({ ...o, phi: orthonormalPhi(o.shape.rank, o.shape.frames, 4) });
    assert.equal(other.resumedFrom, 0);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('subspace: held-out voxels are out of the loss and blind in the input; a check stops training', async () => {
  const base = smallOptions(undefined, { emaDecay: undefined, steps: 20 });
  const { slices: S, height: H, width: W, frames: F } = base.shape;
  const n = S * H * W;
  const heldOut = new Uint8Array(n);
  for (let i = 7; i < n; i += 9) heldOut[i] = 1;
  // The same data with the held-out voxels changed (to −0.5× the series of another voxel, so
  // the normalising maximum is unchanged): training must not notice.
  const changed = base.series.slice();
  for (let i = 0; i < n; i++) {
    if (!heldOut[i]) continue;
    const src = (i * 7 + 3) % n;
    for (let f = 0; f < F; f++) for (const k of [0, 1]) changed[2 * (f * n + i) + k] = -0.5 * base.series[2 * (f * n + src) + k];
  }
  const run = async (series: Float32Array) => {
    const checks: Array<Check<CoefficientMaps> & { loss: number }> = [];
    const res = await trainSubspaceNet({
      ...base, series, heldOut,
      checks: { every: 2, fn: (c) => (checks.push(c), c.step === 6) },
    });
    return { res, checks };
  };
  const a = await run(base.series);
  const b = await run(changed);
  for (const { res, checks } of [a, b]) {
    assert.equal(res.stopped, true);
    assert.equal(res.stepsDone, 6);
    assert.equal(res.lossHistory.length, 6);
    assert.deepEqual(checks.map((c) => c.step), [2, 4, 6]);
    assert.deepEqual(checks.map((c) => c.loss), res.lossHistory.filter((_, k) => k % 2 === 1));
    for (const c of checks) assert.ok(c.blindMaps !== undefined && c.blindMaps.coefficients.length === c.maps.coefficients.length);
  }
  assert.deepEqual(b.res.lossHistory, a.res.lossHistory, 'held-out voxels do not enter the loss');
  assert.deepEqual(b.checks[2].blindMaps, a.checks[2].blindMaps, 'nor the blind-spot input');
  assert.notDeepEqual(b.checks[2].maps, a.checks[2].maps, 'the full input does see them');
  assert.deepEqual(a.checks[2].maps.coefficients, a.res.coefficients, 'the stopping check’s maps are the returned ones');
});

test('subspace: no tensor leaks; input validation names the field', async () => {
  await initBackend('wasm');
  const root = await mkdtemp(path.join(tmpdir(), 'relaxomap-subspace-'));
  try {
    const ok = smallOptions(path.join(root, 'c'), { steps: 3, loss: 'mse' });
    const before = tf.memory().numTensors;
    let checks = 0;
    const heldOut = new Uint8Array(ok.shape.slices * ok.shape.height * ok.shape.width);
    heldOut[55] = 1;
    await trainSubspaceNet({ ...ok, slicesPerStep: 2, heldOut, checks: { every: 2, fn: () => void checks++ } });
    await trainSubspaceNet(smallOptions(undefined, { steps: 2 }));
    assert.equal(tf.memory().numTensors, before);
    assert.equal(checks, 2); // after steps 2 and 3 (the last)

    await assert.rejects(trainSubspaceNet({ ...ok, series: new Float32Array(5) }), /series: length/);
    await assert.rejects(trainSubspaceNet({ ...ok, phi: ok.phi.subarray(1) }), /phi: length/);
    await assert.rejects(trainSubspaceNet({ ...ok, phi: Float64Array.from(ok.phi, (v) => 2 * v) }), /phi: rows must be orthonormal/);
    await assert.rejects(trainSubspaceNet({ ...ok, shape: { ...ok.shape, rank: 0 } }), /shape.rank/);
    await assert.rejects(trainSubspaceNet({ ...ok, heldOut: new Uint8Array(3) }), /heldOut: length/);
    await assert.rejects(trainSubspaceNet({ ...ok, loss: 'ssim' as 'l1' }), /loss/);
    await assert.rejects(trainSubspaceNet({ ...ok, learningRate: 0 }), /learningRate/);
    await assert.rejects(trainSubspaceNet({ ...ok, series: new Float32Array(ok.series.length) }), /series: its projection/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('dataLoss: a loss computed outside TensorFlow drives training (c → c* for ‖c − c*‖²)', async () => {
  await initBackend('wasm');
  const shape: SubspaceShape = { frames: 12, slices: 1, height: 12, width: 12, rank: 2 };
  const phi = orthonormalPhi(2, 12, 5);
  const { series } = phantom(shape, phi);
  const n = 144;
  // The target of the data term: a constant coefficient map c* (not the series' projection).
  const target = new Float32Array(2 * 2 * n).map((_, j) => (j % 2 === 0 ? 0.3 : -0.1));
  let calls = 0;
  const res = await trainSubspaceNet({
    series, phi, shape, net: { blocks: 1, width: 8 }, loss: 'l1', learningRate: 3e-3, steps: 120, seed: 2, backend: 'wasm',
    dataLoss: (c, slice) => {
      calls++;
      assert.equal(slice, 0);
      let value = 0;
      const grad = new Float32Array(c.length);
      for (let j = 0; j < c.length; j++) {
        const d = c[j]! - target[j]!;
        value += (d * d) / c.length;
        grad[j] = (2 * d) / c.length;
      }
      return { value, grad };
    },
  });
  assert.equal(calls, 120);
  assert.ok(res.lossHistory.at(-1)! < 0.02 * res.lossHistory[0]!, `loss ${res.lossHistory[0]} → ${res.lossHistory.at(-1)}`);
  let maxErr = 0;
  for (let j = 0; j < target.length; j++) maxErr = Math.max(maxErr, Math.abs(res.coefficients[j]! - target[j]!));
  assert.ok(maxErr < 0.05, `max |c − c*| ${maxErr}`);
  await assert.rejects(
    trainSubspaceNet({ series, phi, shape: { ...shape, slices: 1 }, net: { blocks: 1, width: 8 }, loss: 'l1', learningRate: 1e-3, steps: 1, seed: 1, slicesPerStep: 2, dataLoss: () => ({ value: 0, grad: new Float32Array(0) }) }),
    /slicesPerStep: dataLoss needs 1 slice per step/,
  );
});

test('channelGains: one global scale (max ‖c‖) or each coefficient\'s RMS, by hand', () => {
  // Planar (2·rank, voxel): re c0, re c1, im c0, im c1; 2 voxels.
  // voxel 0: c0 = 3 + 4i, c1 = 0; voxel 1: c0 = 0, c1 = 1 − 1i.
  const planar = Float32Array.from([3, 0, 0, 1, 4, 0, 0, -1]);
  assert.deepEqual([...channelGains(planar, 2, 2, 'global')], [5, 5, 5, 5]);
  const g = channelGains(planar, 2, 2, 'per-coefficient');
  // c0: √((25 + 0)/2); c1: √((0 + 2)/2) = 1; the same gain for re and im.
  [Math.sqrt(12.5), 1, Math.sqrt(12.5), 1].forEach((v, k) => assert.ok(Math.abs(g[k]! - v) < 1e-6, `gain ${k}: ${g[k]} vs ${v}`));
  assert.throws(() => channelGains(Float32Array.from([3, 0, 0, 0, 4, 0, 0, 0]), 2, 2, 'per-coefficient'), /zero everywhere in coefficient 1/);
});

test('per-coefficient channel scale: the noise-free phantom is recovered exactly as with the global scale', async () => {
  // Same known answer as above; the gains enter the input, the output and Φ, so a wrong factor anywhere
  // would show as coefficients off by g_k / s (here up to ×5 on the small coefficients).
  const shape = { frames: 40, slices: 1, height: 16, width: 16, rank: 3 };
  const phi = orthonormalPhi(shape.rank, shape.frames, 5);
  const { series, truth, region } = phantom(shape, phi);
  for (const withDataLoss of [false, true]) {
    const res = await trainSubspaceNet({
      series, phi, shape, net: { blocks: 2, width: 16 }, loss: 'l1', learningRate: 3e-3, lrSchedule: 'cosine',
      steps: 200, seed: 1, backend: 'wasm', channelScale: 'per-coefficient',
      ...(withDataLoss ? { dataLoss: squaredDistanceTo(truth) } : {}),
    });
    const median = medianRelativeError(res.coefficients, truth, region, shape.rank);
    assert.ok(median < 0.02, `${withDataLoss ? 'dataLoss' : 'image loss'}: median relative error ${median}`);
  }
});

test('parameter output (synthesis): T1, T2 and M0 maps recovered from a noise-free phantom on the manifold', async () => {
  // A smooth rank-3 table on 8 × 10 nodes; the phantom's two regions sit between nodes, so the network
  // must land on fractional positions; the data term is ‖c − c_true‖² (a k-space term without operator).
  const rank = 3;
  const table = {
    rank,
    logT1: { start: Math.log(100), step: 0.4, count: 8 },
    logT2: { start: Math.log(10), step: 0.5, count: 10 },
    values: new Float32Array(8 * 10 * rank),
  };
  for (let i = 0; i < 8; i++) {
    for (let j = 0; j < 10; j++) {
      const v = [1, 0.5 * Math.sin(i / 5), 0.5 * Math.cos(j / 3)]; // monotonic in i and j: (T1, T2) identifiable
      const norm = Math.hypot(...v);
      v.forEach((x, r) => (table.values[(i * 10 + j) * rank + r] = x / norm));
    }
  }
  const shape = { frames: 20, slices: 1, height: 16, width: 16, rank };
  const phi = orthonormalPhi(rank, shape.frames, 5);
  const n = shape.height * shape.width;
  // Region outputs (u_T1, u_T2, Re M0, Im M0) with the synthesis' M0 gain 1.
  const U_DISC = [0.7, -0.3, 1.0, 0.2];
  const U_SQUARE = [-0.9, 0.8, 0.5, -0.4];
  const { region } = phantom(shape, phi);
  const { parameterSynthesis, decodeRelaxation } = await import('./parameter-synthesis.js');
  const synthesis = parameterSynthesis(table, 1);
  const outputs = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) {
    const u = region[i] === 1 ? U_DISC : region[i] === 2 ? U_SQUARE : [0, 0, 0, 0];
    outputs.set(u, 4 * i);
  }
  const truth = synthesis.apply(outputs, n).c;
  // series = c_true·Φ: the input the network sees.
  const series = new Float32Array(2 * shape.frames * n);
  for (let f = 0; f < shape.frames; f++) {
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < rank; r++) {
        series[2 * (f * n + i)] += truth[2 * (r * n + i)]! * phi[r * shape.frames + f]!;
        series[2 * (f * n + i) + 1] += truth[2 * (r * n + i) + 1]! * phi[r * shape.frames + f]!;
      }
    }
  }
  const dataLoss = squaredDistanceTo(truth);
  const res = await trainSubspaceNet({
    series, phi, shape, net: { blocks: 2, width: 16 }, loss: 'mse', learningRate: 3e-3, lrSchedule: 'cosine',
    steps: 300, seed: 1, backend: 'wasm', channelScale: 'per-coefficient', dataLoss, synthesis,
  });
  // Coefficients on the manifold: the fitted c = M0·a, compared per voxel with the truth.
  const median = medianRelativeError(res.coefficients, truth, region, rank);
  assert.ok(median < 0.02, `median relative error ${median}`);
  // T1 and T2 of the fit: per voxel, the table point whose fingerprint is most parallel to the fitted c
  // (a fine search over u), against the regions' true values — which differ by > 2× in both.
  const G = 161;
  const probe = new Float32Array(4 * G * G);
  for (let a = 0; a < G; a++) for (let b = 0; b < G; b++) probe.set([-2 + (4 * a) / (G - 1), -2 + (4 * b) / (G - 1), 1, 0], 4 * (a * G + b));
  const atoms = synthesis.apply(probe, G * G).c; // (rank, G²) complex, imaginary parts 0
  const fitted = (i: number): { T1: number; T2: number } => {
    let best = -1;
    let arg = 0;
    for (let g = 0; g < G * G; g++) {
      let re = 0, im = 0, norm = 0;
      for (let r = 0; r < rank; r++) {
        const a = atoms[2 * (r * G * G + g)]!;
        re += a * res.coefficients[2 * (r * n + i)]!;
        im += a * res.coefficients[2 * (r * n + i) + 1]!;
        norm += a * a;
      }
      const score = (re * re + im * im) / norm;
      if (score > best) [best, arg] = [score, g];
    }
    return decodeRelaxation(probe[4 * arg]!, probe[4 * arg + 1]!, table);
  };
  const disc = decodeRelaxation(U_DISC[0]!, U_DISC[1]!, table);
  const square = decodeRelaxation(U_SQUARE[0]!, U_SQUARE[1]!, table);
  assert.ok(disc.T1 / square.T1 > 2 && square.T2 / disc.T2 > 2);
  for (const [label, want] of [[1, disc], [2, square]] as const) {
    const fits = [...Array(n).keys()].filter((i) => region[i] === label).map(fitted);
    for (const key of ['T1', 'T2'] as const) {
      const v = fits.map((f) => f[key]).sort((x, y) => x - y);
      const got = v[v.length >> 1]!;
      assert.ok(Math.abs(got / want[key] - 1) < 0.05, `region ${label} ${key}: median ${got} vs ${want[key]}`);
    }
  }
  await assert.rejects(
    trainSubspaceNet({ series, phi, shape, net: { blocks: 1, width: 8 }, loss: 'mse', learningRate: 1e-3, steps: 1, seed: 1, synthesis }),
    /synthesis: needs dataLoss/,
  );
  await assert.rejects(
    trainSubspaceNet({ series, phi, shape, net: { blocks: 1, width: 8 }, loss: 'mse', learningRate: 1e-3, steps: 1, seed: 1, dataLoss, synthesis: parameterSynthesis({ ...table, rank: 2, values: table.values.subarray(0, 160) }, 1) }),
    /synthesis: rank 2 differs/,
  );
});

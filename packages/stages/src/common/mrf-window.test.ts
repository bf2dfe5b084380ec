import assert from 'node:assert/strict';
import { test } from 'node:test';
import { projectTimeSeries } from '@relaxomap/physics';
import { nufftAdjoint, planNufft, slidingWindowRange, slidingWindowRecon, spiralDcf, variableDensitySpiral } from '@relaxomap/recon';
import { addComplexNoise, kspaceNoiseVariance, repeatOffsets, repeatSchedules, spiralKspace } from './mrf-acquisition.js';
import { accumulateProjection, centreShot, interleaveRepeats, windowFrames } from './mrf-window.js';

// 24×24 images, 8 interleaves, 10 TRs of a time-varying object: x_t = (1 + t/10)·disc, plus a moving dot.
const S = 24, N = 8, nTR = 10, nPix = S * S;
const traj = variableDensitySpiral({ imageSize: S, nInterleaves: N });
const M = traj.samplesPerInterleaf;
const shape: [number, number] = [S, S];
const plan = planNufft(traj.coords, shape);
const series = new Float32Array(nTR * nPix);
for (let t = 0; t < nTR; t++) {
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
    if ((y - 12) ** 2 + (x - 12) ** 2 < 49) series[t * nPix + y * S + x] = 1 + t / 10;
  }
  series[t * nPix + 3 * S + 3 + t] = 2;
}
const dcf = spiralDcf(traj, Array.from({ length: N }, (_, i) => i), shape);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

test('repeat offsets spread evenly; schedules are (t + offset) mod N', () => {
  assert.deepEqual(repeatOffsets(6, 48), [0, 8, 16, 24, 32, 40]);
  assert.deepEqual(repeatOffsets(3, 8), [0, 2, 5]);
  assert.throws(() => repeatOffsets(9, 8), /repeats must be an integer in \[1, 8\] \(got 9\)/);
  const [a, b] = repeatSchedules(10, [0, 5], 8);
  assert.deepEqual(Array.from(a!), [0, 1, 2, 3, 4, 5, 6, 7, 0, 1]);
  assert.deepEqual(Array.from(b!), [5, 6, 7, 0, 1, 2, 3, 4, 5, 6]);
});

test('spiralKspace: each (repeat, TR) block is the NUFFT of frame t on interleaf i_{r,t}', () => {
  const schedules = repeatSchedules(nTR, [0, 4], N);
  const ks = spiralKspace(series, nTR, plan, traj, schedules);
  assert.equal(ks.length, 2 * 2 * nTR * M);
  // Adjointness against the direct operator of one frame: <A x_t, y> = <x_t, A^H y> per block.
  const t = 7, r = 1, il = schedules[r]![t]!;
  const block = ks.subarray(2 * (r * nTR + t) * M, 2 * (r * nTR + t + 1) * M);
  const y = new Float32Array(2 * N * M);
  y.set(block, 2 * il * M);
  const back = nufftAdjoint(plan, y); // A^H of the block, on the image
  let lhs = 0, rhs = 0;
  for (let j = 0; j < 2 * M; j++) lhs += block[j]! * block[j]!; // <A x, A x>
  for (let v = 0; v < nPix; v++) rhs += series[t * nPix + v]! * back[2 * v]!; // <x, A^H A x> (x real)
  assert.ok(Math.abs(lhs - rhs) / lhs < 1e-5, `${lhs} vs ${rhs}`);
});

test('noise: per-sample variance gives the asked image variance; seeded and E|n|² right', () => {
  const s2 = kspaceNoiseVariance(1e-3, traj);
  assert.ok(s2 > 0);
  const n = addComplexNoise(new Float32Array(200000), 2, 9);
  let sum = 0;
  for (let i = 0; i < n.length; i += 2) sum += n[i]! ** 2 + n[i + 1]! ** 2;
  assert.ok(Math.abs(sum / (n.length / 2) - 2) < 0.03, `E|n|² ${sum / (n.length / 2)}`);
  assert.deepEqual(addComplexNoise(new Float32Array(8), 1, 9), addComplexNoise(new Float32Array(8), 1, 9));
  // Fully sampled DCF-weighted adjoint of pure noise: pixel variance ≈ the image variance asked for.
  const noise = addComplexNoise(new Float32Array(2 * N * M), s2 * 1000, 3); // scaled up: variance 1 in the image
  const img = nufftAdjoint(plan, noise, dcf);
  let v = 0;
  for (let i = 0; i < img.length; i += 2) v += img[i]! ** 2 + img[i + 1]! ** 2;
  assert.ok(Math.abs(v / nPix - 1) < 0.1, `image noise variance ${v / nPix}`);
});

test('one repeat: windowFrames is slidingWindowRecon itself', () => {
  const schedules = repeatSchedules(nTR, [0], N);
  const ks = spiralKspace(series, nTR, plan, traj, schedules);
  const shots = interleaveRepeats({ kspace: ks, schedules, nTR, traj });
  const frames = [0, 4, 9];
  const mine = windowFrames(shots, 1, traj, frames, { window: 3, dcfMode: 'trajectory', trajectoryDcf: dcf, imageShape: shape });
  const lib = slidingWindowRecon(ks, schedules[0]!, traj, { windowSize: 3, frames, trajectoryDcf: dcf, imageShape: shape }).images;
  assert.deepEqual(mine, lib);
});

test('several repeats gridded together = the mean of the repeats\' own frames (even and odd windows, clamped ends)', () => {
  for (const [R, W] of [[2, 4], [3, 3], [2, 1]] as const) {
    const schedules = repeatSchedules(nTR, repeatOffsets(R, N), N);
    const ks = spiralKspace(series, nTR, plan, traj, schedules);
    for (let t = 0; t < nTR; t++) {
      // The shot window covers exactly the W-TR window of every repeat.
      const [s, e] = slidingWindowRange(centreShot(t, R, W), nTR * R, W * R);
      const [ts, te] = slidingWindowRange(t, nTR, W);
      assert.deepEqual([s, e], [ts * R, te * R], `R ${R} W ${W} t ${t}`);
    }
    const frames = [0, 5, 9];
    const joint = windowFrames(interleaveRepeats({ kspace: ks, schedules, nTR, traj }), R, traj, frames, { window: W, dcfMode: 'trajectory', trajectoryDcf: dcf, imageShape: shape });
    const mean = new Float64Array(joint.length);
    for (let r = 0; r < R; r++) {
      const one = slidingWindowRecon(ks.subarray(2 * r * nTR * M, 2 * (r + 1) * nTR * M), schedules[r]!, traj, { windowSize: W, frames, trajectoryDcf: dcf, imageShape: shape }).images;
      for (let i = 0; i < one.length; i++) mean[i] += one[i]! / R;
    }
    let peak = 0;
    for (const v of mean) peak = Math.max(peak, Math.abs(v));
    assert.ok(maxDiff(joint, mean) < 1e-5 * peak, `R ${R} W ${W}: ${maxDiff(joint, mean)} vs peak ${peak}`);
  }
});

test('accumulateProjection over chunks = projectTimeSeries of the whole series', () => {
  const rank = 3;
  const phi = Float64Array.from({ length: rank * nTR }, (_, i) => Math.sin(i * 0.7) / 3);
  const images = new Float32Array(2 * nTR * nPix).map((_, i) => Math.cos(i * 0.013));
  const acc = new Float64Array(2 * rank * nPix);
  for (const chunk of [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]) {
    const part = images.subarray(2 * chunk[0]! * nPix, 2 * (chunk.at(-1)! + 1) * nPix);
    accumulateProjection(acc, phi, rank, nTR, part, chunk, nPix);
  }
  const voxelMajor = new Float32Array(2 * nPix * nTR); // (voxel, TR)
  for (let t = 0; t < nTR; t++) for (let v = 0; v < nPix; v++) {
    voxelMajor[2 * (v * nTR + t)] = images[2 * (t * nPix + v)]!;
    voxelMajor[2 * (v * nTR + t) + 1] = images[2 * (t * nPix + v) + 1]!;
  }
  const ref = projectTimeSeries(voxelMajor, nPix, { rank, nTR, phi, singularValues: new Float64Array(nTR), energy: new Float64Array(nTR), sigmaFraction: new Float64Array(nTR) });
  for (let k = 0; k < rank; k++) for (let v = 0; v < nPix; v++) {
    assert.ok(Math.abs(acc[2 * (k * nPix + v)]! - ref[2 * (v * rank + k)]!) < 1e-4);
    assert.ok(Math.abs(acc[2 * (k * nPix + v) + 1]! - ref[2 * (v * rank + k) + 1]!) < 1e-4);
  }
});

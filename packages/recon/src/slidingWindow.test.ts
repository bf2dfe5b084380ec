import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spiralDcf } from './dcf.js';
import { relativeError, smoothPhantom } from './fixtures.js';
import { nufftAdjoint, nufftForward, planNufft } from './nufft.js';
import { slidingWindowRange, slidingWindowRecon } from './slidingWindow.js';
import { interleafSchedule, variableDensitySpiral } from './spiral.js';

// Tiny MRF-like case: 32×32 static object, 8 interleaves, 12 TRs, interleaf (t + 0) mod 8.
const N = 8, nTR = 12, shape: [number, number] = [32, 32];
const traj = variableDensitySpiral({ imageSize: 32, nInterleaves: N });
const M = traj.samplesPerInterleaf;
const planAll = planNufft(traj.coords, shape);
const object = smoothPhantom(32, 32, 4, 2.5);
const yAll = nufftForward(planAll, object); // (interleaf, sample)
const schedule = interleafSchedule(nTR, 0, N);
const kspace = new Float32Array(2 * nTR * M); // (TR, sample): static object, so TR t = its interleaf's block
schedule.forEach((il, t) => kspace.set(yAll.subarray(2 * il * M, 2 * (il + 1) * M), 2 * t * M));
const wAll = spiralDcf(traj, Array.from({ length: N }, (_, i) => i), shape);
const frame = (images: Float32Array, f: number): Float32Array => images.subarray(f * 2 * 32 * 32, (f + 1) * 2 * 32 * 32);

describe('slidingWindowRange', () => {
  it('centres the window on t and clamps it inside the series', () => {
    assert.deepEqual(slidingWindowRange(300, 600, 6), [297, 303]);
    assert.deepEqual(slidingWindowRange(0, 600, 6), [0, 6]);
    assert.deepEqual(slidingWindowRange(599, 600, 6), [594, 600]);
    assert.deepEqual(slidingWindowRange(5, 600, 1), [5, 6]);
    assert.deepEqual(slidingWindowRange(4, 10, 5), [2, 7]);
    assert.deepEqual(slidingWindowRange(2, 4, 9), [0, 4]); // W > nTR: every TR
  });
  it('rejects W < 1', () => {
    assert.throws(() => slidingWindowRange(0, 10, 0), /windowSize must be an integer ≥ 1 \(got 0\)/);
  });
});

describe('slidingWindowRecon', () => {
  const fullRecon = nufftAdjoint(planAll, yAll, wAll);

  it('with W = N on a static object reproduces the fully sampled recon in every frame (both DCF modes)', () => {
    for (const dcfMode of ['trajectory', 'window'] as const) {
      const r = slidingWindowRecon(kspace, schedule, traj, { windowSize: N, dcfMode, trajectoryDcf: wAll });
      assert.deepEqual(r.shape, [nTR, 32, 32]);
      for (let t = 0; t < nTR; t++) {
        const e = relativeError(frame(r.images, t), fullRecon);
        assert.ok(e < 1e-5, `${dcfMode} frame ${t}: relative difference ${e}`);
      }
    }
  });

  it('frame t = adjoint NUFFT of the W TRs around t with (N/W)·DCF_all (W = 3, interior and clamped end)', () => {
    const W = 3;
    const r = slidingWindowRecon(kspace, schedule, traj, { windowSize: W, frames: [5, 11], trajectoryDcf: wAll });
    assert.deepEqual(r.frames, [5, 11]);
    ([[5, 4], [11, 9]] as const).forEach(([t, start], f) => {
      const ils = [0, 1, 2].map((n) => schedule[start + n]);
      const coords = new Float32Array(2 * W * M), data = new Float32Array(2 * W * M), w = new Float32Array(W * M);
      ils.forEach((il, n) => {
        coords.set(traj.coords.subarray(2 * il * M, 2 * (il + 1) * M), 2 * n * M);
        data.set(kspace.subarray(2 * (start + n) * M, 2 * (start + n + 1) * M), 2 * n * M);
        for (let s = 0; s < M; s++) w[n * M + s] = (N / W) * wAll[il * M + s];
      });
      const direct = nufftAdjoint(planNufft(coords, shape), data, w);
      const e = relativeError(frame(r.images, f), direct);
      assert.ok(e < 1e-5, `frame ${t}: relative difference ${e}`);
    });
  });

  it("'window' DCF: exact for the canonical window, rotation-shared (≈) for the others", () => {
    const r = slidingWindowRecon(kspace, schedule, traj, { windowSize: 2, dcfMode: 'window', frames: [1, 6], trajectoryDcf: wAll });
    let fullSum = 0;
    for (const v of wAll) fullSum += v;
    ([[1, 0], [6, 5]] as const).forEach(([, start], f) => {
      const ils = [schedule[start], schedule[start + 1]];
      const w = spiralDcf(traj, ils, shape);
      let s = 0;
      for (const v of w) s += v;
      for (let i = 0; i < w.length; i++) w[i] *= fullSum / s;
      const coords = new Float32Array(4 * M);
      ils.forEach((il, n) => coords.set(traj.coords.subarray(2 * il * M, 2 * (il + 1) * M), 2 * n * M));
      const direct = nufftAdjoint(planNufft(coords, shape), kspace.subarray(2 * start * M, 2 * (start + 2) * M), w);
      const e = relativeError(frame(r.images, f), direct);
      assert.ok(e < (start === 0 ? 1e-5 : 2e-2), `window at TR ${start}: relative difference ${e}`);
    });
  });

  it('rejects bad inputs, naming the field', () => {
    assert.throws(() => slidingWindowRecon(kspace, schedule, traj, { windowSize: 0 }), /windowSize must be an integer ≥ 1 \(got 0\)/);
    assert.throws(() => slidingWindowRecon(kspace.subarray(2), schedule, traj), /kspace length \d+ must be 2·nTR·samples = 2·12·\d+ \(shape \(TR, sample\)\)/);
    assert.throws(() => slidingWindowRecon(kspace, [...schedule.slice(0, 11), 8], traj), /interleafOfTR\[11\] must be an integer in \[0, 8\) \(got 8\)/);
    assert.throws(() => slidingWindowRecon(kspace, schedule, traj, { frames: [12], trajectoryDcf: wAll }), /t must be an integer in \[0, 12\) \(got 12\)/);
    assert.throws(() => slidingWindowRecon(kspace, schedule, traj, { trajectoryDcf: new Float32Array(3) }), /trajectoryDcf length 3 must be 8·\d+/);
  });
});

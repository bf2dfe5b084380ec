import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spiralDcf } from './dcf.js';
import { randomCoords, relativeError, smoothPhantom } from './fixtures.js';
import { checkAdjoint, randomComplex } from './linop.js';
import { nufftAdjoint, nufftForward, nufftOperator, planNufft } from './nufft.js';
import { nudftAdjoint, nudftForward } from './nudft.js';
import { variableDensitySpiral } from './spiral.js';

/** 300 uniform random positions + two interleaves of a 32-matrix spiral (428 samples). */
function testCoords(): Float32Array {
  const spiral = variableDensitySpiral({ imageSize: 32, nInterleaves: 8 });
  const two = spiral.coords.subarray(0, 4 * spiral.samplesPerInterleaf);
  const c = new Float32Array(600 + two.length);
  c.set(randomCoords(300, 5), 0);
  c.set(two, 600);
  return c;
}

describe('NUFFT vs the direct non-uniform DFT', () => {
  const coords = testCoords();
  const M = coords.length / 2;
  const cases: [number, number, number, number, number][] = [
    // ny, nx, width, oversampling, tolerance; measured forward / adjoint relative errors in the comments
    [32, 32, 6, 2, 5e-5], // 6.9e-6 / 6.9e-6
    [32, 32, 4, 2, 1e-3], // 6.0e-4 / 6.3e-4
    [30, 22, 6, 2, 5e-5], // 7.2e-6 / 7.0e-6; non-square, grid 60 × 44 (44 = 4·11)
    [30, 22, 6, 1.25, 1e-3], // 3.2e-4 / 3.3e-4; grid 38 × 28 (38 = 2·19: generic odd radix-19 butterfly)
  ];
  for (const [ny, nx, W, alpha, tol] of cases) {
    it(`forward and adjoint agree to ≤ ${tol} (image ${ny}×${nx}, W = ${W}, α = ${alpha})`, () => {
      const plan = planNufft(coords, [ny, nx], { width: W, oversampling: alpha });
      const img = randomComplex(ny * nx, 3);
      const errF = relativeError(nufftForward(plan, img), nudftForward(coords, img, [ny, nx]));
      const y = randomComplex(M, 4);
      const errA = relativeError(nufftAdjoint(plan, y), nudftAdjoint(coords, y, [ny, nx]));
      assert.ok(errF <= tol, `forward relative error ${errF}`);
      assert.ok(errA <= tol, `adjoint relative error ${errA}`);
    });
  }

  it('is periodic in k: positions shifted by ±1 cycle/pixel give the same samples', () => {
    const shifted = coords.map((k, i) => (i % 3 === 0 ? k + 1 : i % 3 === 1 ? k - 1 : k));
    const img = randomComplex(16 * 16, 6);
    const a = nufftForward(planNufft(shifted, [16, 16]), img);
    assert.ok(relativeError(a, nudftForward(coords, img, [16, 16])) < 5e-5);
  });

  it('maps a point at the image centre (index floor(N/2)) to all-ones samples', () => {
    const img = new Float32Array(2 * 31 * 31);
    img[2 * (15 * 31 + 15)] = 1;
    const s = nufftForward(planNufft(coords, [31, 31]), img);
    for (let j = 0; j < M; j++) {
      assert.ok(Math.abs(s[2 * j] - 1) < 1e-4 && Math.abs(s[2 * j + 1]) < 1e-4, `sample ${j}: ${s[2 * j]} ${s[2 * j + 1]}`);
    }
  });
});

describe('nufftOperator', () => {
  it('passes checkAdjoint (square, non-square, odd sizes, α = 1.25)', () => {
    const coords = testCoords();
    for (const [shape, opts] of [[[32, 32], {}], [[30, 22], { width: 4 }], [[17, 21], { oversampling: 1.25 }]] as const) {
      const r = checkAdjoint(nufftOperator(planNufft(coords, [shape[0], shape[1]], opts)), 7, 1e-5);
      assert.ok(r.relError < 1e-5);
    }
  });
  it('rejects bad inputs, naming the field', () => {
    assert.throws(() => planNufft(new Float32Array(3), [8, 8]), /coords length 3 must be even/);
    assert.throws(() => planNufft(new Float32Array([0, NaN]), [8, 8]), /coords: sample 0 is not finite/);
    assert.throws(() => planNufft(new Float32Array(2), [8, 0]), /imageShape must be two positive integers/);
    assert.throws(() => planNufft(new Float32Array(2), [8, 8], { width: 1 }), /width must be an integer ≥ 2/);
    const plan = planNufft(new Float32Array(4), [8, 8]);
    assert.throws(() => nufftForward(plan, new Float32Array(10)), /image length 10 must be 2·8·8/);
    assert.throws(() => nufftAdjoint(plan, new Float32Array(6)), /samples length 6 must be 2·2/);
  });
});

describe('fully sampled spiral reconstruction (all interleaves, Pipe–Menon DCF, adjoint NUFFT)', () => {
  it('recovers a smooth 64×64 phantom with NRMSE < 0.5% and no fitted scale', () => {
    const traj = variableDensitySpiral({ imageSize: 64, nInterleaves: 16 });
    const plan = planNufft(traj.coords, [64, 64]);
    const w = spiralDcf(traj, Array.from({ length: 16 }, (_, i) => i), [64, 64]);
    const img = smoothPhantom(64, 64, 1, 2.5);
    const rec = nufftAdjoint(plan, nufftForward(plan, img), w);
    const nrmse = relativeError(rec, img);
    assert.ok(nrmse < 5e-3, `NRMSE ${nrmse}`); // measured 0.0014
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '@relaxomap/physics';
import { relativeError } from './fixtures.js';
import { checkAdjoint, randomComplex } from './linop.js';
import { nufftAdjoint, nufftForward, planNufft } from './nufft.js';
import { slidingWindowRecon } from './slidingWindow.js';
import { interleafCoords, interleafSchedule, variableDensitySpiral } from './spiral.js';
import { singleInterleafDcf, subspaceBackProjection, subspaceNufftOperator, type SubspaceBasis } from './subspace.js';

const N = 8, nTR = 12, R = 3, px = 24;
const traj = variableDensitySpiral({ imageSize: px, nInterleaves: N });
const M = traj.samplesPerInterleaf;
const schedule = interleafSchedule(nTR, 3, N);
const rng = createRng(21);
const phiReal: SubspaceBasis = { values: Float32Array.from({ length: R * nTR }, () => rng.normal()), rank: R, complex: false };
const phiComplex: SubspaceBasis = { values: Float32Array.from({ length: 2 * R * nTR }, () => rng.normal()), rank: R, complex: true };
const kspace = randomComplex(nTR * M, 5); // (TR, sample): any data, the identities are linear
const planOf = (il: number) => planNufft(interleafCoords(traj, il), [px, px]);
const img = 2 * px * px;

/** Φ_{k,t} as [re, im] */
const phiAt = (phi: SubspaceBasis, k: number, t: number): [number, number] =>
  phi.complex ? [phi.values[2 * (k * nTR + t)], phi.values[2 * (k * nTR + t) + 1]] : [phi.values[k * nTR + t], 0];

/** c_k = Σ_t conj(Φ_{k,t})·frames_t, frames (TR, y, x) */
function project(phi: SubspaceBasis, frames: Float32Array): Float32Array {
  const c = new Float32Array(R * img);
  for (let k = 0; k < R; k++) {
    for (let t = 0; t < nTR; t++) {
      const [pr, pi] = phiAt(phi, k, t);
      for (let i = 0; i < img; i += 2) {
        const fr = frames[t * img + i], fi = frames[t * img + i + 1];
        c[k * img + i] += pr * fr + pi * fi;
        c[k * img + i + 1] += pr * fi - pi * fr;
      }
    }
  }
  return c;
}

describe('subspaceNufftOperator', () => {
  it('passes checkAdjoint with a real and with a complex basis', () => {
    for (const phi of [phiReal, phiComplex]) {
      const op = subspaceNufftOperator(traj, schedule, phi);
      assert.deepEqual([op.ishape, op.oshape], [[R, px, px], [nTR, M]]);
      assert.ok(checkAdjoint(op, 3, 1e-5).relError < 1e-5);
    }
  });
  it('forward = per-TR NUFFT of the synthesised frame Σ_k Φ_{k,t} c_k', () => {
    const c = randomComplex(R * px * px, 8);
    const y = subspaceNufftOperator(traj, schedule, phiComplex).apply(c);
    for (const t of [0, 7, 11]) {
      const x = new Float32Array(img);
      for (let k = 0; k < R; k++) {
        const [pr, pi] = phiAt(phiComplex, k, t);
        for (let i = 0; i < img; i += 2) {
          x[i] += pr * c[k * img + i] - pi * c[k * img + i + 1];
          x[i + 1] += pr * c[k * img + i + 1] + pi * c[k * img + i];
        }
      }
      const e = relativeError(y.subarray(2 * t * M, 2 * (t + 1) * M), nufftForward(planOf(schedule[t]), x));
      assert.ok(e < 1e-5, `TR ${t}: ${e}`);
    }
  });
});

describe('subspaceBackProjection', () => {
  const w = singleInterleafDcf(traj);
  it('equals projecting the frame-by-frame adjoint images A_t^H(w·y_t) onto Φ (real and complex Φ)', () => {
    const frames = new Float32Array(nTR * img);
    for (let t = 0; t < nTR; t++) {
      const il = schedule[t];
      frames.set(nufftAdjoint(planOf(il), kspace.subarray(2 * t * M, 2 * (t + 1) * M), w.subarray(il * M, (il + 1) * M)), t * img);
    }
    for (const phi of [phiReal, phiComplex]) {
      const e = relativeError(subspaceBackProjection(kspace, schedule, traj, phi, { weights: w }), project(phi, frames));
      assert.ok(e < 1e-5, `relative difference ${e}`);
    }
  });
  it('equals projecting the W = 1 sliding-window frames (default weights N·DCF_all)', () => {
    const sw = slidingWindowRecon(kspace, schedule, traj, { windowSize: 1 });
    const e = relativeError(subspaceBackProjection(kspace, schedule, traj, phiReal), project(phiReal, sw.images));
    assert.ok(e < 1e-5, `relative difference ${e}`);
  });
  it('rejects a basis of the wrong size', () => {
    const bad: SubspaceBasis = { values: new Float32Array(R * nTR), rank: R, complex: true };
    assert.throws(() => subspaceBackProjection(kspace, schedule, traj, bad, { weights: w }), /phi\.values length 36 must be 72 \(rank 3 × 12 TRs × 2 \(complex\)\)/);
  });
});

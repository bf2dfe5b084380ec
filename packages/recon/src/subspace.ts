/**
 * Subspace (low-rank) MRF operators (Zhao et al. 2018; Assländer et al. 2018; Tamir et al. 2017): the
 * time series is x_t = Σ_k Φ_{k,t} c_k with a temporal basis Φ (rank × TR, e.g. 6 × 600 in Gao et al.),
 * and TR t samples interleaf i_t of the spiral:
 *
 *   forward   y_t = A_{i_t}( Σ_k Φ_{k,t} c_k )                  coefficient images (rank, y, x) → k-space (TR, sample)
 *   adjoint   c_k = Σ_t conj(Φ_{k,t}) · A_{i_t}^H( y_t )
 *
 * Both grid once per coefficient, not once per TR: the adjoint accumulates Σ_t conj(Φ_{k,t})·y_t onto the
 * samples of interleaf i_t (a (interleaf, sample) array), then runs ONE adjoint NUFFT over all interleaves
 * per coefficient; the forward runs one FFT per coefficient and interpolates only the interleaves in use.
 */
import { spiralDcf, type DcfOptions } from './dcf.js';
import type { LinearOperator } from './linop.js';
import { imageToGrid, interpolateFromGrid, nufftAdjoint, planNufft, type NufftOptions, type NufftPlan } from './nufft.js';
import type { SpiralTrajectory } from './spiral.js';
import { validateSeries } from './slidingWindow.js';

/** A temporal basis Φ, shape (rank, TR), real or complex. */
export interface SubspaceBasis {
  /** (rank, TR): rank·nTR numbers if real, 2·rank·nTR interleaved if complex */
  values: Float32Array | Float64Array;
  rank: number;
  complex: boolean;
}

/** Options of the subspace operators. */
export interface SubspaceOptions {
  /** (ny, nx), default (imageSize, imageSize) of the trajectory. */
  imageShape?: [number, number];
  nufft?: NufftOptions;
  /** Plan over all interleaves of `traj` (reuse one across calls); must match imageShape / nufft. */
  plan?: NufftPlan;
}

function phiAt(phi: SubspaceBasis, nTR: number): (k: number, t: number) => [number, number] {
  const { values, rank, complex } = phi;
  if (!Number.isInteger(rank) || rank < 1) throw new Error(`phi.rank must be a positive integer (got ${rank})`);
  const expected = (complex ? 2 : 1) * rank * nTR;
  if (values.length !== expected) {
    throw new Error(`phi.values length ${values.length} must be ${expected} (rank ${rank} × ${nTR} TRs${complex ? ' × 2 (complex)' : ''})`);
  }
  return complex
    ? (k, t) => [values[2 * (k * nTR + t)], values[2 * (k * nTR + t) + 1]]
    : (k, t) => [values[k * nTR + t], 0];
}

function resolvePlan(traj: SpiralTrajectory, options: SubspaceOptions): NufftPlan {
  const imageShape = options.imageShape ?? [traj.imageSize, traj.imageSize];
  const plan = options.plan ?? planNufft(traj.coords, imageShape, options.nufft);
  if (plan.nSamples !== traj.nInterleaves * traj.samplesPerInterleaf) {
    throw new Error(`plan has ${plan.nSamples} samples; the trajectory has ${traj.nInterleaves}·${traj.samplesPerInterleaf}`);
  }
  if (plan.imageShape[0] !== imageShape[0] || plan.imageShape[1] !== imageShape[1]) {
    throw new Error(`plan imageShape [${plan.imageShape.join(', ')}] differs from imageShape [${imageShape.join(', ')}]`);
  }
  return plan;
}

/**
 * The subspace NUFFT operator: ishape [rank, ny, nx] → oshape [nTR, samples] (module TSDoc).
 * @param interleafOfTR (TR): interleaf of each TR
 */
export function subspaceNufftOperator(
  traj: SpiralTrajectory, interleafOfTR: ArrayLike<number>, phi: SubspaceBasis, options: SubspaceOptions = {},
): LinearOperator {
  const nTR = validateSeries(new Float32Array(2 * interleafOfTR.length * traj.samplesPerInterleaf), interleafOfTR, traj);
  const at = phiAt(phi, nTR);
  const plan = resolvePlan(traj, options);
  const M = traj.samplesPerInterleaf, N = traj.nInterleaves, R = phi.rank;
  const [ny, nx] = plan.imageShape;
  const used = [...new Set(Array.from(interleafOfTR))].sort((a, b) => a - b);
  const apply = (c: Float32Array): Float32Array => {
    if (c.length !== 2 * R * ny * nx) throw new Error(`coefficient images length ${c.length} must be 2·${R}·${ny}·${nx}`);
    const y = new Float32Array(2 * nTR * M);
    const Y = new Float64Array(2 * N * M);
    for (let k = 0; k < R; k++) {
      const grid = imageToGrid(plan, c.subarray(2 * k * ny * nx, 2 * (k + 1) * ny * nx));
      for (const il of used) interpolateFromGrid(plan, grid, Y, il * M, M, il * M);
      for (let t = 0; t < nTR; t++) {
        const [pr, pi] = at(k, t);
        if (pr === 0 && pi === 0) continue;
        const src = 2 * interleafOfTR[t] * M, dst = 2 * t * M;
        for (let s = 0; s < 2 * M; s += 2) {
          const vr = Y[src + s], vi = Y[src + s + 1];
          y[dst + s] += pr * vr - pi * vi;
          y[dst + s + 1] += pr * vi + pi * vr;
        }
      }
    }
    return y;
  };
  const adjoint = (y: Float32Array): Float32Array => subspaceAdjoint(plan, y, interleafOfTR, at, R, nTR, M, N);
  return { ishape: [R, ny, nx], oshape: [nTR, M], apply, adjoint };
}

function subspaceAdjoint(
  plan: NufftPlan, y: Float32Array, interleafOfTR: ArrayLike<number>, at: (k: number, t: number) => [number, number],
  R: number, nTR: number, M: number, N: number, weights?: Float32Array,
): Float32Array {
  if (y.length !== 2 * nTR * M) throw new Error(`kspace length ${y.length} must be 2·${nTR}·${M} (shape (TR, sample))`);
  const [ny, nx] = plan.imageShape;
  const out = new Float32Array(2 * R * ny * nx);
  const z = new Float64Array(2 * N * M);
  for (let k = 0; k < R; k++) {
    z.fill(0);
    for (let t = 0; t < nTR; t++) {
      const [pr, pi] = at(k, t);
      if (pr === 0 && pi === 0) continue;
      const il = interleafOfTR[t];
      const src = 2 * t * M, dst = 2 * il * M;
      for (let s = 0; s < M; s++) {
        const w = weights === undefined ? 1 : weights[il * M + s];
        const vr = y[src + 2 * s] * w, vi = y[src + 2 * s + 1] * w;
        z[dst + 2 * s] += pr * vr + pi * vi; // conj(Φ)·y
        z[dst + 2 * s + 1] += pr * vi - pi * vr;
      }
    }
    out.set(nufftAdjoint(plan, z), 2 * k * ny * nx);
  }
  return out;
}

/** Options of {@link subspaceBackProjection}. */
export interface BackProjectionOptions extends SubspaceOptions {
  /** Weights per interleaf, shape (interleaf, sample); default {@link singleInterleafDcf}. */
  weights?: Float32Array;
  dcf?: DcfOptions;
}

/**
 * Density compensation for single-interleaf frames: N · (Pipe–Menon DCF of all N interleaves gridded
 * together), shape (interleaf, sample). With it, one TR's frame A_i^H(w·y_t) has the scale of the fully
 * sampled reconstruction (its PSF peak ≈ π/4 on average over interleaves), like the sliding window's frames.
 */
export function singleInterleafDcf(
  traj: SpiralTrajectory, imageShape: [number, number] = [traj.imageSize, traj.imageSize],
  nufftOptions: NufftOptions = {}, options: DcfOptions = {},
): Float32Array {
  const all = Array.from({ length: traj.nInterleaves }, (_, i) => i);
  const w = spiralDcf(traj, all, imageShape, nufftOptions, options);
  for (let i = 0; i < w.length; i++) w[i] *= traj.nInterleaves;
  return w;
}

/**
 * Subspace back-projection (the coefficient images of the density-compensated single-interleaf frames):
 *
 *   c_k = Σ_t conj(Φ_{k,t}) · A_{i_t}^H( w_{i_t} ⊙ y_t ),   k = 0 … rank − 1
 *
 * equal to projecting the frame-by-frame images x_t = A_{i_t}^H(w ⊙ y_t) onto Φ, at the cost of `rank`
 * NUFFT adjoints instead of nTR.
 *
 * @param kspace (TR, sample) interleaved complex
 * @param interleafOfTR (TR)
 * @returns coefficient images (rank, y, x)
 */
export function subspaceBackProjection(
  kspace: Float32Array, interleafOfTR: ArrayLike<number>, traj: SpiralTrajectory, phi: SubspaceBasis,
  options: BackProjectionOptions = {},
): Float32Array {
  const nTR = validateSeries(kspace, interleafOfTR, traj);
  const at = phiAt(phi, nTR);
  const plan = resolvePlan(traj, options);
  const M = traj.samplesPerInterleaf, N = traj.nInterleaves;
  const weights = options.weights ?? singleInterleafDcf(traj, plan.imageShape, options.nufft, options.dcf);
  if (weights.length !== N * M) throw new Error(`weights length ${weights.length} must be ${N}·${M} (shape (interleaf, sample))`);
  return subspaceAdjoint(plan, kspace, interleafOfTR, at, phi.rank, nTR, M, N, weights);
}

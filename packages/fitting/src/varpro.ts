/**
 * Voxel-wise variable-projection (Varpro) fit of M0 and T2 for s_e = M0·exp(−TE_e/T2): the
 * baseline the paper compares its network against; optionally with a constant offset or a Rician
 * noise floor (`opts.model`).
 *
 * Reference: Golub & Pereyra, "Separable nonlinear least squares: the variable projection method
 * and its applications", Inverse Problems 19 (2003) R1 — here with one nonlinear parameter, so the
 * projected objective is searched in 1-D (grid, then safeguarded Newton to machine precision).
 */
import { fitModelRange } from './fitRange.js';
import type { KernelStats } from './kernel.js';
import { makeVarproPlan, MODEL_OFFSET, validateVarproInputs, type VarproOptions } from './plan.js';

/** Fitted maps, each of shape (voxel) — the same C-order voxel layout as the echoes' columns. */
export interface VarproResult {
  /** M0 (signal units). 0 where not fitted. */
  m0: Float32Array;
  /** T2 (ms), in [t2Min, t2Max]; 0 marks "not fitted" (masked out, all-zero echoes, or no M0 > 0 fit). */
  t2: Float32Array;
  /** Offset C (signal units), model 'offset' only: s_e = M0·exp(−TE_e/T2) + C. 0 where not fitted. */
  offset?: Float32Array;
}

/** The one-line error for the first non-finite echo value of voxel `v`. */
export function nonFiniteEchoError(echoes: Float32Array, nVoxels: number, nTE: number, v: number): Error {
  for (let k = 0; k < nTE; k++) {
    const val = echoes[k * nVoxels + v];
    if (!Number.isFinite(val)) {
      const what = Number.isNaN(val) ? 'NaN' : val > 0 ? 'Inf' : '-Inf';
      return new Error(`echoes contain ${what} at voxel ${v}, echo ${k}`);
    }
  }
  return new Error(`echoes contain a non-finite value at voxel ${v}`);
}

/**
 * Fit M0 and T2 per voxel by variable projection, on the calling thread (synchronous).
 *
 * Model 'monoexp' (default): s_e = M0·exp(−TE_e/T2). For a fixed T2 the least-squares M0 = Σ s_e e_e / Σ e_e²
 * (e_e = exp(−TE_e/T2)); T2 maximises the projected objective (Σ s e)²/Σ e² over [t2Min, t2Max]:
 * a log-spaced grid of normalised decay vectors picks the basin, then safeguarded Newton on the
 * derivative in the rate R = 1/T2 converges to machine precision (float64 internally). With
 * `nonNegativeM0` (default) M0 ≥ 0. Noise-free data are recovered to float32 precision.
 *
 * Voxels outside `opts.mask`, with all-zero echoes, or with no positive-M0 fit get M0 = 0, T2 = 0.
 * Echoes of masked-out voxels are not read (they may hold NaN).
 *
 * Model 'offset': s_e = M0·exp(−TE_e/T2) + C (e.g. a magnitude noise floor). Variable projection with
 * two linear parameters: for a fixed T2, M0 and C solve a 2×2 least-squares problem (equivalently
 * the mono-exponential projection of the echoes and decays with their mean over echoes removed), and
 * T2 is searched as above (grid, then safeguarded Newton to a 1e-12 relative step). With
 * `nonNegativeM0` (default) both M0 ≥ 0 and C ≥ 0: an infeasible unconstrained optimum is replaced by
 * the better of the C = 0 fit (the 'monoexp' result) and the constant fit (M0 = 0, T2 = 0, C = mean).
 * The result then has `offset` (voxel).
 *
 * Model 'rician': magnitude data with Rician noise of known σ (`opts.noiseSigma`, required):
 * minimise Σ_e (s_e − E(ν_e))², ν_e = M0·exp(−TE_e/T2), E the Rician mean
 * σ·√(π/2)·L_{1/2}(−ν²/(2σ²)) (Gudbjartsson & Patz, Magn. Reson. Med. 34 (1995) 910; the noise-floor
 * fit of Raya et al., Magn. Reson. Med. 63 (2010) 181). Starts from the 'monoexp' Varpro fit, then
 * Levenberg–Marquardt with analytic derivatives within M0 ≥ 0, T2 in [t2Min, t2Max] (nonNegativeM0
 * cannot be false). Removes the upward T2 bias of long echo trains that reach the noise floor.
 *
 * @param echoes - shape (echo, voxel), echo-major C order (e.g. (echo, slice, y, x)), Float32Array
 * @param nVoxels - voxels per echo; echoes.length must equal TE.length × nVoxels
 * @param TE - echo times (ms): finite, > 0, strictly increasing
 * @param opts - t2Min / t2Max (ms), optional mask (voxel), nonNegativeM0, gridSize, model
 *   ('monoexp' | 'offset' | 'rician'), noiseSigma (signal units, 'rician' only); threads must be 1
 *   here (use `varproMonoExpParallel` for more)
 * @returns maps m0 and T2 (ms), each (voxel) Float32Array; plus offset (voxel) for model 'offset'
 * @throws one-line Error, e.g. "echoes contain NaN at voxel 123, echo 2", "opts.t2Min must be < opts.t2Max (…)",
 *   "opts.noiseSigma must be a finite number > 0 … (required by opts.model 'rician') …"
 */
export function varproMonoExp(
  echoes: Float32Array,
  nVoxels: number,
  TE: readonly number[],
  opts: VarproOptions,
): VarproResult {
  validateVarproInputs(echoes, nVoxels, TE, opts);
  if (opts.threads !== undefined && opts.threads !== 1) {
    throw new Error(
      `opts.threads must be 1 for the synchronous varproMonoExp (got ${opts.threads}); use varproMonoExpParallel`,
    );
  }
  return fitOnThisThread(echoes, nVoxels, TE, opts);
}

/** Shared by the sync API and the parallel API's single-thread path (inputs already validated). */
export function fitOnThisThread(
  echoes: Float32Array,
  nVoxels: number,
  TE: readonly number[],
  opts: VarproOptions,
  stats?: KernelStats,
): VarproResult {
  const plan = makeVarproPlan(TE, opts);
  const m0 = new Float32Array(nVoxels);
  const t2 = new Float32Array(nVoxels);
  const offset = plan.model === MODEL_OFFSET ? new Float32Array(nVoxels) : undefined;
  const bad = fitModelRange(plan, echoes, nVoxels, 0, nVoxels, opts.mask, m0, t2, offset, stats);
  if (bad >= 0) throw nonFiniteEchoError(echoes, nVoxels, TE.length, bad);
  return offset === undefined ? { m0, t2 } : { m0, t2, offset };
}

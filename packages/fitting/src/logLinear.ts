/**
 * Log-linear mono-exponential fit: least squares of ln s_e = ln M0 − TE_e/T2 (unweighted).
 *
 * A classic quick estimator, kept as a reference point: taking the log of noisy data biases T2 and
 * weights the low-SNR late echoes as heavily as the early ones, which is why Varpro is the baseline.
 */
import { makeVarproPlan, validateVarproInputs } from './plan.js';
import type { VarproResult } from './varpro.js';

/**
 * Per voxel, regress ln s_e on TE_e over the echoes with s_e > 0 (at least 2 needed): slope b gives
 * T2 = −1/b (clipped to [t2Min, t2Max]; b ≥ 0 gives t2Max), intercept a gives M0 = e^a.
 * Voxels outside the mask or with fewer than 2 positive echoes: M0 = 0, T2 = 0.
 *
 * @param echoes - shape (echo, voxel), echo-major C order, Float32Array
 * @param nVoxels - voxels per echo
 * @param TE - echo times (ms)
 * @param opts - t2Min / t2Max (ms) bounds, optional (voxel) mask
 * @returns maps m0 and T2 (ms), each (voxel) Float32Array
 */
export function logLinearMonoExp(
  echoes: Float32Array,
  nVoxels: number,
  TE: readonly number[],
  opts: { t2Min: number; t2Max: number; mask?: Uint8Array },
): VarproResult {
  validateVarproInputs(echoes, nVoxels, TE, opts);
  const { t2Min, t2Max } = makeVarproPlan(TE, { ...opts, gridSize: 2 });
  const n = TE.length;
  const m0 = new Float32Array(nVoxels);
  const t2 = new Float32Array(nVoxels);
  for (let v = 0; v < nVoxels; v++) {
    if (opts.mask !== undefined && opts.mask[v] === 0) continue;
    let c = 0;
    let st = 0;
    let sy = 0;
    let stt = 0;
    let sty = 0;
    for (let k = 0; k < n; k++) {
      const val = echoes[k * nVoxels + v];
      if (Number.isNaN(val)) throw new Error(`echoes contain NaN at voxel ${v}, echo ${k}`);
      if (!(val > 0)) continue;
      if (val === Infinity) throw new Error(`echoes contain Inf at voxel ${v}, echo ${k}`);
      const y = Math.log(val);
      c++;
      st += TE[k];
      sy += y;
      stt += TE[k] * TE[k];
      sty += TE[k] * y;
    }
    if (c < 2) continue;
    const slope = (c * sty - st * sy) / (c * stt - st * st);
    const intercept = (sy - slope * st) / c;
    const T2 = slope < 0 ? -1 / slope : Infinity;
    t2[v] = Math.min(Math.max(T2, t2Min), t2Max);
    m0[v] = Math.exp(intercept);
  }
  return { m0, t2 };
}

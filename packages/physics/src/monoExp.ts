/**
 * Mono-exponential echo decay (multi-echo spin echo → T2, multi-echo gradient echo → T2*):
 *
 *   s_e = M0 · exp(−TE_e / T2)
 *
 * as an operator from parameter maps to echo images, so the Varpro fit, the network loss and the
 * tests all use the same model. Times in ms; M0 in the signal's (arbitrary) units.
 * T2 ≤ 0 or M0 = 0 gives zero signal (background / "not fitted" voxels).
 *
 * Reference: Gao et al., "Accurate parameter estimation using scan-specific unsupervised deep
 * learning for relaxometry and MR fingerprinting" (multi-echo T2 and T2* mapping).
 */
import { evenEchoSpacing, validateEchoTimes } from './echoTimes.js';

/** Float32Array or Float64Array: what per-voxel outputs may be written into. */
export type RealArray = Float32Array | Float64Array;

/**
 * A signal model seen as an operator over parameter maps (cf. MRpro `operators/models`):
 * `nParams` maps of shape (voxel) in, one `(sample, voxel)` array out (sample-major, C order).
 */
export interface SignalModel {
  /** Short name, e.g. `"monoexp"`. */
  readonly name: string;
  /** Parameter names in the order `apply` takes the maps, e.g. `["M0", "T2"]`. */
  readonly paramNames: readonly string[];
  /** Number of parameter maps. */
  readonly nParams: number;
  /** Samples (echoes, time points) produced per voxel. */
  readonly nEchoes: number;
  /** Maps (each `(voxel)`, same length) → signal `(sample, voxel)`, Float32Array, C order. */
  apply(params: readonly Float32Array[]): Float32Array;
}

/** The mono-exponential model bound to one echo-time list. */
export interface MonoExpModel extends SignalModel {
  readonly name: 'monoexp';
  readonly paramNames: readonly ['M0', 'T2'];
  readonly nParams: 2;
  /** Echo times (ms), validated: finite, > 0, strictly increasing. */
  readonly TE: readonly number[];
  /** `synthesizeEchoes(m0, t2, TE)`: maps `(voxel)` → echoes `(echo, voxel)`. */
  forward(m0: Float32Array, t2: Float32Array): Float32Array;
  /**
   * One voxel: out[offset + e·stride] = M0·exp(−TE_e/T2) for e = 0 … nEchoes−1 (float64 maths).
   * T2 ≤ 0 or M0 = 0 writes zeros.
   */
  signal(M0: number, T2: number, out: RealArray, offset?: number, stride?: number): void;
  /**
   * One voxel's derivatives: dM0[e] = ∂s_e/∂M0 = exp(−TE_e/T2),
   * dT2[e] = ∂s_e/∂T2 = M0·TE_e/T2² · exp(−TE_e/T2). Zeros for T2 ≤ 0.
   */
  jacobian(M0: number, T2: number, dM0: RealArray, dT2: RealArray): void;
}

/**
 * Synthesize noise-free echoes from M0 and T2 maps: s_e(v) = M0(v)·exp(−TE_e/T2(v)).
 *
 * @param m0 - M0 map, shape (voxel) — any C-order shape flattened, e.g. (slice, y, x)
 * @param t2 - T2 map (ms), same length as `m0`; T2 ≤ 0 gives zero signal
 * @param TE - echo times (ms): finite, > 0, strictly increasing
 * @returns echoes, shape (echo, voxel) echo-major C order — for maps (slice, y, x) the result is
 *   (echo, slice, y, x); computed in float64, stored as Float32Array
 * @throws Error if lengths differ or TE is invalid
 */
export function synthesizeEchoes(m0: Float32Array, t2: Float32Array, TE: readonly number[]): Float32Array {
  validateEchoTimes(TE);
  if (!(m0 instanceof Float32Array)) throw new Error('m0 must be a Float32Array');
  if (!(t2 instanceof Float32Array)) throw new Error('t2 must be a Float32Array');
  if (t2.length !== m0.length) {
    throw new Error(`t2: length ${t2.length} differs from m0's length ${m0.length}`);
  }
  const nVox = m0.length;
  const nTE = TE.length;
  const out = new Float32Array(nTE * nVox);
  const even = evenEchoSpacing(TE);
  for (let v = 0; v < nVox; v++) {
    const M0 = m0[v];
    const T2 = t2[v];
    if (!(T2 > 0) || M0 === 0) {
      if (Number.isNaN(T2) || Number.isNaN(M0)) for (let e = 0; e < nTE; e++) out[e * nVox + v] = NaN;
      continue;
    }
    const R = 1 / T2;
    if (even !== undefined) {
      // e^{−R·TE_e} = e^{−R·TE1}·q^e: one exp per voxel instead of one per echo (error ~e ulp, far
      // below float32 resolution).
      const q = Math.exp(-R * even.dTE);
      let s = M0 * Math.exp(-R * even.TE1);
      for (let e = 0; e < nTE; e++) {
        out[e * nVox + v] = s;
        s *= q;
      }
    } else {
      for (let e = 0; e < nTE; e++) out[e * nVox + v] = M0 * Math.exp(-R * TE[e]);
    }
  }
  return out;
}

/**
 * The mono-exponential signal model s_e = M0·exp(−TE_e/T2) for a fixed echo train.
 *
 * @param TE - echo times (ms): finite, > 0, strictly increasing (copied and frozen)
 * @example
 *   const model = monoExpModel([43, 67, 91, 115]);
 *   const echoes = model.forward(m0, t2); // (echo, voxel)
 *   const s = new Float64Array(4); model.signal(1, 43, s); // s[0] = e^{-1}
 */
export function monoExpModel(TE: readonly number[]): MonoExpModel {
  validateEchoTimes(TE);
  const te = Object.freeze(Array.from(TE));
  const nTE = te.length;
  return Object.freeze({
    name: 'monoexp' as const,
    paramNames: Object.freeze(['M0', 'T2'] as const),
    nParams: 2 as const,
    nEchoes: nTE,
    TE: te,
    forward(m0: Float32Array, t2: Float32Array): Float32Array {
      return synthesizeEchoes(m0, t2, te);
    },
    apply(params: readonly Float32Array[]): Float32Array {
      if (params.length !== 2) throw new Error(`params: expected 2 maps [M0, T2], got ${params.length}`);
      return synthesizeEchoes(params[0], params[1], te);
    },
    signal(M0: number, T2: number, out: RealArray, offset = 0, stride = 1): void {
      if (offset + (nTE - 1) * stride >= out.length || offset < 0) {
        throw new Error(`out: length ${out.length} too short for ${nTE} echoes at offset ${offset}, stride ${stride}`);
      }
      const zero = T2 <= 0 || M0 === 0;
      for (let e = 0; e < nTE; e++) out[offset + e * stride] = zero ? 0 : M0 * Math.exp(-te[e] / T2);
    },
    jacobian(M0: number, T2: number, dM0: RealArray, dT2: RealArray): void {
      if (dM0.length < nTE || dT2.length < nTE) {
        throw new Error(`dM0/dT2: need length >= ${nTE} (got ${dM0.length}, ${dT2.length})`);
      }
      for (let e = 0; e < nTE; e++) {
        if (T2 <= 0) {
          dM0[e] = 0;
          dT2[e] = 0;
          continue;
        }
        const decay = Math.exp(-te[e] / T2);
        dM0[e] = decay;
        dT2[e] = ((M0 * te[e]) / (T2 * T2)) * decay;
      }
    },
  });
}

/**
 * Data-consistency refinement of parameter maps (the MRF network's T1, T2, M0 output): a maximum a
 * posteriori fit of the maps u to the measured data with a Gaussian prior centred on the network's
 * maps u₀,
 *
 *   J(u) = ρ(c(u)) + ‖u − u₀‖² / (2·s²·N),
 *
 * where ρ is the data residual relative to the noise (Σ|A c − y|² / (σ²·N), ≈ 1 at the truth, N data
 * samples) and c(u) the synthesis of {@link parameterSynthesis}. Multiplied by N this is the negative
 * log posterior of white Gaussian data noise and an independent N(u₀, s²) prior on every output
 * channel: s says how far, in output units, the data may pull a voxel from the network's value.
 *
 * Why: the early-stopped network is a smooth prior. Its maps are best where the tissue is smooth and
 * blur the thin, high-contrast CSF structures that its stop leaves unfitted; the k-space still holds
 * them. A voxel-wise fit without the prior (s → ∞) brings back all the noise (the maximum-likelihood
 * maps are worse than the sliding window's); the prior keeps what the network got right.
 * Pure maths; minimised with Adam on u (the objective is smooth but not convex in T1/T2).
 */
import type { OutputSynthesis } from './parameter-synthesis.js';
import { PARAMETER_CHANNELS, encodeRelaxation, type FingerprintTable } from './parameter-synthesis.js';

/** What {@link refineParameters} fits. */
export interface RefineOptions {
  /** c(u): output (voxel, channels) → coefficients, with its vector–Jacobian product. */
  synthesis: OutputSynthesis;
  /** u₀, (voxel, channels) in the synthesis' output units: the prior mean and the start. */
  prior: Float32Array;
  voxels: number;
  /** ρ(c) and ∂ρ/∂c: the data residual relative to the noise (≈ 1 at the truth). */
  dataTerm: (c: Float32Array) => { value: number; grad: Float32Array };
  /** N, the number of data samples ρ averages over: it weighs the prior against the data. */
  samples: number;
  /** s, the prior's standard deviation in output units (> 0). */
  priorStd: number;
  iterations: number;
  learningRate: number;
  /** Record ρ and the prior term every this many iterations (and at the end). Default 10. */
  recordEvery?: number;
}

export interface RefineRecord {
  iteration: number;
  /** Data residual relative to the noise. */
  rho: number;
  /** ‖u − u₀‖² / (2·s²·N). */
  prior: number;
}

export interface RefineResult {
  /** u, (voxel, channels). */
  output: Float32Array;
  /** c(u), the synthesis' layout (rank, voxel) complex interleaved. */
  c: Float32Array;
  /** ρ and the prior term at iteration 0, every `recordEvery` iterations and at the end. */
  history: RefineRecord[];
}

/** Minimise J(u) (module comment) from u = u₀ by Adam. Deterministic. */
export function refineParameters(o: RefineOptions): RefineResult {
  const C = o.synthesis.channels;
  if (o.prior.length !== C * o.voxels) throw new Error(`prior: length ${o.prior.length} is not channels·voxels = ${C * o.voxels}`);
  if (!(o.priorStd > 0 && Number.isFinite(o.priorStd))) throw new Error(`priorStd: must be a finite number > 0, got ${o.priorStd}`);
  if (!(Number.isInteger(o.samples) && o.samples > 0)) throw new Error(`samples: must be a positive integer, got ${o.samples}`);
  if (!(Number.isInteger(o.iterations) && o.iterations >= 0)) throw new Error(`iterations: must be an integer ≥ 0, got ${o.iterations}`);
  if (!(o.learningRate > 0)) throw new Error(`learningRate: must be > 0, got ${o.learningRate}`);
  const every = o.recordEvery ?? 10;
  const weight = 1 / (o.priorStd * o.priorStd * o.samples);
  const u0 = o.prior;
  const u = Float64Array.from(u0);
  const m = new Float64Array(u.length);
  const v = new Float64Array(u.length);
  const beta1 = 0.9;
  const beta2 = 0.999;
  const history: RefineRecord[] = [];
  const priorTerm = (): number => {
    let sum = 0;
    for (let k = 0; k < u.length; k++) sum += (u[k]! - u0[k]!) ** 2;
    return (weight * sum) / 2;
  };
  for (let it = 0; ; it++) {
    const { c, vjp } = o.synthesis.apply(Float32Array.from(u), o.voxels);
    const data = o.dataTerm(c);
    if (it % every === 0 || it === o.iterations) history.push({ iteration: it, rho: data.value, prior: priorTerm() });
    if (it === o.iterations) return { output: Float32Array.from(u), c, history };
    const g = vjp(data.grad);
    const t = it + 1;
    const lrT = (o.learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    for (let k = 0; k < u.length; k++) {
      const gk = g[k]! + weight * (u[k]! - u0[k]!);
      m[k] = beta1 * m[k]! + (1 - beta1) * gk;
      v[k] = beta2 * v[k]! + (1 - beta2) * gk * gk;
      u[k] = u[k]! - (lrT * m[k]!) / (Math.sqrt(v[k]!) + 1e-8);
    }
  }
}

/**
 * The {@link parameterSynthesis} output u (voxel, 4) of maps estimated elsewhere: (u_T1, u_T2) from
 * the T1/T2 maps (ms) by {@link encodeRelaxation}, and M0 = ⟨a, c_v⟩/‖a‖² per voxel, the projection
 * of the estimate's coefficients c (rank, voxel) complex onto the fingerprint a(T1, T2), in the
 * synthesis' M0 units. Voxels without a positive T1 and T2 (masked) get u = 0 and M0 = 0.
 */
export function parametersFromMaps(
  synthesis: OutputSynthesis, table: Pick<FingerprintTable, 'logT1' | 'logT2'>,
  maps: { T1: ArrayLike<number>; T2: ArrayLike<number>; c: Float32Array }, voxels: number,
): Float32Array {
  const C = PARAMETER_CHANNELS;
  const R = synthesis.rank;
  if (synthesis.channels !== C) throw new Error(`synthesis: has ${synthesis.channels} channels, the parameter output has ${C}`);
  if (maps.T1.length !== voxels || maps.T2.length !== voxels) throw new Error(`maps: T1/T2 of ${maps.T1.length}/${maps.T2.length} voxels, expected ${voxels}`);
  if (maps.c.length !== 2 * R * voxels) throw new Error(`maps.c: length ${maps.c.length} is not 2·rank·voxels = ${2 * R * voxels}`);
  const u = new Float32Array(C * voxels);
  const valid = new Uint8Array(voxels);
  for (let i = 0; i < voxels; i++) {
    const T1 = maps.T1[i]!;
    const T2 = maps.T2[i]!;
    if (!(T1 > 0 && T2 > 0)) continue;
    const e = encodeRelaxation(T1, T2, table);
    u[C * i] = e.uT1;
    u[C * i + 1] = e.uT2;
    u[C * i + 2] = 1;
    valid[i] = 1;
  }
  // With M0 channels (1, 0), the synthesis gives c1 = g·a; the M0 channels of c are ⟨c1, c⟩/‖c1‖².
  const c1 = synthesis.apply(u, voxels).c;
  for (let i = 0; i < voxels; i++) {
    u[C * i + 2] = 0;
    if (!valid[i]) continue;
    let aa = 0, re = 0, im = 0;
    for (let r = 0; r < R; r++) {
      const a = c1[2 * (r * voxels + i)]!;
      aa += a * a;
      re += a * maps.c[2 * (r * voxels + i)]!;
      im += a * maps.c[2 * (r * voxels + i) + 1]!;
    }
    if (aa > 0) {
      u[C * i + 2] = re / aa;
      u[C * i + 3] = im / aa;
    }
  }
  return u;
}

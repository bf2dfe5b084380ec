/**
 * Low-rank temporal subspace of an MRF dictionary (McGivney et al. 2014; Zhao et al. 2018): the
 * first right singular vectors of the (atom × TR) dictionary D, found as the eigenvectors of the
 * TR × TR Gram matrix DᵀD (D = U·S·Vᵀ ⇒ DᵀD = V·S²·Vᵀ).
 *
 * Φ has shape (rank, TR) with orthonormal rows; time series and coefficients relate as in the
 * paper: ρ_TR = c × Φ (synthesis) and c = ρ_TR × Φᵀ (projection). The FISP dictionary is real
 * (mrf-dictionary.ts), so Φ is real; time series and coefficients are complex (interleaved re, im)
 * and Φ acts on their real and imaginary parts alike.
 *
 * Two cumulative measures per rank r are reported, and either can pick the rank:
 * - energy: Σ_{i<r} σ_i² / Σ_i σ_i², the fraction of the dictionary's squared Frobenius norm kept
 *   (the usual SVD-truncation criterion);
 * - sigmaFraction: Σ_{i<r} σ_i / Σ_i σ_i, the fraction of the sum of singular values.
 * The paper keeps "95% power in singular values" with 6 coefficients. On the default grid with the
 * first 600 Jiang 2015 points (TE 2 ms, inversion delay 20 ms), 95% of energy needs rank 3 and 95%
 * of sigmaFraction rank 6: the paper's count matches the sum of singular values, not of squares.
 */
import { symmetricEigen } from './eig.js';

/** A real (atom, TR) dictionary: what the subspace needs of MrfDictionary. */
export interface RealDictionary {
  nAtoms: number;
  nTR: number;
  /** (atom, TR), C order, Float32Array. */
  atoms: Float32Array;
}

/** The subspace: basis, spectrum and energy per rank. */
export interface MrfSubspace {
  nTR: number;
  rank: number;
  /** Φ, shape (rank, TR), C order, Float64Array, orthonormal rows (right singular vectors of D). */
  phi: Float64Array;
  /** Singular values σ_i of D, descending, Float64Array (TR). */
  singularValues: Float64Array;
  /** Cumulative Σσ² fraction: energy[r − 1] is kept by rank r; Float64Array (TR), energy[TR − 1] = 1. */
  energy: Float64Array;
  /** Cumulative Σσ fraction: sigmaFraction[r − 1] for rank r; Float64Array (TR), last = 1. */
  sigmaFraction: Float64Array;
}

/**
 * Rank choice, exactly one of: a threshold in (0, 1] on `energy` (Σσ², default 0.95) or on
 * `sigmaFraction` (Σσ, the paper's criterion), or a fixed `rank` in [1, TR].
 */
export type SubspaceRank =
  | { energy: number; sigmaFraction?: undefined; rank?: undefined }
  | { sigmaFraction: number; energy?: undefined; rank?: undefined }
  | { rank: number; energy?: undefined; sigmaFraction?: undefined };

/** The dictionary projected onto Φ: what matching needs. */
export interface CompressedMrfDictionary {
  nAtoms: number;
  rank: number;
  /** c_a = Φ·d̂_a, shape (atom, rank), complex interleaved Float32Array (imaginary parts 0 for FISP). */
  coefficients: Float32Array;
  /** ‖s‖₂ of each atom's M0 = 1 signal, Float64Array (atom). */
  norms: Float64Array;
  /** T1 (ms) per atom, Float64Array (atom). */
  T1: Float64Array;
  /** T2 (ms) per atom, Float64Array (atom). */
  T2: Float64Array;
}

function checkDictionary(dict: RealDictionary): void {
  if (dict === null || typeof dict !== 'object') throw new Error('dictionary must be an object');
  const { nAtoms, nTR, atoms } = dict;
  if (!Number.isInteger(nAtoms) || nAtoms < 1) throw new Error(`nAtoms must be an integer >= 1 (got ${String(nAtoms)})`);
  if (!Number.isInteger(nTR) || nTR < 1) throw new Error(`nTR must be an integer >= 1 (got ${String(nTR)})`);
  if (!(atoms instanceof Float32Array) || atoms.length !== nAtoms * nTR) {
    throw new Error(`atoms must be a Float32Array of nAtoms·nTR = ${nAtoms * nTR} values (got ${atoms?.length})`);
  }
}

/**
 * Gram matrix G = DᵀD of a real (atom, TR) dictionary, accumulated in float64.
 *
 * @returns G, shape (TR, TR), C order, Float64Array, exactly symmetric
 */
export function dictionaryGram(dict: RealDictionary): Float64Array {
  checkDictionary(dict);
  const { nAtoms, nTR: n, atoms } = dict;
  const G = new Float64Array(n * n);
  const x0 = new Float64Array(n);
  const x1 = new Float64Array(n);
  const x2 = new Float64Array(n);
  const x3 = new Float64Array(n);
  // Four atoms per pass over G's upper triangle: a quarter of the memory traffic of rank-1 updates.
  let a = 0;
  for (; a + 4 <= nAtoms; a += 4) {
    x0.set(atoms.subarray(a * n, a * n + n));
    x1.set(atoms.subarray((a + 1) * n, (a + 1) * n + n));
    x2.set(atoms.subarray((a + 2) * n, (a + 2) * n + n));
    x3.set(atoms.subarray((a + 3) * n, (a + 3) * n + n));
    for (let i = 0; i < n; i++) {
      const v0 = x0[i], v1 = x1[i], v2 = x2[i], v3 = x3[i];
      const row = i * n;
      for (let j = i; j < n; j++) G[row + j] += v0 * x0[j] + v1 * x1[j] + v2 * x2[j] + v3 * x3[j];
    }
  }
  for (; a < nAtoms; a++) {
    x0.set(atoms.subarray(a * n, a * n + n));
    for (let i = 0; i < n; i++) {
      const v0 = x0[i];
      const row = i * n;
      for (let j = i; j < n; j++) G[row + j] += v0 * x0[j];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) G[i * n + j] = G[j * n + i];
  return G;
}

/**
 * Subspace Φ of a dictionary from the eigen-decomposition of its Gram matrix.
 *
 * With `{ energy: e }` the rank is the smallest r with Σ_{i<r} σ_i² ≥ e·Σ σ_i²; with
 * `{ sigmaFraction: f }` the smallest r with Σ_{i<r} σ_i ≥ f·Σ σ_i; with `{ rank: r }` it is r.
 * Either way `energy` and `sigmaFraction` report the cumulative fractions for every rank.
 *
 * @param dict - real (atom, TR) dictionary (e.g. MrfDictionary)
 * @param choice - `{ energy }` or `{ sigmaFraction }` in (0, 1] (default `{ energy: 0.95 }`), or `{ rank }` in [1, TR]
 * @throws Error naming `rank`, `energy` or `sigmaFraction`, e.g. `"rank: 700 exceeds the number of TRs (600)"`
 */
export function mrfSubspace(dict: RealDictionary, choice: SubspaceRank = { energy: 0.95 }): MrfSubspace {
  checkDictionary(dict);
  const n = dict.nTR;
  const given = choice === null || typeof choice !== 'object' ? [] : (['rank', 'energy', 'sigmaFraction'] as const).filter((k) => choice[k] !== undefined);
  if (given.length !== 1) throw new Error('choice must give exactly one of rank, energy or sigmaFraction');
  if (choice.rank !== undefined) {
    const r = choice.rank;
    if (!Number.isInteger(r) || r < 1) throw new Error(`rank must be an integer >= 1 (got ${String(r)})`);
    if (r > n) throw new Error(`rank: ${r} exceeds the number of TRs (${n})`);
  } else {
    const key = given[0];
    const t = choice[key];
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || t > 1) {
      throw new Error(`${key} must be a number in (0, 1] (got ${String(t)})`);
    }
  }
  const { values, vectors } = symmetricEigen(dictionaryGram(dict), n);
  const singularValues = new Float64Array(n);
  for (let i = 0; i < n; i++) singularValues[i] = Math.sqrt(Math.max(values[i], 0)); // rounding can leave tiny negatives
  const cumulative = (f: (s: number) => number): Float64Array => {
    const out = new Float64Array(n);
    let acc = 0;
    for (let i = 0; i < n; i++) out[i] = acc += f(singularValues[i]);
    for (let i = 0; i < n; i++) out[i] /= acc;
    out[n - 1] = 1;
    return out;
  };
  if (!(singularValues[0] > 0)) throw new Error('atoms: the dictionary is all zeros (no energy)');
  const energy = cumulative((s) => s * s);
  const sigmaFraction = cumulative((s) => s);
  let rank = choice.rank ?? 0;
  if (choice.rank === undefined) {
    const [curve, t] = choice.energy !== undefined ? [energy, choice.energy] : [sigmaFraction, choice.sigmaFraction as number];
    rank = 1;
    while (rank < n && curve[rank - 1] < t - 1e-12) rank++;
  }
  return { nTR: n, rank, phi: vectors.slice(0, rank * n), singularValues, energy, sigmaFraction };
}

function checkSeries(data: Float32Array, nVoxels: number, width: number, field: string): void {
  if (!Number.isInteger(nVoxels) || nVoxels < 0) throw new Error(`nVoxels must be an integer >= 0 (got ${String(nVoxels)})`);
  if (!(data instanceof Float32Array) || data.length !== 2 * nVoxels * width) {
    throw new Error(`${field} must be a complex interleaved Float32Array of 2·${nVoxels}·${width} values (got ${data?.length})`);
  }
}

/**
 * Project complex time series onto Φ: c_v[r] = Σ_t Φ[r, t]·ρ_v[t] (float64 sums).
 *
 * @param series - (voxel, TR) complex interleaved Float32Array
 * @returns coefficients (voxel, rank) complex interleaved Float32Array
 */
export function projectTimeSeries(series: Float32Array, nVoxels: number, subspace: MrfSubspace): Float32Array {
  const { rank, nTR, phi } = subspace;
  checkSeries(series, nVoxels, nTR, 'series');
  const out = new Float32Array(2 * nVoxels * rank);
  for (let v = 0; v < nVoxels; v++) {
    const base = 2 * v * nTR;
    for (let r = 0; r < rank; r++) {
      let re = 0;
      let im = 0;
      const row = r * nTR;
      for (let t = 0; t < nTR; t++) {
        const p = phi[row + t];
        re += p * series[base + 2 * t];
        im += p * series[base + 2 * t + 1];
      }
      out[2 * (v * rank + r)] = re;
      out[2 * (v * rank + r) + 1] = im;
    }
  }
  return out;
}

/**
 * Synthesize complex time series from coefficients: ρ_v[t] = Σ_r c_v[r]·Φ[r, t] (ρ = c × Φ).
 *
 * @param coefficients - (voxel, rank) complex interleaved Float32Array
 * @returns time series (voxel, TR) complex interleaved Float32Array
 */
export function synthesizeTimeSeries(coefficients: Float32Array, nVoxels: number, subspace: MrfSubspace): Float32Array {
  const { rank, nTR, phi } = subspace;
  checkSeries(coefficients, nVoxels, rank, 'coefficients');
  const out = new Float32Array(2 * nVoxels * nTR);
  const re = new Float64Array(nTR);
  const im = new Float64Array(nTR);
  for (let v = 0; v < nVoxels; v++) {
    re.fill(0);
    im.fill(0);
    for (let r = 0; r < rank; r++) {
      const cr = coefficients[2 * (v * rank + r)];
      const ci = coefficients[2 * (v * rank + r) + 1];
      const row = r * nTR;
      for (let t = 0; t < nTR; t++) {
        re[t] += cr * phi[row + t];
        im[t] += ci * phi[row + t];
      }
    }
    const base = 2 * v * nTR;
    for (let t = 0; t < nTR; t++) {
      out[base + 2 * t] = re[t];
      out[base + 2 * t + 1] = im[t];
    }
  }
  return out;
}

/**
 * Compress a dictionary onto Φ: c_a = Φ·d̂_a (complex, imaginary parts 0), with norms and (T1, T2).
 *
 * @param dict - normalised (atom, TR) dictionary with norms, T1, T2 (MrfDictionary)
 * @returns coefficients (atom, rank) complex interleaved Float32Array and the atom metadata
 */
export function compressDictionary(
  dict: RealDictionary & { norms: Float64Array; T1: Float64Array; T2: Float64Array },
  subspace: Pick<MrfSubspace, 'rank' | 'nTR' | 'phi'>,
): CompressedMrfDictionary {
  checkDictionary(dict);
  const { nAtoms, nTR, atoms } = dict;
  if (nTR !== subspace.nTR) throw new Error(`subspace: nTR ${subspace.nTR} differs from the dictionary's ${nTR}`);
  const { rank, phi } = subspace;
  const coefficients = new Float32Array(2 * nAtoms * rank);
  for (let a = 0; a < nAtoms; a++) {
    const base = a * nTR;
    for (let r = 0; r < rank; r++) {
      let s = 0;
      const row = r * nTR;
      for (let t = 0; t < nTR; t++) s += phi[row + t] * atoms[base + t];
      coefficients[2 * (a * rank + r)] = s;
    }
  }
  return { nAtoms, rank, coefficients, norms: dict.norms, T1: dict.T1, T2: dict.T2 };
}

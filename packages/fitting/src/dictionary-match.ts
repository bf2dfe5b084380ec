/**
 * MRF dictionary matching in the temporal subspace: per voxel, the atom with the largest normalised
 * inner product |⟨ĉ_a, y⟩| (ĉ_a = c_a/‖c_a‖, c_a = Φ·d̂_a the compressed atom, y the voxel's
 * coefficients), then PD from the least-squares complex scale of that atom.
 *
 * PD: the voxel is modelled as y ≈ ρ·c_a with ρ complex; ρ = ⟨c_a, y⟩/‖c_a‖², and since the atom
 * d̂_a = s_a/‖s_a‖ was normalised from the M0 = 1 signal s_a, PD = |ρ|/‖s_a‖ = |⟨ĉ_a, y⟩|/(‖c_a‖·‖s_a‖)
 * (exact for a noise-free PD·e^{iθ}·s_a, whatever the rank). The phase θ = arg ρ is returned too.
 *
 * Reference: D. Ma et al., "Magnetic resonance fingerprinting", Nature 495 (2013) 187-192 (matching);
 * D. F. McGivney et al., IEEE Trans. Med. Imaging 33 (2014) 2311-2322 (matching in the SVD subspace).
 */
import { projectTimeSeries, type CompressedMrfDictionary, type MrfSubspace } from '@relaxomap/physics';

/** Matched maps, each of shape (voxel); unmatched voxels (masked out or all-zero) hold 0 and index −1. */
export interface DictionaryMatchResult {
  /** T1 (ms) of the matched atom, Float32Array (voxel). */
  T1: Float32Array;
  /** T2 (ms) of the matched atom, Float32Array (voxel). */
  T2: Float32Array;
  /** Proton density |ρ|/‖s_a‖ (units of the data), Float32Array (voxel). */
  PD: Float32Array;
  /** arg ρ (radians, in (−π, π]), Float32Array (voxel). */
  phase: Float32Array;
  /** Matched atom index, or −1, Int32Array (voxel). */
  index: Int32Array;
}

/** Matching options. */
export interface DictionaryMatchOptions {
  /** (voxel) mask; voxels with 0 are not matched and their data are not read. */
  mask?: Uint8Array;
  /**
   * Layout of `coefficients`: `'voxel-rank'` (default), shape (voxel, rank), or `'rank-voxel'`,
   * shape (rank, voxel) — coefficient images such as (rank, y, x) from a subspace reconstruction.
   */
  layout?: 'voxel-rank' | 'rank-voxel';
}

interface PreparedDictionary {
  /** Unit-norm compressed atoms, (atom, rank) real, or (atom, rank) complex interleaved. */
  unit: Float64Array;
  complex: boolean;
  /** 1/(‖c_a‖·‖s_a‖), or 0 for atoms that vanish in the subspace (never matched). */
  pdScale: Float64Array;
}

function checkDictionary(dict: CompressedMrfDictionary): void {
  if (dict === null || typeof dict !== 'object') throw new Error('dictionary must be a CompressedMrfDictionary');
  const { nAtoms, rank, coefficients, norms, T1, T2 } = dict;
  if (!Number.isInteger(nAtoms) || nAtoms < 1) throw new Error(`dictionary.nAtoms must be an integer >= 1 (got ${String(nAtoms)})`);
  if (!Number.isInteger(rank) || rank < 1) throw new Error(`dictionary.rank must be an integer >= 1 (got ${String(rank)})`);
  if (!(coefficients instanceof Float32Array) || coefficients.length !== 2 * nAtoms * rank) {
    throw new Error(`dictionary.coefficients must be a complex interleaved Float32Array of 2·${nAtoms}·${rank} values (got ${coefficients?.length})`);
  }
  for (const [field, arr] of [['norms', norms], ['T1', T1], ['T2', T2]] as const) {
    if (!arr || arr.length !== nAtoms) throw new Error(`dictionary.${field} must hold nAtoms = ${nAtoms} values (got ${arr?.length})`);
  }
  for (let i = 0; i < coefficients.length; i++) {
    if (!Number.isFinite(coefficients[i])) throw new Error(`dictionary.coefficients are not finite at atom ${Math.floor(i / (2 * rank))}`);
  }
}

function prepare(dict: CompressedMrfDictionary): PreparedDictionary {
  const { nAtoms, rank, coefficients: c, norms } = dict;
  let complex = false;
  for (let i = 1; i < c.length; i += 2) if (c[i] !== 0) { complex = true; break; }
  const unit = new Float64Array((complex ? 2 : 1) * nAtoms * rank);
  const pdScale = new Float64Array(nAtoms);
  for (let a = 0; a < nAtoms; a++) {
    let sq = 0;
    for (let j = 2 * a * rank; j < 2 * (a + 1) * rank; j++) sq += c[j] * c[j];
    const cn = Math.sqrt(sq);
    if (!(cn > 0) || !(norms[a] > 0)) continue; // a zero row scores 0: never beats a real match
    pdScale[a] = 1 / (cn * norms[a]);
    for (let r = 0; r < rank; r++) {
      const src = 2 * (a * rank + r);
      if (complex) {
        unit[src] = c[src] / cn;
        unit[src + 1] = c[src + 1] / cn;
      } else {
        unit[a * rank + r] = c[src] / cn;
      }
    }
  }
  return { unit, complex, pdScale };
}

/**
 * Match voxel coefficient vectors against a compressed dictionary (maximum |⟨ĉ_a, y⟩|, ties to
 * the lowest atom index). Voxels outside the mask or with all-zero coefficients are not matched.
 *
 * @param dict - compressed dictionary: coefficients (atom, rank) complex interleaved Float32Array,
 *   norms ‖s_a‖, T1 and T2 (ms) per atom (see compressDictionary in @relaxomap/physics)
 * @param coefficients - voxel coefficients y, shape (voxel, rank) (or (rank, voxel) with
 *   `layout: 'rank-voxel'`), complex interleaved Float32Array
 * @param nVoxels - number of voxels
 * @param opts - optional mask (voxel) and layout
 * @returns T1, T2 (ms), PD, phase and atom index per voxel
 * @throws Error naming the field, e.g. `"coefficients contain NaN at voxel 12, coefficient 3"`
 */
export function matchDictionary(
  dict: CompressedMrfDictionary,
  coefficients: Float32Array,
  nVoxels: number,
  opts: DictionaryMatchOptions = {},
): DictionaryMatchResult {
  checkDictionary(dict);
  const { nAtoms, rank } = dict;
  if (!Number.isInteger(nVoxels) || nVoxels < 0) throw new Error(`nVoxels must be an integer >= 0 (got ${String(nVoxels)})`);
  if (!(coefficients instanceof Float32Array) || coefficients.length !== 2 * nVoxels * rank) {
    throw new Error(`coefficients must be a complex interleaved Float32Array of 2·${nVoxels}·${rank} values (got ${coefficients?.length})`);
  }
  const mask = opts.mask;
  if (mask !== undefined && (!(mask instanceof Uint8Array) || mask.length !== nVoxels)) {
    throw new Error(`mask must be a Uint8Array of ${nVoxels} values (got ${mask?.length})`);
  }
  const layout = opts.layout ?? 'voxel-rank';
  if (layout !== 'voxel-rank' && layout !== 'rank-voxel') throw new Error(`layout must be 'voxel-rank' or 'rank-voxel' (got ${String(layout)})`);
  // Element (v, r) sits at 2·(v·vStride + r·rStride).
  const [vStride, rStride] = layout === 'voxel-rank' ? [rank, 1] : [1, nVoxels];
  const { unit, complex, pdScale } = prepare(dict);
  const out: DictionaryMatchResult = {
    T1: new Float32Array(nVoxels),
    T2: new Float32Array(nVoxels),
    PD: new Float32Array(nVoxels),
    phase: new Float32Array(nVoxels),
    index: new Int32Array(nVoxels).fill(-1),
  };
  // Voxels are matched in groups of GROUP: one pass over the atoms serves the whole group.
  const yr = new Float64Array(GROUP * rank);
  const yi = new Float64Array(GROUP * rank);
  const voxel = new Int32Array(GROUP);
  const best = new Int32Array(GROUP);
  const bestRe = new Float64Array(GROUP);
  const bestIm = new Float64Array(GROUP);
  let filled = 0;
  const flush = (): void => {
    if (complex) {
      for (let g = 0; g < filled; g++) bestComplex(unit, nAtoms, rank, yr, yi, g, best, bestRe, bestIm);
    } else {
      for (let g = filled; g < GROUP; g++) for (let r = 0; r < rank; r++) yr[g * rank + r] = yi[g * rank + r] = 0;
      bestReal(unit, nAtoms, rank, yr, yi, best, bestRe, bestIm);
    }
    for (let g = 0; g < filled; g++) {
      const a = best[g];
      const v = voxel[g];
      if (a < 0 || pdScale[a] === 0) continue; // only vanishing atoms: nothing to match
      out.index[v] = a;
      out.T1[v] = dict.T1[a];
      out.T2[v] = dict.T2[a];
      out.PD[v] = Math.hypot(bestRe[g], bestIm[g]) * pdScale[a];
      out.phase[v] = Math.atan2(bestIm[g], bestRe[g]);
    }
    filled = 0;
  };
  for (let v = 0; v < nVoxels; v++) {
    if (mask !== undefined && mask[v] === 0) continue;
    let any = false;
    for (let r = 0; r < rank; r++) {
      const j = 2 * (v * vStride + r * rStride);
      const re = coefficients[j];
      const im = coefficients[j + 1];
      if (!Number.isFinite(re) || !Number.isFinite(im)) {
        const bad = Number.isFinite(re) ? im : re;
        const what = Number.isNaN(bad) ? 'NaN' : bad > 0 ? 'Inf' : '-Inf';
        throw new Error(`coefficients contain ${what} at voxel ${v}, coefficient ${r}`);
      }
      yr[filled * rank + r] = re;
      yi[filled * rank + r] = im;
      if (re !== 0 || im !== 0) any = true;
    }
    if (!any) continue;
    voxel[filled++] = v;
    if (filled === GROUP) flush();
  }
  flush();
  return out;
}

const GROUP = 4;

/**
 * Best atom for GROUP voxels at once, real unit atoms (atom, rank): maximise (Σ c·yr)² + (Σ c·yi)²,
 * first index on ties. Writes best index and ⟨ĉ, y⟩ per voxel.
 */
function bestReal(
  unit: Float64Array, nAtoms: number, rank: number, yr: Float64Array, yi: Float64Array,
  best: Int32Array, bestRe: Float64Array, bestIm: Float64Array,
): void {
  let s0 = -1, s1 = -1, s2 = -1, s3 = -1;
  best.fill(-1);
  const o1 = rank, o2 = 2 * rank, o3 = 3 * rank;
  for (let a = 0; a < nAtoms; a++) {
    const base = a * rank;
    let r0 = 0, i0 = 0, r1 = 0, i1 = 0, r2 = 0, i2 = 0, r3 = 0, i3 = 0;
    for (let r = 0; r < rank; r++) {
      const c = unit[base + r];
      r0 += c * yr[r];
      i0 += c * yi[r];
      r1 += c * yr[o1 + r];
      i1 += c * yi[o1 + r];
      r2 += c * yr[o2 + r];
      i2 += c * yi[o2 + r];
      r3 += c * yr[o3 + r];
      i3 += c * yi[o3 + r];
    }
    const q0 = r0 * r0 + i0 * i0, q1 = r1 * r1 + i1 * i1, q2 = r2 * r2 + i2 * i2, q3 = r3 * r3 + i3 * i3;
    if (q0 > s0) { s0 = q0; best[0] = a; bestRe[0] = r0; bestIm[0] = i0; }
    if (q1 > s1) { s1 = q1; best[1] = a; bestRe[1] = r1; bestIm[1] = i1; }
    if (q2 > s2) { s2 = q2; best[2] = a; bestRe[2] = r2; bestIm[2] = i2; }
    if (q3 > s3) { s3 = q3; best[3] = a; bestRe[3] = r3; bestIm[3] = i3; }
  }
}

/** Best atom for voxel g of the group, complex unit atoms (atom, rank) interleaved: max |Σ conj(ĉ)·y|². */
function bestComplex(
  unit: Float64Array, nAtoms: number, rank: number, yr: Float64Array, yi: Float64Array, g: number,
  best: Int32Array, bestRe: Float64Array, bestIm: Float64Array,
): void {
  let score = -1;
  best[g] = -1;
  const o = g * rank;
  for (let a = 0; a < nAtoms; a++) {
    const base = 2 * a * rank;
    let re = 0;
    let im = 0;
    for (let r = 0; r < rank; r++) {
      const cr = unit[base + 2 * r];
      const ci = unit[base + 2 * r + 1];
      re += cr * yr[o + r] + ci * yi[o + r];
      im += cr * yi[o + r] - ci * yr[o + r];
    }
    const q = re * re + im * im;
    if (q > score) {
      score = q;
      best[g] = a;
      bestRe[g] = re;
      bestIm[g] = im;
    }
  }
}

/**
 * Match full time series: project onto Φ (c = ρ × Φᵀ), then {@link matchDictionary}.
 *
 * @param series - (voxel, TR) complex interleaved Float32Array
 * @param subspace - the Φ the dictionary was compressed with (same rank and TR count)
 */
export function matchTimeSeries(
  dict: CompressedMrfDictionary,
  subspace: MrfSubspace,
  series: Float32Array,
  nVoxels: number,
  opts: DictionaryMatchOptions = {},
): DictionaryMatchResult {
  if (subspace.rank !== dict.rank) throw new Error(`subspace: rank ${subspace.rank} differs from the dictionary's ${dict.rank}`);
  return matchDictionary(dict, projectTimeSeries(series, nVoxels, subspace), nVoxels, opts);
}

/**
 * Fingerprint table for a parameter-output network: unit-norm subspace fingerprints
 * a(T1, T2) = Φ·s/‖s‖ on a full rectangular grid regular in (log T1, log T2), so that a network's
 * continuous T1 and T2 can be interpolated (bilinearly, in the network package). Unlike the
 * matching dictionary the grid keeps pairs with T2 ≥ T1 — unphysical, but the EPG recursion is
 * defined there and a table with holes cannot be interpolated; a network that lands there is
 * simply wrong, as it would be anywhere else.
 */
import { buildMrfDictionary, type GeometricRange, type MrfDictionaryOptions } from './mrf-dictionary.js';
import type { FispSequence } from './mrf-fisp.js';
import { compressDictionary, type MrfSubspace } from './subspace.js';

/** A regular axis in natural log of ms: value_j = start + j·step, j = 0 … count − 1. */
export interface LogAxisSpec {
  start: number;
  step: number;
  count: number;
}

/** {@link fingerprintTable}'s result: (T1 index, T2 index, rank) real, C order. */
export interface SubspaceFingerprintTable {
  rank: number;
  logT1: LogAxisSpec;
  logT2: LogAxisSpec;
  values: Float32Array;
}

function logAxis(range: GeometricRange, field: string): LogAxisSpec {
  const { min, max, ratio } = range;
  if (!(min > 0 && max > min && ratio > 1)) throw new Error(`${field}: needs 0 < min < max and ratio > 1 (got ${JSON.stringify(range)})`);
  const step = Math.log(ratio);
  // Enough cells to reach max exactly: the step shrinks slightly so the last node is max.
  const count = Math.max(2, Math.ceil(Math.log(max / min) / step - 1e-9) + 1);
  return { start: Math.log(min), step: Math.log(max / min) / (count - 1), count };
}

/**
 * EPG-FISP fingerprints of every (T1, T2) node, normalised, projected onto Φ.
 *
 * @param axes - T1 and T2 ranges (ms) with their geometric step; the nodes span min…max exactly
 * @param subspace - Φ (rank, TR) with the sequence's TR count
 */
export async function fingerprintTable(
  seq: FispSequence,
  axes: { T1: GeometricRange; T2: GeometricRange },
  subspace: Pick<MrfSubspace, 'rank' | 'nTR' | 'phi'>,
  opts: MrfDictionaryOptions = {},
): Promise<SubspaceFingerprintTable> {
  const logT1 = logAxis(axes.T1, 'T1');
  const logT2 = logAxis(axes.T2, 'T2');
  if (subspace.nTR !== seq.FA_deg.length) throw new Error(`subspace: nTR ${subspace.nTR} differs from the sequence's ${seq.FA_deg.length} TRs`);
  const nAtoms = logT1.count * logT2.count;
  const T1 = new Float64Array(nAtoms);
  const T2 = new Float64Array(nAtoms);
  for (let i = 0; i < logT1.count; i++) {
    for (let j = 0; j < logT2.count; j++) {
      T1[i * logT2.count + j] = Math.exp(logT1.start + i * logT1.step);
      T2[i * logT2.count + j] = Math.exp(logT2.start + j * logT2.step);
    }
  }
  const dict = await buildMrfDictionary({ nAtoms, T1, T2 }, seq, opts);
  // compressDictionary's projection Φ·d̂ (complex interleaved, imaginary parts 0 for FISP): keep the real parts.
  const { coefficients, rank } = compressDictionary(dict, subspace);
  const values = new Float32Array(nAtoms * rank);
  for (let k = 0; k < values.length; k++) values[k] = coefficients[2 * k]!;
  return { rank, logT1, logT2, values };
}

/**
 * The forward model the MRF network and its refinement fit (train-mrf, refine-mrf): the k-space data
 * term of the 1-interleaf acquisition through the subspace NUFFT, and the EPG fingerprint table of
 * the dictionary's T1/T2 ranges that the parameter output interpolates.
 */
import { join } from 'node:path';
import type { FingerprintTable } from '@relaxomap/network';
import { PipelineError, type StageContext, type StageInput } from '@relaxomap/pipeline';
import { fingerprintTable, type CompressedMrfDictionary } from '@relaxomap/physics';
import { singleInterleafDcf, subspaceNufftOperator, variableDensitySpiral, type LinearOperator, type SpiralOptions } from '@relaxomap/recon';
import { readJsonFile, readNpyChecked, readSequence } from './mrf-files.js';

/**
 * k-space data consistency of coefficient maps c: value = Σ w·|A(c) − y|² / scale, gradient
 * 2·Aᴴ(w ⊙ (A(c) − y)) / scale (A: the subspace NUFFT c → (TR, sample), i.e. the NUFFT of c·Φ
 * frame by frame; w: density compensation per (TR, sample)). The default scale Σ w·|y|² makes the
 * value relative to the data; σ²·Σ w makes it ρ, relative to the noise (≈ 1 at the truth with
 * w = 1). Pure given the operator.
 */
export function kspaceLoss(op: LinearOperator, y: Float32Array, w: Float32Array, scale?: number): (c: Float32Array) => { value: number; grad: Float32Array } {
  if (y.length !== 2 * w.length) throw new Error(`kspace: length ${y.length} is not 2·weights (${w.length})`);
  let norm = scale ?? 0;
  if (scale === undefined) for (let j = 0; j < w.length; j++) norm += w[j]! * (y[2 * j]! ** 2 + y[2 * j + 1]! ** 2);
  if (!(norm > 0)) throw new Error(scale === undefined ? 'kspace: the weighted data are zero' : `kspace: scale must be > 0, got ${scale}`);
  return (c) => {
    const r = op.apply(c);
    let value = 0;
    for (let j = 0; j < w.length; j++) {
      const re = r[2 * j]! - y[2 * j]!;
      const im = r[2 * j + 1]! - y[2 * j + 1]!;
      value += w[j]! * (re * re + im * im);
      r[2 * j] = (2 * w[j]! * re) / norm;
      r[2 * j + 1] = (2 * w[j]! * im) / norm;
    }
    return { value: value / norm, grad: op.adjoint(r) };
  };
}

/**
 * Mean squared k-space residual per real value, Σ w·|A(c) − y|² / (2·Σ w): with w = 1, the
 * quantity whose expectation at the true c is σ²/2 per real value (E|n|² = σ² per complex sample).
 */
export function kspaceResidual(op: LinearOperator, y: Float32Array, w: Float32Array): (c: Float32Array) => number {
  if (y.length !== 2 * w.length) throw new Error(`kspace: length ${y.length} is not 2·weights (${w.length})`);
  let sumW = 0;
  for (let j = 0; j < w.length; j++) sumW += w[j]!;
  return (c) => {
    const r = op.apply(c);
    let value = 0;
    for (let j = 0; j < w.length; j++) value += w[j]! * ((r[2 * j]! - y[2 * j]!) ** 2 + (r[2 * j + 1]! - y[2 * j + 1]!) ** 2);
    return value / (2 * sumW);
  };
}

/**
 * The k-space data term of a simulate-mrf acquisition (1 interleaf per TR): the loss, the residual
 * the stopping rule judges, ρ (the residual relative to the noise, with its gradient), the number
 * of complex samples and the noise σ² the acquisition recorded. Weights w = 1 ('none') make
 * the loss the Gaussian log-likelihood of white k-space noise; 'dcf' weights each sample by its
 * density compensation (the gridding reconstruction's weighting, which amplifies noise at the edge
 * of k-space).
 */
export async function kspaceData(simInput: StageInput, phi: Float32Array, rank: number, size: number, weighting: 'none' | 'dcf') {
  const acqFile = join(simInput.displayDir, 'acquisition.json');
  const acq = readJsonFile(simInput, 'acquisition.json') as { spiral: SpiralOptions; interleaf_of_TR: { single: number[] }; noise?: { kspace_sample_variance?: unknown } };
  const variance = acq.noise?.kspace_sample_variance;
  if (typeof variance !== 'number' || !(variance > 0)) {
    throw new PipelineError(`must be a positive number, the noise E|n|² per k-space sample (got ${JSON.stringify(variance)})`, { file: acqFile, field: 'noise.kspace_sample_variance' });
  }
  const ks = await readNpyChecked(simInput, 'kspace_single.npy', 2, '(TR, sample)');
  const traj = variableDensitySpiral(acq.spiral);
  const interleafOf = acq.interleaf_of_TR.single;
  const op = subspaceNufftOperator(traj, interleafOf, { values: phi, rank, complex: false }, { imageShape: [size, size] });
  const M = traj.samplesPerInterleaf;
  const w = new Float32Array(interleafOf.length * M).fill(1);
  if (weighting === 'dcf') {
    const dcf = singleInterleafDcf(traj, [size, size]);
    interleafOf.forEach((il, t) => w.set(dcf.subarray(il * M, (il + 1) * M), t * M));
  }
  const y = ks.data as Float32Array;
  const sumW = w.reduce((a, b) => a + b, 0);
  return {
    loss: kspaceLoss(op, y, w),
    residual: kspaceResidual(op, y, w),
    rho: kspaceLoss(op, y, w, variance * sumW),
    samples: w.length,
    variance,
    file: acqFile,
  };
}

/**
 * Unit-norm EPG fingerprints on a log grid over the dictionary's T1 and T2 ranges (its grid.npy) in
 * steps of `ratio`, with its sequence.json, projected onto Φ (T2 ≥ T1 included: the table has no holes).
 */
export async function dictionaryFingerprintTable(
  ctx: Pick<StageContext<unknown>, 'log'>, dictInput: StageInput, dict: CompressedMrfDictionary,
  phi: { rank: number; nTR: number; phi: Float64Array }, ratio: number,
): Promise<FingerprintTable> {
  const { seq, B1 } = readSequence(dictInput);
  const range = (v: Float64Array) => ({ min: v.reduce((a, b) => Math.min(a, b)), max: v.reduce((a, b) => Math.max(a, b)), ratio });
  const started = performance.now();
  const table = await fingerprintTable(seq, { T1: range(dict.T1), T2: range(dict.T2) }, phi, { B1 });
  ctx.log(`fingerprint table ${table.logT1.count} T1 × ${table.logT2.count} T2 in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return table;
}

/** RMS over voxels of the coefficient-vector norm ‖c_v‖, c (rank, voxel) complex: a voxel's typical projected-series magnitude. */
export function rmsNorm(c: Float32Array, voxels: number): number {
  let sum = 0;
  for (let j = 0; j < c.length; j++) sum += c[j]! ** 2;
  return Math.sqrt(sum / voxels);
}

/**
 * The simulated MRF acquisition: each TR t acquires one spiral interleaf per repeat r, interleaf
 * (t + offset_r) mod N (Jiang et al. 2015; Gao et al.: 1 interleaf per TR, 6 repeats for the reference),
 * of the time-frame image x_t = PD·s_t(T1, T2) (real: the FISP signal has a constant phase), plus
 * complex Gaussian noise. Composition of @relaxomap/recon operators; no file access here.
 */
import { analyticSpiralDcf, imageToGrid, interleafSchedule, interpolateFromGrid, type NufftPlan, type SpiralTrajectory } from '@relaxomap/recon';
import { createRng } from '@relaxomap/physics';

/** Interleaf offsets of `repeats` repeats spread evenly over N interleaves: floor(r·N/repeats), r = 0 … repeats − 1. */
export function repeatOffsets(repeats: number, nInterleaves: number): number[] {
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > nInterleaves) {
    throw new Error(`repeats must be an integer in [1, ${nInterleaves}] (got ${repeats})`);
  }
  return Array.from({ length: repeats }, (_, r) => Math.floor((r * nInterleaves) / repeats));
}

/** Interleaf of each TR for each repeat, (repeat, TR): interleafSchedule(nTR, offset_r, N). */
export function repeatSchedules(nTR: number, offsets: readonly number[], nInterleaves: number): Int32Array[] {
  return offsets.map((o) => interleafSchedule(nTR, o, nInterleaves));
}

/**
 * Noise-free spiral k-space of a real time series: y[r, t] = A_{i_{r,t}} x_t (unnormalised NUFFT).
 * One FFT per TR (the image is gridded once), then interpolation onto each repeat's interleaf.
 *
 * @param series (TR, y, x) real Float32Array — the time-frame images
 * @param plan NUFFT planned over ALL interleaves of `traj` (traj.coords) for the image shape
 * @param schedules (repeat, TR) interleaf indices
 * @returns (repeat, TR, sample) complex interleaved Float32Array
 */
export function spiralKspace(
  series: Float32Array, nTR: number, plan: NufftPlan, traj: SpiralTrajectory, schedules: readonly Int32Array[],
): Float32Array {
  const [ny, nx] = plan.imageShape;
  const nPix = ny * nx;
  if (series.length !== nTR * nPix) throw new Error(`series length ${series.length} must be nTR·ny·nx = ${nTR}·${ny}·${nx}`);
  if (plan.nSamples !== traj.nInterleaves * traj.samplesPerInterleaf) throw new Error('plan must cover every interleaf of the trajectory');
  const M = traj.samplesPerInterleaf;
  const R = schedules.length;
  const out = new Float32Array(2 * R * nTR * M);
  const image = new Float32Array(2 * nPix);
  for (let t = 0; t < nTR; t++) {
    let any = false;
    for (let v = 0; v < nPix; v++) {
      const x = series[t * nPix + v]!;
      image[2 * v] = x;
      if (x !== 0) any = true;
    }
    if (!any) continue;
    const grid = imageToGrid(plan, image);
    for (let r = 0; r < R; r++) {
      const il = schedules[r]![t]!;
      interpolateFromGrid(plan, grid, out, il * M, M, (r * nTR + t) * M);
    }
  }
  return out;
}

/**
 * Per-sample complex noise variance σ_k² that gives image noise variance `imageVariance` (E|n|² per pixel)
 * in the fully sampled density-compensated reconstruction x = Σ_j w_j n_j e^{…}: σ_k² = imageVariance / Σ_j w_j²,
 * w = analyticSpiralDcf (the same for every interleaf, (cycles/pixel)²: A^H W A ≈ identity).
 */
export function kspaceNoiseVariance(imageVariance: number, traj: SpiralTrajectory): number {
  const w = analyticSpiralDcf(traj);
  let sumSq = 0;
  for (const v of w) sumSq += v * v;
  return imageVariance / (sumSq * traj.nInterleaves);
}

/** Adds complex Gaussian noise, E|n|² = variance (variance/2 per real and imaginary part), in place; seeded. */
export function addComplexNoise(data: Float32Array, variance: number, seed: number): Float32Array {
  if (!(variance >= 0) || !Number.isFinite(variance)) throw new Error(`variance must be a finite number >= 0 (got ${variance})`);
  if (variance === 0) return data;
  const rng = createRng(seed);
  const sigma = Math.sqrt(variance / 2);
  for (let i = 0; i < data.length; i++) data[i] = data[i]! + sigma * rng.normal();
  return data;
}

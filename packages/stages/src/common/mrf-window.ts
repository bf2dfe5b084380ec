/**
 * Sliding-window reconstruction of one or several repeats of an MRF acquisition, frame chunk by frame
 * chunk, and the projection of the frames onto the temporal subspace Φ.
 *
 * Several repeats (the paper's 6-repeat reference) are gridded together: the repeats' k-space is
 * reordered into ONE series of nTR·R shots, shot u = t·R + r, and @relaxomap/recon's slidingWindowRecon
 * reconstructs it with window W·R centred on shot c(t) = t·R + (W odd ? floor(R/2) : 0). That window
 * holds exactly the shots of TRs slidingWindowRange(t, nTR, W) of every repeat (both ranges are clamped
 * the same way, R times larger), so frame t grids all W·R interleaves of its window at once, with the
 * 'trajectory' weights (N/(W·R))·DCF_all — the same frame as averaging the repeats' own W-TR frames.
 */
import { slidingWindowRecon, type DcfOptions, type SpiralTrajectory } from '@relaxomap/recon';

/** What to reconstruct: k-space (repeat, TR, sample) complex with the interleaf of each (repeat, TR). */
export interface WindowInput {
  /** (repeat, TR, sample) complex interleaved; one repeat = (TR, sample). */
  kspace: Float32Array;
  /** (repeat) × (TR) interleaf indices. */
  schedules: readonly ArrayLike<number>[];
  nTR: number;
  traj: SpiralTrajectory;
}

export interface WindowOptions {
  window: number;
  dcfMode: 'trajectory' | 'window';
  dcf?: DcfOptions;
  /** DCF of all interleaves (interleaf, sample), reused across chunks. */
  trajectoryDcf: Float32Array;
  imageShape: [number, number];
}

/** Shot order (TR, repeat): shots[t·R + r] = kspace[r, t]; interleaf per shot likewise. */
export function interleaveRepeats(input: WindowInput): { kspace: Float32Array; interleafOfShot: Int32Array } {
  const { nTR, traj, schedules } = input;
  const R = schedules.length;
  const M = traj.samplesPerInterleaf;
  if (input.kspace.length !== 2 * R * nTR * M) throw new Error(`kspace length ${input.kspace.length} must be 2·repeats·nTR·samples = 2·${R}·${nTR}·${M}`);
  if (R === 1) return { kspace: input.kspace, interleafOfShot: Int32Array.from(schedules[0]!) };
  const kspace = new Float32Array(input.kspace.length);
  const interleafOfShot = new Int32Array(R * nTR);
  for (let t = 0; t < nTR; t++) {
    for (let r = 0; r < R; r++) {
      const u = t * R + r;
      kspace.set(input.kspace.subarray(2 * (r * nTR + t) * M, 2 * (r * nTR + t + 1) * M), 2 * u * M);
      interleafOfShot[u] = schedules[r]![t]!;
    }
  }
  return { kspace, interleafOfShot };
}

/** The shot whose centred window of W·R shots covers the W-TR window of TR t in every repeat (module TSDoc). */
export function centreShot(t: number, repeats: number, window: number): number {
  return t * repeats + (window % 2 === 1 ? Math.floor(repeats / 2) : 0);
}

/**
 * Sliding-window frames of TRs `frames` (all repeats gridded together), (frame, y, x) complex.
 *
 * @param shots the output of {@link interleaveRepeats}
 */
export function windowFrames(
  shots: { kspace: Float32Array; interleafOfShot: Int32Array }, repeats: number, traj: SpiralTrajectory,
  frames: readonly number[], opts: WindowOptions,
): Float32Array {
  if (!Number.isInteger(opts.window) || opts.window < 1) throw new Error(`window must be an integer >= 1 (got ${opts.window})`);
  return slidingWindowRecon(shots.kspace, shots.interleafOfShot, traj, {
    windowSize: opts.window * repeats,
    frames: frames.map((t) => centreShot(t, repeats, opts.window)),
    imageShape: opts.imageShape,
    dcf: opts.dcf,
    dcfMode: opts.dcfMode,
    trajectoryDcf: opts.trajectoryDcf,
  }).images;
}

/**
 * Accumulate the projection of frames onto Φ: c[k, v] += Σ_f Φ[k, t_f]·x_f[v] (complex x, real Φ),
 * float64 accumulator. Summed over all TRs this is c = Φ·x per voxel (projectTimeSeries, in (rank, voxel) order).
 *
 * @param coefficients (rank, voxel) complex interleaved, float64, accumulated into
 * @param phi (rank, TR) real
 * @param images (frame, voxel) complex interleaved
 * @param frameTRs the TR of each frame
 */
export function accumulateProjection(
  coefficients: Float64Array, phi: ArrayLike<number>, rank: number, nTR: number,
  images: Float32Array, frameTRs: readonly number[], nVoxels: number,
): void {
  if (coefficients.length !== 2 * rank * nVoxels) throw new Error(`coefficients length ${coefficients.length} must be 2·${rank}·${nVoxels}`);
  if (images.length !== 2 * frameTRs.length * nVoxels) throw new Error(`images length ${images.length} must be 2·${frameTRs.length}·${nVoxels}`);
  for (let k = 0; k < rank; k++) {
    const c = coefficients.subarray(2 * k * nVoxels, 2 * (k + 1) * nVoxels);
    frameTRs.forEach((t, f) => {
      const p = phi[k * nTR + t]!;
      if (p === 0) return;
      const base = 2 * f * nVoxels;
      for (let i = 0; i < 2 * nVoxels; i++) c[i] += p * images[base + i]!;
    });
  }
}

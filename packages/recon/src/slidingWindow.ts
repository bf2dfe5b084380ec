/**
 * Sliding-window reconstruction of MRF time series (Cao et al., MRM 78:1579, 2017): each TR acquires one
 * spiral interleaf; the image of TR t grids the samples of the W TRs around t together, so each frame
 * fills W interleaves' worth of k-space (W = 6 in Gao et al.'s reference reconstruction):
 *
 *   x_t = Σ_{s ∈ S(t)} A_{i_s}^H ( w_{s,t} ⊙ y_s ),   S(t) = {start, …, start + W − 1}
 *   start = clamp(t − floor(W/2), 0, nTR − W)                (window centred on t, kept inside the series)
 *
 * A_i is the NUFFT of interleaf i (all windows share one plan and one FFT per frame). Weights w:
 *  - 'trajectory' (default): w_{s,t} = (N/W)·DCF_all[i_s], the Pipe–Menon DCF of all N interleaves gridded
 *    together, restricted to interleaf i_s and scaled by N/W. Every frame then has the scale of the fully
 *    sampled reconstruction (PSF peak ≈ π/4 on average); an interleaf repeated in a window is averaged.
 *  - 'window': the Pipe–Menon DCF of the window's own interleaves, rescaled so Σw equals Σ DCF_all.
 *    Pipe–Menon sees local density only, so it down-weights the inner arms of a cluster of adjacent
 *    interleaves and up-weights its outer ones. One DCF per window pattern up to rotation (interleaf
 *    shift mod N; exact for the continuous problem, ~exact on the anisotropic grid).
 * With W ≥ N consecutive interleaves both give exactly the fully sampled reconstruction.
 */
import { spiralDcf, type DcfOptions } from './dcf.js';
import { gridToImage, planNufft, spreadToGrid, type NufftOptions, type NufftPlan } from './nufft.js';
import type { SpiralTrajectory } from './spiral.js';

/** Sliding-window options. */
export interface SlidingWindowOptions {
  /** Window size W in TRs (default 6); W > nTR uses all TRs. */
  windowSize?: number;
  /** TRs to reconstruct (default all, in order). */
  frames?: readonly number[];
  /** (ny, nx), default (imageSize, imageSize) of the trajectory. */
  imageShape?: [number, number];
  nufft?: NufftOptions;
  dcf?: DcfOptions;
  /** Density compensation per frame (module TSDoc), default 'trajectory'. */
  dcfMode?: 'trajectory' | 'window';
  /** DCF of all N interleaves, (interleaf, sample), e.g. spiralDcf(traj, [0 … N−1], imageShape): reuse it
   * across calls instead of recomputing (~0.7 s at 220² × 48 interleaves). */
  trajectoryDcf?: Float32Array;
}

/** Frames of a sliding-window reconstruction. */
export interface FrameSeries {
  /** (frame, y, x), interleaved complex */
  images: Float32Array;
  /** [nFrames, ny, nx] */
  shape: [number, number, number];
  /** the TR of each frame */
  frames: number[];
}

/** TR range [start, end) of the window of size W centred on TR t (see the module TSDoc). */
export function slidingWindowRange(t: number, nTR: number, windowSize: number): [number, number] {
  if (!Number.isInteger(windowSize) || windowSize < 1) throw new Error(`windowSize must be an integer ≥ 1 (got ${windowSize})`);
  if (!Number.isInteger(t) || t < 0 || t >= nTR) throw new Error(`t must be an integer in [0, ${nTR}) (got ${t})`);
  const W = Math.min(windowSize, nTR);
  const start = Math.min(Math.max(t - Math.floor(W / 2), 0), nTR - W);
  return [start, start + W];
}

/** Checks (TR, sample) data against the schedule and trajectory; returns nTR. */
export function validateSeries(kspace: Float32Array, interleafOfTR: ArrayLike<number>, traj: SpiralTrajectory): number {
  const nTR = interleafOfTR.length;
  const M = traj.samplesPerInterleaf;
  if (kspace.length !== 2 * nTR * M) {
    throw new Error(`kspace length ${kspace.length} must be 2·nTR·samples = 2·${nTR}·${M} (shape (TR, sample))`);
  }
  for (let t = 0; t < nTR; t++) {
    const il = interleafOfTR[t];
    if (!Number.isInteger(il) || il < 0 || il >= traj.nInterleaves) {
      throw new Error(`interleafOfTR[${t}] must be an integer in [0, ${traj.nInterleaves}) (got ${il})`);
    }
  }
  return nTR;
}

/**
 * Sliding-window reconstruction (module TSDoc).
 *
 * @param kspace (TR, sample) interleaved complex: TR t holds one interleaf's samples
 * @param interleafOfTR (TR): interleaf index of each TR, e.g. {@link interleafSchedule}
 * @param traj the spiral (all interleaves)
 * @returns frames (frame, y, x)
 * @throws Error if windowSize < 1, shapes disagree, or a frame index is out of range
 */
export function slidingWindowRecon(
  kspace: Float32Array, interleafOfTR: ArrayLike<number>, traj: SpiralTrajectory, options: SlidingWindowOptions = {},
): FrameSeries {
  const W = options.windowSize ?? 6;
  if (!Number.isInteger(W) || W < 1) throw new Error(`windowSize must be an integer ≥ 1 (got ${W})`);
  const nTR = validateSeries(kspace, interleafOfTR, traj);
  if (nTR === 0) throw new Error('interleafOfTR is empty: no TRs to reconstruct');
  const imageShape = options.imageShape ?? [traj.imageSize, traj.imageSize];
  const frames = options.frames !== undefined ? [...options.frames] : Array.from({ length: nTR }, (_, t) => t);
  const ranges = frames.map((t) => slidingWindowRange(t, nTR, W)); // validates every frame before any work
  const plan = planNufft(traj.coords, imageShape, options.nufft);
  const full = options.trajectoryDcf ?? spiralDcf(traj, Array.from({ length: traj.nInterleaves }, (_, i) => i), imageShape, options.nufft, options.dcf);
  if (full.length !== traj.nInterleaves * traj.samplesPerInterleaf) {
    throw new Error(`trajectoryDcf length ${full.length} must be ${traj.nInterleaves}·${traj.samplesPerInterleaf} (shape (interleaf, sample))`);
  }
  const mode = options.dcfMode ?? 'trajectory';
  if (mode !== 'trajectory' && mode !== 'window') throw new Error(`dcfMode must be 'trajectory' or 'window' (got ${String(mode)})`);
  const dcfFor = mode === 'window' ? windowDcfCache(traj, imageShape, options, full) : trajectoryWeights(traj, full);
  const [ny, nx] = plan.imageShape;
  const images = new Float32Array(frames.length * 2 * ny * nx);
  ranges.forEach(([start, end], f) => {
    const seq = Array.from({ length: end - start }, (_, n) => interleafOfTR[start + n]);
    images.set(windowAdjoint(plan, kspace, start, seq, dcfFor(seq), traj.samplesPerInterleaf), f * 2 * ny * nx);
  });
  return { images, shape: [frames.length, ny, nx], frames };
}

/** A^H(w ⊙ y) over TRs start … start + seq.length − 1, whose interleaves are `seq`. */
function windowAdjoint(
  plan: NufftPlan, kspace: Float32Array, start: number, seq: readonly number[], dcf: Float32Array, M: number,
): Float32Array {
  const grid = plan.work.gridA;
  grid.fill(0);
  seq.forEach((il, n) => spreadToGrid(plan, grid, kspace, il * M, M, (start + n) * M, dcf, n * M));
  return gridToImage(plan, grid);
}

/** 'trajectory' weights: row p = (N/W)·DCF_all[seq[p]], shape (position in seq, sample). */
function trajectoryWeights(traj: SpiralTrajectory, full: Float32Array): (seq: readonly number[]) => Float32Array {
  const N = traj.nInterleaves, M = traj.samplesPerInterleaf;
  return (seq) => {
    const out = new Float32Array(seq.length * M);
    const scale = N / seq.length;
    seq.forEach((il, p) => {
      for (let s = 0; s < M; s++) out[p * M + s] = full[il * M + s] * scale;
    });
    return out;
  };
}

/**
 * 'window' weights: DCF rows for an interleaf sequence, cached per rotation class. Canonical form: the
 * multiset of interleaves shifted by d (mod N) and sorted, with d chosen (among the sequence's own interleaves) to
 * make it lexicographically smallest, ties to the smallest d, so a window holding every interleaf maps to
 * itself (d = 0) and gets exactly the fully sampled DCF. Returns weights (position in seq, sample).
 */
function windowDcfCache(
  traj: SpiralTrajectory, imageShape: [number, number], options: SlidingWindowOptions, full: Float32Array,
): (seq: readonly number[]) => Float32Array {
  const N = traj.nInterleaves, M = traj.samplesPerInterleaf;
  let fullSum = 0;
  for (const v of full) fullSum += v;
  const cache = new Map<string, { rel: number[]; w: Float32Array }>();
  const less = (a: number[], b: number[]): boolean => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
    return false;
  };
  return (seq) => {
    let best: number[] | null = null, bestD = 0;
    for (const d of [...new Set(seq)].sort((a, b) => a - b)) {
      const rel = seq.map((il) => (((il - d) % N) + N) % N).sort((a, b) => a - b);
      if (best === null || less(rel, best)) { best = rel; bestD = d; }
    }
    const rel = best as number[];
    const key = rel.join(',');
    let entry = cache.get(key);
    if (entry === undefined) {
      const w = spiralDcf(traj, rel, imageShape, options.nufft, options.dcf);
      let sum = 0;
      for (const v of w) sum += v;
      for (let i = 0; i < w.length; i++) w[i] *= fullSum / sum;
      entry = { rel, w };
      cache.set(key, entry);
    }
    const out = new Float32Array(seq.length * M);
    seq.forEach((il, p) => {
      const n = entry.rel.indexOf((((il - bestD) % N) + N) % N);
      out.set(entry.w.subarray(n * M, (n + 1) * M), p * M);
    });
    return out;
  };
}

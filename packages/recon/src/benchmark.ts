/**
 * Speed of the planned NUFFT adjoint for one MRF frame (220 × 220, one or a few spiral interleaves)
 * against two naive baselines timed in the same process:
 *  - unplanned gridding: the same algorithm, but the Kaiser–Bessel kernel is evaluated (Bessel I0 series)
 *    for every sample and tap, and the FFT tables and grids are rebuilt on every call;
 *  - direct NUDFT adjoint (O(samples × pixels)), timed on a band of image rows and extrapolated.
 */
import { fftStrided, planFft } from './fft.js';
import { besselI0, kaiserBessel, kaiserBesselBeta, kaiserBesselFourier } from './kaiserBessel.js';
import { randomComplex } from './linop.js';
import { nufftAdjoint, planNufft, type NufftOptions } from './nufft.js';
import { nudftAdjoint } from './nudft.js';
import { variableDensitySpiral } from './spiral.js';

/** Benchmark settings. */
export interface NufftBenchmarkOptions extends NufftOptions {
  /** Image size N (N × N), default 220. */
  imageSize?: number;
  /** Interleaves of the spiral (default 48). */
  nInterleaves?: number;
  /** Interleaves gridded per frame: 1 (one TR) or e.g. 6 (a sliding window). Default 1. */
  interleavesPerFrame?: number;
  /** Time spent per timed method, ms (default 1000; at least 2 calls each). */
  minMs?: number;
  /** Image rows the direct NUDFT computes (default N: the whole image, one timed call); fewer rows are
   * extrapolated in proportion (slightly pessimistic: the x phasors are computed once per call). */
  directRows?: number;
}

/** One timed method. */
export interface TimedMethod {
  msPerFrame: number;
  framesPerSecond: number;
  /** calls timed (for the direct NUDFT: partial calls over `directRows` rows) */
  calls: number;
}

/** Result of {@link benchmarkNufftAdjoint}. */
export interface NufftBenchmark {
  imageSize: number;
  gridSize: number;
  samplesPerFrame: number;
  interleavesPerFrame: number;
  width: number;
  oversampling: number;
  /** one-off cost of planNufft for the frame's samples, ms */
  planMs: number;
  planned: TimedMethod;
  unplannedGridding: TimedMethod;
  /** one call over `directRows` rows, extrapolated to the full image when directRows < N */
  directNudft: TimedMethod;
  /** relative difference between planned and unplanned images (same algorithm: ~1e-7) */
  plannedVsUnplanned: number;
}

function time(fn: () => void, minMs: number): { ms: number; calls: number } {
  fn(); // warm-up (JIT)
  let calls = 0;
  const t0 = performance.now();
  let t = t0;
  while (calls < 2 || t - t0 < minMs) {
    fn();
    calls++;
    t = performance.now();
  }
  return { ms: (t - t0) / calls, calls };
}

/** One call (for the slow direct NUDFT, which is long enough to need no warm-up). */
function timeOnce(fn: () => void): { ms: number; calls: number } {
  const t0 = performance.now();
  fn();
  return { ms: performance.now() - t0, calls: 1 };
}

const timed = (ms: number, calls: number): TimedMethod => ({ msPerFrame: ms, framesPerSecond: 1000 / ms, calls });

/**
 * Gridding adjoint without a plan (baseline): per call, evaluates φ for every (sample, tap), builds the
 * FFT tables and allocates its grids. Same maths as {@link nufftAdjoint} (and the same result).
 * @param coords (sample, 2) as (kx, ky); samples (sample) interleaved complex; returns (y, x)
 */
export function unplannedGriddingAdjoint(
  coords: Float32Array, samples: Float32Array, imageShape: [number, number], options: NufftOptions = {},
): Float32Array {
  const [ny, nx] = imageShape;
  const alpha = options.oversampling ?? 2, W = options.width ?? 6;
  const even = (g: number): number => g + (g % 2);
  const gy = even(Math.ceil(alpha * ny - 1e-9)), gx = even(Math.ceil(alpha * nx - 1e-9));
  const beta = kaiserBesselBeta(W, alpha), i0b = besselI0(beta);
  const grid = new Float64Array(2 * gy * gx);
  for (let j = 0; j < coords.length / 2; j++) {
    const ux = coords[2 * j] * gx, uy = coords[2 * j + 1] * gy;
    const mx0 = Math.ceil(ux - W / 2), my0 = Math.ceil(uy - W / 2);
    for (let a = 0; a < W; a++) {
      const wy = kaiserBessel(uy - (my0 + a), W, beta, i0b);
      const row = (((my0 + a) % gy) + gy) % gy;
      for (let c = 0; c < W; c++) {
        const w = wy * kaiserBessel(ux - (mx0 + c), W, beta, i0b);
        const g = 2 * (row * gx + ((((mx0 + c) % gx) + gx) % gx));
        grid[g] += samples[2 * j] * w;
        grid[g + 1] += samples[2 * j + 1] * w;
      }
    }
  }
  const fy = planFft(gy), fx = planFft(gx);
  const tmp = new Float64Array(2 * gy * gx), line = new Float64Array(2 * gy);
  for (let r = 0; r < gy; r++) fftStrided(fx, true, grid, r * gx, 1, tmp, r * gx);
  const out = new Float32Array(2 * ny * nx);
  const cy = Math.floor(ny / 2), cx = Math.floor(nx / 2);
  for (let x = 0; x < nx; x++) {
    fftStrided(fy, true, tmp, (((x - cx) % gx) + gx) % gx, gx, line, 0);
    const dx = 1 / kaiserBesselFourier((x - cx) / gx, W, beta, i0b);
    for (let y = 0; y < ny; y++) {
      const row = (((y - cy) % gy) + gy) % gy;
      const d = dx / kaiserBesselFourier((y - cy) / gy, W, beta, i0b);
      out[2 * (y * nx + x)] = line[2 * row] * d;
      out[2 * (y * nx + x) + 1] = line[2 * row + 1] * d;
    }
  }
  return out;
}

/**
 * Frames/s of the planned NUFFT adjoint of one frame (a spiral interleaf, or several) at N × N, beside
 * unplanned gridding and the direct NUDFT adjoint, all in this process (single thread).
 */
export function benchmarkNufftAdjoint(options: NufftBenchmarkOptions = {}): NufftBenchmark {
  const N = options.imageSize ?? 220, Nil = options.nInterleaves ?? 48;
  const perFrame = options.interleavesPerFrame ?? 1;
  const minMs = options.minMs ?? 1000, directRows = Math.min(options.directRows ?? N, N);
  if (!Number.isInteger(perFrame) || perFrame < 1 || perFrame > Nil) {
    throw new Error(`interleavesPerFrame must be an integer in [1, ${Nil}] (got ${perFrame})`);
  }
  const traj = variableDensitySpiral({ imageSize: N, nInterleaves: Nil });
  const M = traj.samplesPerInterleaf;
  const coords = traj.coords.slice(0, 2 * perFrame * M); // interleaves 0 … perFrame−1 (a window)
  const samples = randomComplex(perFrame * M, 11);
  const nufftOpts: NufftOptions = { width: options.width, oversampling: options.oversampling };
  const shape: [number, number] = [N, N];
  const t0 = performance.now();
  const plan = planNufft(coords, shape, nufftOpts);
  const planMs = performance.now() - t0;
  let a: Float32Array = new Float32Array(0), b: Float32Array = new Float32Array(0);
  const p = time(() => { a = nufftAdjoint(plan, samples); }, minMs);
  const u = time(() => { b = unplannedGriddingAdjoint(coords, samples, shape, nufftOpts); }, minMs);
  const d = timeOnce(() => { nudftAdjoint(coords, samples, shape, undefined, [0, directRows]); });
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i] - b[i]) ** 2; den += a[i] ** 2; }
  const directMs = (d.ms * N) / directRows;
  return {
    imageSize: N, gridSize: plan.gridShape[0], samplesPerFrame: perFrame * M, interleavesPerFrame: perFrame,
    width: plan.width, oversampling: plan.oversampling, planMs,
    planned: timed(p.ms, p.calls), unplannedGridding: timed(u.ms, u.calls), directNudft: timed(directMs, d.calls),
    plannedVsUnplanned: Math.sqrt(num / den),
  };
}

/**
 * 2-D non-uniform FFT with Kaiser–Bessel gridding (Jackson et al. 1991; Beatty et al. 2005; Fessler &
 * Sutton 2003), planned per trajectory.
 *
 * Forward (image → samples), image x of shape (y, x), centred coordinates r = index − floor(N/2):
 *
 *   s_j = Σ_{ry, rx} x[ry, rx] · exp(−2πi·(ky_j·ry + kx_j·rx))          k in cycles/pixel, [−0.5, 0.5)
 *
 * Adjoint (samples → image):  x[ry, rx] = Σ_j s_j · exp(+2πi·(ky_j·ry + kx_j·rx)).
 * No normalisation: the forward equals the direct non-uniform DFT ({@link nudftForward}) up to the
 * gridding error; the adjoint is its exact (to float round-off) adjoint.
 *
 * Steps (forward): divide by the kernel's Fourier transform (deapodization / roll-off correction), zero
 * pad to the oversampled grid G = ceil(α·N) (rounded up to even), FFT, interpolate with the separable
 * KB kernel φ(G·k − m) over the W nearest grid points. The adjoint runs the transposed steps.
 * The plan precomputes, per sample, the W wrapped grid indices and kernel weights along each axis, so
 * gridding does no kernel evaluation and no allocation per sample.
 */
import { fftStrided, planFft, type FftPlan } from './fft.js';
import { besselI0, kaiserBessel, kaiserBesselBeta, kaiserBesselFourier } from './kaiserBessel.js';
import type { LinearOperator } from './linop.js';

/** NUFFT settings. */
export interface NufftOptions {
  /** Grid oversampling α (default 2). The grid is ceil(α·N) rounded up to even, per axis. */
  oversampling?: number;
  /** Kernel width W in oversampled-grid cells (default 6: ~1e-5 relative error at α = 2; 4 gives ~1e-3). */
  width?: number;
}

/** A NUFFT planned for one set of k-space positions and one image shape. */
export interface NufftPlan {
  /** (y, x) */
  readonly imageShape: [number, number];
  /** (gy, gx) oversampled grid */
  readonly gridShape: [number, number];
  readonly nSamples: number;
  readonly width: number;
  readonly beta: number;
  readonly oversampling: number;
  /** (sample, W): wrapped grid column (x) index / kernel weight of each tap */
  readonly ix: Int32Array;
  readonly wx: Float64Array;
  /** (sample, W): wrapped grid row (y) index, premultiplied by gx (the row offset), and weight */
  readonly iyRow: Int32Array;
  readonly wy: Float64Array;
  /** 1/φ̂ along y (ny) and along x (nx): deapodization factors, separable */
  readonly deapY: Float64Array;
  readonly deapX: Float64Array;
  readonly fftY: FftPlan;
  readonly fftX: FftPlan;
  /** scratch: two (gy, gx) complex float64 grids, reused by every call on this plan */
  readonly work: { gridA: Float64Array; gridB: Float64Array; line: Float64Array };
}

function gridSize(n: number, alpha: number): number {
  const g = Math.ceil(alpha * n - 1e-9);
  return g + (g % 2);
}

/**
 * Plan a NUFFT for the k-space positions `coords`, shape (sample, 2) as (kx, ky) pairs in cycles/pixel
 * (kx pairs with the image's last axis x, ky with y). Positions outside [−0.5, 0.5) wrap periodically.
 *
 * @param imageShape (ny, nx)
 * @throws Error on an odd coords length, non-finite coordinates, bad shape or options
 */
export function planNufft(coords: Float32Array | Float64Array, imageShape: [number, number], options: NufftOptions = {}): NufftPlan {
  const [ny, nx] = imageShape;
  if (!Number.isInteger(ny) || !Number.isInteger(nx) || ny < 1 || nx < 1) {
    throw new Error(`imageShape must be two positive integers (got [${imageShape.join(', ')}])`);
  }
  if (coords.length % 2 !== 0) throw new Error(`coords length ${coords.length} must be even: (sample, 2) pairs`);
  const alpha = options.oversampling ?? 2;
  const W = options.width ?? 6;
  if (!Number.isInteger(W) || W < 2) throw new Error(`width must be an integer ≥ 2 (got ${W})`);
  if (!(alpha > 1)) throw new Error(`oversampling must be > 1 (got ${alpha})`);
  const gy = gridSize(ny, alpha), gx = gridSize(nx, alpha);
  if (W > Math.min(gx, gy)) throw new Error(`width ${W} exceeds the grid size ${Math.min(gx, gy)}`);
  // β from the nominal α (the grid may be a cell larger than α·N, which only lowers the error).
  const beta = kaiserBesselBeta(W, alpha);
  const i0b = besselI0(beta);
  const M = coords.length / 2;
  const ix = new Int32Array(M * W), iyRow = new Int32Array(M * W);
  const wx = new Float64Array(M * W), wy = new Float64Array(M * W);
  const taps = (u: number, g: number, idx: Int32Array, w: Float64Array, base: number, mul: number): void => {
    const m0 = Math.ceil(u - W / 2);
    for (let a = 0; a < W; a++) {
      const m = m0 + a;
      idx[base + a] = (((m % g) + g) % g) * mul;
      w[base + a] = kaiserBessel(u - m, W, beta, i0b);
    }
  };
  for (let j = 0; j < M; j++) {
    const kx = coords[2 * j], ky = coords[2 * j + 1];
    if (!Number.isFinite(kx) || !Number.isFinite(ky)) throw new Error(`coords: sample ${j} is not finite`);
    taps(kx * gx, gx, ix, wx, j * W, 1);
    taps(ky * gy, gy, iyRow, wy, j * W, gx);
  }
  const deap = (n: number, g: number): Float64Array => {
    const d = new Float64Array(n);
    const c = Math.floor(n / 2);
    for (let i = 0; i < n; i++) d[i] = 1 / kaiserBesselFourier((i - c) / g, W, beta, i0b);
    return d;
  };
  const fftY = planFft(gy);
  const fftX = gx === gy ? fftY : planFft(gx);
  return {
    imageShape: [ny, nx], gridShape: [gy, gx], nSamples: M, width: W, beta, oversampling: alpha,
    ix, wx, iyRow, wy, deapY: deap(ny, gy), deapX: deap(nx, gx), fftY, fftX,
    work: { gridA: new Float64Array(2 * gy * gx), gridB: new Float64Array(2 * gy * gx), line: new Float64Array(2 * Math.max(gx, gy)) },
  };
}

/**
 * Spread (grid) samples onto an oversampled k-space grid, accumulating: grid[m] += Σ_j w_j·s_j·φ(G·k_j − m).
 * This is the transpose of {@link interpolateFromGrid}. The one function here that writes into an argument.
 *
 * @param grid (gy, gx) complex float64, accumulated into
 * @param samples interleaved complex; sample j of the plan is read at complex index `dataOffset + j − sampleStart`
 * @param sampleStart, sampleCount the plan's sample range to spread (e.g. one interleaf)
 * @param weights optional real weights (e.g. density compensation), read at `weightOffset + j − sampleStart`
 */
export function spreadToGrid(
  plan: NufftPlan, grid: Float64Array, samples: Float32Array | Float64Array, sampleStart = 0,
  sampleCount = plan.nSamples, dataOffset = 0, weights?: Float32Array | Float64Array, weightOffset = 0,
): void {
  const W = plan.width;
  const { ix, wx, iyRow, wy } = plan;
  if (sampleStart < 0 || sampleStart + sampleCount > plan.nSamples) {
    throw new Error(`sample range [${sampleStart}, ${sampleStart + sampleCount}) outside the plan's ${plan.nSamples} samples`);
  }
  for (let n = 0; n < sampleCount; n++) {
    const j = sampleStart + n;
    let sr = samples[2 * (dataOffset + n)], si = samples[2 * (dataOffset + n) + 1];
    if (weights !== undefined) {
      const w = weights[weightOffset + n];
      sr *= w; si *= w;
    }
    if (sr === 0 && si === 0) continue;
    const b = j * W;
    for (let a = 0; a < W; a++) {
      const w1 = wy[b + a];
      const ar = sr * w1, ai = si * w1;
      const row = iyRow[b + a];
      for (let c = 0; c < W; c++) {
        const w2 = wx[b + c];
        const g = 2 * (row + ix[b + c]);
        grid[g] += ar * w2;
        grid[g + 1] += ai * w2;
      }
    }
  }
}

/**
 * Interpolate samples from an oversampled grid: out_j = Σ_m grid[m]·φ(G·k_j − m), for the plan's samples
 * [sampleStart, sampleStart + sampleCount), written to `out` from complex index `outOffset`.
 */
export function interpolateFromGrid(
  plan: NufftPlan, grid: Float64Array, out: Float32Array | Float64Array, sampleStart = 0,
  sampleCount = plan.nSamples, outOffset = 0,
): void {
  const W = plan.width;
  const { ix, wx, iyRow, wy } = plan;
  for (let n = 0; n < sampleCount; n++) {
    const b = (sampleStart + n) * W;
    let accR = 0, accI = 0;
    for (let a = 0; a < W; a++) {
      const row = iyRow[b + a];
      let rr = 0, ri = 0;
      for (let c = 0; c < W; c++) {
        const w2 = wx[b + c];
        const g = 2 * (row + ix[b + c]);
        rr += grid[g] * w2;
        ri += grid[g + 1] * w2;
      }
      const w1 = wy[b + a];
      accR += rr * w1;
      accI += ri * w1;
    }
    out[2 * (outOffset + n)] = accR;
    out[2 * (outOffset + n) + 1] = accI;
  }
}

/**
 * Oversampled k-space grid → image: inverse FFT (unnormalised, exp(+2πi)), crop to (ny, nx) centred,
 * multiply by the deapodization 1/φ̂. Reads `grid`, uses the plan's scratch; returns a new (y, x) image.
 */
export function gridToImage(plan: NufftPlan, grid: Float64Array): Float32Array {
  const [ny, nx] = plan.imageShape, [gy, gx] = plan.gridShape;
  const { line } = plan.work;
  // out-of-place FFTs: never write into the grid being read (e.g. imageToGrid's result)
  const gridB = grid === plan.work.gridB ? plan.work.gridA : plan.work.gridB;
  // Rows first over all gy rows (contiguous), then only the nx columns the crop keeps (strided).
  for (let r = 0; r < gy; r++) fftStrided(plan.fftX, true, grid, r * gx, 1, gridB, r * gx);
  const out = new Float32Array(2 * ny * nx);
  const cy = Math.floor(ny / 2), cx = Math.floor(nx / 2);
  for (let x = 0; x < nx; x++) {
    const col = (((x - cx) % gx) + gx) % gx;
    fftStrided(plan.fftY, true, gridB, col, gx, line, 0);
    const dx = plan.deapX[x];
    for (let y = 0; y < ny; y++) {
      const row = (((y - cy) % gy) + gy) % gy;
      const d = dx * plan.deapY[y];
      out[2 * (y * nx + x)] = line[2 * row] * d;
      out[2 * (y * nx + x) + 1] = line[2 * row + 1] * d;
    }
  }
  return out;
}

/**
 * Image → oversampled k-space grid: deapodize, zero-pad centred, forward FFT (exp(−2πi)).
 * Returns the plan's scratch grid (valid until the next call on this plan).
 */
export function imageToGrid(plan: NufftPlan, image: Float32Array | Float64Array): Float64Array {
  const [ny, nx] = plan.imageShape, [gy, gx] = plan.gridShape;
  if (image.length !== 2 * ny * nx) throw new Error(`image length ${image.length} must be 2·${ny}·${nx}`);
  const { gridA, gridB, line } = plan.work;
  gridA.fill(0);
  const cy = Math.floor(ny / 2), cx = Math.floor(nx / 2);
  // Columns first, only the nx non-zero ones (strided), then all gy rows (contiguous).
  for (let x = 0; x < nx; x++) {
    const col = (((x - cx) % gx) + gx) % gx;
    line.fill(0, 0, 2 * gy);
    const dx = plan.deapX[x];
    for (let y = 0; y < ny; y++) {
      const row = (((y - cy) % gy) + gy) % gy;
      const d = dx * plan.deapY[y];
      line[2 * row] = image[2 * (y * nx + x)] * d;
      line[2 * row + 1] = image[2 * (y * nx + x) + 1] * d;
    }
    fftStrided(plan.fftY, false, line, 0, 1, gridB, 0);
    for (let r = 0; r < gy; r++) {
      gridA[2 * (r * gx + col)] = gridB[2 * r];
      gridA[2 * (r * gx + col) + 1] = gridB[2 * r + 1];
    }
  }
  for (let r = 0; r < gy; r++) fftStrided(plan.fftX, false, gridA, r * gx, 1, gridB, r * gx);
  return gridB;
}

/** Forward NUFFT: image (y, x) → samples (sample), interleaved complex. See the module TSDoc. */
export function nufftForward(plan: NufftPlan, image: Float32Array | Float64Array): Float32Array {
  const grid = imageToGrid(plan, image);
  const out = new Float32Array(2 * plan.nSamples);
  interpolateFromGrid(plan, grid, out);
  return out;
}

/**
 * Adjoint NUFFT: samples (sample) → image (y, x); optional real weights (sample), e.g. the density
 * compensation, applied as A^H(w ⊙ s).
 */
export function nufftAdjoint(plan: NufftPlan, samples: Float32Array | Float64Array, weights?: Float32Array | Float64Array): Float32Array {
  if (samples.length !== 2 * plan.nSamples) throw new Error(`samples length ${samples.length} must be 2·${plan.nSamples}`);
  if (weights !== undefined && weights.length !== plan.nSamples) {
    throw new Error(`weights length ${weights.length} must equal the ${plan.nSamples} samples`);
  }
  const grid = plan.work.gridA;
  grid.fill(0);
  spreadToGrid(plan, grid, samples, 0, plan.nSamples, 0, weights, 0);
  return gridToImage(plan, grid);
}

/** The planned NUFFT as a {@link LinearOperator}: ishape [ny, nx], oshape [nSamples]. */
export function nufftOperator(plan: NufftPlan): LinearOperator {
  return {
    ishape: [...plan.imageShape],
    oshape: [plan.nSamples],
    apply: (x) => nufftForward(plan, x),
    adjoint: (y) => nufftAdjoint(plan, y),
  };
}

/**
 * Structural similarity (SSIM) of Wang, Bovik, Sheikh & Simoncelli, "Image quality assessment: from
 * error visibility to structural similarity", IEEE Trans. Image Process. 13(4):600–612, 2004.
 *
 * Plain-JS reference implementation (float64 accumulation), used to check the TensorFlow.js loss.
 */
import type { NumericArray } from './error.js';

/** Options of {@link ssim2d}. */
export interface SsimOptions {
  /**
   * Dynamic range L of the pixel values, used in C1 = (K1·L)², C2 = (K2·L)².
   * Default: max − min over both images together (1 if both images are one constant).
   */
  dataRange?: number;
  /** Side of the square Gaussian window in pixels (odd). Default 11. */
  window?: number;
  /** Standard deviation of the Gaussian window in pixels. Default 1.5. */
  sigma?: number;
  /** Default 0.01. */
  K1?: number;
  /** Default 0.03. */
  K2?: number;
}

/**
 * Normalised 1-D Gaussian of `size` taps (odd) and standard deviation `sigma`; the 2-D window is its
 * outer product with itself (separable, sums to 1).
 */
export function gaussianWindow1d(size: number, sigma: number): Float64Array {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) {
    throw new Error(`window: must be an odd positive integer, got ${size}`);
  }
  if (!(sigma > 0)) throw new Error(`sigma: must be > 0, got ${sigma}`);
  const g = new Float64Array(size);
  const c = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    g[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
    sum += g[i];
  }
  for (let i = 0; i < size; i++) g[i] /= sum;
  return g;
}

/** Separable "valid" correlation of a (height, width) image with g ⊗ g; output (height−n+1, width−n+1). */
function filterValid(img: Float64Array, width: number, height: number, g: Float64Array): Float64Array {
  const n = g.length;
  const ow = width - n + 1;
  const oh = height - n + 1;
  // Rows first: (height, ow), then columns: (oh, ow).
  const tmp = new Float64Array(height * ow);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += g[k] * img[row + x + k];
      tmp[y * ow + x] = s;
    }
  }
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += g[k] * tmp[(y + k) * ow + x];
      out[y * ow + x] = s;
    }
  }
  return out;
}

/**
 * Mean SSIM of two single-channel images over the "valid" region (window centres at least
 * (window−1)/2 pixels from every edge; no padding):
 *
 *   SSIM(x, y) = (2 μx μy + C1)(2 σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)),
 *
 * with μ, σ², σxy the Gaussian-weighted local means, variances and covariance (weights sum to 1, so
 * the "population" moments: σx² = Σ w x² − μx²), C1 = (K1 L)², C2 = (K2 L)², and the result is the
 * mean of that map. Symmetric in a and b.
 *
 * @param a - image, shape (height, width), C order
 * @param b - image, same shape
 * @param width - number of columns (x)
 * @param height - number of rows (y)
 * @param opts - see {@link SsimOptions}; defaults follow Wang et al. (11×11, σ 1.5, K1 0.01, K2 0.03)
 * @returns mean SSIM, ≤ 1 (1 iff a = b)
 */
export function ssim2d(a: NumericArray, b: NumericArray, width: number, height: number, opts: SsimOptions = {}): number {
  const window = opts.window ?? 11;
  const sigma = opts.sigma ?? 1.5;
  const K1 = opts.K1 ?? 0.01;
  const K2 = opts.K2 ?? 0.03;
  if (!Number.isInteger(width) || width < 1) throw new Error(`width: must be a positive integer, got ${width}`);
  if (!Number.isInteger(height) || height < 1) throw new Error(`height: must be a positive integer, got ${height}`);
  if (a.length !== width * height) throw new Error(`a: length ${a.length} is not width×height = ${width * height}`);
  if (b.length !== width * height) throw new Error(`b: length ${b.length} is not width×height = ${width * height}`);
  if (width < window || height < window) {
    throw new Error(`window: ${window} is larger than the image (${width}×${height})`);
  }
  const g = gaussianWindow1d(window, sigma);

  let L = opts.dataRange;
  if (L === undefined) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < a.length; i++) {
      lo = Math.min(lo, a[i], b[i]);
      hi = Math.max(hi, a[i], b[i]);
    }
    L = hi > lo ? hi - lo : 1;
  } else if (!(L > 0)) {
    throw new Error(`dataRange: must be > 0, got ${L}`);
  }
  const C1 = (K1 * L) ** 2;
  const C2 = (K2 * L) ** 2;

  const n = width * height;
  const x = Float64Array.from(a);
  const y = Float64Array.from(b);
  const xx = new Float64Array(n);
  const yy = new Float64Array(n);
  const xy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xx[i] = x[i] * x[i];
    yy[i] = y[i] * y[i];
    xy[i] = x[i] * y[i];
  }
  const mx = filterValid(x, width, height, g);
  const my = filterValid(y, width, height, g);
  const exx = filterValid(xx, width, height, g);
  const eyy = filterValid(yy, width, height, g);
  const exy = filterValid(xy, width, height, g);

  let total = 0;
  for (let i = 0; i < mx.length; i++) {
    const vx = exx[i] - mx[i] * mx[i];
    const vy = eyy[i] - my[i] * my[i];
    const cxy = exy[i] - mx[i] * my[i];
    const num = (2 * mx[i] * my[i] + C1) * (2 * cxy + C2);
    const den = (mx[i] * mx[i] + my[i] * my[i] + C1) * (vx + vy + C2);
    total += num / den;
  }
  return total / mx.length;
}

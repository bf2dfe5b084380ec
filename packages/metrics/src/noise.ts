/**
 * Noise level of a multi-echo scan estimated from the scan itself, from its background (air) region.
 *
 * Why the background: there the true signal is zero, so every sample is pure noise, whatever the
 * tissue model. Two kinds of data are recognised from the samples themselves:
 *  - real-valued data with zero-mean Gaussian noise (simulations, phase-corrected real images): the
 *    background holds negative values; σ = median(|x|) / Φ⁻¹(3/4) (the MAD estimator);
 *  - magnitude images (what scanners export): the background is Rayleigh distributed,
 *    median = σ·√(2 ln 2), so σ = median(x) / √(2 ln 2) (Henkelman 1985; Gudbjartsson & Patz 1995).
 * Medians rather than means, so that a few voxels of ghosting or partial volume do not inflate σ.
 */

/** Φ⁻¹(3/4): median of |N(0, 1)|. */
const MAD_TO_SIGMA = 0.6744897501960817;
/** √(2 ln 2): median of a Rayleigh distribution with σ = 1. */
const RAYLEIGH_MEDIAN = Math.sqrt(2 * Math.LN2);

export interface NoiseEstimate {
  ok: true;
  /** σ² of the Gaussian noise on each (real) channel, in data units². */
  variance: number;
  sigma: number;
  /** Noise model recognised from the background samples. */
  model: 'gaussian' | 'rayleigh';
  /** Background voxels used (per echo). */
  voxels: number;
  /** Background voxels / all voxels. */
  fraction: number;
  /** 1 = background voxel, (slice, y, x). */
  background: Uint8Array;
  /** 1 = object voxel (smoothed mean echo above the threshold), (slice, y, x): where signal models apply. */
  object: Uint8Array;
}

export interface NoNoiseEstimate {
  ok: false;
  /** One line saying why no estimate was made (shown to the user). */
  reason: string;
}

export interface NoiseEstimateOptions {
  /** A voxel is background if its smoothed mean echo is below this fraction of the 99th percentile. Default 0.1. */
  threshold?: number;
  /** Voxels kept between the background and anything brighter (partial volume, blurring). Default 2. */
  margin?: number;
  /** Fewest background voxels accepted, absolute and as a fraction of all voxels. Default 200 and 0.02. */
  minVoxels?: number;
  minFraction?: number;
}

/**
 * Estimate the noise σ of `echoes` ((echo, slice, y, x), C order) from its background: voxels whose
 * echo-averaged image, box-smoothed 5×5 (so the threshold does not clip the noise itself), is below
 * `threshold` × its 99th percentile, at least `margin` voxels away from brighter voxels, and connected
 * to the edge of the slice (dark tissue inside the object is not air). Returns `ok: false` with the
 * reason when there are too few such voxels or the background was zeroed by the scanner.
 */
export function estimateNoise(
  echoes: ArrayLike<number>,
  shape: { echoes: number; slices: number; height: number; width: number },
  opts: NoiseEstimateOptions = {},
): NoiseEstimate | NoNoiseEstimate {
  const { echoes: E, slices: S, height: H, width: W } = shape;
  const plane = H * W;
  const n = S * plane;
  if (echoes.length !== E * n) throw new Error(`echoes: length ${echoes.length} is not echoes·slices·height·width = ${E * n}`);
  const threshold = opts.threshold ?? 0.1;
  const margin = opts.margin ?? 2;
  const minVoxels = opts.minVoxels ?? 200;
  const minFraction = opts.minFraction ?? 0.02;

  const mean = new Float64Array(n);
  for (let e = 0; e < E; e++) for (let i = 0; i < n; i++) mean[i] += echoes[e * n + i]! / E;
  const smooth = new Float64Array(n);
  for (let s = 0; s < S; s++) boxFilter(mean.subarray(s * plane, (s + 1) * plane), smooth.subarray(s * plane, (s + 1) * plane), H, W, 2);
  const level = quantile(Float64Array.from(smooth), 0.99);
  if (!(level > 0)) return { ok: false, reason: 'the images are empty (99th percentile of the mean echo ≤ 0)' };

  const background = new Uint8Array(n);
  const object = new Uint8Array(n);
  for (let s = 0; s < S; s++) {
    const bright = object.subarray(s * plane, (s + 1) * plane);
    for (let i = 0; i < plane; i++) bright[i] = smooth[s * plane + i]! >= threshold * level ? 1 : 0;
    const near = dilate(bright, H, W, margin);
    const candidate = near.map((v) => 1 - v);
    background.set(connectedToEdge(candidate, H, W), s * plane);
  }
  let voxels = 0;
  for (let i = 0; i < n; i++) voxels += background[i]!;
  const fraction = voxels / n;
  if (voxels < minVoxels || fraction < minFraction) {
    return {
      ok: false,
      reason: `no background region to estimate the noise from: ${voxels} voxels (${(100 * fraction).toFixed(1)}%) are dark and connected to the image edge; need ≥ ${minVoxels} and ≥ ${100 * minFraction}%`,
    };
  }

  const samples = new Float64Array(voxels * E);
  let k = 0;
  let negatives = 0;
  let zeros = 0;
  for (let e = 0; e < E; e++) {
    for (let i = 0; i < n; i++) {
      if (!background[i]) continue;
      const v = echoes[e * n + i]!;
      samples[k++] = v;
      if (v < 0) negatives++;
      else if (v === 0) zeros++;
    }
  }
  if (zeros > samples.length / 2) {
    return { ok: false, reason: `the background is zeroed (${((100 * zeros) / samples.length).toFixed(0)}% exact zeros): the scanner masked it, no noise to measure` };
  }
  // Magnitude data has no negative values; real data with zero-mean noise has about half negative.
  const model = negatives > 0.01 * samples.length ? 'gaussian' : 'rayleigh';
  let sigma: number;
  if (model === 'gaussian') {
    for (let i = 0; i < samples.length; i++) samples[i] = Math.abs(samples[i]!);
    sigma = quantile(samples, 0.5) / MAD_TO_SIGMA;
  } else {
    sigma = quantile(samples, 0.5) / RAYLEIGH_MEDIAN;
  }
  if (!(sigma > 0)) return { ok: false, reason: 'the background median is 0: no noise to measure' };
  return { ok: true, variance: sigma * sigma, sigma, model, voxels, fraction, background, object };
}

/** Value at quantile q of `values` (sorts it in place; linear interpolation). */
function quantile(values: Float64Array, q: number): number {
  values.sort();
  const pos = q * (values.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, values.length - 1);
  return values[lo]! + (values[hi]! - values[lo]!) * (pos - lo);
}

/** Mean over the (2r+1)² box, clipped at the edges (mean of the voxels inside the image). */
function boxFilter(src: Float64Array, dst: Float64Array, H: number, W: number, r: number): void {
  const tmp = new Float64Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let sum = 0;
      let count = 0;
      for (let d = Math.max(0, x - r); d <= Math.min(W - 1, x + r); d++, count++) sum += src[y * W + d]!;
      tmp[y * W + x] = sum / count;
    }
  }
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let sum = 0;
      let count = 0;
      for (let d = Math.max(0, y - r); d <= Math.min(H - 1, y + r); d++, count++) sum += tmp[d * W + x]!;
      dst[y * W + x] = sum / count;
    }
  }
}

/** Chebyshev-distance dilation by r voxels. */
function dilate(mask: Uint8Array, H: number, W: number, r: number): Uint8Array {
  const out = new Uint8Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (!mask[y * W + x]) continue;
      for (let yy = Math.max(0, y - r); yy <= Math.min(H - 1, y + r); yy++) {
        for (let xx = Math.max(0, x - r); xx <= Math.min(W - 1, x + r); xx++) out[yy * W + xx] = 1;
      }
    }
  }
  return out;
}

/** The voxels of `mask` 4-connected (through mask voxels) to the edge of the image. */
function connectedToEdge(mask: Uint8Array, H: number, W: number): Uint8Array {
  const out = new Uint8Array(H * W);
  const stack: number[] = [];
  const push = (i: number): void => {
    if (mask[i] && !out[i]) {
      out[i] = 1;
      stack.push(i);
    }
  };
  for (let x = 0; x < W; x++) {
    push(x);
    push((H - 1) * W + x);
  }
  for (let y = 0; y < H; y++) {
    push(y * W);
    push(y * W + W - 1);
  }
  while (stack.length) {
    const i = stack.pop()!;
    const y = Math.floor(i / W);
    const x = i - y * W;
    if (x > 0) push(i - 1);
    if (x < W - 1) push(i + 1);
    if (y > 0) push(i - W);
    if (y < H - 1) push(i + W);
  }
  return out;
}

import type { Rng } from '@relaxomap/physics';

/** Normalised 1-D Gaussian kernel exp(−k²/2σ²), truncated at ±⌈4σ⌉ samples. */
export function gaussianKernel(sigmaVox: number): Float64Array {
  const radius = Math.max(1, Math.ceil(4 * sigmaVox));
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += k[i + radius] = Math.exp(-(i * i) / (2 * sigmaVox * sigmaVox));
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  return k;
}

/** Index into 0..n−1 with symmetric reflection at the edges (… c b a | a b c … ), any distance. */
function reflect(i: number, n: number): number {
  const period = 2 * n;
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - 1 - j;
  return j;
}

/**
 * Separable 2-D Gaussian filter of each slice of a (slice, y, x) stack, with reflecting edges so
 * that the smoothed field has the same statistics at the border as inside.
 */
export function gaussianFilter2D(data: Float32Array, shape: readonly [number, number, number], sigmaVox: number): Float32Array {
  const [ns, ny, nx] = shape;
  if (sigmaVox <= 0) return data.slice();
  const k = gaussianKernel(sigmaVox);
  const r = (k.length - 1) / 2;
  const tmp = new Float32Array(data.length);
  const out = new Float32Array(data.length);
  for (let s = 0; s < ns; s++) {
    const base = s * ny * nx;
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        let acc = 0;
        for (let t = -r; t <= r; t++) acc += k[t + r]! * data[base + y * nx + reflect(x + t, nx)]!;
        tmp[base + y * nx + x] = acc;
      }
    }
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        let acc = 0;
        for (let t = -r; t <= r; t++) acc += k[t + r]! * tmp[base + reflect(y + t, ny) * nx + x]!;
        out[base + y * nx + x] = acc;
      }
    }
  }
  return out;
}

/**
 * A smooth random field g over a (slice, y, x) stack: white Gaussian noise from `rng` (drawn for
 * every voxel, so g depends only on the seed and the shape), Gaussian-filtered in-plane with
 * standard deviation `sigmaVox` voxels (slices are independent: they are not adjacent), then
 * shifted and scaled to mean 0 and standard deviation 1 over the voxels where `mask` is non-zero.
 *
 * @returns Float32Array (slice, y, x); all zeros when the mask is empty
 */
export function smoothRandomField(shape: readonly [number, number, number], sigmaVox: number, rng: Rng, mask: Uint8Array): Float32Array {
  const n = shape[0] * shape[1] * shape[2];
  const white = new Float32Array(n);
  for (let i = 0; i < n; i++) white[i] = rng.normal();
  const g = gaussianFilter2D(white, shape, sigmaVox);
  let count = 0;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    if (mask[i]) {
      count++;
      sum += g[i]!;
      sumSq += g[i]! * g[i]!;
    }
  }
  if (count === 0) return new Float32Array(n);
  const mean = sum / count;
  const std = Math.sqrt(Math.max(sumSq / count - mean * mean, 0)) || 1;
  for (let i = 0; i < n; i++) g[i] = (g[i]! - mean) / std;
  return g;
}

/** Test fixtures shared by this package's tests (smooth phantoms, error measures). Not re-exported. */
import { createRng } from '@relaxomap/physics';

/**
 * Smooth complex phantom, shape (y, x), interleaved: a sum of Gaussian blobs (σ ≥ sigmaMin pixels) kept
 * inside the central 60% of the field of view, each with its own smooth linear phase. Its spectrum is
 * negligible beyond |k| ≈ 1/(2π·sigmaMin)·4, so a Nyquist-sampled spiral captures it.
 */
export function smoothPhantom(ny: number, nx: number, seed = 1, sigmaMin = 2.5): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(2 * ny * nx);
  for (let b = 0; b < 6; b++) {
    const cy = (rng.uniform() - 0.5) * 0.6 * ny, cx = (rng.uniform() - 0.5) * 0.6 * nx;
    const s = sigmaMin * (1 + rng.uniform());
    const amp = 0.5 + rng.uniform();
    const ph0 = 2 * Math.PI * rng.uniform(), gyPh = 0.05 * rng.normal(), gxPh = 0.05 * rng.normal();
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const dy = y - Math.floor(ny / 2) - cy, dx = x - Math.floor(nx / 2) - cx;
        const m = amp * Math.exp(-(dx * dx + dy * dy) / (2 * s * s));
        const ph = ph0 + gyPh * dy + gxPh * dx;
        out[2 * (y * nx + x)] += m * Math.cos(ph);
        out[2 * (y * nx + x) + 1] += m * Math.sin(ph);
      }
    }
  }
  return out;
}

/** ‖a − b‖ / ‖b‖ over interleaved arrays (float64 sums). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relativeError: lengths differ (${a.length} vs ${b.length})`);
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** Uniform random k-space positions in [−0.5, 0.5)², shape (sample, 2). */
export function randomCoords(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const c = new Float32Array(2 * n);
  for (let i = 0; i < c.length; i++) c[i] = rng.uniform() - 0.5;
  return c;
}

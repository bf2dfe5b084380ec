import { createRng } from '@relaxomap/physics';

/**
 * Adds real, zero-mean Gaussian noise: y_i = x_i + sqrt(variance)·n_i, n_i ~ N(0, 1) i.i.d.
 *
 * @param x clean signal, any shape (flat, e.g. echoes (echo, slice, y, x) in C order); not modified
 * @param variance noise VARIANCE σ² (not the standard deviation), in the squared units of x
 * @param seed integer seed of {@link createRng}
 * @returns a new Float32Array of the same length
 */
export function addGaussianNoise(x: Float32Array, variance: number, seed: number): Float32Array {
  if (!(Number.isFinite(variance) && variance >= 0)) throw new Error(`variance must be a finite number >= 0 (got ${variance})`);
  const rng = createRng(seed);
  const sigma = Math.sqrt(variance);
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i]! + sigma * rng.normal();
  return y;
}

/**
 * Magnitude of `x` plus complex Gaussian noise: y = |x + n_re + i·n_im|, n ~ N(0, variance) in each
 * channel — the Rician-distributed magnitude images scanners export (Gudbjartsson & Patz, MRM 1995).
 * Where x ≫ σ, y ≈ x + n_re; where x = 0 (background, late echoes of short T2) y is Rayleigh, with
 * mean σ·√(π/2): the noise floor that biases a mono-exponential fit.
 *
 * @param x noise-free real signal (any layout)
 * @param variance σ² of each of the real and imaginary channels (≥ 0)
 * @param seed integer seed of {@link createRng}
 * @returns a new Float32Array of the same length, all ≥ 0
 */
export function addRicianNoise(x: Float32Array, variance: number, seed: number): Float32Array {
  if (!(Number.isFinite(variance) && variance >= 0)) throw new Error(`variance must be a finite number >= 0 (got ${variance})`);
  const rng = createRng(seed);
  const sigma = Math.sqrt(variance);
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const re = x[i]! + sigma * rng.normal();
    const im = sigma * rng.normal();
    y[i] = Math.hypot(re, im);
  }
  return y;
}

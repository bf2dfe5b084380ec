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

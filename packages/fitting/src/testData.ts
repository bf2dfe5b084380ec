/** Deterministic test data shared by the fitting tests (not part of the public API). */
import { mulberry32, normalSampler, synthesizeEchoes } from '@relaxomap/physics';

/** Seeded uniform [0, 1) and standard-normal samplers (shared with the rest of the project). */
export const uniform = mulberry32;
export const normal = normalSampler;

/** Echoes (echo, voxel) of given maps plus Gaussian noise of standard deviation sigma. */
export function noisyEchoes(m0: Float32Array, t2: Float32Array, TE: readonly number[], sigma: number, seed: number): Float32Array {
  const echoes = synthesizeEchoes(m0, t2, TE);
  const g = normal(seed);
  if (sigma > 0) for (let i = 0; i < echoes.length; i++) echoes[i] += sigma * g();
  return echoes;
}

/** Σ_e (s_e − M0·exp(−TE_e/T2))² for voxel v of (echo, voxel) echoes (float64). */
export function residual(echoes: Float32Array, nVoxels: number, TE: readonly number[], v: number, M0: number, T2: number): number {
  let r = 0;
  for (let k = 0; k < TE.length; k++) {
    const d = echoes[k * nVoxels + v] - M0 * Math.exp(-TE[k] / T2);
    r += d * d;
  }
  return r;
}

/** Least-squares M0 for a fixed T2: Σ s e / Σ e² (float64). */
export function lsM0(echoes: Float32Array, nVoxels: number, TE: readonly number[], v: number, T2: number): number {
  let a = 0;
  let b = 0;
  for (let k = 0; k < TE.length; k++) {
    const e = Math.exp(-TE[k] / T2);
    a += echoes[k * nVoxels + v] * e;
    b += e * e;
  }
  return a / b;
}

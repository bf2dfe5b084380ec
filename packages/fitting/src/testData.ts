/** Deterministic test data shared by the fitting tests (not part of the public API). */
import { synthesizeEchoes } from '@relaxomap/physics';

/** mulberry32 uniform [0, 1). */
export function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box-Muller) from a seeded uniform generator. */
export function normal(seed: number): () => number {
  const u = uniform(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

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

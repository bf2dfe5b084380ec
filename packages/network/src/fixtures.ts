/** Helpers shared by this package's tests and scripts (not exported from index). */
import assert from 'node:assert/strict';
import { mulberry32 } from '@relaxomap/physics';

/** Deterministic uniform values in [lo, hi). */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const u = mulberry32(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * u());
}

/** Max |a − b| ≤ atol + rtol·max|b|, with a message naming `what`. */
export function assertAllClose(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  let maxRef = 0;
  let maxErr = 0;
  for (let i = 0; i < a.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(b[i]));
    maxErr = Math.max(maxErr, Math.abs(a[i] - b[i]));
  }
  assert.ok(maxErr <= atol + rtol * maxRef, `${what}: max error ${maxErr} > ${atol} + ${rtol}·${maxRef}`);
}

/** Φ (rank, frames) with orthonormal rows: Gram-Schmidt of seeded random vectors. */
export function orthonormalPhi(R: number, F: number, seed: number): Float64Array {
  const u = mulberry32(seed);
  const phi = new Float64Array(R * F);
  for (let r = 0; r < R; r++) {
    const v = Array.from({ length: F }, () => u() - 0.5);
    for (let q = 0; q < r; q++) {
      let d = 0;
      for (let f = 0; f < F; f++) d += v[f] * phi[q * F + f];
      for (let f = 0; f < F; f++) v[f] -= d * phi[q * F + f];
    }
    const norm = Math.hypot(...v);
    for (let f = 0; f < F; f++) phi[r * F + f] = v[f] / norm;
  }
  return phi;
}

/** Helpers shared by this package's tests (not exported from index). */
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

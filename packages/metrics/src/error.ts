/**
 * Voxelwise error metrics between an estimate and a reference.
 *
 * All arrays are flat numeric arrays (any C-order shape); the optional mask has the same length and
 * selects voxels where it is non-zero (true). Voxels outside the mask are ignored.
 */

/** Anything indexable by number with a length: Float32Array, Float64Array, number[], Uint8Array... */
export type NumericArray = ArrayLike<number>;

/** Mask: a voxel is included where `mask[i]` is truthy / non-zero. */
export type Mask = ArrayLike<number | boolean>;

function checkPair(a: NumericArray, b: NumericArray, mask: Mask | undefined): void {
  if (a.length !== b.length) {
    throw new Error(`b: length ${b.length} differs from a's length ${a.length}`);
  }
  if (mask !== undefined && mask.length !== a.length) {
    throw new Error(`mask: length ${mask.length} differs from the arrays' length ${a.length}`);
  }
}

interface Sums {
  /** Σ (a − b)² over the mask. */
  sumSqDiff: number;
  /** Σ b² over the mask. */
  sumSqRef: number;
  /** Number of voxels in the mask. */
  count: number;
}

function sums(a: NumericArray, b: NumericArray, mask: Mask | undefined): Sums {
  checkPair(a, b, mask);
  let sumSqDiff = 0;
  let sumSqRef = 0;
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    if (mask !== undefined && !mask[i]) continue;
    const d = a[i] - b[i];
    sumSqDiff += d * d;
    sumSqRef += b[i] * b[i];
    count++;
  }
  return { sumSqDiff, sumSqRef, count };
}

/**
 * Root-mean-square error, RMSE = sqrt( (1/N) Σ_{i∈mask} (a_i − b_i)² ).
 *
 * @param a - estimate, any shape, flat C order
 * @param b - reference, same length as `a`
 * @param mask - optional, same length; voxels where it is non-zero are used (all voxels if omitted)
 * @returns the RMSE in the arrays' units; NaN if the mask selects no voxel
 */
export function rmse(a: NumericArray, b: NumericArray, mask?: Mask): number {
  const s = sums(a, b, mask);
  return s.count === 0 ? NaN : Math.sqrt(s.sumSqDiff / s.count);
}

/**
 * Normalised RMSE relative to the reference's energy:
 * nRMSE = ‖a − b‖₂ / ‖b‖₂ over the mask = RMSE(a, b) / RMS(b)
 * (the BART `nrmse` convention; NOT normalised by the reference's range or mean).
 *
 * @param a - estimate, any shape, flat C order
 * @param b - reference, same length as `a`
 * @param mask - optional, same length; voxels where it is non-zero are used
 * @returns dimensionless; NaN if the mask is empty; Infinity if ‖b‖ = 0 and a ≠ b
 */
export function nrmse(a: NumericArray, b: NumericArray, mask?: Mask): number {
  const s = sums(a, b, mask);
  if (s.count === 0) return NaN;
  if (s.sumSqRef === 0) return s.sumSqDiff === 0 ? 0 : Infinity;
  return Math.sqrt(s.sumSqDiff / s.sumSqRef);
}

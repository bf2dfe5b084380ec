/**
 * Element types understood by the readers and writers.
 *
 * `complex64` is stored in memory as an interleaved `Float32Array` (re, im, re, im, …) whose length is
 * twice the number of elements, the same layout as BART's `.cfl` and NumPy's `<c8`.
 */
export type DType = 'float32' | 'float64' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'complex64';

/** The typed array that holds the data of each {@link DType}. */
export interface DataOf {
  float32: Float32Array;
  float64: Float64Array;
  uint8: Uint8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  complex64: Float32Array;
}

export type TypedArray = DataOf[DType];

/**
 * An n-dimensional array: flat data in C (row-major) order plus an explicit shape.
 * `data.length` equals the product of `shape` (twice that for `complex64`).
 */
export interface NdArray<D extends DType = DType> {
  dtype: D;
  shape: number[];
  data: DataOf[D];
}

/** Number of elements described by a shape (1 for a 0-d shape). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Throws unless every entry of `shape` is a non-negative integer; `what` names the field. */
export function checkShape(shape: readonly number[], what: string): void {
  if (!Array.isArray(shape)) throw new Error(`${what} must be an array of integers`);
  shape.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 0) throw new Error(`${what}[${i}] must be a non-negative integer (got ${s})`);
  });
}

import { endianness } from 'node:os';
import type { DataOf, DType, TypedArray } from './types.js';

/** Bytes per element and typed-array constructor of each dtype (complex64 = 2 float32 components). */
export const DTYPE_INFO: { [D in DType]: { bytes: number; components: number; make: (buf: ArrayBuffer) => DataOf[D] } } = {
  float32: { bytes: 4, components: 1, make: (b) => new Float32Array(b) },
  float64: { bytes: 8, components: 1, make: (b) => new Float64Array(b) },
  uint8: { bytes: 1, components: 1, make: (b) => new Uint8Array(b) },
  int16: { bytes: 2, components: 1, make: (b) => new Int16Array(b) },
  uint16: { bytes: 2, components: 1, make: (b) => new Uint16Array(b) },
  int32: { bytes: 4, components: 1, make: (b) => new Int32Array(b) },
  complex64: { bytes: 8, components: 2, make: (b) => new Float32Array(b) },
};

const CTORS: { [D in DType]: new (...args: never[]) => DataOf[D] } = {
  float32: Float32Array, float64: Float64Array, uint8: Uint8Array, int16: Int16Array,
  uint16: Uint16Array, int32: Int32Array, complex64: Float32Array,
};

/** True when `data` is the typed array that `dtype` requires. */
export function matchesDType(data: TypedArray, dtype: DType): boolean {
  return data instanceof CTORS[dtype];
}

/** The readers and writers reinterpret bytes in place, which is only right on a little-endian host. */
export function assertLittleEndianHost(): void {
  if (endianness() !== 'LE') throw new Error('array-io needs a little-endian host (got big-endian)');
}

/**
 * Copies `byteLength` bytes at `offset` of `src` into a fresh, aligned ArrayBuffer, swapping the
 * byte order of each `swapWidth`-byte word when the source is big-endian.
 */
export function alignedCopy(src: Uint8Array, offset: number, byteLength: number, swapWidth: number | null): ArrayBuffer {
  const out = new Uint8Array(byteLength);
  out.set(src.subarray(offset, offset + byteLength));
  if (swapWidth !== null && swapWidth > 1) {
    const b = Buffer.from(out.buffer, 0, byteLength);
    if (swapWidth === 2) b.swap16();
    else if (swapWidth === 4) b.swap32();
    else if (swapWidth === 8) b.swap64();
  }
  return out.buffer;
}

/**
 * Reverses the axis order of a C-order array: a Fortran-order array of shape `s` is, byte for
 * byte, a C-order array of shape `reverse(s)`, so this turns one into the other.
 * `components` consecutive values travel together (2 for interleaved complex).
 *
 * @param src data in C order for shape `reverse(shape)`
 * @param shape the wanted (C-order) shape of the output
 */
export function reverseAxes<T extends TypedArray>(src: T, shape: readonly number[], components: number): T {
  const out = new (src.constructor as new (n: number) => T)(src.length);
  const nd = shape.length;
  if (nd <= 1) {
    out.set(src as never);
    return out;
  }
  // Strides of the source, whose C-order shape is reverse(shape): the output's axis a is source axis nd-1-a.
  const srcStride = new Array<number>(nd).fill(0);
  let s = components;
  for (let a = 0; a < nd; a++) {
    srcStride[a] = s; // output axis a == source axis (nd-1-a), the a-th fastest in the source
    s *= shape[a]!;
  }
  const idx = new Array<number>(nd).fill(0);
  const n = src.length / components;
  let srcPos = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < components; c++) out[i * components + c] = src[srcPos + c]!;
    // Odometer over output C order (last axis fastest).
    for (let a = nd - 1; a >= 0; a--) {
      idx[a]!++;
      srcPos += srcStride[a]!;
      if (idx[a]! < shape[a]!) break;
      srcPos -= srcStride[a]! * shape[a]!;
      idx[a] = 0;
    }
  }
  return out;
}

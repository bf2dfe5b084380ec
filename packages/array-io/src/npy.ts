import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { writeFileAtomic } from './atomic.js';
import { maybeGunzip } from './gzip.js';
import { DTYPE_INFO, alignedCopy, assertLittleEndianHost, matchesDType, reverseAxes } from './layout.js';
import { checkShape, shapeSize, type DType, type NdArray } from './types.js';

/**
 * NumPy `.npy` format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 * magic `\x93NUMPY`, version (major, minor), header length (uint16 LE for v1.0, uint32 LE for v2.0/3.0),
 * an ASCII Python dict literal padded with spaces and ending in `\n` so that the data start at a
 * multiple of 64 bytes, then the raw data.
 */
const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
const ALIGN = 64;
/** numpy >= 1.24 leaves room to grow the first axis in place; copying it makes our headers identical. */
const GROWTH_AXIS_MAX_DIGITS = 21;

const DESCR_OUT: Record<DType, string> = {
  float32: '<f4', float64: '<f8', uint8: '|u1', int16: '<i2', uint16: '<u2', int32: '<i4', complex64: '<c8',
};
const DESCR_IN: Record<string, DType> = {
  f4: 'float32', f8: 'float64', u1: 'uint8', i2: 'int16', u2: 'uint16', i4: 'int32', c8: 'complex64',
};

function pyShape(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/** The header dict exactly as numpy's `write_array` formats it (keys sorted, trailing `, }`). */
function headerDict(dtype: DType, shape: readonly number[]): string {
  let dict = `{'descr': '${DESCR_OUT[dtype]}', 'fortran_order': False, 'shape': ${pyShape(shape)}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  return dict;
}

/**
 * Encodes an array as `.npy` bytes (version 1.0, or 2.0 when the header exceeds 65535 bytes),
 * little-endian, C order. The header is byte-identical to what numpy >= 1.24 writes.
 *
 * @param arr C-order data; `complex64` data are interleaved (re, im) float32, length 2·prod(shape).
 */
export function encodeNpy(arr: NdArray): Buffer {
  assertLittleEndianHost();
  checkShape(arr.shape, 'shape');
  const info = DTYPE_INFO[arr.dtype];
  if (!info) throw new Error(`dtype ${String(arr.dtype)} is not supported`);
  if (!matchesDType(arr.data, arr.dtype)) throw new Error(`data must be a ${arr.dtype === 'complex64' ? 'Float32Array' : arr.dtype} typed array for dtype ${arr.dtype}`);
  const expected = shapeSize(arr.shape) * info.components;
  if (arr.data.length !== expected) throw new Error(`data length ${arr.data.length} does not match shape [${arr.shape.join(', ')}] (expected ${expected})`);

  const dict = headerDict(arr.dtype, arr.shape);
  let major = 1;
  let prefixLen = MAGIC.length + 2 + 2;
  let hlen = dict.length + 1; // + '\n'
  // Like numpy, pad by 1..64 bytes (a full 64 when already aligned).
  let pad = ALIGN - ((prefixLen + hlen) % ALIGN);
  if (hlen + pad > 0xffff) {
    major = 2;
    prefixLen = MAGIC.length + 2 + 4;
    pad = ALIGN - ((prefixLen + hlen) % ALIGN);
  }
  hlen += pad;
  const header = Buffer.alloc(prefixLen + hlen, 0x20);
  MAGIC.copy(header, 0);
  header[6] = major;
  header[7] = 0;
  if (major === 1) header.writeUInt16LE(hlen, 8);
  else header.writeUInt32LE(hlen, 8);
  header.write(dict, prefixLen, 'latin1');
  header[header.length - 1] = 0x0a;
  const body = Buffer.from(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
  return Buffer.concat([header, body]);
}

interface NpyHeader {
  dtype: DType;
  bigEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
}

function parseHeader(buf: Buffer, where: string): NpyHeader {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new Error(`${where}: not a .npy file (bad magic)`);
  const major = buf[6]!;
  let prefixLen: number;
  let hlen: number;
  if (major === 1) {
    prefixLen = 10;
    hlen = buf.readUInt16LE(8);
  } else if (major === 2 || major === 3) {
    prefixLen = 12;
    hlen = buf.readUInt32LE(8);
  } else {
    throw new Error(`${where}: unsupported .npy version ${major}.${buf[7]}`);
  }
  const dict = buf.toString(major === 3 ? 'utf8' : 'latin1', prefixLen, prefixLen + hlen);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(dict);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(dict);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(dict);
  if (!descr) throw new Error(`${where}: .npy header has no simple 'descr' (structured dtypes are not supported): ${dict.trim()}`);
  if (!fortran || !shapeM) throw new Error(`${where}: malformed .npy header: ${dict.trim()}`);
  const code = descr[1]!;
  const order = code[0]!;
  const kind = '<>|='.includes(order) ? code.slice(1) : code;
  const dtype = DESCR_IN[kind];
  if (!dtype) throw new Error(`${where}: .npy descr '${code}' is not supported (float32, float64, uint8, int16, uint16, int32, complex64)`);
  const shape = shapeM[1]!.split(',').map((s) => s.trim().replace(/L$/, '')).filter((s) => s.length > 0).map(Number);
  checkShape(shape, `${where}: shape`);
  return { dtype, bigEndian: order === '>', fortranOrder: fortran[1] === 'True', shape, dataOffset: prefixLen + hlen };
}

/**
 * Decodes `.npy` bytes (v1.0/2.0/3.0; gzip-compressed input is decompressed first). Big-endian
 * data are byte-swapped and Fortran-order data reordered, so the result is always native C order.
 *
 * @param where names the source in error messages (e.g. the file path)
 */
export function decodeNpy(input: Buffer | Uint8Array, where = '.npy data'): NdArray {
  assertLittleEndianHost();
  const buf = maybeGunzip(Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  const h = parseHeader(buf, where);
  const info = DTYPE_INFO[h.dtype];
  const byteLength = shapeSize(h.shape) * info.bytes;
  if (buf.length < h.dataOffset + byteLength) throw new Error(`${where}: truncated .npy (need ${h.dataOffset + byteLength} bytes, have ${buf.length})`);
  const swap = h.bigEndian ? info.bytes / info.components : null;
  let data = info.make(alignedCopy(buf, h.dataOffset, byteLength, swap));
  if (h.fortranOrder) data = reverseAxes(data, h.shape, info.components);
  return { dtype: h.dtype, shape: h.shape, data } as NdArray;
}

/** Reads a `.npy` or gzip-compressed `.npy.gz` file (recognised by content). See {@link decodeNpy}. */
export async function readNpy(path: string): Promise<NdArray> {
  return decodeNpy(await readFile(path), path);
}

/**
 * Writes `arr` as `.npy` atomically; a path ending in `.gz` is gzip-compressed.
 * See {@link encodeNpy} for the layout.
 */
export async function writeNpy(path: string, arr: NdArray): Promise<void> {
  const bytes = encodeNpy(arr);
  await writeFileAtomic(path, path.endsWith('.gz') ? gzipSync(bytes) : bytes);
}

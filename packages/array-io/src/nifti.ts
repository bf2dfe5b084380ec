import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { writeFileAtomic } from './atomic.js';
import { maybeGunzip } from './gzip.js';
import { alignedCopy, assertLittleEndianHost } from './layout.js';
import {
  NIFTI1_VOX_OFFSET, NIFTI_DATATYPES, NIFTI_UNITS, affineToQuaternion, decodeNiftiHeader, encodeNiftiHeader,
  quaternionToAffine, type NiftiHeader,
} from './nifti-header.js';
import { checkShape, shapeSize } from './types.js';

/**
 * Orientation convention (why no reordering is ever needed):
 *
 * Our maps are C-order arrays `(slice, y, x)` — or `(echo, slice, y, x)` — with `y` the image row
 * counted from the TOP. NIfTI stores voxel (i, j, k, t) in Fortran order (i fastest). Reading our
 * flat buffer in Fortran order with i = x, j = y, k = slice, t = echo gives exactly the same bytes,
 * so the NIfTI `dim` is just our shape reversed: `(x, y, z, t)`.
 *
 * Because j runs from the top row down, the default affine flips it: world y = dy·(ny − 1 − j), i.e.
 * a negative j step with the origin on the last row. Viewers that display RAS "up" (FSLeyes,
 * ITK-SNAP, nibabel/nilearn plots) then show the image upright, top row at the top (anterior for
 * our BrainWeb slices). World x = dx·i, world z = dz·k.
 */
export interface NiftiWriteInput {
  /** Values in C order for `shape`. */
  data: Float32Array;
  /** C-order shape `(…, slice, y, x)`, 2 to 4 dimensions: (y, x), (slice, y, x) or (t, slice, y, x). */
  shape: number[];
  /** Voxel sizes in mm along x (columns), y (rows), slice. */
  voxelSizeMm: [number, number, number];
  /** Optional step of the 4th dimension (e.g. echo spacing or TR) in ms, stored in pixdim[4]; 0 = unknown. */
  timeStepMs?: number;
  /** Voxel (i, j, k) → world mm, 4×4 or 3×4 rows; default flips j (see above). Column norms must equal voxelSizeMm. */
  affine?: number[][];
  /** Up to 79 Latin-1 characters for the `descrip` field. */
  description?: string;
}

export interface NiftiImage {
  /** Values in C order for `shape`, scaled by scl_slope/scl_inter when those are set. */
  data: Float32Array;
  /** C-order shape: the NIfTI dims reversed, e.g. (slice, y, x) for a 3-D file. */
  shape: number[];
  /** pixdim[1..3] converted to mm. */
  voxelSizeMm: [number, number, number];
  /** pixdim[4] converted to ms (0 when unset). */
  timeStepMs: number;
  /** Voxel → world (mm) 4×4: sform when sform_code > 0, else qform when qform_code > 0, else pixdim scaling. */
  affine: number[][];
  header: NiftiHeader;
}

/** The default affine of the convention above: x step dx, j flipped with origin at the last row, z step dz. */
export function defaultNiftiAffine(shape: readonly number[], voxelSizeMm: readonly [number, number, number]): number[][] {
  const [dx, dy, dz] = voxelSizeMm;
  const ny = shape[shape.length - 2]!;
  return [
    [dx, 0, 0, 0],
    [0, -dy, 0, dy * (ny - 1)],
    [0, 0, dz, 0],
    [0, 0, 0, 1],
  ];
}

/**
 * Encodes a single-file NIfTI-1 (`n+1`) image: float32 data (datatype 16, bitpix 32), vox_offset
 * 352, scl_slope 1, xyzt_units mm + ms, qform_code = sform_code = 1 with srow = affine and the
 * matching quaternion. See {@link NiftiWriteInput} for the axis convention.
 */
export function encodeNifti(img: NiftiWriteInput): Buffer {
  assertLittleEndianHost();
  checkShape(img.shape, 'shape');
  const nd = img.shape.length;
  if (nd < 2 || nd > 4) throw new Error(`shape must have 2 to 4 dimensions (got ${nd})`);
  if (img.shape.some((s) => s < 1 || s > 32767)) throw new Error(`shape entries must be 1..32767 for NIfTI-1 (got [${img.shape.join(', ')}])`);
  if (!(img.data instanceof Float32Array)) throw new Error('data must be a Float32Array');
  if (img.data.length !== shapeSize(img.shape)) throw new Error(`data length ${img.data.length} does not match shape [${img.shape.join(', ')}]`);
  const vox = img.voxelSizeMm;
  if (!Array.isArray(vox) || vox.length !== 3 || vox.some((v) => !(Number.isFinite(v) && v > 0))) throw new Error(`voxelSizeMm must be 3 positive numbers (got ${JSON.stringify(vox)})`);
  const timeStep = img.timeStepMs ?? 0;
  if (!(Number.isFinite(timeStep) && timeStep >= 0)) throw new Error(`timeStepMs must be a non-negative number (got ${img.timeStepMs})`);

  const affine = img.affine ?? defaultNiftiAffine(img.shape, vox);
  if (affine.length < 3 || affine.slice(0, 3).some((r) => r.length !== 4 || r.some((x) => !Number.isFinite(x)))) throw new Error('affine must have 3 or 4 rows of 4 finite numbers');
  const q = affineToQuaternion(affine);
  q.pixdim.forEach((p, k) => {
    if (Math.abs(p - vox[k]!) > 1e-4 * vox[k]!) throw new Error(`affine column ${k} has norm ${p} but voxelSizeMm[${k}] is ${vox[k]}`);
  });

  const dims = img.shape.slice().reverse();
  const dim = [nd, 1, 1, 1, 1, 1, 1, 1];
  dims.forEach((d, k) => (dim[k + 1] = d));
  const header = encodeNiftiHeader({
    dim,
    datatype: 16,
    bitpix: 32,
    pixdim: [q.qfac, vox[0], vox[1], vox[2], timeStep, 1, 1, 1],
    voxOffset: NIFTI1_VOX_OFFSET,
    sclSlope: 1,
    sclInter: 0,
    xyztUnits: NIFTI_UNITS.mm | NIFTI_UNITS.msec,
    calMax: 0,
    calMin: 0,
    descrip: img.description ?? '',
    qformCode: 1,
    sformCode: 1,
    quatern: q.quatern,
    qoffset: q.qoffset,
    srow: [affine[0]!.slice(0, 4), affine[1]!.slice(0, 4), affine[2]!.slice(0, 4)],
  });
  return Buffer.concat([header, Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength)]);
}

const SPATIAL_TO_MM: Record<number, number> = { 0: 1, 1: 1000, 2: 1, 3: 0.001 };
const TEMPORAL_TO_MS: Record<number, number> = { 0: 1, 8: 1000, 16: 1, 24: 0.001 };

function toFloat32(raw: ArrayBuffer, datatype: number, n: number): Float32Array {
  switch (datatype) {
    case 2: return Float32Array.from(new Uint8Array(raw, 0, n));
    case 4: return Float32Array.from(new Int16Array(raw, 0, n));
    case 8: return Float32Array.from(new Int32Array(raw, 0, n));
    case 16: return new Float32Array(raw, 0, n);
    case 64: return Float32Array.from(new Float64Array(raw, 0, n));
    case 256: return Float32Array.from(new Int8Array(raw, 0, n));
    case 512: return Float32Array.from(new Uint16Array(raw, 0, n));
    case 768: return Float32Array.from(new Uint32Array(raw, 0, n));
    default: throw new Error(`NIfTI datatype ${datatype} is not supported`);
  }
}

/**
 * Decodes a single-file NIfTI-1 image (`.nii`, or gzip-compressed `.nii.gz` bytes), either byte
 * order, datatypes uint8/int8/int16/uint16/int32/uint32/float32/float64, into float32 C-order data
 * (see {@link NiftiWriteInput} for the axis convention). scl_slope/scl_inter are applied when the
 * slope is finite and non-zero.
 */
export function decodeNifti(input: Buffer | Uint8Array, where = 'NIfTI data'): NiftiImage {
  assertLittleEndianHost();
  const buf = maybeGunzip(Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  const h = decodeNiftiHeader(buf, where);
  if (h.magic !== 'n+1') throw new Error(`${where}: only single-file NIfTI-1 ('n+1') is supported, got '${h.magic}' (a .hdr/.img pair)`);
  const nd = h.dim[0]!;
  if (nd < 1 || nd > 7) throw new Error(`${where}: dim[0] must be 1..7 (got ${nd})`);
  const dims = h.dim.slice(1, 1 + nd);
  if (dims.some((d) => d < 1)) throw new Error(`${where}: dim entries must be >= 1 (got [${dims.join(', ')}])`);
  const type = NIFTI_DATATYPES[h.datatype];
  if (!type) throw new Error(`${where}: NIfTI datatype ${h.datatype} is not supported`);
  const n = shapeSize(dims);
  const bytes = type.bitpix / 8;
  const offset = Math.round(h.voxOffset) || NIFTI1_VOX_OFFSET;
  if (buf.length < offset + n * bytes) throw new Error(`${where}: truncated NIfTI data (need ${offset + n * bytes} bytes, have ${buf.length})`);
  const raw = alignedCopy(buf, offset, n * bytes, h.littleEndian ? null : bytes);
  const data = toFloat32(raw, h.datatype, n);
  const { sclSlope: slope, sclInter: inter } = h;
  if (Number.isFinite(slope) && slope !== 0 && (slope !== 1 || (Number.isFinite(inter) && inter !== 0))) {
    const b = Number.isFinite(inter) ? inter : 0;
    for (let i = 0; i < n; i++) data[i] = data[i]! * slope + b;
  }

  const toMm = SPATIAL_TO_MM[h.xyztUnits & 0x07] ?? 1;
  const toMs = TEMPORAL_TO_MS[h.xyztUnits & 0x38] ?? 1;
  const pix = [1, 2, 3].map((k) => Math.abs(h.pixdim[k]!)) as [number, number, number];
  let affine: number[][];
  if (h.sformCode > 0) affine = [...h.srow.map((r) => r.slice()), [0, 0, 0, 1]];
  else if (h.qformCode > 0) affine = quaternionToAffine(h.quatern, h.qoffset, pix, h.pixdim[0]! < 0 ? -1 : 1);
  else affine = [[pix[0], 0, 0, 0], [0, pix[1], 0, 0], [0, 0, pix[2], 0], [0, 0, 0, 1]];
  return {
    data,
    shape: dims.slice().reverse(),
    voxelSizeMm: pix.map((p) => p * toMm) as [number, number, number],
    timeStepMs: (h.pixdim[4] ?? 0) * toMs,
    affine,
    header: h,
  };
}

/** Reads a `.nii` or `.nii.gz` file (recognised by content). See {@link decodeNifti}. */
export async function readNifti(path: string): Promise<NiftiImage> {
  return decodeNifti(await readFile(path), path);
}

/** Writes a NIfTI-1 file atomically; a path ending in `.gz` is gzip-compressed. See {@link encodeNifti}. */
export async function writeNifti(path: string, img: NiftiWriteInput): Promise<void> {
  const bytes = encodeNifti(img);
  await writeFileAtomic(path, path.endsWith('.gz') ? gzipSync(bytes) : bytes);
}

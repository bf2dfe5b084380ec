/**
 * NIfTI-1 header (348 bytes) encoding and decoding, and the qform quaternion maths of
 * nifti1_io.c (nifti_mat44_to_quatern / nifti_quatern_to_mat44).
 * Field offsets follow nifti1.h (https://nifti.nimh.nih.gov/pub/dist/src/niftilib/nifti1.h).
 */

/** Byte offsets of the NIfTI-1 header fields used here (nifti1.h). */
export const NIFTI1_OFFSETS = {
  sizeof_hdr: 0, regular: 38, dim_info: 39, dim: 40, intent_p1: 56, intent_code: 68, datatype: 70, bitpix: 72,
  slice_start: 74, pixdim: 76, vox_offset: 108, scl_slope: 112, scl_inter: 116, slice_end: 120, slice_code: 122,
  xyzt_units: 123, cal_max: 124, cal_min: 128, slice_duration: 132, toffset: 136, descrip: 148, aux_file: 228,
  qform_code: 252, sform_code: 254, quatern_b: 256, quatern_c: 260, quatern_d: 264,
  qoffset_x: 268, qoffset_y: 272, qoffset_z: 276, srow_x: 280, srow_y: 296, srow_z: 312, intent_name: 328, magic: 344,
} as const;

export const NIFTI1_HEADER_SIZE = 348;
/** Header plus the 4-byte extension flag; data start here in a single-file `.nii`. */
export const NIFTI1_VOX_OFFSET = 352;

/** NIfTI datatype codes this package reads (writing is float32 only). */
export const NIFTI_DATATYPES: Record<number, { name: string; bitpix: number }> = {
  2: { name: 'uint8', bitpix: 8 }, 4: { name: 'int16', bitpix: 16 }, 8: { name: 'int32', bitpix: 32 },
  16: { name: 'float32', bitpix: 32 }, 64: { name: 'float64', bitpix: 64 }, 256: { name: 'int8', bitpix: 8 },
  512: { name: 'uint16', bitpix: 16 }, 768: { name: 'uint32', bitpix: 32 },
};

/** xyzt_units codes: spatial unit in bits 0-2, temporal in bits 3-5. */
export const NIFTI_UNITS = { meter: 1, mm: 2, micron: 3, sec: 8, msec: 16, usec: 24 } as const;

/** The header fields, as numbers and strings; `dim[0]` is the number of dimensions. */
export interface NiftiHeader {
  littleEndian: boolean;
  dim: number[]; // 8 entries
  datatype: number;
  bitpix: number;
  pixdim: number[]; // 8 entries, pixdim[0] = qfac
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  xyztUnits: number;
  calMax: number;
  calMin: number;
  descrip: string;
  qformCode: number;
  sformCode: number;
  quatern: [number, number, number]; // b, c, d
  qoffset: [number, number, number];
  srow: [number[], number[], number[]]; // 3 rows of 4
  magic: string;
}

function cstring(buf: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && buf[end] !== 0) end++;
  return Buffer.from(buf.buffer, buf.byteOffset + offset, end - offset).toString('latin1');
}

/** Decodes the first 348 bytes of a NIfTI-1 file; the byte order is detected from sizeof_hdr. */
export function decodeNiftiHeader(buf: Uint8Array, where: string): NiftiHeader {
  if (buf.length < NIFTI1_HEADER_SIZE) throw new Error(`${where}: too short for a NIfTI-1 header (${buf.length} bytes)`);
  const v = new DataView(buf.buffer, buf.byteOffset, NIFTI1_HEADER_SIZE);
  let le = true;
  if (v.getInt32(0, true) !== 348) {
    if (v.getInt32(0, false) !== 348) throw new Error(`${where}: not a NIfTI-1 file (sizeof_hdr is not 348)`);
    le = false;
  }
  const O = NIFTI1_OFFSETS;
  const f32 = (o: number) => v.getFloat32(o, le);
  const i16 = (o: number) => v.getInt16(o, le);
  const row = (o: number) => [0, 1, 2, 3].map((k) => f32(o + 4 * k));
  const magic = cstring(buf, O.magic, 4);
  if (magic !== 'n+1' && magic !== 'ni1') throw new Error(`${where}: bad NIfTI-1 magic '${magic}'`);
  return {
    littleEndian: le,
    dim: Array.from({ length: 8 }, (_, k) => i16(O.dim + 2 * k)),
    datatype: i16(O.datatype),
    bitpix: i16(O.bitpix),
    pixdim: Array.from({ length: 8 }, (_, k) => f32(O.pixdim + 4 * k)),
    voxOffset: f32(O.vox_offset),
    sclSlope: f32(O.scl_slope),
    sclInter: f32(O.scl_inter),
    xyztUnits: v.getUint8(O.xyzt_units),
    calMax: f32(O.cal_max),
    calMin: f32(O.cal_min),
    descrip: cstring(buf, O.descrip, 80),
    qformCode: i16(O.qform_code),
    sformCode: i16(O.sform_code),
    quatern: [f32(O.quatern_b), f32(O.quatern_c), f32(O.quatern_d)],
    qoffset: [f32(O.qoffset_x), f32(O.qoffset_y), f32(O.qoffset_z)],
    srow: [row(O.srow_x), row(O.srow_y), row(O.srow_z)],
    magic,
  };
}

/** Encodes a little-endian single-file (`n+1`) header followed by the 4 zero extension bytes (352 bytes). */
export function encodeNiftiHeader(h: Omit<NiftiHeader, 'littleEndian' | 'magic'>): Buffer {
  const buf = Buffer.alloc(NIFTI1_VOX_OFFSET);
  const O = NIFTI1_OFFSETS;
  buf.writeInt32LE(NIFTI1_HEADER_SIZE, O.sizeof_hdr);
  buf.write('r', O.regular, 'latin1');
  h.dim.forEach((d, k) => buf.writeInt16LE(d, O.dim + 2 * k));
  buf.writeInt16LE(h.datatype, O.datatype);
  buf.writeInt16LE(h.bitpix, O.bitpix);
  h.pixdim.forEach((p, k) => buf.writeFloatLE(p, O.pixdim + 4 * k));
  buf.writeFloatLE(h.voxOffset, O.vox_offset);
  buf.writeFloatLE(h.sclSlope, O.scl_slope);
  buf.writeFloatLE(h.sclInter, O.scl_inter);
  buf.writeUInt8(h.xyztUnits, O.xyzt_units);
  buf.writeFloatLE(h.calMax, O.cal_max);
  buf.writeFloatLE(h.calMin, O.cal_min);
  // descrip is char[80] and must stay NUL-terminated.
  Buffer.from(h.descrip, 'latin1').subarray(0, 79).copy(buf, O.descrip);
  buf.writeInt16LE(h.qformCode, O.qform_code);
  buf.writeInt16LE(h.sformCode, O.sform_code);
  h.quatern.forEach((q, k) => buf.writeFloatLE(q, O.quatern_b + 4 * k));
  h.qoffset.forEach((q, k) => buf.writeFloatLE(q, O.qoffset_x + 4 * k));
  [O.srow_x, O.srow_y, O.srow_z].forEach((o, r) => h.srow[r]!.forEach((x, k) => buf.writeFloatLE(x, o + 4 * k)));
  buf.write('n+1\0', O.magic, 'latin1');
  return buf;
}

type M3 = number[][];

function det3(m: M3): number {
  const [a, b, c] = m as [number[], number[], number[]];
  return a[0]! * (b[1]! * c[2]! - b[2]! * c[1]!) - a[1]! * (b[0]! * c[2]! - b[2]! * c[0]!) + a[2]! * (b[0]! * c[1]! - b[1]! * c[0]!);
}

/** Nearest orthogonal matrix (polar decomposition by Newton iteration X <- (X + X^-T)/2), as nifti1_io does. */
function orthogonalize(m: M3): M3 {
  let x = m.map((r) => r.slice());
  for (let it = 0; it < 50; it++) {
    const d = det3(x);
    if (Math.abs(d) < 1e-12) break;
    // Inverse transpose = cofactor matrix / det.
    const cof = (i: number, j: number) => {
      const r = [0, 1, 2].filter((k) => k !== i);
      const c = [0, 1, 2].filter((k) => k !== j);
      const v = x[r[0]!]![c[0]!]! * x[r[1]!]![c[1]!]! - x[r[0]!]![c[1]!]! * x[r[1]!]![c[0]!]!;
      return ((i + j) % 2 === 0 ? v : -v) / d;
    };
    const next = x.map((r, i) => r.map((v, j) => 0.5 * (v + cof(i, j))));
    const change = next.flat().reduce((s, v, k) => s + Math.abs(v - x.flat()[k]!), 0);
    x = next;
    if (change < 1e-12) break;
  }
  return x;
}

/**
 * Splits a 4×4 (or 3×4) voxel-to-world affine into the qform parameters: voxel sizes (column
 * norms), qfac = sign of the determinant, quaternion (b, c, d) of the rotation, and the offset.
 */
export function affineToQuaternion(affine: number[][]): { quatern: [number, number, number]; qoffset: [number, number, number]; qfac: number; pixdim: [number, number, number] } {
  const m = [0, 1, 2].map((r) => [0, 1, 2].map((c) => affine[r]![c]!));
  const pixdim = [0, 1, 2].map((c) => Math.hypot(m[0]![c]!, m[1]![c]!, m[2]![c]!)) as [number, number, number];
  for (let c = 0; c < 3; c++) {
    const n = pixdim[c]!;
    for (let r = 0; r < 3; r++) m[r]![c] = n > 0 ? m[r]![c]! / n : r === c ? 1 : 0;
  }
  let r3 = orthogonalize(m);
  let qfac = 1;
  if (det3(r3) < 0) {
    qfac = -1;
    r3 = r3.map((row) => [row[0]!, row[1]!, -row[2]!]);
  }
  const [r11, r12, r13] = r3[0]! as [number, number, number];
  const [r21, r22, r23] = r3[1]! as [number, number, number];
  const [r31, r32, r33] = r3[2]! as [number, number, number];
  let a = r11 + r22 + r33 + 1;
  let b: number, c: number, d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32 - r23)) / a;
    c = (0.25 * (r13 - r31)) / a;
    d = (0.25 * (r21 - r12)) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33);
    const yd = 1 + r22 - (r11 + r33);
    const zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd); c = (0.25 * (r12 + r21)) / b; d = (0.25 * (r13 + r31)) / b; a = (0.25 * (r32 - r23)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd); b = (0.25 * (r12 + r21)) / c; d = (0.25 * (r23 + r32)) / c; a = (0.25 * (r13 - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd); b = (0.25 * (r13 + r31)) / d; c = (0.25 * (r23 + r32)) / d; a = (0.25 * (r21 - r12)) / d;
    }
    if (a < 0) { b = -b; c = -c; d = -d; }
  }
  return { quatern: [b, c, d], qoffset: [affine[0]![3]!, affine[1]![3]!, affine[2]![3]!], qfac, pixdim };
}

/** The qform affine (4×4) from quaternion (b, c, d), offset, voxel sizes and qfac (nifti_quatern_to_mat44). */
export function quaternionToAffine(quatern: readonly number[], qoffset: readonly number[], pixdim: readonly number[], qfac: number): number[][] {
  let [b, c, d] = quatern as [number, number, number];
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    // Numerically a 180° rotation: a = 0, renormalise (b, c, d).
    const n = Math.sqrt(b * b + c * c + d * d) || 1;
    b /= n; c /= n; d /= n; a = 0;
  } else {
    a = Math.sqrt(a);
  }
  const [dx, dy, dz0] = pixdim.map((p) => (p > 0 ? p : 1)) as [number, number, number];
  const dz = qfac < 0 ? -dz0 : dz0;
  return [
    [(a * a + b * b - c * c - d * d) * dx, 2 * (b * c - a * d) * dy, 2 * (b * d + a * c) * dz, qoffset[0]!],
    [2 * (b * c + a * d) * dx, (a * a + c * c - b * b - d * d) * dy, 2 * (c * d - a * b) * dz, qoffset[1]!],
    [2 * (b * d - a * c) * dx, 2 * (c * d + a * b) * dy, (a * a + d * d - c * c - b * b) * dz, qoffset[2]!],
    [0, 0, 0, 1],
  ];
}

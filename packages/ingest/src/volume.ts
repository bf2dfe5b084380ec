import { IngestError } from './errors.js';

/** The readable formats. */
export type EchoFormat = 'nifti' | 'dicom' | 'npy' | 'kspace';

/** A multi-echo scan in memory, whatever file format it came from. */
export interface EchoVolume {
  /** (echo, slice, y, x) C order. y = NIfTI j = image row, x = NIfTI i = column. */
  echoes: Float32Array;
  shape: { echoes: number; slices: number; height: number; width: number };
  /** Echo times in ms, strictly increasing (inputs are sorted by TE). */
  TE: number[];
  /** Voxel size (x, y, slice) in mm. */
  voxelMm: [number, number, number];
  /** 4x4 voxel (i=x, j=y, k=slice) -> world RAS+ mm, NIfTI sform convention. */
  affine: number[][];
  /** True when the values are magnitudes (Rician noise floor): DICOM/NIfTI magnitude images, k-space recon magnitude. npy: from the sidecar field "magnitude" (default true when all values >= 0). */
  magnitude: boolean;
  source: { format: EchoFormat; files: string[] };
  /** Non-fatal notes for the log (e.g. 'no voxel size in sidecar: 1 mm assumed'). */
  warnings: string[];
}

/** One echo before sorting: its TE, where it came from, and its (slice, y, x) values. */
export interface EchoFrame {
  /** Echo time in ms. */
  TE: number;
  /** The file that gave this TE (named in errors). */
  file: string;
  /** The key the TE was read from (e.g. 'EchoTime', 'TE_ms'), named in errors. */
  teField: string;
  /** The file holding the values, when not `file` (e.g. an npy whose TEs come from its sidecar). */
  dataFile?: string;
  /** Extra words locating the echo inside its file, e.g. 'echo 3' for a 4-D file. */
  where?: string;
  /** (slice, y, x) C order, length slices·height·width. */
  data: Float32Array;
}

/** Echo times read from JSON are rounded to 1e-6 ms, so 0.0127 s gives 12.7 ms exactly as the DICOM string '12.7' does. */
export function secondsToMs(s: number): number {
  return Math.round(s * 1e9) / 1e6;
}

/**
 * Throws `IngestError(file, 'data', …)` at the first NaN or ±Infinity; `where` locates the array
 * (e.g. 'echo 3') and the voxel is reported as (slice, y, x).
 */
export function checkFinite(data: ArrayLike<number>, file: string, dims: { height: number; width: number }, where?: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) {
      const x = i % dims.width;
      const y = Math.floor(i / dims.width) % dims.height;
      const s = Math.floor(i / (dims.width * dims.height));
      const what = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
      throw new IngestError(file, 'data', `${what} at ${where ? `${where} ` : ''}voxel (slice ${s}, y ${y}, x ${x})`);
    }
  }
}

/** Throws `IngestError(file, field, …)` unless `TE` holds exactly `echoes` finite positive numbers (ms). */
export function checkTEList(TE: unknown, echoes: number, file: string, field: string): number[] {
  if (!Array.isArray(TE) || TE.some((t) => typeof t !== 'number')) throw new IngestError(file, field, `must be a list of numbers (got ${JSON.stringify(TE)})`);
  if (TE.length !== echoes) throw new IngestError(file, field, `has ${TE.length} echo times but the data have ${echoes} echoes`);
  return TE as number[];
}

function label(f: EchoFrame): string {
  return f.where ? `${f.file} (${f.where})` : f.file;
}

/**
 * Sorts echoes by TE and stacks them into one (echo, slice, y, x) C-order Float32Array; `files` lists
 * the frames' files once each, in TE order.
 * Checks: every TE finite and > 0; no two TEs equal within 1e-6 ms (the error names both files);
 * every value finite.
 */
export function stackEchoes(
  frames: EchoFrame[], dims: { slices: number; height: number; width: number },
): { echoes: Float32Array; TE: number[]; files: string[] } {
  const n = dims.slices * dims.height * dims.width;
  for (const f of frames) {
    if (!(Number.isFinite(f.TE) && f.TE > 0)) throw new IngestError(f.file, f.teField, `echo time must be a positive number of ms (got ${f.TE}${f.where ? ` for ${f.where}` : ''})`);
    if (f.data.length !== n) throw new Error(`internal: ${label(f)} has ${f.data.length} values, expected ${n}`);
  }
  const sorted = frames.slice().sort((a, b) => a.TE - b.TE);
  for (let e = 1; e < sorted.length; e++) {
    const a = sorted[e - 1]!, b = sorted[e]!;
    if (Math.abs(b.TE - a.TE) <= 1e-6) throw new IngestError(b.file, b.teField, `duplicate TE ${b.TE} ms${b.where ? ` (${b.where})` : ''}: also ${label(a)}`);
  }
  const echoes = new Float32Array(sorted.length * n);
  sorted.forEach((f, e) => {
    checkFinite(f.data, f.dataFile ?? f.file, dims, f.where);
    echoes.set(f.data, e * n);
  });
  return { echoes, TE: sorted.map((f) => f.TE), files: [...new Set(sorted.map((f) => f.file))] };
}

/** True when no value is negative (the default guess for "these are magnitudes"). */
export function allNonNegative(data: ArrayLike<number>): boolean {
  for (let i = 0; i < data.length; i++) if (data[i]! < 0) return false;
  return true;
}

/** Natural order of file names, so `e2` sorts before `e10` (TE sorting decides the final order anyway). */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

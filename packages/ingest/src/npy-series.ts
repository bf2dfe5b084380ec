import { defaultNiftiAffine, readNpy, type NdArray } from '@relaxomap/array-io';
import { IngestError, asIngestError, pathKind } from './errors.js';
import { parseAxes, positiveNumber, readSidecar, sidecarPath } from './sidecar.js';
import { allNonNegative, checkTEList, stackEchoes, type EchoFrame, type EchoVolume, type EchoFormat } from './volume.js';

/** What an npy/k-space sidecar contributes: geometry, echo times and notes. */
export interface NpySidecarInfo {
  /** (echoes, slices, rows, cols) of the array, from its shape and `axes`. */
  dims: { echoes: number; slices: number; height: number; width: number };
  TE: number[];
  /** 'TE_ms' and the file it came from (sidecar or the npy itself for opts), for error messages. */
  teFile: string;
  voxelMm: [number, number, number];
  affine: number[][];
  /** The sidecar's `magnitude` when given. */
  magnitude: boolean | undefined;
  side: Record<string, unknown> | null;
  sidecar: string;
  warnings: string[];
}

/** Reads a `.npy` / `.npy.gz` file, every failure an IngestError naming it. */
export async function loadNpy(path: string): Promise<NdArray> {
  if ((await pathKind(path)) !== 'file') throw new IngestError(path, 'path', 'is a folder, not an .npy file');
  return asIngestError(path, 'npy', () => readNpy(path));
}

/**
 * Interprets the sidecar `<stem>.json` of an npy array with `shape` (echo first):
 * `axes` (echo, [slice,] row, col), `TE_ms` (or `opts.TE_ms`), optional `pixel_mm` = [row spacing,
 * column spacing] (y, x; the order of DICOM PixelSpacing), `slice_mm`, `magnitude`, `shape` (checked).
 * Missing voxel sizes become 1 mm with a warning; the affine is array-io's default (no orientation known).
 */
export async function readNpySidecar(path: string, shape: number[], opts: { TE_ms?: number[] }): Promise<NpySidecarInfo> {
  const warnings: string[] = [];
  const sidecar = sidecarPath(path);
  const side = await readSidecar(sidecar);
  if (side === null) {
    if (opts.TE_ms === undefined) throw new IngestError(sidecar, 'TE_ms', 'no sidecar JSON beside the array: write one (axes, TE_ms, pixel_mm) or pass TE_ms');
    warnings.push(`no sidecar ${sidecar}: axes, voxel size and orientation assumed`);
  }
  const s = side ?? {};
  const src = side === null ? path : sidecar;
  if (s.shape !== undefined && JSON.stringify(s.shape) !== JSON.stringify(shape)) {
    throw new IngestError(sidecar, 'shape', `${JSON.stringify(s.shape)} does not match the array's [${shape.join(', ')}]`);
  }
  const { hasSlice } = parseAxes(s.axes, shape.length, src, warnings);
  const dims = { echoes: shape[0]!, slices: hasSlice ? shape[1]! : 1, height: shape[shape.length - 2]!, width: shape[shape.length - 1]! };

  let TE: number[];
  let teFile: string;
  if (opts.TE_ms !== undefined) {
    TE = checkTEList(opts.TE_ms, dims.echoes, path, 'TE_ms').slice();
    teFile = path;
  } else {
    if (s.TE_ms === undefined) throw new IngestError(sidecar, 'TE_ms', 'missing (echo times in ms, one per echo), or pass TE_ms');
    TE = checkTEList(s.TE_ms, dims.echoes, sidecar, 'TE_ms').slice();
    teFile = sidecar;
  }

  let dx = 1, dy = 1, dz = 1;
  if (s.pixel_mm !== undefined) {
    const p = s.pixel_mm;
    if (!Array.isArray(p) || p.length !== 2) throw new IngestError(sidecar, 'pixel_mm', `must be [row spacing, column spacing] in mm (got ${JSON.stringify(p)})`);
    dy = positiveNumber(p[0], sidecar, 'pixel_mm');
    dx = positiveNumber(p[1], sidecar, 'pixel_mm');
  } else {
    warnings.push('no pixel_mm in sidecar: 1 mm pixels assumed');
  }
  if (s.slice_mm !== undefined) dz = positiveNumber(s.slice_mm, sidecar, 'slice_mm');
  else warnings.push('no slice_mm in sidecar: 1 mm slices assumed');
  if (s.magnitude !== undefined && typeof s.magnitude !== 'boolean') throw new IngestError(sidecar, 'magnitude', `must be true or false (got ${JSON.stringify(s.magnitude)})`);
  const voxelMm: [number, number, number] = [dx, dy, dz];
  return {
    dims, TE, teFile, voxelMm,
    affine: defaultNiftiAffine([dims.slices, dims.height, dims.width], voxelMm),
    magnitude: s.magnitude as boolean | undefined,
    side, sidecar, warnings,
  };
}

/** Splits (echo, slice, y, x) data into per-echo frames, sorts by TE and builds the volume. */
export function volumeFromArray(
  data: Float32Array, info: NpySidecarInfo, path: string, format: EchoFormat, magnitude: boolean,
): EchoVolume {
  const n = info.dims.slices * info.dims.height * info.dims.width;
  const frames: EchoFrame[] = info.TE.map((TE, e) => ({
    TE, file: info.teFile, dataFile: path, teField: 'TE_ms', where: `echo ${e}`, data: data.subarray(e * n, (e + 1) * n),
  }));
  const { echoes, TE } = stackEchoes(frames, info.dims);
  return {
    echoes,
    shape: { ...info.dims },
    TE,
    voxelMm: info.voxelMm,
    affine: info.affine,
    magnitude,
    source: { format, files: info.side === null ? [path] : [path, info.sidecar] },
    warnings: info.warnings,
  };
}

/**
 * Reads a NumPy array of echo images, `.npy` or `.npy.gz`, C order, with its sidecar `<stem>.json`
 * (stem = name minus `.npy`/`.npy.gz`), into an {@link EchoVolume}.
 *
 * Sidecar keys: `axes` = [echo, row, col] or [echo, slice, row, col] (aliases te; z; y/pe; x/ro),
 * `TE_ms` (one per echo; `opts.TE_ms` overrides), optional `pixel_mm` = [row, column] spacing (mm),
 * `slice_mm`, `magnitude` (default: true when no value is negative), `shape` (checked when present).
 * Any real dtype array-io reads (float32/64, uint8, int16, uint16, int32) becomes float32; complex
 * data are refused (use {@link readKspaceEchoes} for k-space). Echoes are sorted by TE.
 * No orientation is known: the affine is array-io's default (x = dx·i, y flipped, z = dz·k).
 *
 * @throws IngestError missing file or sidecar TE, bad axes/shape, TE count mismatch, duplicate TE,
 *   non-finite value
 */
export async function readNpyEchoes(npyPath: string, opts: { TE_ms?: number[] } = {}): Promise<EchoVolume> {
  const arr = await loadNpy(npyPath);
  if (arr.dtype === 'complex64') throw new IngestError(npyPath, 'dtype', "complex64: complex images are not read as echoes; use format 'kspace' for k-space or save magnitudes");
  const info = await readNpySidecar(npyPath, arr.shape, opts);
  const data = arr.data instanceof Float32Array ? arr.data : Float32Array.from(arr.data);
  const mag = info.magnitude ?? allNonNegative(data);
  if (info.magnitude === true && !allNonNegative(data)) info.warnings.push('sidecar says magnitude but some values are negative');
  return volumeFromArray(data, info, npyPath, 'npy', mag);
}

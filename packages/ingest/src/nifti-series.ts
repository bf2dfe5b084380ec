import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeNifti, isGzip, type NiftiImage } from '@relaxomap/array-io';
import { IngestError, asIngestError, pathKind } from './errors.js';
import { readSidecar, sidecarPath } from './sidecar.js';
import { allNonNegative, checkTEList, naturalCompare, secondsToMs, stackEchoes, type EchoFrame, type EchoVolume } from './volume.js';

/** Affines of the files of one series may differ by this much (mm) per entry. */
const AFFINE_TOL_MM = 1e-4;
const SPATIAL_TO_MM: Record<number, number> = { 1: 1000, 3: 0.001 };

interface NiftiFile {
  path: string;
  img: NiftiImage;
  /** (x, y, z, t) sizes; t = number of volumes. */
  nx: number; ny: number; nz: number; nt: number;
  /** voxel → world in mm (sform units converted). */
  affine: number[][];
}

async function listNifti(paths: string | string[]): Promise<string[]> {
  if (Array.isArray(paths)) {
    if (paths.length === 0) throw new IngestError('(no files)', 'paths', 'the list of NIfTI files is empty');
    for (const p of paths) if ((await pathKind(p)) !== 'file') throw new IngestError(p, 'path', 'is a folder; pass the folder alone or a list of files');
    return paths.slice();
  }
  if ((await pathKind(paths)) === 'file') return [paths];
  const names = (await readdir(paths)).filter((n) => /\.nii(\.gz)?$/i.test(n) && !n.startsWith('.')).sort(naturalCompare);
  if (names.length === 0) throw new IngestError(paths, 'path', 'folder holds no .nii or .nii.gz files');
  return names.map((n) => join(paths, n));
}

async function loadNifti(path: string): Promise<NiftiFile> {
  let bytes: Buffer = await asIngestError(path, 'path', () => readFile(path));
  if (isGzip(bytes)) bytes = await asIngestError(path, 'gzip', () => gunzipSync(bytes));
  const img = await asIngestError(path, 'header', () => {
    try {
      return decodeNifti(bytes, path);
    } catch (e) {
      // array-io says 'truncated NIfTI data' when the voxels stop early: that is the data's fault, not the header's
      if (e instanceof Error && /truncated/.test(e.message)) throw new IngestError(path, 'data', e.message.replace(`${path}: `, ''));
      throw e;
    }
  });
  const d = img.header.dim;
  const nd = d[0]!;
  if (nd > 4 && d.slice(5, 1 + nd).some((s) => s !== 1)) throw new IngestError(path, 'dim', `dims beyond the 4th must be 1 (got [${d.slice(1, 1 + nd).join(', ')}])`);
  const size = (k: number): number => (nd >= k ? d[k]! : 1);
  const toMm = SPATIAL_TO_MM[img.header.xyztUnits & 0x07] ?? 1;
  const affine = img.affine.map((row, r) => (r < 3 ? row.map((v) => v * toMm) : row.slice()));
  return { path, img, nx: size(1), ny: size(2), nz: size(3), nt: size(4), affine };
}

function maxAffineDiff(a: number[][], b: number[][]): number {
  let m = 0;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) m = Math.max(m, Math.abs(a[r]![c]! - b[r]![c]!));
  return m;
}

/** Echo times (ms) of one file from its BIDS sidecar: `EchoTime` in seconds, a number or (4-D) a list. */
async function sidecarTEs(f: NiftiFile, imageTypes: string[]): Promise<number[]> {
  const json = sidecarPath(f.path);
  const side = await readSidecar(json);
  if (side === null) throw new IngestError(json, 'EchoTime', 'no BIDS sidecar for this NIfTI: add it (EchoTime in s) or pass TE_ms');
  if (Array.isArray(side.ImageType)) imageTypes.push(...side.ImageType.filter((t): t is string => typeof t === 'string'));
  const et = side.EchoTime;
  if (et === undefined) throw new IngestError(json, 'EchoTime', 'missing from the sidecar (BIDS: echo time in seconds)');
  const list = Array.isArray(et) ? et : [et];
  checkTEList(list, f.nt, json, 'EchoTime');
  return (list as number[]).map(secondsToMs);
}

/** ImageType words that mean the values are not magnitudes (Siemens/BIDS 'P' phase, 'REAL', 'IMAGINARY'). */
function saysNotMagnitude(types: string[]): boolean {
  return types.some((t) => ['P', 'PHASE', 'REAL', 'IMAGINARY', 'R', 'I'].includes(t.toUpperCase()));
}

/**
 * Reads a multi-echo NIfTI-1 series into an {@link EchoVolume}, sorted by TE.
 *
 * Accepted inputs:
 * - one 4-D file (x, y, z, echo): TEs from `opts.TE_ms` or its BIDS sidecar `<stem>.json` whose
 *   `EchoTime` is a list in seconds;
 * - a folder (every `*.nii` / `*.nii.gz` in it) or a list of 2-D/3-D files, one echo each (dcm2niix
 *   style): TE from each file's sidecar `EchoTime` (s), or `opts.TE_ms` in the order of the files
 *   (a folder's files in natural name order, `e2` before `e10`).
 *
 * Every file must have the same (x, y, z) size and the same affine within 1e-4 mm (else an
 * {@link IngestError} naming the odd file). Data: `echoes[e, k, j, i]` = NIfTI voxel (i, j, k) of echo e,
 * C order, Float32Array, scl_slope/scl_inter applied. Affine and voxel size come from the first file
 * (sform > qform > pixdim, converted to mm). `magnitude` is false when a sidecar's `ImageType` says
 * phase/real/imaginary or any value is negative.
 *
 * @param paths a 4-D file, a folder, or a list of files
 * @param opts.TE_ms echo times in ms, one per echo, overriding the sidecars
 * @throws IngestError missing path, corrupt/truncated file, size or affine mismatch, missing EchoTime,
 *   duplicate TE (naming both files), TE count mismatch, non-finite value
 */
export async function readNiftiEchoes(paths: string | string[], opts: { TE_ms?: number[] } = {}): Promise<EchoVolume> {
  const list = await listNifti(paths);
  const files: NiftiFile[] = [];
  for (const p of list) files.push(await loadNifti(p));
  const first = files[0]!;
  const warnings: string[] = [];
  for (const f of files.slice(1)) {
    if (f.nt !== 1) throw new IngestError(f.path, 'dim', `has ${f.nt} volumes; a list of files must hold one echo per file`);
    if (f.nx !== first.nx || f.ny !== first.ny || f.nz !== first.nz) {
      throw new IngestError(f.path, 'dim', `size ${f.nx}x${f.ny}x${f.nz} differs from ${first.path} (${first.nx}x${first.ny}x${first.nz})`);
    }
    const diff = maxAffineDiff(f.affine, first.affine);
    if (diff > AFFINE_TOL_MM) throw new IngestError(f.path, 'affine', `differs from ${first.path} by up to ${diff.toPrecision(3)} mm`);
  }
  if (files.length > 1 && first.nt !== 1) throw new IngestError(first.path, 'dim', `has ${first.nt} volumes; a list of files must hold one echo per file`);

  const totalEchoes = files.reduce((s, f) => s + f.nt, 0);
  const imageTypes: string[] = [];
  let tes: number[];
  if (opts.TE_ms !== undefined) {
    tes = checkTEList(opts.TE_ms, totalEchoes, Array.isArray(paths) ? first.path : paths, 'TE_ms').slice();
  } else {
    tes = [];
    for (const f of files) tes.push(...(await sidecarTEs(f, imageTypes)));
  }
  if (tes.some((t) => t > 1000)) warnings.push(`echo times above 1000 ms (max ${Math.max(...tes)} ms): was a sidecar EchoTime written in ms instead of s?`);

  const dims = { slices: first.nz, height: first.ny, width: first.nx };
  const n = dims.slices * dims.height * dims.width;
  const frames: EchoFrame[] = [];
  let t = 0;
  for (const f of files) {
    for (let v = 0; v < f.nt; v++) {
      frames.push({
        TE: tes[t++]!, file: f.path, teField: opts.TE_ms !== undefined ? 'TE_ms' : 'EchoTime',
        ...(f.nt > 1 ? { where: `volume ${v}` } : {}),
        data: f.img.data.subarray(v * n, (v + 1) * n),
      });
    }
  }
  const { echoes, TE, files: byTE } = stackEchoes(frames, dims);

  const voxelMm = first.img.voxelSizeMm.slice() as [number, number, number];
  voxelMm.forEach((v, k) => {
    if (!(v > 0)) {
      voxelMm[k] = 1;
      warnings.push(`pixdim[${k + 1}] is ${v} in ${first.path}: 1 mm assumed`);
    }
  });
  return {
    echoes,
    shape: { echoes: TE.length, ...dims },
    TE,
    voxelMm,
    affine: first.affine,
    magnitude: !saysNotMagnitude(imageTypes) && allNonNegative(echoes),
    source: { format: 'nifti', files: byTE },
    warnings,
  };
}

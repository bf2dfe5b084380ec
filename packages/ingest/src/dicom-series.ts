import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import dicomParser, { type DataSet } from 'dicom-parser';
import { IngestError, describeThrown, pathKind } from './errors.js';
import { allNonNegative, naturalCompare, stackEchoes, type EchoFrame, type EchoVolume } from './volume.js';

/** Uncompressed little-endian transfer syntaxes: the only ones read. */
const SUPPORTED_TS: Record<string, string> = {
  '1.2.840.10008.1.2': 'implicit VR little endian',
  '1.2.840.10008.1.2.1': 'explicit VR little endian',
};
const KNOWN_TS: Record<string, string> = {
  '1.2.840.10008.1.2.1.99': 'deflated explicit VR little endian',
  '1.2.840.10008.1.2.2': 'explicit VR big endian',
  '1.2.840.10008.1.2.4.50': 'JPEG baseline',
  '1.2.840.10008.1.2.4.57': 'JPEG lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS near-lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE lossless',
};

/** Positions closer than this (mm) are the same slice; orientations/spacings may differ by this much. */
const POS_TOL_MM = 1e-2;
const DIR_TOL = 1e-4;

/** One DICOM image: its geometry, TE and pixels with the rows already reversed (see {@link readDicomEchoes}). */
interface DicomImage {
  file: string;
  series: string | undefined;
  rows: number;
  cols: number;
  TE: number;
  /** ImagePositionPatient, LPS mm: centre of the first transmitted pixel. */
  ipp: number[];
  /** ImageOrientationPatient: row direction (along a row, column index grows), then column direction. */
  iop: number[];
  /** PixelSpacing: [between rows (y), between columns (x)] mm. */
  spacing: number[];
  sliceSpacing: number | undefined;
  thickness: number | undefined;
  imageType: string[];
  /** (y, x) C order, y = rows − 1 − DICOM row (dcm2niix's order). */
  pixels: Float32Array;
}

const T = {
  transferSyntax: ['x00020010', 'TransferSyntaxUID (0002,0010)'],
  imageType: ['x00080008', 'ImageType (0008,0008)'],
  thickness: ['x00180050', 'SliceThickness (0018,0050)'],
  echoTime: ['x00180081', 'EchoTime (0018,0081)'],
  sliceSpacing: ['x00180088', 'SpacingBetweenSlices (0018,0088)'],
  series: ['x0020000e', 'SeriesInstanceUID (0020,000E)'],
  ipp: ['x00200032', 'ImagePositionPatient (0020,0032)'],
  iop: ['x00200037', 'ImageOrientationPatient (0020,0037)'],
  samples: ['x00280002', 'SamplesPerPixel (0028,0002)'],
  frames: ['x00280008', 'NumberOfFrames (0028,0008)'],
  rows: ['x00280010', 'Rows (0028,0010)'],
  cols: ['x00280011', 'Columns (0028,0011)'],
  spacing: ['x00280030', 'PixelSpacing (0028,0030)'],
  bitsAllocated: ['x00280100', 'BitsAllocated (0028,0100)'],
  pixelRep: ['x00280103', 'PixelRepresentation (0028,0103)'],
  intercept: ['x00281052', 'RescaleIntercept (0028,1052)'],
  slope: ['x00281053', 'RescaleSlope (0028,1053)'],
  pixelData: ['x7fe00010', 'PixelData (7FE0,0010)'],
} as const;
type TagKey = keyof typeof T;

function has(ds: DataSet, k: TagKey): boolean {
  const el = ds.elements[T[k][0]];
  return el !== undefined && el.length > 0;
}

/** The decimal-string values of a tag (DS), exactly `count` finite numbers, else IngestError. */
function numbers(ds: DataSet, k: TagKey, count: number, file: string): number[] {
  if (!has(ds, k)) throw new IngestError(file, T[k][1], 'missing');
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = ds.floatString(T[k][0], i);
    if (v === undefined || !Number.isFinite(v)) throw new IngestError(file, T[k][1], `needs ${count} numbers (got '${ds.string(T[k][0]) ?? ''}')`);
    out.push(v);
  }
  return out;
}

function optionalNumber(ds: DataSet, k: TagKey, file: string): number | undefined {
  return has(ds, k) ? numbers(ds, k, 1, file)[0] : undefined;
}

function uint16(ds: DataSet, k: TagKey, file: string, fallback?: number): number {
  const v = has(ds, k) ? ds.uint16(T[k][0]) : fallback;
  if (v === undefined) throw new IngestError(file, T[k][1], 'missing');
  return v;
}

/** Pixel values of a native (uncompressed, little-endian) PixelData element, rows reversed, rescaled. */
function readPixels(ds: DataSet, file: string, rows: number, cols: number): Float32Array {
  const bits = uint16(ds, 'bitsAllocated', file);
  const signed = uint16(ds, 'pixelRep', file, 0) === 1;
  if (bits !== 8 && bits !== 16 && bits !== 32) throw new IngestError(file, T.bitsAllocated[1], `${bits} bits per pixel is not supported (8, 16 or 32)`);
  const el = ds.elements[T.pixelData[0]];
  if (el === undefined) throw new IngestError(file, T.pixelData[1], 'missing (not an image)');
  const bytes = bits / 8;
  const need = rows * cols * bytes;
  const have = Math.min(el.length, ds.byteArray.length - el.dataOffset);
  if (have < need) throw new IngestError(file, T.pixelData[1], `truncated: ${rows}x${cols}x${bytes} bytes needed, ${Math.max(have, 0)} present`);
  const view = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset + el.dataOffset, need);
  const get = bits === 8 ? (o: number) => (signed ? view.getInt8(o) : view.getUint8(o))
    : bits === 16 ? (o: number) => (signed ? view.getInt16(o, true) : view.getUint16(o, true))
      : (o: number) => (signed ? view.getInt32(o, true) : view.getUint32(o, true));
  const slope = optionalNumber(ds, 'slope', file) ?? 1;
  const intercept = optionalNumber(ds, 'intercept', file) ?? 0;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    // dcm2niix writes DICOM rows bottom-up (NIfTI j = rows − 1 − r); doing the same keeps both readers bit-identical
    const y = rows - 1 - r;
    for (let c = 0; c < cols; c++) out[y * cols + c] = get((r * cols + c) * bytes) * slope + intercept;
  }
  return out;
}

/** Parses one DICOM Part-10 file into a {@link DicomImage}; every defect is an IngestError naming the file and tag. */
async function readDicomImage(file: string): Promise<DicomImage> {
  const buf = await readFile(file);
  if (buf.length < 132 || buf.toString('latin1', 128, 132) !== 'DICM') {
    throw new IngestError(file, 'preamble', "not a DICOM Part-10 file (no 'DICM' at byte 128)");
  }
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  let ts: string | undefined;
  try {
    ts = dicomParser.readPart10Header(bytes).string(T.transferSyntax[0])?.trim();
  } catch (e) {
    throw new IngestError(file, 'file meta', `corrupt or truncated file (${describeThrown(e)})`);
  }
  if (ts === undefined) throw new IngestError(file, T.transferSyntax[1], 'missing from the file meta header (truncated file?)');
  if (!(ts in SUPPORTED_TS)) {
    throw new IngestError(file, T.transferSyntax[1], `${ts}${KNOWN_TS[ts] ? ` (${KNOWN_TS[ts]})` : ''} is not supported: only uncompressed little endian (1.2.840.10008.1.2, 1.2.840.10008.1.2.1)`);
  }
  let ds: DataSet;
  try {
    ds = dicomParser.parseDicom(bytes);
  } catch (e) {
    throw new IngestError(file, 'dataset', `corrupt or truncated file (${describeThrown(e)})`);
  }
  if (uint16(ds, 'samples', file, 1) !== 1) throw new IngestError(file, T.samples[1], 'only single-sample (grey-scale) images are supported');
  const frames = has(ds, 'frames') ? Number(ds.intString(T.frames[0])) : 1;
  if (frames !== 1) throw new IngestError(file, T.frames[1], `${frames} frames: multi-frame (enhanced) DICOM is not supported`);
  const rows = uint16(ds, 'rows', file);
  const cols = uint16(ds, 'cols', file);
  const imageType = has(ds, 'imageType') ? (ds.string(T.imageType[0]) ?? '').split('\\').map((s) => s.trim()) : [];
  return {
    file,
    series: ds.string(T.series[0])?.trim(),
    rows,
    cols,
    TE: numbers(ds, 'echoTime', 1, file)[0]!,
    ipp: numbers(ds, 'ipp', 3, file),
    iop: numbers(ds, 'iop', 6, file),
    spacing: numbers(ds, 'spacing', 2, file),
    sliceSpacing: optionalNumber(ds, 'sliceSpacing', file),
    thickness: optionalNumber(ds, 'thickness', file),
    imageType,
    pixels: readPixels(ds, file, rows, cols),
  };
}

const dot = (a: number[], b: number[]): number => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
const cross = (a: number[], b: number[]): number[] => [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
const maxDiff = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

/** Checks that `img` belongs to the same series and grid as `ref`. */
function checkSameGrid(img: DicomImage, ref: DicomImage): void {
  if (img.series !== ref.series) throw new IngestError(img.file, T.series[1], `${img.series ?? '(none)'} differs from ${ref.file} (${ref.series ?? '(none)'}): one series per folder`);
  if (img.rows !== ref.rows || img.cols !== ref.cols) {
    throw new IngestError(img.file, 'Rows/Columns (0028,0010/0011)', `${img.rows}x${img.cols} differs from ${ref.file} (${ref.rows}x${ref.cols})`);
  }
  if (maxDiff(img.iop, ref.iop) > DIR_TOL) throw new IngestError(img.file, T.iop[1], `[${img.iop.join(', ')}] differs from ${ref.file} [${ref.iop.join(', ')}]`);
  if (maxDiff(img.spacing, ref.spacing) > DIR_TOL) throw new IngestError(img.file, T.spacing[1], `[${img.spacing.join(', ')}] differs from ${ref.file} [${ref.spacing.join(', ')}]`);
}

/**
 * The voxel → RAS+ affine of the (slice, y, x) volume: x along the DICOM row direction, y against the
 * column direction (rows reversed, origin at the last DICOM row of the first slice), slice along
 * `sliceStep` (LPS mm per slice). LPS → RAS negates the first two world axes.
 */
function dicomAffine(ref: DicomImage, firstIpp: number[], sliceStep: number[]): number[][] {
  const row = ref.iop.slice(0, 3), col = ref.iop.slice(3, 6);
  const [dy, dx] = ref.spacing as [number, number];
  const origin = firstIpp.map((p, a) => p + (ref.rows - 1) * dy * col[a]!);
  const lps = [0, 1, 2].map((a) => [dx * row[a]!, -dy * col[a]!, sliceStep[a]!, origin[a]!]);
  return [...lps.map((r, a) => (a < 2 ? r.map((v) => (v === 0 ? 0 : -v)) : r)), [0, 0, 0, 1]];
}

/**
 * Reads a folder holding one DICOM series of magnitude images (one file per slice and echo) into an
 * {@link EchoVolume}.
 *
 * Every file in the folder must be a DICOM Part-10 image (names starting with '.' and sub-folders are
 * skipped) of one series, with the same Rows/Columns, ImageOrientationPatient and PixelSpacing. Only
 * uncompressed little-endian transfer syntaxes (implicit or explicit VR), one sample per pixel, 8/16/32
 * bits; value = stored · RescaleSlope + RescaleIntercept when present.
 *
 * Slices: files grouped by ImagePositionPatient (within 0.01 mm), ordered along the normal
 * n = row × column direction. Echoes: grouped by EchoTime (0018,0081, ms) and sorted. Every
 * (slice, echo) pair must be present exactly once.
 *
 * Orientation, chosen to equal dcm2niix (v1.0.20220720, verified bit for bit on the NIST folder):
 * x = DICOM column index, y = rows − 1 − DICOM row (rows reversed), so `echoes[e, k, y, x]` is the
 * same array {@link readNiftiEchoes} gives for dcm2niix's output. Affine (RAS+, mm):
 *   A = diag(−1, −1, 1) · [ dx·r | −dy·c | s | IPP₀ + (rows−1)·dy·c ]
 * with r, c the row and column directions, (dy, dx) = PixelSpacing, IPP₀ the first slice's position
 * and s the slice step ((IPP_last − IPP₀)/(slices − 1), or n times SpacingBetweenSlices, else
 * SliceThickness, for one slice as dcm2niix does).
 *
 * @param dir the series folder
 * @throws IngestError missing folder, non-DICOM or truncated file, unsupported transfer syntax,
 *   missing tag, mixed series/matrix/orientation, missing or duplicate (slice, TE) image
 */
export async function readDicomEchoes(dir: string): Promise<EchoVolume> {
  if ((await pathKind(dir)) !== 'dir') throw new IngestError(dir, 'path', 'not a folder (pass the folder holding the series)');
  const warnings: string[] = [];
  const files: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => naturalCompare(a.name, b.name))) {
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory()) warnings.push(`sub-folder ${e.name} skipped`);
    else files.push(join(dir, e.name));
  }
  if (files.length === 0) throw new IngestError(dir, 'path', 'folder holds no files');
  const images: DicomImage[] = [];
  for (const f of files) images.push(await readDicomImage(f));
  const ref = images[0]!;
  for (const img of images) checkSameGrid(img, ref);

  const normal = cross(ref.iop.slice(0, 3), ref.iop.slice(3, 6));
  const slices: { ipp: number[]; along: number }[] = [];
  const sliceOf = images.map((img) => {
    let k = slices.findIndex((s) => maxDiff(s.ipp, img.ipp) < POS_TOL_MM);
    if (k < 0) k = slices.push({ ipp: img.ipp, along: dot(img.ipp, normal) }) - 1;
    return slices[k]!;
  });
  const order = slices.slice().sort((a, b) => a.along - b.along);
  for (let k = 1; k < order.length; k++) {
    if (order[k]!.along - order[k - 1]!.along < POS_TOL_MM) {
      throw new IngestError(dir, T.ipp[1], `two slice positions [${order[k - 1]!.ipp.join(', ')}] and [${order[k]!.ipp.join(', ')}] lie in the same plane`);
    }
  }
  const TEs = [...new Set(images.map((i) => i.TE))].sort((a, b) => a - b);
  const nSlices = order.length, h = ref.rows, w = ref.cols;
  const grid: (DicomImage | undefined)[] = new Array(TEs.length * nSlices);
  images.forEach((img, i) => {
    const at = TEs.indexOf(img.TE) * nSlices + order.indexOf(sliceOf[i]!);
    const other = grid[at];
    if (other) throw new IngestError(img.file, T.echoTime[1], `duplicate TE ${img.TE} ms at the same ImagePositionPatient: also ${other.file}`);
    grid[at] = img;
  });
  const frames: EchoFrame[] = TEs.map((TE, e) => {
    const data = new Float32Array(nSlices * h * w);
    for (let k = 0; k < nSlices; k++) {
      const img = grid[e * nSlices + k];
      if (!img) {
        throw new IngestError(dir, T.echoTime[1], `no image for TE ${TE} ms at slice ${k} (ImagePositionPatient [${order[k]!.ipp.join(', ')}]): every slice needs every echo`);
      }
      data.set(img.pixels, k * h * w);
    }
    return { TE, file: grid[e * nSlices]!.file, teField: T.echoTime[1], data };
  });
  const { echoes, TE } = stackEchoes(frames, { slices: nSlices, height: h, width: w });

  let step: number[];
  if (nSlices > 1) {
    const first = order[0]!, last = order[nSlices - 1]!;
    step = first.ipp.map((p, a) => (last.ipp[a]! - p) / (nSlices - 1));
    const gap = (last.along - first.along) / (nSlices - 1);
    for (let k = 1; k < nSlices; k++) {
      const g = order[k]!.along - order[k - 1]!.along;
      if (Math.abs(g - gap) > POS_TOL_MM) {
        warnings.push(`uneven slice spacing (${g.toFixed(3)} mm between slices ${k - 1} and ${k}, mean ${gap.toFixed(3)} mm): the affine uses the mean`);
        break;
      }
    }
  } else {
    const ds = ref.sliceSpacing ?? ref.thickness;
    if (ds === undefined || !(ds > 0)) warnings.push('single slice without SpacingBetweenSlices or SliceThickness: 1 mm assumed');
    step = normal.map((v) => v * (ds !== undefined && ds > 0 ? ds : 1));
  }
  const notMagnitude = images.some((i) => ['P', 'PHASE', 'R', 'REAL', 'I', 'IMAGINARY'].includes(i.imageType[2]?.toUpperCase() ?? ''));
  return {
    echoes,
    shape: { echoes: TE.length, slices: nSlices, height: h, width: w },
    TE,
    voxelMm: [ref.spacing[1]!, ref.spacing[0]!, Math.hypot(step[0]!, step[1]!, step[2]!)],
    affine: dicomAffine(ref, order[0]!.ipp, step),
    magnitude: !notMagnitude && allNonNegative(echoes),
    source: { format: 'dicom', files },
    warnings,
  };
}

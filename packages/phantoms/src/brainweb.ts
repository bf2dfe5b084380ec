import { readNpy, type NdArray } from '@relaxomap/array-io';

/**
 * Labels of the BrainWeb crisp anatomical model (Collins et al. 1998, 10 classes) as stored in
 * MRiLab's BrainModel.mat: volume (216, 180, 180) uint8 at 1 mm, axial slice z = arr[:, :, z].
 * Axis 0 runs anterior → posterior, axis 2 superior → inferior (z = 0 is the vertex).
 */
export const BRAINWEB_LABELS = {
  BACKGROUND: 0, CSF: 1, GM: 2, WM: 3, FAT: 4, MUSCLE_SKIN: 5, SKIN: 6, SKULL: 7, GLIAL: 8, CONNECTIVE: 9,
} as const;

/** Voxel size of the BrainWeb volume, mm (isotropic). */
export const BRAINWEB_VOXEL_MM = 1;

/**
 * Recommended axial slices (1 mm indices, 0 = vertex), 10 mm apart through the lateral ventricles:
 * z = 80 bodies of the lateral ventricles in deep WM; z = 90 ventricles with trigones/occipital horns;
 * z = 100 frontal horns, third ventricle, thalami and basal ganglia. At 2 mm (108 × 90) each has
 * ~670-920 CSF, ~1700-2450 GM (incl. glial) and ~1750-2260 WM voxels.
 */
export const DEFAULT_AXIAL_SLICES: readonly number[] = Object.freeze([80, 90, 100]);

/** A stack of 2-D label images, C order (slice, y, x), y = row from the top. */
export interface LabelSlices {
  labels: Uint8Array;
  shape: [number, number, number];
  /** In-plane voxel size, mm. */
  voxelMm: number;
}

/**
 * Loads the BrainWeb 3-D label volume (`.npy` or `.npy.gz`), checking it is a 3-D uint8 array
 * with labels 0..9.
 *
 * @returns (216, 180, 180) uint8 in C order for the committed file
 */
export async function loadBrainWeb3D(path: string): Promise<NdArray<'uint8'>> {
  const arr = await readNpy(path);
  if (arr.dtype !== 'uint8') throw new Error(`${path}: BrainWeb labels must be uint8 (got ${arr.dtype})`);
  if (arr.shape.length !== 3) throw new Error(`${path}: BrainWeb labels must be 3-D (got shape [${arr.shape.join(', ')}])`);
  const data = arr.data as Uint8Array;
  for (let i = 0; i < data.length; i++) {
    if (data[i]! > 9) throw new Error(`${path}: label ${data[i]} at index ${i} is outside 0..9`);
  }
  return { dtype: 'uint8', shape: arr.shape, data };
}

/**
 * Downsamples each slice of a (slice, y, x) label stack by an integer factor f: each f×f block
 * becomes its most frequent label (majority vote, so labels stay labels — no averaging). Ties go
 * to the LOWEST label value (deterministic; e.g. background wins a 2–2 tie with WM at the edge).
 * Rows/columns beyond the last whole block are dropped: output (slice, ⌊ny/f⌋, ⌊nx/f⌋).
 */
export function downsampleMajority(labels: Uint8Array, shape: readonly [number, number, number], factor: number): { labels: Uint8Array; shape: [number, number, number] } {
  if (!Number.isInteger(factor) || factor < 1) throw new Error(`downsample must be an integer >= 1 (got ${factor})`);
  const [ns, ny, nx] = shape;
  if (labels.length !== ns * ny * nx) throw new Error(`labels length ${labels.length} does not match shape [${shape.join(', ')}]`);
  const oy = Math.floor(ny / factor);
  const ox = Math.floor(nx / factor);
  const out = new Uint8Array(ns * oy * ox);
  const counts = new Uint32Array(256);
  for (let s = 0; s < ns; s++) {
    for (let by = 0; by < oy; by++) {
      for (let bx = 0; bx < ox; bx++) {
        counts.fill(0);
        for (let dy = 0; dy < factor; dy++) {
          const row = (s * ny + by * factor + dy) * nx + bx * factor;
          for (let dx = 0; dx < factor; dx++) counts[labels[row + dx]!]!++;
        }
        let best = 0;
        for (let l = 1; l < 256; l++) if (counts[l]! > counts[best]!) best = l;
        out[(s * oy + by) * ox + bx] = best;
      }
    }
  }
  return { labels: out, shape: [ns, oy, ox] };
}

/**
 * Extracts axial slices z ∈ zList of a BrainWeb volume as (slice, y, x) with the brain upright
 * (anterior on the top row: row y = volume axis 0, column x = axis 1, checked by rendering), then
 * downsamples them by majority vote ({@link downsampleMajority}); factor 2 gives 108 × 90 at 2 mm.
 * Left–right is as stored in the file (not verified; the label anatomy is nearly symmetric).
 *
 * @param volume (216, 180, 180) uint8 from {@link loadBrainWeb3D}
 * @param zList axial indices, 0 = top of the head
 * @param downsample integer factor ≥ 1
 */
export function axialSlices(volume: NdArray<'uint8'>, zList: readonly number[], downsample: number): LabelSlices {
  if (volume.shape.length !== 3) throw new Error(`volume must be 3-D (got shape [${volume.shape.join(', ')}])`);
  const [ny, nx, nz] = volume.shape as [number, number, number];
  if (zList.length === 0) throw new Error('zList must name at least one slice');
  zList.forEach((z, i) => {
    if (!Number.isInteger(z) || z < 0 || z >= nz) throw new Error(`zList[${i}] must be an integer in 0..${nz - 1} (got ${z})`);
  });
  const full = new Uint8Array(zList.length * ny * nx);
  zList.forEach((z, s) => {
    for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) full[(s * ny + y) * nx + x] = volume.data[(y * nx + x) * nz + z]!;
  });
  const down = downsampleMajority(full, [zList.length, ny, nx], downsample);
  return { labels: down.labels, shape: down.shape, voxelMm: BRAINWEB_VOXEL_MM * downsample };
}

/**
 * Zero-pad (label 0 = background) label slices, centred, to an in-plane matrix of `height` × `width`
 * — e.g. BrainWeb's 217 × 181 axial slices at 1 mm to the paper's T2* matrix 224 × 210. The extra
 * row/column of an odd difference goes to the end.
 */
export function padSlices(slices: LabelSlices, height: number, width: number): LabelSlices {
  const [s, h, w] = slices.shape;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < h || width < w) {
    throw new Error(`pad_to: [${height}, ${width}] must be integers at least the slice size [${h}, ${w}]`);
  }
  const top = Math.floor((height - h) / 2);
  const left = Math.floor((width - w) / 2);
  const labels = new Uint8Array(s * height * width);
  for (let z = 0; z < s; z++) {
    for (let y = 0; y < h; y++) labels.set(slices.labels.subarray((z * h + y) * w, (z * h + y + 1) * w), (z * height + y + top) * width + left);
  }
  return { labels, shape: [s, height, width], voxelMm: slices.voxelMm };
}

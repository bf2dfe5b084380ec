/**
 * @relaxomap/ingest — reads real multi-echo scans (NIfTI series or 4-D, DICOM series, NumPy arrays
 * with a JSON sidecar, raw Cartesian k-space) into one in-memory {@link EchoVolume}: (echo, slice, y, x)
 * C-order Float32Array, TE in ms sorted ascending, voxel size and RAS+ affine. Bad input throws an
 * {@link IngestError} whose one-line message names the file and the field.
 */
export type { EchoFormat, EchoVolume } from './volume.js';
export { IngestError } from './errors.js';
export { readNiftiEchoes } from './nifti-series.js';
export { readDicomEchoes } from './dicom-series.js';
export { readNpyEchoes } from './npy-series.js';
export { kspaceMagnitude, readKspaceEchoes } from './kspace.js';
export { readEchoes } from './read-echoes.js';

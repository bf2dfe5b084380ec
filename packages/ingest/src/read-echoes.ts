import { readDicomEchoes } from './dicom-series.js';
import { IngestError } from './errors.js';
import { readKspaceEchoes } from './kspace.js';
import { readNiftiEchoes } from './nifti-series.js';
import { readNpyEchoes } from './npy-series.js';
import type { EchoFormat, EchoVolume } from './volume.js';

/**
 * Reads a multi-echo scan of any supported format into an {@link EchoVolume}
 * ((echo, slice, y, x) C-order Float32Array, TE in ms, sorted):
 * 'nifti' → {@link readNiftiEchoes}, 'dicom' → {@link readDicomEchoes}, 'npy' → {@link readNpyEchoes},
 * 'kspace' → {@link readKspaceEchoes}.
 *
 * For 'dicom', echo times come from the files; a given `opts.TE_ms` must then equal them (within
 * 1e-3 ms), so a caller's expectation is checked rather than silently ignored.
 */
export async function readEchoes(path: string, format: EchoFormat, opts: { TE_ms?: number[] } = {}): Promise<EchoVolume> {
  switch (format) {
    case 'nifti': return readNiftiEchoes(path, opts);
    case 'npy': return readNpyEchoes(path, opts);
    case 'kspace': return readKspaceEchoes(path, opts);
    case 'dicom': {
      const vol = await readDicomEchoes(path);
      const want = opts.TE_ms;
      if (want !== undefined && (want.length !== vol.TE.length || want.some((t, i) => !(Math.abs(t - vol.TE[i]!) <= 1e-3)))) {
        throw new IngestError(path, 'TE_ms', `[${want.join(', ')}] differs from the DICOM EchoTime values [${vol.TE.join(', ')}]`);
      }
      return vol;
    }
    default:
      throw new IngestError(path, 'format', `unknown format ${JSON.stringify(format)} (nifti, dicom, npy, kspace)`);
  }
}

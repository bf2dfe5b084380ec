import { fftStrided, planFft } from '@relaxomap/recon';
import { IngestError } from './errors.js';
import { loadNpy, readNpySidecar, volumeFromArray } from './npy-series.js';
import type { EchoVolume } from './volume.js';

/**
 * Magnitude images of Cartesian k-space, as numpy computes `abs(fftshift(ifft2(k)))` per 2-D frame:
 *
 *   img[y, x] = | (1/(H·W)) Σ_{p,r} k[p, r] · exp(+2πi (p·y'/H + r·x'/W)) |,
 *   y' = (y − ⌊H/2⌋) mod H,  x' = (x − ⌊W/2⌋) mod W   (fftshift over both axes)
 *
 * Maths in float64, result rounded to float32.
 *
 * @param k interleaved complex (re, im) Float32Array, shape (frames, H, W) C order (length 2·frames·H·W)
 * @returns Float32Array (frames, H, W) C order
 */
export function kspaceMagnitude(k: Float32Array, frames: number, height: number, width: number): Float32Array {
  const n = height * width;
  if (k.length !== 2 * frames * n) throw new Error(`k-space length ${k.length} must be 2·${frames}·${height}·${width}`);
  const planW = planFft(width), planH = planFft(height);
  const frame = new Float64Array(2 * n);
  const rowsDone = new Float64Array(2 * n);
  const column = new Float64Array(2 * height);
  const out = new Float32Array(frames * n);
  const scale = 1 / n;
  const shiftY = Math.floor(height / 2), shiftX = Math.floor(width / 2);
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < 2 * n; i++) frame[i] = k[2 * f * n + i]!;
    for (let p = 0; p < height; p++) fftStrided(planW, true, frame, p * width, 1, rowsDone, p * width);
    for (let x = 0; x < width; x++) {
      fftStrided(planH, true, rowsDone, x, width, column, 0);
      const xo = (x + shiftX) % width;
      for (let y = 0; y < height; y++) {
        const yo = (y + shiftY) % height;
        out[f * n + yo * width + xo] = Math.hypot(column[2 * y]!, column[2 * y + 1]!) * scale;
      }
    }
  }
  return out;
}

/** The only recon this reader implements, spaces removed, `k[e]` / `k` both accepted. */
const SUPPORTED_RECON = /abs\(fftshift\(ifft2\(k(\[[a-z,:\s]*\])?\)\)\)/;

/**
 * Reads raw Cartesian k-space (complex64 `.npy` / `.npy.gz`, shape (echo, pe, ro) or
 * (echo, slice, pe, ro), C order) and its sidecar `<stem>.json`, and reconstructs magnitude echo
 * images `image_e = abs(fftshift(ifft2(k[e])))` with numpy's conventions (ifft2 normalised by
 * 1/(pe·ro); fftshift moves index 0 to ⌊N/2⌋), see {@link kspaceMagnitude}. Rows y = pe, columns x = ro.
 *
 * Sidecar keys as for {@link readNpyEchoes} (`axes` may say pe/ro, `TE_ms`, `pixel_mm`, `slice_mm`);
 * a `recon` key must describe that same reconstruction (else IngestError), a missing one is assumed
 * with a warning. `magnitude` is always true.
 *
 * @throws IngestError missing file, dtype not complex64, bad axes, unsupported recon, TE problems,
 *   non-finite k-space sample
 */
export async function readKspaceEchoes(npyPath: string, opts: { TE_ms?: number[] } = {}): Promise<EchoVolume> {
  const arr = await loadNpy(npyPath);
  if (arr.dtype !== 'complex64') throw new IngestError(npyPath, 'dtype', `${arr.dtype}: k-space must be complex64`);
  const info = await readNpySidecar(npyPath, arr.shape, opts);
  const recon = info.side?.recon;
  if (recon === undefined) {
    info.warnings.push('no recon in sidecar: abs(fftshift(ifft2(k))) assumed');
  } else if (typeof recon !== 'string' || !SUPPORTED_RECON.test(recon.replace(/\s+/g, '').replace(/np\.(fft\.)?/g, ''))) {
    throw new IngestError(info.sidecar, 'recon', `${JSON.stringify(recon)} is not supported: only abs(fftshift(ifft2(k))) is implemented`);
  }
  const { echoes, slices, height, width } = info.dims;
  const n = height * width;
  const k = arr.data as Float32Array;
  for (let i = 0; i < k.length; i++) {
    if (!Number.isFinite(k[i]!)) {
      const c = i >> 1, f = Math.floor(c / n);
      throw new IngestError(npyPath, 'data', `non-finite k-space sample (${k[i]}) at echo ${Math.floor(f / slices)}, slice ${f % slices}, pe ${Math.floor((c % n) / width)}, ro ${c % width}`);
    }
  }
  const mag = kspaceMagnitude(k, echoes * slices, height, width);
  return volumeFromArray(mag, info, npyPath, 'kspace', true);
}

/**
 * Numerical phantom for the MR-fingerprinting study (Gao et al., Fig. 5): BrainWeb labels → T1, T2
 * and proton-density maps with the same smooth within-tissue texture as the T2 phantom
 * ({@link simulateT2Phantom}), on a square matrix (the label image zero-padded, centred) so that a
 * spiral of `matrix` pixels covers it.
 */
import { checkTextureAndSeed, tissueTexture, type TextureParams } from './simulate.js';
import { TISSUE, type TissueName } from './tissues.js';

/** Relaxation times (ms) and relative proton density of one tissue. */
export interface MrfTissueProps {
  T1: number;
  T2: number;
  PD: number;
}

export interface MrfPhantomParams {
  tissues: Record<TissueName, MrfTissueProps>;
  texture: TextureParams;
  seed: number;
}

export interface MrfPhantom {
  /** T1 in ms, 0 outside the brain. (slice, y, x), Float32Array. */
  t1: Float32Array;
  /** T2 in ms, 0 outside the brain. (slice, y, x), Float32Array. */
  t2: Float32Array;
  /** Proton density, max = 1, 0 outside the brain. (slice, y, x), Float32Array. */
  pd: Float32Array;
  /** {@link TISSUE} codes: 0 background, 1 CSF, 2 GM, 3 WM. (slice, y, x). */
  tissue: Uint8Array;
  shape: [number, number, number];
}

/**
 * White matter, grey matter and CSF at 3 T as often quoted (Wansapura et al. 1999; Lu et al. 2005;
 * Piechnik et al. 2009): WM T1 832 / T2 80 ms, GM 1331 / 110 ms, CSF 3800 / 1000 ms; PD 0.7 / 0.8 / 1.
 */
export const MRF_TISSUES_3T: Readonly<Record<TissueName, Readonly<MrfTissueProps>>> = Object.freeze({
  WM: Object.freeze({ T1: 832, T2: 80, PD: 0.7 }),
  GM: Object.freeze({ T1: 1331, T2: 110, PD: 0.8 }),
  CSF: Object.freeze({ T1: 3800, T2: 1000, PD: 1 }),
});

/**
 * Zero-pad each (y, x) slice of a (slice, y, x) stack to (size, size), centred: the input's row 0 lands
 * on row floor((size − ny)/2) (likewise for columns).
 *
 * @param data (slice, y, x) C order, any typed array (labels, maps)
 * @returns the padded stack (slice, size, size), the same array type, and its shape
 * @throws Error naming `matrix` when size is smaller than ny or nx
 */
export function padToSquare<T extends Uint8Array | Float32Array>(
  data: T, shape: readonly [number, number, number], size: number,
): { data: T; shape: [number, number, number] } {
  const [ns, ny, nx] = shape;
  if (data.length !== ns * ny * nx) throw new Error(`data length ${data.length} does not match shape [${shape.join(', ')}]`);
  if (!Number.isInteger(size) || size < ny || size < nx) {
    throw new Error(`matrix must be an integer >= the image size ${ny}×${nx} (got ${size})`);
  }
  const out = new (data.constructor as new (n: number) => T)(ns * size * size);
  const oy = Math.floor((size - ny) / 2);
  const ox = Math.floor((size - nx) / 2);
  for (let s = 0; s < ns; s++) {
    for (let y = 0; y < ny; y++) {
      out.set(data.subarray((s * ny + y) * nx, (s * ny + y + 1) * nx) as unknown as ArrayLike<number>, (s * size + oy + y) * size + ox);
    }
  }
  return { data: out, shape: [ns, size, size] };
}

function checkParams(p: MrfPhantomParams): void {
  for (const name of ['WM', 'GM', 'CSF'] as const) {
    const t = p.tissues?.[name];
    if (!t) throw new Error(`params.tissues.${name} is missing`);
    for (const key of ['T1', 'T2', 'PD'] as const) {
      if (!(Number.isFinite(t[key]) && t[key] > 0)) throw new Error(`params.tissues.${name}.${key} must be a positive number (got ${t[key]})`);
    }
  }
  checkTextureAndSeed(p.texture, p.seed);
}

/**
 * MRF phantom on BrainWeb label slices:
 *
 *   T1(r) = T1_tissue(r)·(1 + a·g_T1(r)),  T2(r) = T2_tissue(r)·(1 + a·g_T2(r)),
 *   PD(r) = PD_tissue(r)·(1 + a·g_PD(r)) / max_r(…)            (so max PD = 1)
 *
 * with g_T2, g_PD, g_T1 independent smooth random fields (white noise ⊛ Gaussian of σ = correlationMm,
 * mean 0 and unit standard deviation over the brain) drawn from `seed` in that order — g_T2 and g_PD
 * are the fields {@link simulateT2Phantom} draws for the same seed and shape — and every factor floored
 * at {@link MIN_TEXTURE_FACTOR}. Only CSF, GM and WM (glial → GM) carry signal ({@link brainWebToTissue}).
 *
 * @param labels BrainWeb labels (slice, y, x) uint8, e.g. from axialSlices (then {@link padToSquare})
 * @param shape [slice, y, x]
 * @param params tissue T1/T2 (ms) / PD table, texture, integer seed
 * @returns t1, t2 (ms), pd, tissue codes, all (slice, y, x) C order
 */
export function simulateMrfPhantom(labels: Uint8Array, shape: readonly [number, number, number], params: MrfPhantomParams): MrfPhantom {
  checkParams(params);
  const n = shape[0] * shape[1] * shape[2];
  const { tissue, fields: [gT2, gPD, gT1], factor } = tissueTexture(labels, shape, params.texture, params.seed, 3);

  const byCode: (MrfTissueProps | null)[] = [null, params.tissues.CSF, params.tissues.GM, params.tissues.WM];
  const t1 = new Float32Array(n);
  const t2 = new Float32Array(n);
  const pd = new Float32Array(n);
  let maxPD = 0;
  for (let i = 0; i < n; i++) {
    const props = byCode[tissue[i]!];
    if (!props) continue;
    t1[i] = props.T1 * factor(gT1![i]!);
    t2[i] = props.T2 * factor(gT2![i]!);
    pd[i] = props.PD * factor(gPD![i]!);
    if (pd[i]! > maxPD) maxPD = pd[i]!; // the stored float32, so the max becomes exactly 1
  }
  for (let i = 0; i < n; i++) pd[i] = pd[i]! / maxPD;
  return { t1, t2, pd, tissue, shape: [shape[0], shape[1], shape[2]] };
}

import { BRAINWEB_LABELS } from './brainweb.js';
import { createRng } from '@relaxomap/physics';
import { smoothRandomField } from './texture.js';
import { TISSUE, type TissueName, type TissueProps } from './tissues.js';

/** Within-tissue variation: multiplicative smooth texture. */
export interface TextureParams {
  /** Relative amplitude a: parameters are scaled by (1 + a·g), g of unit standard deviation (0.1 = ±10 %). */
  amplitude: number;
  /** Standard deviation of the Gaussian smoothing kernel applied to white noise, mm (0 = white). */
  correlationMm: number;
  /** In-plane voxel size of the label slices, mm (converts correlationMm to voxels). */
  voxelMm: number;
}

export interface T2PhantomParams {
  tissues: Record<TissueName, TissueProps>;
  texture: TextureParams;
  seed: number;
}

export interface T2Phantom {
  /** Proton density, max = 1, 0 outside the brain. (slice, y, x), Float32Array. */
  m0: Float32Array;
  /** T2 in ms, 0 outside the brain. (slice, y, x), Float32Array. */
  t2: Float32Array;
  /** {@link TISSUE} codes: 0 background, 1 CSF, 2 GM, 3 WM. (slice, y, x). */
  tissue: Uint8Array;
  shape: [number, number, number];
}

/** Default texture: ±10 % with a 4 mm kernel on 2 mm voxels. */
export const DEFAULT_TEXTURE: Readonly<TextureParams> = Object.freeze({ amplitude: 0.1, correlationMm: 4, voxelMm: 2 });

/**
 * Lower bound on the texture factor (1 + a·g): keeps T2 and PD positive even for large a.
 * With a = 0.1 it would need g < −9.5 and is never reached.
 */
export const MIN_TEXTURE_FACTOR = 0.05;

/**
 * Maps BrainWeb labels to phantom tissues — a skull-stripped brain: CSF (1) → CSF, GM (2) → GM,
 * WM (3) → WM, and Glial matter (8) → GM. Label 8 is the one-voxel lining of the lateral
 * ventricles and the septum pellucidum (~6000 of 7 million voxels): brain tissue, not fluid, and
 * closer in T2 to GM than to WM; folding it into GM avoids holes in the ventricle walls.
 * Everything else (fat, muscle, skin, skull, connective tissue, background) → background.
 */
export function brainWebToTissue(labels: Uint8Array): Uint8Array {
  const map = new Uint8Array(256);
  map[BRAINWEB_LABELS.CSF] = TISSUE.CSF;
  map[BRAINWEB_LABELS.GM] = TISSUE.GM;
  map[BRAINWEB_LABELS.WM] = TISSUE.WM;
  map[BRAINWEB_LABELS.GLIAL] = TISSUE.GM;
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = map[labels[i]!]!;
  return out;
}

function checkParams(p: T2PhantomParams): void {
  for (const name of ['WM', 'GM', 'CSF'] as const) {
    const t = p.tissues?.[name];
    if (!t) throw new Error(`params.tissues.${name} is missing`);
    if (!(Number.isFinite(t.T2) && t.T2 > 0)) throw new Error(`params.tissues.${name}.T2 must be a positive number of ms (got ${t.T2})`);
    if (!(Number.isFinite(t.PD) && t.PD > 0)) throw new Error(`params.tissues.${name}.PD must be a positive number (got ${t.PD})`);
  }
  checkTextureAndSeed(p.texture, p.seed);
}

/**
 * Shared by the T2 and MRF phantoms: the tissue codes of the labels and `count` smooth texture
 * fields drawn from `seed` in a fixed order (g_T2, g_PD, then g_T1), so that one seed gives both
 * phantoms the same T2/PD texture; `factor(g)` = max(1 + a·g, {@link MIN_TEXTURE_FACTOR}).
 */
export function tissueTexture(
  labels: Uint8Array, shape: readonly [number, number, number], texture: TextureParams, seed: number, count: number,
): { tissue: Uint8Array; fields: Float32Array[]; factor: (g: number) => number } {
  const n = shape[0] * shape[1] * shape[2];
  if (labels.length !== n) throw new Error(`labels length ${labels.length} does not match shape [${shape.join(', ')}]`);
  const tissue = brainWebToTissue(labels);
  if (!tissue.some((t) => t !== TISSUE.BACKGROUND)) throw new Error('labels contain no CSF, GM or WM voxel');
  const rng = createRng(seed);
  const sigmaVox = texture.correlationMm / texture.voxelMm;
  const fields = Array.from({ length: count }, () => smoothRandomField(shape, sigmaVox, rng, tissue));
  return { tissue, fields, factor: (g) => Math.max(1 + texture.amplitude * g, MIN_TEXTURE_FACTOR) };
}

/** Shared by the T2 and MRF phantoms: the texture params and the seed, errors naming the field. */
export function checkTextureAndSeed(tx: TextureParams | undefined, seed: number): void {
  if (!tx) throw new Error('params.texture is missing');
  if (!(Number.isFinite(tx.amplitude) && tx.amplitude >= 0)) throw new Error(`params.texture.amplitude must be >= 0 (got ${tx.amplitude})`);
  if (!(Number.isFinite(tx.correlationMm) && tx.correlationMm >= 0)) throw new Error(`params.texture.correlationMm must be >= 0 (got ${tx.correlationMm})`);
  if (!(Number.isFinite(tx.voxelMm) && tx.voxelMm > 0)) throw new Error(`params.texture.voxelMm must be > 0 (got ${tx.voxelMm})`);
  if (!Number.isInteger(seed)) throw new Error(`params.seed must be an integer (got ${seed})`);
}

/**
 * Numerical T2 phantom on BrainWeb label slices:
 *
 *   T2(r) = T2_tissue(r) · (1 + a·g_T2(r)),   PD(r) = PD_tissue(r) · (1 + a·g_PD(r)),
 *   M0(r) = PD(r) / max_r PD(r),
 *
 * with g_T2, g_PD independent smooth random fields (white noise ⊛ Gaussian of σ = correlationMm,
 * mean 0, unit standard deviation over the brain; {@link smoothRandomField}) drawn from `seed`
 * in that order, and the factor (1 + a·g) floored at {@link MIN_TEXTURE_FACTOR}. Only CSF, GM and
 * WM carry signal ({@link brainWebToTissue}); elsewhere M0 = T2 = 0.
 *
 * @param labels BrainWeb labels (slice, y, x) uint8, e.g. from axialSlices
 * @param shape [slice, y, x]
 * @param params tissue T2 (ms) / PD table, texture, integer seed
 * @returns m0, t2 (ms), tissue codes, all (slice, y, x) C order
 */
export function simulateT2Phantom(labels: Uint8Array, shape: readonly [number, number, number], params: T2PhantomParams): T2Phantom {
  checkParams(params);
  const n = shape[0] * shape[1] * shape[2];
  const { tissue, fields: [gT2, gPD], factor } = tissueTexture(labels, shape, params.texture, params.seed, 2);

  const byCode: (TissueProps | null)[] = [null, params.tissues.CSF, params.tissues.GM, params.tissues.WM];
  const t2 = new Float32Array(n);
  const m0 = new Float32Array(n);
  let maxPD = 0;
  for (let i = 0; i < n; i++) {
    const props = byCode[tissue[i]!];
    if (!props) continue;
    t2[i] = props.T2 * factor(gT2![i]!);
    m0[i] = props.PD * factor(gPD![i]!);
    if (m0[i]! > maxPD) maxPD = m0[i]!; // the stored float32, so the max becomes exactly 1
  }
  for (let i = 0; i < n; i++) m0[i] = m0[i]! / maxPD;
  return { m0, t2, tissue, shape: [shape[0], shape[1], shape[2]] };
}

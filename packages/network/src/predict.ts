/**
 * Inference of a trained T2 network on a whole volume, one slice at a time (bounded memory): from
 * weights (e.g. {@link loadTfjsWeights} or `TrainT2Result.weights`) and echoes to (M0, T2) maps.
 * Optionally tiled: overlapping patches of the training patch size, blended, so that instance
 * normalisation sees the same field of view at inference as in patch training.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendPreference } from './backend.js';
import { createT2Net, type T2Net } from './model.js';
import { setWeights, type NetWeights } from './weights.js';

/** The architecture of a T2 network (what, with its weights, defines it). */
export interface T2NetSpec {
  /** Input echoes (channels). */
  echoes: number;
  /** Feature channels. */
  width: number;
  /** Residual blocks. */
  blocks: number;
  /** T2 bounds of the output head, ms. */
  t2Range: [number, number];
}

/** Tiled inference: square tiles of `size` pixels overlapping by `overlap` pixels, blended. */
export interface TileOptions {
  size: number;
  overlap: number;
}

/** Options of {@link predictT2} (and {@link predictT2Parallel}). */
export interface PredictT2Options {
  /** Trained weights by variable name (shapes must fit `net`). */
  weights: NetWeights;
  net: T2NetSpec;
  /** Magnitude echo images, (echo, slice, y, x) C order. */
  echoes: Float32Array;
  shape: { echoes: number; slices: number; height: number; width: number };
  /**
   * The input is divided by it, as in training; default: the maximum of `echoes` (what
   * trainT2Net uses — pass `TrainT2Result.scale` to reproduce a training run's maps exactly).
   */
  scale?: number;
  /** Default 'auto' (see initBackend). */
  backend?: BackendPreference;
  /** Predict on blended tiles instead of whole slices (see {@link TileOptions}). */
  tile?: TileOptions;
}

/** Maps of {@link predictT2}: (slice, y, x) C order. */
export interface PredictT2Result {
  /** In the units of the input echoes. */
  m0: Float32Array;
  /** ms. */
  t2: Float32Array;
  /** The scale the input was divided by. */
  scale: number;
  /** Threads (workers) that predicted; 1 for {@link predictT2}. */
  threads: number;
  /** Backend name. */
  backend: string;
}

/** Throws naming the field; returns the scale to use. */
export function validatePredict(o: PredictT2Options): number {
  const { echoes: E, slices: S, height: H, width: W } = o.shape ?? ({} as PredictT2Options['shape']);
  for (const [k, v] of Object.entries({ echoes: E, slices: S, height: H, width: W })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`shape.${k}: must be a positive integer, got ${v}`);
  }
  if (!(o.echoes instanceof Float32Array)) throw new Error('echoes: must be a Float32Array');
  if (o.echoes.length !== E * S * H * W) throw new Error(`echoes: length ${o.echoes.length} is not echoes·slices·height·width = ${E * S * H * W}`);
  if (o.net?.echoes !== E) throw new Error(`net.echoes: the network takes ${o.net?.echoes} echoes, the data has ${E}`);
  if (o.tile !== undefined) {
    if (!Number.isInteger(o.tile.size) || o.tile.size < 1) throw new Error(`tile.size: must be a positive integer, got ${o.tile.size}`);
    if (!Number.isInteger(o.tile.overlap) || o.tile.overlap < 0 || o.tile.overlap >= o.tile.size) {
      throw new Error(`tile.overlap: must be an integer in [0, tile.size), got ${o.tile.overlap}`);
    }
  }
  if (o.scale !== undefined) {
    if (!(o.scale > 0 && Number.isFinite(o.scale))) throw new Error(`scale: must be a finite number > 0, got ${o.scale}`);
    return o.scale;
  }
  let scale = 0;
  for (let i = 0; i < o.echoes.length; i++) {
    const v = o.echoes[i]!;
    if (!Number.isFinite(v)) throw new Error(`echoes: non-finite value at index ${i}`);
    if (v > scale) scale = v;
  }
  if (!(scale > 0)) throw new Error('echoes: maximum must be > 0');
  return scale;
}

/**
 * One slice of (echo, slice, y, x) data as the network's input: (y, x, echo) C order, divided by
 * `scale` (the same values trainT2Net feeds the network).
 */
export function sliceInput(echoes: Float32Array, shape: { echoes: number; slices: number; height: number; width: number }, slice: number, scale: number): Float32Array {
  const { echoes: E, slices: S, height: H, width: W } = shape;
  const hw = H * W;
  const out = new Float32Array(hw * E);
  for (let e = 0; e < E; e++) {
    const base = (e * S + slice) * hw;
    for (let i = 0; i < hw; i++) out[i * E + e] = echoes[base + i]! / scale;
  }
  return out;
}

/** (M0 × scale, T2) of one input slice (1, H, W, echoes), as the training loop predicts them. */
export async function predictSlice(net: T2Net, x: tf.Tensor4D, scale: number): Promise<{ m0: Float32Array; t2: Float32Array }> {
  const out = tf.tidy(() => {
    const r = net.apply(x);
    return [tf.mul(r.m0, scale), r.t2];
  });
  const m0 = (await out[0]!.data()) as Float32Array;
  const t2 = (await out[1]!.data()) as Float32Array;
  tf.dispose(out);
  return { m0, t2 };
}

/** Start positions of tiles of length `t` (≤ n) overlapping by `overlap`, the last flush with the end. */
export function tileStarts(n: number, t: number, overlap: number): number[] {
  if (t >= n) return [0];
  const stride = Math.max(1, t - overlap);
  const starts: number[] = [];
  for (let p = 0; p + t < n; p += stride) starts.push(p);
  starts.push(n - t);
  return starts;
}

/** Blending weight along a tile of length t: a tent, min(i + 1, t − i), positive everywhere. */
function tent(t: number): Float64Array {
  return Float64Array.from({ length: t }, (_, i) => Math.min(i + 1, t - i));
}

/**
 * Pixels per forward pass of tiles (bounds memory: a forward pass keeps all its activations until
 * it returns; 2^16 ≈ 1.4 × a 224×210 slice: 4 tiles of 128², 16 of 64²).
 */
const TILE_BATCH_PIXELS = 1 << 16;

/**
 * Tiled prediction of one slice: tiles of min(size, H) × min(size, W) at {@link tileStarts}, each
 * normalised on its own (instance norm per tile, as in patch training), blended with separable
 * tent weights w(i)·w(j): map = Σ_tiles w·map_tile / Σ_tiles w (M0 and T2 alike).
 */
export async function predictSliceTiled(net: T2Net, x: tf.Tensor4D, scale: number, tile: TileOptions): Promise<{ m0: Float32Array; t2: Float32Array }> {
  const [, H, W, E] = x.shape;
  const th = Math.min(tile.size, H);
  const tw = Math.min(tile.size, W);
  const ys = tileStarts(H, th, tile.overlap);
  const xs = tileStarts(W, tw, tile.overlap);
  const wy = tent(th);
  const wx = tent(tw);
  const m0 = new Float64Array(H * W);
  const t2 = new Float64Array(H * W);
  const wsum = new Float64Array(H * W);
  const corners = ys.flatMap((y0) => xs.map((x0) => [y0, x0] as const));
  const perPass = Math.max(1, Math.floor(TILE_BATCH_PIXELS / (th * tw)));
  for (let b = 0; b < corners.length; b += perPass) {
    const batch = corners.slice(b, b + perPass);
    const input = tf.tidy(() => tf.concat(batch.map(([y0, x0]) => tf.slice(x, [0, y0, x0, 0], [1, th, tw, E])), 0) as tf.Tensor4D);
    const r = await predictSlice(net, input, scale);
    input.dispose();
    batch.forEach(([y0, x0], k) => {
      for (let i = 0; i < th; i++) {
        for (let j = 0; j < tw; j++) {
          const w = wy[i]! * wx[j]!;
          const src = (k * th + i) * tw + j;
          const dst = (y0 + i) * W + x0 + j;
          m0[dst] += w * r.m0[src]!;
          t2[dst] += w * r.t2[src]!;
          wsum[dst] += w;
        }
      }
    });
  }
  return {
    m0: Float32Array.from(m0, (v, i) => v / wsum[i]!),
    t2: Float32Array.from(t2, (v, i) => v / wsum[i]!),
  };
}

/** A T2 network of architecture `spec` holding `weights` (seed irrelevant: every variable is overwritten). */
export function t2NetWithWeights(spec: T2NetSpec, weights: NetWeights): T2Net {
  const net = createT2Net({ echoes: spec.echoes, width: spec.width, blocks: spec.blocks, seed: 0, t2Range: spec.t2Range });
  try {
    setWeights(net.variables, weights, 'weights');
  } catch (err) {
    net.dispose();
    throw err;
  }
  return net;
}

/**
 * Maps of a trained T2 network for every slice, in this thread, one slice at a time:
 * x = echoes / scale as (1, H, W, echoes) → (M0, T2) (see {@link createT2Net}); M0 × scale.
 * With `tile`, each slice is predicted by {@link predictSliceTiled}. Leaves no tensors behind.
 *
 * @returns m0 (data units) and t2 (ms), (slice, y, x) C order
 */
export async function predictT2(opts: PredictT2Options): Promise<PredictT2Result> {
  const scale = validatePredict(opts);
  const info = await initBackend(opts.backend ?? 'auto');
  const { slices: S, height: H, width: W, echoes: E } = opts.shape;
  const net = t2NetWithWeights(opts.net, opts.weights);
  const m0 = new Float32Array(S * H * W);
  const t2 = new Float32Array(S * H * W);
  try {
    for (let s = 0; s < S; s++) {
      const x = tf.tensor4d(sliceInput(opts.echoes, opts.shape, s, scale), [1, H, W, E]);
      try {
        const r = opts.tile === undefined ? await predictSlice(net, x, scale) : await predictSliceTiled(net, x, scale, opts.tile);
        m0.set(r.m0, s * H * W);
        t2.set(r.t2, s * H * W);
      } finally {
        x.dispose();
      }
    }
  } finally {
    net.dispose();
  }
  return { m0, t2, scale, threads: 1, backend: info.name };
}

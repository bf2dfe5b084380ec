/**
 * Scan-specific, unsupervised training of the T2 network on one subject's multi-echo images
 * (Gao et al.): the loss compares the echoes re-synthesised from the predicted (M0, T2) with the
 * measured echoes; no reference maps are used.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend.js';
import { DEFAULT_SLICES_PER_STEP, loopConfig, runTrainingLoop, sha256Of, validateTrainingOptions, type TrainingOptions, type TrainingRunInfo } from './loop.js';
import { echoLoss, type LossName } from './losses.js';
import { createT2Net, synthesize, type T2Net } from './model.js';
import { blindSpotFill, type Check, type CheckMaps } from './stopping.js';
import type { NamedArray } from './checkpoint.js';
import { PATCH_SAMPLER, cropPatches, patchExtent, patchesOfStep, validatePatch, type PatchOptions } from './patches.js';
import { predictSlice, predictSliceTiled, type TileOptions } from './predict.js';
import { predictT2Parallel } from './parallel.js';
import { getWeights, setWeights, weightsHash, type NetWeights } from './weights.js';

export { DEFAULT_SLICES_PER_STEP, lrFactor, slicesOfStep } from './loop.js';

/** Layout of the echo data: (echo, slice, y, x), C order. */
export interface EchoShape {
  echoes: number;
  slices: number;
  height: number;
  width: number;
}

/**
 * Maps predicted during training (see {@link TrainT2Options.checks}); `elapsedMs` is training wall
 * time (check inference excluded), `maps` M0 in data units and T2 in ms, (slice, y, x).
 */
export interface TrainCheck extends Check {
  /** Loss of the last step. */
  loss: number;
}

/** Options of {@link trainT2Net} (the shared ones: {@link TrainingOptions}). */
export interface TrainT2Options extends TrainingOptions<CheckMaps> {
  /** Magnitude echo images, (echo, slice, y, x) C order, any non-negative units. */
  echoes: Float32Array;
  shape: EchoShape;
  /** Echo times in ms, one per echo. */
  TE: number[];
  /** T2 bounds of the output head in ms, [min, max]. */
  t2Range: [number, number];
  /** Residual blocks (paper: 9) and feature width (channels). */
  net: { blocks: number; width: number };
  /** Loss between synthesised and measured echoes (paper: 'ssim' for T2 / T2*). */
  loss: LossName;
  /**
   * Samples held out of training, (echo, slice, y, x), 1 = held out (see heldOutMask): excluded
   * from the loss and replaced in the network's input by the mean of their kept neighbours
   * ({@link blindSpotFill}), so that their prediction error measures generalisation (the held-out
   * stopping rule).
   */
  heldOut?: Uint8Array;
  /**
   * Train on patches instead of whole slices: each step takes `perStep` random size×size patches
   * from all slices ({@link patchesOfStep}: slice and corner drawn from (seed, step), so a run and
   * its resume are reproducible), the held-out mask cropped identically; `slicesPerStep` is then
   * unused. Maps are still predicted on whole slices (or tiles, see `inferenceTile`). Recorded in
   * the checkpoint configuration.
   */
  patch?: PatchOptions;
  /**
   * Start from these weights instead of the seeded initialisation (fine-tuning a pre-trained
   * network); names and shapes must match the network exactly (else a one-line error naming the
   * variable). Their hash is part of the checkpoint configuration.
   */
  initialWeights?: NetWeights;
  /**
   * Predict the final maps on this many worker threads ({@link predictT2Parallel}); default 1 (in
   * this thread). The maps are the same bit for bit.
   */
  inferenceThreads?: number;
  /**
   * Predict maps (checks and final) on blended tiles instead of whole slices
   * ({@link predictSliceTiled}). After patch training use the patch size, overlap half: instance
   * norm then sees the field of view it was trained on (measured on a BrainWeb T2* simulation,
   * 224×210, 128² patches, 1000 steps: WM+GM T2* RMSE 6.7 ms tiled vs 13.6 ms on whole slices).
   */
  inferenceTile?: TileOptions;
  /** false: skip the final maps (m0 and t2 come back empty), e.g. pre-training for the weights only. Default true. */
  returnMaps?: boolean;
}

/** Result of {@link trainT2Net}. */
export interface TrainT2Result extends TrainingRunInfo {
  /** (slice, y, x), in the units of the input echoes. */
  m0: Float32Array;
  /** (slice, y, x), ms. */
  t2: Float32Array;
  /**
   * The trained weights by variable name (the weight average when `emaDecay` is set: the weights
   * the maps come from), e.g. for {@link saveTfjsWeights} or as `initialWeights` of a fine-tuning.
   */
  weights: Map<string, NamedArray>;
  /** The input was divided by it (the echoes' maximum); M0 is in the echoes' units. */
  scale: number;
}

/**
 * Recommended training settings for 3 slices of ~108×90 on a 2-core CPU (wasm), measured on
 * simulated 4-echo T2 data (STOPPING.md, package README): 4 residual blocks (9, the paper's, needed ~400 s
 * for the RMSE 4 blocks reached in ~205 s), width 32, MSE (SSIM hardly sees the
 * echo-to-echo ratios: 1.4× vs 2.6× lower RMSE than Varpro excluding CSF), lr 1e-3, a weight
 * average with decay 0.99, one slice per step, and `steps` as an upper bound for a stopping rule
 * (the discrepancy rule stopped at step 1150 at noise variance 0.001, 475 at 0.003).
 */
export const RECOMMENDED_T2_TRAINING = Object.freeze({
  net: Object.freeze({ blocks: 4, width: 32 }),
  loss: 'mse' as LossName,
  learningRate: 1e-3,
  steps: 2000,
  slicesPerStep: 1,
  emaDecay: 0.99,
});

function validate(o: TrainT2Options): void {
  const { echoes, slices, height, width } = o.shape ?? ({} as EchoShape);
  for (const [k, v] of Object.entries({ echoes, slices, height, width })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`shape.${k}: must be a positive integer, got ${v}`);
  }
  if (!(o.echoes instanceof Float32Array)) throw new Error('echoes: must be a Float32Array');
  if (o.echoes.length !== echoes * slices * height * width) {
    throw new Error(`echoes: length ${o.echoes.length} is not echoes·slices·height·width = ${echoes * slices * height * width}`);
  }
  if (!Array.isArray(o.TE) || o.TE.length !== echoes || !o.TE.every((t) => Number.isFinite(t) && t >= 0)) {
    throw new Error(`TE: must hold ${echoes} finite non-negative echo times (ms)`);
  }
  if (!['ssim', 'l1', 'mse'].includes(o.loss)) throw new Error(`loss: expected 'ssim' | 'l1' | 'mse', got ${String(o.loss)}`);
  if (o.loss === 'ssim' && (height < 11 || width < 11)) throw new Error(`shape: SSIM needs images of at least 11×11, got ${width}×${height}`);
  validateTrainingOptions(o);
  if (o.heldOut !== undefined && o.heldOut.length !== echoes * slices * height * width) {
    throw new Error(`heldOut: length ${o.heldOut.length} is not echoes·slices·height·width = ${echoes * slices * height * width}`);
  }
  if (o.patch !== undefined) {
    validatePatch(o.patch);
    const { ph, pw } = patchExtent(o.patch.size, height, width);
    if (o.loss === 'ssim' && (ph < 11 || pw < 11)) throw new Error(`patch.size: SSIM needs patches of at least 11×11, got ${pw}×${ph}`);
  }
  if (o.inferenceThreads !== undefined && (!Number.isInteger(o.inferenceThreads) || o.inferenceThreads < 1)) {
    throw new Error(`inferenceThreads: must be a positive integer, got ${o.inferenceThreads}`);
  }
  if (o.inferenceTile !== undefined) {
    const t = o.inferenceTile;
    if (!Number.isInteger(t.size) || t.size < 1) throw new Error(`inferenceTile.size: must be a positive integer, got ${t.size}`);
    if (!Number.isInteger(t.overlap) || t.overlap < 0 || t.overlap >= t.size) throw new Error(`inferenceTile.overlap: must be an integer in [0, size), got ${t.overlap}`);
  }
}

/** (echo, slice, y, x) → (slice, y, x, echo), divided by `scale`. */
function toNhwc(data: Float32Array, s: EchoShape, scale: number): Float32Array {
  const plane = s.slices * s.height * s.width;
  const out = new Float32Array(data.length);
  for (let e = 0; e < s.echoes; e++) {
    for (let i = 0; i < plane; i++) out[i * s.echoes + e] = data[e * plane + i] / scale;
  }
  return out;
}

/**
 * Predict (M0, T2) for every slice, one slice at a time (bounded memory); `sliceOf(s)` gives the
 * input (1, H, W, echoes) of slice s (disposed here).
 */
async function predictAll(net: T2Net, sliceOf: (s: number) => tf.Tensor4D, S: number, H: number, W: number, scale: number, tile?: TileOptions): Promise<CheckMaps> {
  const m0 = new Float32Array(S * H * W);
  const t2 = new Float32Array(S * H * W);
  for (let s = 0; s < S; s++) {
    const xs = sliceOf(s);
    try {
      const r = tile === undefined ? await predictSlice(net, xs, scale) : await predictSliceTiled(net, xs, scale, tile);
      m0.set(r.m0, s * H * W);
      t2.set(r.t2, s * H * W);
    } finally {
      xs.dispose();
    }
  }
  return { m0, t2 };
}

/**
 * Train the network of {@link createT2Net} on one scan and return its maps for every slice.
 *
 * Input normalisation: echoes are divided by their maximum (M0 is returned in the data's units).
 * Each step: x (k slices, (k, H, W, echoes); with `patch`, perStep patches (perStep, size, size,
 * echoes)) → (M0, T2) → ρ_TE = M0·exp(−TE/T2) → loss(ρ, x) → Adam update; everything inside
 * tf.tidy, so tf.memory().numTensors is unchanged after the call. With `initialWeights` training
 * starts from them (fine-tuning).
 * The loop itself (optimiser, weight average, checkpoints, checks) is {@link runTrainingLoop}.
 */
export async function trainT2Net(opts: TrainT2Options): Promise<TrainT2Result> {
  validate(opts);
  const info = await initBackend(opts.backend ?? 'auto');
  const shape = opts.shape;
  const slicesPerStep = Math.min(opts.slicesPerStep ?? DEFAULT_SLICES_PER_STEP, shape.slices);

  let scale = 0;
  for (let i = 0; i < opts.echoes.length; i++) {
    const v = opts.echoes[i];
    if (!Number.isFinite(v)) throw new Error(`echoes: non-finite value at index ${i}`);
    if (v > scale) scale = v;
  }
  if (!(scale > 0)) throw new Error('echoes: maximum must be > 0');

  const config = {
    shape,
    TE: opts.TE,
    t2Range: opts.t2Range,
    net: { blocks: opts.net.blocks, width: opts.net.width },
    loss: opts.loss,
    ...loopConfig(opts, slicesPerStep),
    // Only present when used, so that configurations (and checkpoints) of runs without them are unchanged.
    ...(opts.patch !== undefined ? { patch: { size: opts.patch.size, perStep: opts.patch.perStep, sampler: PATCH_SAMPLER } } : {}),
    ...(opts.initialWeights !== undefined ? { initialWeights: weightsHash(opts.initialWeights).slice(0, 16) } : {}),
  };
  const { slices: S, height: H, width: W, echoes: E } = shape;

  const patch = opts.patch;
  const dims = { slices: S, height: H, width: W, channels: E };
  // Whole-slice training keeps the volume in the backend (slices are gathered from it); patch
  // training crops in JS and uploads only the step's patches, and predicts slice by slice.
  const nhwc = (data: Float32Array, by: number): Float32Array => toNhwc(data, shape, by);
  const xData = patch !== undefined ? nhwc(opts.echoes, scale) : undefined;
  const xTrainData = patch === undefined ? undefined : opts.heldOut === undefined ? xData : nhwc(blindSpotFill(opts.echoes, shape, opts.heldOut), scale);
  const heldOutData = patch === undefined || opts.heldOut === undefined ? undefined : nhwc(Float32Array.from(opts.heldOut), 1);
  const tensorOf = (data: Float32Array): tf.Tensor4D => tf.tensor4d(toNhwc(data, shape, scale), [S, H, W, E]);
  const x = patch === undefined ? tensorOf(opts.echoes) : undefined;
  // Training sees the blind-spot data (held-out voxels filled from their neighbours); 1 − mask
  // weights the loss so that held-out voxels contribute neither error nor gradient.
  const xTrain = x === undefined || opts.heldOut === undefined ? x : tensorOf(blindSpotFill(opts.echoes, shape, opts.heldOut));
  const heldOut =
    x === undefined || opts.heldOut === undefined ? undefined : tf.tensor4d(toNhwc(Float32Array.from(opts.heldOut), shape, 1), [S, H, W, E]);
  const sliceOf = (blind: boolean) => (s: number): tf.Tensor4D => {
    if (patch === undefined) return tf.slice((blind ? xTrain : x) as tf.Tensor4D, [s, 0, 0, 0], [1, H, W, E]);
    const data = (blind ? xTrainData : xData) as Float32Array;
    return tf.tensor4d(data.subarray(s * H * W * E, (s + 1) * H * W * E), [1, H, W, E]);
  };
  const net = createT2Net({ echoes: E, width: opts.net.width, blocks: opts.net.blocks, seed: opts.seed, t2Range: opts.t2Range });
  try {
    if (opts.initialWeights !== undefined) setWeights(net.variables, opts.initialWeights, 'initialWeights');
    const lossFn = (batch: tf.Tensor4D, held: tf.Tensor4D | undefined) => (): tf.Scalar => {
      const { m0, t2 } = net.apply(batch);
      let pred = synthesize(m0, t2, opts.TE);
      // Held-out voxels: prediction := target there (constant), so no error and no gradient.
      if (held !== undefined) pred = tf.add(tf.mul(pred, tf.sub(1, held)), tf.mul(batch, held));
      return echoLoss(opts.loss, pred, batch);
    };
    const patchLoss = (step: number): (() => tf.Scalar) => {
      const p = patch as PatchOptions;
      const { ph, pw } = patchExtent(p.size, H, W);
      const corners = patchesOfStep(step, opts.seed, p, shape);
      const batch = tf.tensor4d(cropPatches(xTrainData as Float32Array, dims, corners, ph, pw), [p.perStep, ph, pw, E]);
      const held = heldOutData && tf.tensor4d(cropPatches(heldOutData, dims, corners, ph, pw), [p.perStep, ph, pw, E]);
      return lossFn(batch, held);
    };
    const returnMaps = opts.returnMaps ?? true;
    const threads = opts.inferenceThreads ?? 1;
    const finalPredict = !returnMaps
      ? async (): Promise<CheckMaps> => ({ m0: new Float32Array(0), t2: new Float32Array(0) })
      : threads > 1
        ? async (): Promise<CheckMaps> => {
            const r = await predictT2Parallel({
              weights: await getWeights(net.variables),
              net: { echoes: E, width: opts.net.width, blocks: opts.net.blocks, t2Range: opts.t2Range },
              echoes: opts.echoes, shape, scale, threads, backend: opts.backend ?? 'auto', tile: opts.inferenceTile,
            });
            return { m0: r.m0, t2: r.t2 };
          }
        : undefined;
    const r = await runTrainingLoop<CheckMaps>({
      variables: net.variables,
      learningRate: opts.learningRate,
      lrSchedule: opts.lrSchedule ?? 'constant',
      steps: opts.steps,
      slices: S,
      slicesPerStep,
      emaDecay: opts.emaDecay,
      checkpoint: opts.checkpoint,
      signal: opts.signal,
      onStep: opts.onStep,
      checks: opts.checks,
      config,
      dataHash: sha256Of(opts.echoes),
      lossOf: (slices, step) => {
        if (patch !== undefined) return patchLoss(step);
        const pick = (t: tf.Tensor4D): tf.Tensor4D =>
          slices.length === S ? t : (tf.gather(t, tf.tensor1d(slices, 'int32')) as tf.Tensor4D);
        return lossFn(pick(xTrain as tf.Tensor4D), heldOut && pick(heldOut));
      },
      predict: (blind) => predictAll(net, sliceOf(blind && opts.heldOut !== undefined), S, H, W, scale, opts.inferenceTile),
      blind: opts.heldOut !== undefined,
      ...(finalPredict !== undefined ? { finalPredict } : {}),
    });
    return {
      ...r.maps, lossHistory: r.lossHistory, resumedFrom: r.resumedFrom, stepsDone: r.stepsDone, aborted: r.aborted,
      stopped: r.stopped, backend: info.name, stepMs: r.stepMs, weights: r.weights, scale,
    };
  } finally {
    if (xTrain !== x) xTrain?.dispose();
    heldOut?.dispose();
    x?.dispose();
    net.dispose();
  }
}

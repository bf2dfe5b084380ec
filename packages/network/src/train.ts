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
}

/** Result of {@link trainT2Net}. */
export interface TrainT2Result extends TrainingRunInfo {
  /** (slice, y, x), in the units of the input echoes. */
  m0: Float32Array;
  /** (slice, y, x), ms. */
  t2: Float32Array;
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

/** Predict (M0, T2) for every slice, one slice at a time (bounded memory). */
async function predictAll(net: T2Net, x: tf.Tensor4D, scale: number): Promise<CheckMaps> {
  const [S, H, W] = x.shape;
  const m0 = new Float32Array(S * H * W);
  const t2 = new Float32Array(S * H * W);
  for (let s = 0; s < S; s++) {
    const out = tf.tidy(() => {
      const r = net.apply(tf.slice(x, [s, 0, 0, 0], [1, H, W, x.shape[3]]));
      return [tf.mul(r.m0, scale), r.t2];
    });
    m0.set((await out[0].data()) as Float32Array, s * H * W);
    t2.set((await out[1].data()) as Float32Array, s * H * W);
    tf.dispose(out);
  }
  return { m0, t2 };
}

/**
 * Train the network of {@link createT2Net} on one scan and return its maps for every slice.
 *
 * Input normalisation: echoes are divided by their maximum (M0 is returned in the data's units).
 * Each step: x (k slices, (k, H, W, echoes)) → (M0, T2) → ρ_TE = M0·exp(−TE/T2) → loss(ρ, x) →
 * Adam update; everything inside tf.tidy, so tf.memory().numTensors is unchanged after the call.
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
  };

  const tensorOf = (data: Float32Array): tf.Tensor4D =>
    tf.tensor4d(toNhwc(data, shape, scale), [shape.slices, shape.height, shape.width, shape.echoes]);
  const x = tensorOf(opts.echoes);
  // Training sees the blind-spot data (held-out voxels filled from their neighbours); 1 − mask
  // weights the loss so that held-out voxels contribute neither error nor gradient.
  const xTrain = opts.heldOut === undefined ? x : tensorOf(blindSpotFill(opts.echoes, shape, opts.heldOut));
  const heldOut =
    opts.heldOut === undefined
      ? undefined
      : tf.tensor4d(toNhwc(Float32Array.from(opts.heldOut), shape, 1), [shape.slices, shape.height, shape.width, shape.echoes]);
  const net = createT2Net({ echoes: shape.echoes, width: opts.net.width, blocks: opts.net.blocks, seed: opts.seed, t2Range: opts.t2Range });
  try {
    const lossFn = (batch: tf.Tensor4D, held: tf.Tensor4D | undefined) => (): tf.Scalar => {
      const { m0, t2 } = net.apply(batch);
      let pred = synthesize(m0, t2, opts.TE);
      // Held-out voxels: prediction := target there (constant), so no error and no gradient.
      if (held !== undefined) pred = tf.add(tf.mul(pred, tf.sub(1, held)), tf.mul(batch, held));
      return echoLoss(opts.loss, pred, batch);
    };
    const r = await runTrainingLoop<CheckMaps>({
      variables: net.variables,
      learningRate: opts.learningRate,
      lrSchedule: opts.lrSchedule ?? 'constant',
      steps: opts.steps,
      slices: shape.slices,
      slicesPerStep,
      emaDecay: opts.emaDecay,
      checkpoint: opts.checkpoint,
      signal: opts.signal,
      onStep: opts.onStep,
      checks: opts.checks,
      config,
      dataHash: sha256Of(opts.echoes),
      lossOf: (slices) => {
        const pick = (t: tf.Tensor4D): tf.Tensor4D =>
          slices.length === shape.slices ? t : (tf.gather(t, tf.tensor1d(slices, 'int32')) as tf.Tensor4D);
        return lossFn(pick(xTrain), heldOut && pick(heldOut));
      },
      predict: (blind) => predictAll(net, blind ? xTrain : x, scale),
      blind: xTrain !== x,
    });
    return { ...r.maps, lossHistory: r.lossHistory, resumedFrom: r.resumedFrom, stepsDone: r.stepsDone, aborted: r.aborted, stopped: r.stopped, backend: info.name, stepMs: r.stepMs };
  } finally {
    if (xTrain !== x) xTrain.dispose();
    heldOut?.dispose();
    x.dispose();
    net.dispose();
  }
}

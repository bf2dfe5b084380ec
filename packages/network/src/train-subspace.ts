/**
 * Scan-specific, unsupervised subspace network for MR fingerprinting (Gao et al., MRF part): the
 * network maps the subspace projection of one subject's MRF time series to complex subspace
 * coefficient maps c; the loss compares the series re-synthesised in the subspace, c·Φ, with the
 * measured series. No reference maps (T1, T2, M0) are used; they follow from c by dictionary
 * matching in the subspace, outside this package.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend.js';
import { DEFAULT_SLICES_PER_STEP, loopConfig, runTrainingLoop, sha256Of, validateTrainingOptions, type TrainingOptions, type TrainingRunInfo } from './loop.js';
import { createResidualNet, type ResidualNet } from './model.js';
import { blindSpotFill } from './stopping.js';
import { subspaceLoss, type SubspaceTarget } from './subspace-loss.js';
import type { NamedArray } from './checkpoint.js';
import { PATCH_SAMPLER, patchExtent, patchesOfStep, validatePatch, type PatchOptions } from './patches.js';
import { setWeights, weightsHash, type NetWeights } from './weights.js';
import type { OutputSynthesis } from './parameter-synthesis.js';

/** Layout of an MRF series (frame, slice, y, x) and of its subspace (rank coefficients). */
export interface SubspaceShape {
  frames: number;
  slices: number;
  height: number;
  width: number;
  rank: number;
}

/** Coefficient maps c, (rank, slice, y, x) complex interleaved (re, im), in the units of the series. */
export interface CoefficientMaps {
  coefficients: Float32Array;
}

/** Options of {@link trainSubspaceNet} (the shared ones: {@link TrainingOptions}). */
export interface TrainSubspaceOptions extends TrainingOptions<CoefficientMaps> {
  /** Target time series, (frame, slice, y, x) complex interleaved, e.g. a sliding-window reconstruction. */
  series: Float32Array;
  /** Φ, (rank, frame) real, orthonormal rows (e.g. the leading right singular vectors of the dictionary). */
  phi: Float32Array | Float64Array;
  shape: SubspaceShape;
  /** Residual blocks (paper: 9) and feature width (channels). */
  net: { blocks: number; width: number };
  /** Between c·Φ and the series, mean over frames, voxels and (re, im) (paper: 'l1'). */
  loss: 'l1' | 'mse';
  /**
   * Replaces `loss` when given: a loss computed outside TensorFlow on one slice's coefficients
   * c (rank, y, x) complex interleaved, in the units of the series — e.g. k-space data consistency
   * ‖W^½(A(c·Φ) − y)‖² through a NUFFT — returning its value and ∂value/∂c (same layout; for a
   * complex c, ∂/∂Re + i·∂/∂Im). Needs one slice per step.
   */
  dataLoss?: (c: Float32Array, slice: number) => { value: number; grad: Float32Array };
  /** Voxels held out, (slice, y, x), 1 = held out: excluded from the loss and blind-spot filled in the input (all channels). */
  heldOut?: Uint8Array;
  /**
   * Train on `perStep` random size×size patches per step from all slices ({@link patchesOfStep}),
   * targets and held-out voxels cropped identically; not with `dataLoss` (a k-space loss needs
   * whole slices). Coefficients are still predicted on whole slices.
   */
  patch?: PatchOptions;
  /** Start from these weights (fine-tuning); names and shapes must match the network exactly. */
  initialWeights?: NetWeights;
  /**
   * How input and output channels are scaled: 'global' (default) divides every channel by one s
   * (the largest coefficient-vector norm); 'per-coefficient' divides coefficient k (re and im) by
   * its own RMS over voxels g_k, so the small trailing coefficients, which carry most of the T1/T2
   * contrast, are O(1) channels of the network and are learned as fast as the first.
   */
  channelScale?: 'global' | 'per-coefficient';
  /**
   * What the network outputs: by default 2·rank channels, c/g; with a synthesis, its `channels`
   * outputs per voxel, turned into c by `apply` (e.g. {@link parameterSynthesis}: T1, T2 and a
   * complex M0, c on the fingerprint manifold). Needs `dataLoss`.
   */
  synthesis?: OutputSynthesis;
}

/** Result of {@link trainSubspaceNet}; `lossHistory` in normalised units. */
export interface TrainSubspaceResult extends TrainingRunInfo {
  /** c, (rank, slice, y, x) complex interleaved, in the units of the series. */
  coefficients: Float32Array;
  /** The trained weights by variable name (the weight average when `emaDecay` is set). */
  weights: Map<string, NamedArray>;
}

/** Initial scale of the output conv: training starts near c = 0. */
export const SUBSPACE_OUTPUT_INIT_SCALE = 0.01;

/** Tolerance on Φ·Φᵀ = I (float32 singular vectors are orthonormal to ~1e-6). */
const ORTHONORMAL_TOLERANCE = 1e-3;

function checkShape(shape: SubspaceShape): void {
  const { frames, slices, height, width, rank } = shape ?? ({} as SubspaceShape);
  for (const [k, v] of Object.entries({ frames, slices, height, width, rank })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`shape.${k}: must be a positive integer, got ${v}`);
  }
  if (rank > frames) throw new Error(`shape.rank: must be ≤ frames (${frames}), got ${rank}`);
}

function checkPhi(phi: Float32Array | Float64Array, shape: SubspaceShape): void {
  const { rank: R, frames: F } = shape;
  if (!(phi instanceof Float32Array || phi instanceof Float64Array)) throw new Error('phi: must be a Float32Array or Float64Array');
  if (phi.length !== R * F) throw new Error(`phi: length ${phi.length} is not rank·frames = ${R * F}`);
  for (let a = 0; a < R; a++) {
    for (let b = a; b < R; b++) {
      let dot = 0;
      for (let f = 0; f < F; f++) dot += phi[a * F + f]! * phi[b * F + f]!;
      if (!(Math.abs(dot - (a === b ? 1 : 0)) <= ORTHONORMAL_TOLERANCE)) {
        throw new Error(`phi: rows must be orthonormal, row ${a}·row ${b} = ${dot}`);
      }
    }
  }
}

function validate(o: TrainSubspaceOptions): void {
  checkShape(o.shape);
  const { frames: F, slices: S, height: H, width: W } = o.shape;
  if (!(o.series instanceof Float32Array)) throw new Error('series: must be a Float32Array');
  if (o.series.length !== 2 * F * S * H * W) {
    throw new Error(`series: length ${o.series.length} is not 2·frames·slices·height·width = ${2 * F * S * H * W}`);
  }
  checkPhi(o.phi, o.shape);
  if (o.loss !== 'l1' && o.loss !== 'mse') throw new Error(`loss: expected 'l1' | 'mse', got ${String(o.loss)}`);
  validateTrainingOptions(o);
  if (o.dataLoss !== undefined && (o.slicesPerStep ?? DEFAULT_SLICES_PER_STEP) !== 1) throw new Error('slicesPerStep: dataLoss needs 1 slice per step');
  if (o.heldOut !== undefined && o.heldOut.length !== S * H * W) {
    throw new Error(`heldOut: length ${o.heldOut.length} is not slices·height·width = ${S * H * W}`);
  }
  if (o.synthesis !== undefined) {
    if (o.dataLoss === undefined) throw new Error('synthesis: needs dataLoss (the loss is computed on the synthesised coefficients)');
    if (o.synthesis.rank !== o.shape.rank) throw new Error(`synthesis: rank ${o.synthesis.rank} differs from shape.rank ${o.shape.rank}`);
  }
  if (o.patch !== undefined) {
    validatePatch(o.patch);
    if (o.dataLoss !== undefined) throw new Error('patch: not with dataLoss (a k-space data term needs whole slices)');
  }
}

/**
 * Projection of a series onto the subspace, c_in = x·Φᵀ: c[r, v] = Σ_f x[f, v]·Φ[r, f] for every
 * voxel v, real and imaginary parts separately (Φ real), accumulated in float64. For a series in
 * span(Φ) with orthonormal rows, c_in·Φ = x exactly.
 *
 * @param series - (frame, slice, y, x) complex interleaved (re, im)
 * @param phi - (rank, frame), real
 * @returns c_in, (rank, slice, y, x) complex interleaved
 */
export function projectSeries(series: Float32Array, phi: Float32Array | Float64Array, shape: SubspaceShape): Float32Array {
  checkShape(shape);
  const { frames: F, rank: R } = shape;
  const n = shape.slices * shape.height * shape.width;
  if (series.length !== 2 * F * n) throw new Error(`series: length ${series.length} is not 2·frames·slices·height·width = ${2 * F * n}`);
  if (phi.length !== R * F) throw new Error(`phi: length ${phi.length} is not rank·frames = ${R * F}`);
  const out = new Float32Array(2 * R * n);
  const acc = new Float64Array(2 * n);
  for (let r = 0; r < R; r++) {
    acc.fill(0);
    for (let f = 0; f < F; f++) {
      const w = phi[r * F + f]!;
      if (w === 0) continue;
      const base = 2 * f * n;
      for (let k = 0; k < 2 * n; k++) acc[k] += w * series[base + k]!;
    }
    out.set(acc, 2 * r * n);
  }
  return out;
}

/** c (rank, voxel) complex interleaved → planar channels (2·rank, voxel): re c_0..c_{R−1}, then im. */
function toPlanar(c: Float32Array, R: number, n: number): Float32Array {
  const out = new Float32Array(2 * R * n);
  for (let r = 0; r < R; r++) {
    for (let v = 0; v < n; v++) {
      out[r * n + v] = c[2 * (r * n + v)]!;
      out[(R + r) * n + v] = c[2 * (r * n + v) + 1]!;
    }
  }
  return out;
}

/** Planar channels (C, voxel) → NHWC (voxel, C), channel k divided by `gains[k]`. */
function planarToNhwc(planar: Float32Array, C: number, n: number, gains: Float32Array): Float32Array {
  const out = new Float32Array(C * n);
  for (let k = 0; k < C; k++) for (let v = 0; v < n; v++) out[v * C + k] = planar[k * n + v]! / gains[k]!;
  return out;
}

/**
 * Gain of each of the 2·rank channels (re of each coefficient, then im), in the units of the
 * series: the network's channel k is c_k / gains[k]. 'global': all s = max over voxels of ‖c_in‖;
 * 'per-coefficient': g_k = RMS over voxels of |c_in,k| (the same for re and im).
 */
export function channelGains(cIn: Float32Array, R: number, n: number, mode: 'global' | 'per-coefficient'): Float32Array {
  const C = 2 * R;
  const gains = new Float32Array(C);
  if (mode === 'global') {
    const norm2 = new Float64Array(n);
    for (let k = 0; k < C; k++) for (let v = 0; v < n; v++) norm2[v] += cIn[k * n + v]! ** 2;
    gains.fill(Math.sqrt(norm2.reduce((a, b) => Math.max(a, b), 0)));
  } else {
    for (let r = 0; r < R; r++) {
      let sum = 0;
      for (let v = 0; v < n; v++) sum += cIn[r * n + v]! ** 2 + cIn[(R + r) * n + v]! ** 2;
      gains[r] = gains[R + r] = Math.sqrt(sum / n);
    }
  }
  for (let k = 0; k < C; k++) {
    if (!(gains[k]! > 0)) throw new Error(`series: its projection onto Φ is zero everywhere${mode === 'global' ? '' : ` in coefficient ${k % R}`}`);
  }
  return gains;
}

/**
 * The default output: 2·rank channels c/g (re of each coefficient, then im), times the gains → c,
 * (rank, voxel) complex interleaved in data units; its vjp multiplies ∂L/∂c by the same gains (chain
 * rule). A synthesis like any other, so the external loss and prediction have one path.
 */
function coefficientOutput(R: number, gains: Float32Array): OutputSynthesis {
  const C = 2 * R;
  return {
    channels: C,
    rank: R,
    apply(d, hw) {
      const c = new Float32Array(2 * R * hw);
      for (let p = 0; p < hw; p++) {
        for (let r = 0; r < R; r++) {
          c[2 * (r * hw + p)] = d[p * C + r]! * gains[r]!;
          c[2 * (r * hw + p) + 1] = d[p * C + R + r]! * gains[R + r]!;
        }
      }
      const vjp = (grad: Float32Array): Float32Array => {
        const g = new Float32Array(C * hw);
        for (let p = 0; p < hw; p++) {
          for (let r = 0; r < R; r++) {
            g[p * C + r] = grad[2 * (r * hw + p)]! * gains[r]!;
            g[p * C + R + r] = grad[2 * (r * hw + p) + 1]! * gains[R + r]!;
          }
        }
        return g;
      };
      return { c, vjp };
    },
  };
}

/** Predict c for every slice, one slice at a time: (rank, slice, y, x) complex interleaved, through `output`. */
async function predictAll(net: ResidualNet, x: tf.Tensor4D, output: OutputSynthesis): Promise<CoefficientMaps> {
  const [S, H, W, C] = x.shape;
  const R = output.rank;
  const hw = H * W;
  const n = S * hw;
  const coefficients = new Float32Array(2 * R * n);
  for (let s = 0; s < S; s++) {
    const out = tf.tidy(() => net.apply(tf.slice(x, [s, 0, 0, 0], [1, H, W, C])));
    const { c } = output.apply((await out.data()) as Float32Array, hw);
    out.dispose();
    // (rank, voxel of the slice) → (rank, slice, voxel)
    for (let r = 0; r < R; r++) coefficients.set(c.subarray(2 * r * hw, 2 * (r + 1) * hw), 2 * (r * n + s * hw));
  }
  return { coefficients };
}

/**
 * A loss computed in JS on the network's output (1, H, W, channels): the output is read back, turned
 * into c (rank, y, x) complex in data units by `output`, and `fn`'s gradient is mapped back by the
 * output's vjp as the network output's gradient — so any differentiable forward model (a NUFFT) can
 * be the data term without being written in TensorFlow.
 */
function externalLoss(
  out: tf.Tensor4D, slice: number, hw: number, output: OutputSynthesis,
  fn: NonNullable<TrainSubspaceOptions['dataLoss']>,
): tf.Scalar {
  const loss = tf.customGrad((...args: unknown[]) => {
    const o = args[0] as tf.Tensor4D;
    const { c, vjp } = output.apply(o.dataSync() as Float32Array, hw);
    const { value, grad } = fn(c, slice);
    const g = vjp(grad);
    return { value: tf.scalar(value), gradFunc: (dy: tf.Tensor) => [tf.mul(dy, tf.tensor4d(g, o.shape))] };
  });
  return loss(out) as tf.Scalar;
}

/**
 * Train the subspace network on one MRF scan and return its coefficient maps for every slice.
 *
 * Input: c_in = {@link projectSeries}(series), as 2·rank channels (re of each coefficient, then
 * im), channel k divided by its gain g_k ({@link channelGains}: by default one s = max over voxels
 * of ‖c_in‖, the norm of the voxel's projected series since Φ's rows are orthonormal). Output:
 * 2·rank linear channels of {@link createResidualNet} (output conv × {@link SUBSPACE_OUTPUT_INIT_SCALE}),
 * read as (re, im) of c/g. Each step, on the step's slice(s): x̂ = c·Φ/s (re and im separately, a
 * matMul of (H·W, rank) × (rank, frames) with Φ's rows × g_k/s) against x/s, loss = mean |x̂ − x/s|
 * ('l1') or mean (x̂ − x/s)² ('mse') over frames, kept voxels and (re, im) ({@link subspaceLoss}),
 * or `dataLoss` on c; Adam; see {@link runTrainingLoop}. The returned c is the output × g.
 * tf.memory().numTensors is unchanged after the call.
 */
export async function trainSubspaceNet(opts: TrainSubspaceOptions): Promise<TrainSubspaceResult> {
  validate(opts);
  const info = await initBackend(opts.backend ?? 'auto');
  const { frames: F, slices: S, height: H, width: W, rank: R } = opts.shape;
  const hw = H * W;
  const n = S * hw;
  const C = 2 * R;
  const slicesPerStep = Math.min(opts.slicesPerStep ?? DEFAULT_SLICES_PER_STEP, S);
  for (let i = 0; i < opts.series.length; i++) {
    if (!Number.isFinite(opts.series[i])) throw new Error(`series: non-finite value at index ${i}`);
  }
  const cIn = toPlanar(projectSeries(opts.series, opts.phi, opts.shape), R, n);
  const channelScale = opts.channelScale ?? 'global';
  const gains = channelGains(cIn, R, n, channelScale);
  const output = opts.synthesis ?? coefficientOutput(R, gains);
  // The series' scale s: the largest coefficient-vector norm (= the norm of the projected series).
  const scale = channelScale === 'global' ? gains[0]! : channelGains(cIn, R, n, 'global')[0]!;

  const config = {
    model: 'subspace',
    shape: opts.shape,
    phi: sha256Of(opts.phi).slice(0, 16),
    net: { blocks: opts.net.blocks, width: opts.net.width },
    loss: opts.dataLoss === undefined ? opts.loss : 'external',
    ...loopConfig(opts, slicesPerStep),
    ...(opts.patch !== undefined ? { patch: { size: opts.patch.size, perStep: opts.patch.perStep, sampler: PATCH_SAMPLER } } : {}),
    ...(opts.initialWeights !== undefined ? { initialWeights: weightsHash(opts.initialWeights).slice(0, 16) } : {}),
    ...(channelScale !== 'global' ? { channelScale } : {}),
    ...(opts.synthesis !== undefined ? { synthesis: { channels: opts.synthesis.channels } } : {}),
  };

  // Targets (slice, voxel, frame), re and im, divided by the scale: the layout of c·Φ's rows.
  const targetRe = new Float32Array(F * n);
  const targetIm = new Float32Array(F * n);
  for (let f = 0; f < F; f++) {
    for (let v = 0; v < n; v++) {
      targetRe[v * F + f] = opts.series[2 * (f * n + v)]! / scale;
      targetIm[v * F + f] = opts.series[2 * (f * n + v) + 1]! / scale;
    }
  }
  const kept = new Float64Array(S); // kept voxels per slice (the loss's denominator)
  for (let v = 0; v < n; v++) kept[Math.floor(v / hw)] += opts.heldOut !== undefined && opts.heldOut[v] ? 0 : 1;

  const x = tf.tensor4d(planarToNhwc(cIn, C, n, gains), [S, H, W, C]);
  const xTrain =
    opts.heldOut === undefined
      ? x
      : tf.tensor4d(planarToNhwc(blindSpotFill(cIn, { echoes: C, slices: S, height: H, width: W }, opts.heldOut), C, n, gains), [S, H, W, C]);
  // One tensor per slice (gather of a 30 MB slice costs ~0.5 s on wasm; picking a tensor costs nothing).
  const perSlice = (data: Float32Array, cols: number): tf.Tensor2D[] =>
    Array.from({ length: S }, (_, s) => tf.tensor2d(data.subarray(s * hw * cols, (s + 1) * hw * cols), [hw, cols]));
  const tRe = perSlice(targetRe, F);
  const tIm = perSlice(targetIm, F);
  const keep = opts.heldOut === undefined ? undefined : perSlice(Float32Array.from(opts.heldOut, (h) => (h ? 0 : 1)), 1);
  // Rows of Φ × g_k/s: the network's channels (c/g) times this give c·Φ/s, in the targets' units.
  const phiRows = Float32Array.from(opts.phi);
  for (let r = 0; r < R; r++) for (let f = 0; f < F; f++) phiRows[r * F + f] = phiRows[r * F + f]! * (gains[r]! / scale);
  const phi = tf.tensor2d(phiRows, [R, F]);
  const phiT = tf.transpose(phi) as tf.Tensor2D;
  const net = createResidualNet({
    inChannels: C, outChannels: output.channels, width: opts.net.width, blocks: opts.net.blocks, seed: opts.seed,
    outputInitScale: SUBSPACE_OUTPUT_INIT_SCALE, name: 'subspacenet',
  });
  try {
    if (opts.initialWeights !== undefined) setWeights(net.variables, opts.initialWeights, 'initialWeights');
    const patchLoss = (step: number): (() => tf.Scalar) => {
      const p = opts.patch as PatchOptions;
      const { ph, pw } = patchExtent(p.size, H, W);
      const corners = patchesOfStep(step, opts.seed, p, opts.shape);
      const input = tf.concat(corners.map((c) => tf.slice(xTrain, [c.slice, c.y0, c.x0, 0], [1, ph, pw, C])), 0) as tf.Tensor4D;
      // Per-slice (H·W, cols) tensors → the patch's (ph·pw, cols) rows, patches stacked.
      const crop = (parts: tf.Tensor2D[], cols: number): tf.Tensor2D =>
        tf.concat(corners.map((c) => tf.reshape(tf.slice(tf.reshape(parts[c.slice]!, [H, W, cols]), [c.y0, c.x0, 0], [ph, pw, cols]), [ph * pw, cols])), 0) as tf.Tensor2D;
      let keptVoxels = 0;
      for (const c of corners) {
        for (let y = c.y0; y < c.y0 + ph; y++) {
          for (let x = c.x0; x < c.x0 + pw; x++) keptVoxels += opts.heldOut !== undefined && opts.heldOut[(c.slice * H + y) * W + x] ? 0 : 1;
        }
      }
      const target: SubspaceTarget = {
        phi, phiT, re: crop(tRe, F), im: crop(tIm, F), weight: keep && crop(keep, 1), count: 2 * F * Math.max(1, keptVoxels),
      };
      return () => subspaceLoss(tf.reshape(net.apply(input), [corners.length * ph * pw, C]), opts.loss, target);
    };
    const r = await runTrainingLoop<CoefficientMaps>({
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
      dataHash: sha256Of(opts.series),
      lossOf: (slices, step) => {
        if (opts.patch !== undefined) return patchLoss(step);
        const B = slices.length;
        const input = B === S ? xTrain : (tf.gather(xTrain, tf.tensor1d(slices, 'int32')) as tf.Tensor4D);
        const join = (parts: tf.Tensor2D[]): tf.Tensor2D => (B === 1 ? parts[slices[0]!]! : tf.concat(slices.map((s) => parts[s]!), 0));
        const target: SubspaceTarget = {
          phi,
          phiT,
          re: join(tRe),
          im: join(tIm),
          weight: keep && join(keep),
          count: 2 * F * Math.max(1, slices.reduce((a, s) => a + kept[s]!, 0)),
        };
        if (opts.dataLoss !== undefined) return () => externalLoss(net.apply(input), slices[0]!, hw, output, opts.dataLoss!);
        return () => subspaceLoss(tf.reshape(net.apply(input), [B * hw, C]), opts.loss, target);
      },
      predict: (blind) => predictAll(net, blind ? xTrain : x, output),
      blind: xTrain !== x,
    });
    return {
      coefficients: r.maps.coefficients,
      lossHistory: r.lossHistory,
      resumedFrom: r.resumedFrom,
      stepsDone: r.stepsDone,
      aborted: r.aborted,
      stopped: r.stopped,
      backend: info.name,
      stepMs: r.stepMs,
      weights: r.weights,
    };
  } finally {
    if (xTrain !== x) xTrain.dispose();
    tf.dispose([x, ...tRe, ...tIm, ...(keep ?? []), phi, phiT]);
    net.dispose();
  }
}

/**
 * The training loop shared by the scan-specific networks (T2 and MRF subspace): Adam with an
 * optional cosine learning-rate schedule, an optional weight average (EMA) used for every
 * prediction, checkpoints keyed by a configuration hash (with resume), abort through an
 * AbortSignal, cyclic slices per step, periodic checks that may stop training, and step timing.
 *
 * What a network trainer supplies: its variables, the loss of a step's slices and a prediction of
 * its maps; everything else (optimiser state, files, tensor hygiene) lives here, so both trainers
 * resume, stop and average in exactly the same way.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { Adam } from './adam.js';
import { loadCheckpoint, saveCheckpoint, type NamedArray } from './checkpoint.js';
import { WeightAverage } from './ema.js';
import { getWeights } from './weights.js';
import type { BackendPreference } from './backend.js';
import type { Check } from './stopping.js';

/**
 * Default slices per step: one, in cyclic order. Measured at 108×90 (wasm, 9 blocks, width 32):
 * 0.73 s/step for 1 slice vs 1.85 s for 3, and per unit of wall time 1 slice/step reached the same
 * or lower T2 RMSE (package README).
 */
export const DEFAULT_SLICES_PER_STEP = 1;

/** Cyclic slice indices of a step. */
export function slicesOfStep(step: number, slicesPerStep: number, slices: number): number[] {
  return Array.from({ length: slicesPerStep }, (_, j) => (step * slicesPerStep + j) % slices);
}

/** Learning-rate multiplier of 0-based step `step` of `steps`. */
export function lrFactor(step: number, steps: number, schedule: 'constant' | 'cosine'): number {
  return schedule === 'cosine' ? 0.5 * (1 + Math.cos((Math.PI * step) / steps)) : 1;
}

/** Hex SHA-256 of the bytes of a typed array. */
export function sha256Of(a: ArrayBufferView): string {
  return createHash('sha256').update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
}

/** The training options every trainer shares (`M`: its maps), validated by {@link validateTrainingOptions}. */
export interface TrainingOptions<M> {
  learningRate: number;
  /**
   * 'constant' (default), or 'cosine': lr·½(1 + cos(π·s/steps)) at step s, decaying to 0 at the
   * end (then the configuration hash includes `steps`).
   */
  lrSchedule?: 'constant' | 'cosine';
  /** Total optimisation steps (including those done before a resume). */
  steps: number;
  /** Seed of the weight initialisation. */
  seed: number;
  /**
   * Slices per optimisation step, taken in cyclic order (step s uses slices (s·k + j) mod S,
   * j < k). Default {@link DEFAULT_SLICES_PER_STEP}, capped at the number of slices.
   */
  slicesPerStep?: number;
  /**
   * Save variables + Adam state + step every `every` steps, on abort and at the end (atomic step
   * folders, see checkpoint.ts). On start, a checkpoint in `dir` with the same configuration hash
   * (data, network, loss, lr, seed, slicesPerStep, held-out mask — not `steps` for a constant
   * rate) is resumed.
   */
  checkpoint?: { dir: string; every: number };
  /** Called after every step. */
  onStep?: (info: { step: number; steps: number; loss: number; elapsedMs: number }) => void;
  /**
   * Every `every` steps (and after the last), predict the maps of all slices (with the averaged
   * weights when `emaDecay` is set) and pass them to `fn`; `fn` returning true stops training there
   * (a stopping rule, see stopping.ts). With held-out samples, the check also carries `blindMaps`.
   */
  checks?: { every: number; fn: (check: Check<M> & { loss: number }) => boolean | void };
  /** Stop early: the current step finishes, a checkpoint is saved, and the maps are returned. */
  signal?: AbortSignal;
  /**
   * Keep an exponential moving average of the weights with this decay (e.g. 0.99 ≈ the last 100
   * steps) and predict with it (checks and the returned maps). Default: off (the paper's setting:
   * predict with the final weights).
   */
  emaDecay?: number;
  /** Backend for {@link initBackend}; default 'auto'. */
  backend?: BackendPreference;
}

/**
 * The part of a trainer's checkpoint configuration (see {@link TrainingLoopSpec.config}) that comes
 * from the loop options, the same for every trainer: what a resumed run must share.
 */
export function loopConfig<M>(o: TrainingOptions<M> & { heldOut?: Uint8Array }, slicesPerStep: number): Record<string, unknown> {
  return {
    learningRate: o.learningRate,
    seed: o.seed,
    slicesPerStep,
    emaDecay: o.emaDecay ?? null,
    lrSchedule: o.lrSchedule ?? 'constant',
    // A schedule depends on the total, so only a constant rate can be extended by raising `steps`.
    scheduleSteps: o.lrSchedule === 'cosine' ? o.steps : null,
    heldOut: o.heldOut === undefined ? null : sha256Of(o.heldOut).slice(0, 16),
  };
}

/** What every trainer reports besides its maps. */
export interface TrainingRunInfo {
  /** Loss after each completed step, from step 1 (including steps before a resume). */
  lossHistory: number[];
  /** Step the run resumed from (0 = fresh start). */
  resumedFrom: number;
  /** Completed steps (= steps unless aborted or stopped by a check). */
  stepsDone: number;
  aborted: boolean;
  /** A check's `fn` returned true (a stopping rule decided) before `steps`. */
  stopped: boolean;
  /** TensorFlow.js backend name. */
  backend: string;
  /** Mean wall time per step in this call, ms (first step excluded when there are more). */
  stepMs: number;
}

/** Throws naming the first invalid shared training option. */
export function validateTrainingOptions<M>(o: TrainingOptions<M>): void {
  if (!Number.isInteger(o.steps) || o.steps < 0) throw new Error(`steps: must be an integer ≥ 0, got ${o.steps}`);
  if (!(o.learningRate > 0)) throw new Error(`learningRate: must be > 0, got ${o.learningRate}`);
  if (o.slicesPerStep !== undefined && (!Number.isInteger(o.slicesPerStep) || o.slicesPerStep < 1)) {
    throw new Error(`slicesPerStep: must be a positive integer, got ${o.slicesPerStep}`);
  }
  if (o.checkpoint !== undefined && (!Number.isInteger(o.checkpoint.every) || o.checkpoint.every < 1)) {
    throw new Error(`checkpoint.every: must be a positive integer, got ${o.checkpoint.every}`);
  }
  if (o.lrSchedule !== undefined && o.lrSchedule !== 'constant' && o.lrSchedule !== 'cosine') {
    throw new Error(`lrSchedule: expected 'constant' | 'cosine', got ${String(o.lrSchedule)}`);
  }
  if (o.emaDecay !== undefined && !(o.emaDecay > 0 && o.emaDecay < 1)) throw new Error(`emaDecay: must be in (0, 1), got ${o.emaDecay}`);
  if (o.checks !== undefined && (!Number.isInteger(o.checks.every) || o.checks.every < 1)) {
    throw new Error(`checks.every: must be a positive integer, got ${o.checks.every}`);
  }
}

/** What {@link runTrainingLoop} needs from a trainer; `M` is the trainer's maps. */
export interface TrainingLoopSpec<M> {
  variables: ReadonlyMap<string, tf.Variable>;
  learningRate: number;
  lrSchedule: 'constant' | 'cosine';
  /** Total steps, including those done before a resume. */
  steps: number;
  /** Number of slices, and slices per step (already capped at it). */
  slices: number;
  slicesPerStep: number;
  emaDecay?: number;
  checkpoint?: { dir: string; every: number };
  signal?: AbortSignal;
  onStep?: (info: { step: number; steps: number; loss: number; elapsedMs: number }) => void;
  checks?: { every: number; fn: (check: Check<M> & { loss: number }) => boolean | void };
  /**
   * The training configuration, written into checkpoints; a checkpoint resumes only if
   * SHA-256(JSON of config + dataHash) matches.
   */
  config: Record<string, unknown>;
  /** Hash of the training data. */
  dataHash: string;
  /**
   * Called inside tf.tidy once per step with the step's slice indices (cyclic order) and the
   * 0-based step (e.g. to draw the step's patches); returns the scalar loss as a function of the
   * variables (what tf.variableGrads differentiates).
   */
  lossOf: (slices: number[], step: number) => () => tf.Scalar;
  /**
   * Maps of all slices, from the full input or (blind = true) from the blind-spot input; called
   * with the averaged weights in place when `emaDecay` is set. Must leave no tensors behind.
   */
  predict: (blind: boolean) => Promise<M>;
  /** Whether checks also carry `blindMaps` (training holds samples out). */
  blind: boolean;
  /**
   * The maps returned after the last step, instead of `predict(false)` (e.g. predicted on worker
   * threads, or skipped); called with the averaged weights in place, like `predict`.
   */
  finalPredict?: () => Promise<M>;
}

export interface TrainingLoopResult<M> {
  /** Maps predicted after the last step (averaged weights when `emaDecay` is set). */
  maps: M;
  lossHistory: number[];
  resumedFrom: number;
  stepsDone: number;
  aborted: boolean;
  stopped: boolean;
  /** Mean wall time per step in this call, ms (first step excluded when there are more). */
  stepMs: number;
  /** The weights the maps were predicted with (the average when `emaDecay` is set), by variable name. */
  weights: Map<string, NamedArray>;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Run (or resume) training: each step computes the loss of its slices and its gradients with
 * respect to `variables` inside tf.tidy, applies Adam (lr × {@link lrFactor}) and folds the weights
 * into the average; checkpoints every `checkpoint.every` steps, on abort and at the end; checks
 * every `checks.every` steps and after the last. tf.memory().numTensors is unchanged afterwards
 * (the trainer's own tensors aside).
 */
export async function runTrainingLoop<M>(o: TrainingLoopSpec<M>): Promise<TrainingLoopResult<M>> {
  const configHash = createHash('sha256').update(JSON.stringify({ ...o.config, dataHash: o.dataHash })).digest('hex').slice(0, 16);
  const adam = new Adam(o.variables, { learningRate: o.learningRate });
  const ema = o.emaDecay === undefined ? undefined : new WeightAverage(o.variables, o.emaDecay);
  const withWeights = <T>(fn: () => Promise<T>): Promise<T> => (ema === undefined ? fn() : ema.withAveraged(fn));
  const vars = [...o.variables.values()];
  try {
    let lossHistory: number[] = [];
    let resumedFrom = 0;
    if (o.checkpoint !== undefined) {
      const ckpt = await loadCheckpoint(o.checkpoint.dir);
      if (ckpt !== undefined && ckpt.configHash === configHash && ckpt.step <= o.steps) {
        for (const [name, variable] of o.variables) {
          const saved = ckpt.variables.get(name);
          if (saved === undefined) throw new Error(`${o.checkpoint.dir}: checkpoint lacks variable ${name}`);
          tf.tidy(() => variable.assign(tf.tensor(saved.data, variable.shape)));
        }
        adam.setState({ step: ckpt.optimizer.step, m: ckpt.adamM, v: ckpt.adamV });
        if (ema !== undefined) {
          if (ckpt.ema === undefined) throw new Error(`${o.checkpoint.dir}: checkpoint lacks the weight average`);
          ema.setState(ckpt.step, ckpt.ema);
        }
        lossHistory = ckpt.lossHistory.slice(0, ckpt.step);
        resumedFrom = ckpt.step;
      }
    }

    const save = async (step: number): Promise<void> => {
      if (o.checkpoint === undefined) return;
      const variables = new Map<string, NamedArray>();
      for (const [name, v] of o.variables) variables.set(name, { shape: v.shape.slice(), data: (await v.data()) as Float32Array });
      const state = await adam.getState();
      await saveCheckpoint(o.checkpoint.dir, {
        step,
        configHash,
        config: o.config,
        variables,
        optimizer: { name: 'adam', step: state.step, learningRate: adam.learningRate, beta1: adam.beta1, beta2: adam.beta2, epsilon: adam.epsilon },
        adamM: state.m,
        adamV: state.v,
        ema: ema === undefined ? undefined : (await ema.getState()).shadow,
        lossHistory,
      });
    };

    let step = resumedFrom;
    let aborted = false;
    let stopped = false;
    let trainMs = 0;
    let firstStepMs = 0;
    let lastSaved = resumedFrom;
    const stepsThisCall = (): number => step - resumedFrom;
    const check = async (loss: number): Promise<void> => {
      if (o.checks === undefined) return;
      const { maps, blindMaps } = await withWeights(async () => ({
        maps: await o.predict(false),
        blindMaps: o.blind ? await o.predict(true) : undefined,
      }));
      stopped = o.checks.fn({ step, elapsedMs: trainMs, loss, maps, ...(blindMaps !== undefined ? { blindMaps } : {}) }) === true;
    };

    while (step < o.steps) {
      if (o.signal?.aborted) {
        aborted = true;
        break;
      }
      const t0 = performance.now();
      const lossTensor = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(o.lossOf(slicesOfStep(step, o.slicesPerStep, o.slices), step), vars);
        adam.apply(grads, lrFactor(step, o.steps, o.lrSchedule));
        ema?.update();
        return value;
      });
      const loss = (await lossTensor.data())[0];
      lossTensor.dispose();
      if (!Number.isFinite(loss)) throw new Error(`learningRate: the loss became ${loss} at step ${step + 1}; try a smaller learning rate`);
      const dt = performance.now() - t0;
      trainMs += dt;
      if (stepsThisCall() === 0) firstStepMs = dt;
      step++;
      lossHistory.push(loss);
      o.onStep?.({ step, steps: o.steps, loss, elapsedMs: trainMs });
      if (o.checkpoint !== undefined && step % o.checkpoint.every === 0) {
        await save(step);
        lastSaved = step;
      }
      if (o.checks !== undefined && (step % o.checks.every === 0 || step === o.steps)) await check(loss);
      await yieldToEventLoop(); // lets an AbortSignal fired by a timer be seen
      if (stopped) break;
    }
    if (o.checkpoint !== undefined && step !== lastSaved) await save(step);

    const n = stepsThisCall();
    const stepMs = n === 0 ? 0 : n === 1 ? trainMs : (trainMs - firstStepMs) / (n - 1);
    const { maps, weights } = await withWeights(async () => ({
      maps: await (o.finalPredict ?? (() => o.predict(false)))(),
      weights: await getWeights(o.variables),
    }));
    return { maps, lossHistory, resumedFrom, stepsDone: step, aborted, stopped, stepMs, weights };
  } finally {
    adam.dispose();
    ema?.dispose();
  }
}

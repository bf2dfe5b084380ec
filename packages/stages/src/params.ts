/**
 * Params schemas of the stage kinds (zod, strict: an unknown key is a typo, not something to ignore).
 * Kept apart from the implementations so that validating a pipeline never loads TensorFlow.
 * Units are in the names: *_ms for times.
 */
import { z } from 'zod';

const positive = z.number().positive();

/** Echo times in ms: finite, positive, strictly increasing. */
export const teList = z
  .array(positive)
  .min(2, 'needs at least 2 echo times')
  .superRefine((te, ctx) => {
    for (let i = 1; i < te.length; i++) {
      if (!(te[i]! > te[i - 1]!)) ctx.addIssue({ code: 'custom', path: [i], message: `TE must increase (TE[${i}] = ${te[i]} ≤ TE[${i - 1}] = ${te[i - 1]})` });
    }
  });

/** [min, max] T2 in ms, min < max. */
export const t2Range = z
  .tuple([positive, positive])
  .refine(([lo, hi]) => lo < hi, { message: 'T2 range must have min < max' });

const tissue = z.strictObject({ T2_ms: positive, PD: z.number().min(0).max(1) });

export const simulateT2Params = z.strictObject({
  phantom: z
    .strictObject({
      /** BrainWeb 3-D crisp labels shipped in data/phantoms/brainweb-3d. */
      source: z.literal('brainweb-3d').default('brainweb-3d'),
      /** Axial slice indices (1 mm) of the 3-D label volume. */
      slices: z.array(z.number().int().min(0).max(179)).min(1).default([80, 90, 100]),
      /** In-plane downsampling factor (majority vote on labels): 2 → 2 mm. */
      downsample: z.number().int().min(1).max(8).default(2),
    })
    .prefault({}),
  tissues: z
    .strictObject({ WM: tissue, GM: tissue, CSF: tissue })
    .default({ WM: { T2_ms: 80, PD: 0.7 }, GM: { T2_ms: 110, PD: 0.8 }, CSF: { T2_ms: 1000, PD: 1 } }),
  texture: z
    .strictObject({ amplitude: z.number().min(0).max(0.5).default(0.1), correlation_mm: positive.default(8) })
    .prefault({}),
  TE_ms: teList.default([43, 67, 91, 115]),
  noise: z.strictObject({ variance: z.number().min(0).default(0.001) }).prefault({}),
  seed: z.number().int().default(1),
});
export type SimulateT2Params = z.output<typeof simulateT2Params>;

export const varproParams = z.strictObject({
  t2_range_ms: t2Range.default([1, 3000]),
  /** Override the echo times recorded by the upstream stage (must match the data's echo count). */
  TE_ms: teList.optional(),
});
export type VarproParams = z.output<typeof varproParams>;

/**
 * When a scan-specific training stops, judged from the scan alone (network/src/stopping.ts). The
 * default rule and dof are the winners of the measurement in the network package README.
 */
export const stoppingParams = z
  .strictObject({
    /** discrepancy: stop when the echo residual reaches σ²(1 − dof/echoes), σ from the background; heldout: best held-out error; none: train all `steps`. */
    rule: z.enum(['discrepancy', 'heldout', 'none']).default('discrepancy'),
    /** Steps between checks (each costs about two forward passes over all slices). */
    check_every: z.number().int().min(1).default(25),
    /**
     * Parameters per voxel the estimate may spend on the noise (0 = stop at σ², 2 = a voxel-wise
     * (M0, T2) fit): 0.6 put the stop within 1% of the oracle-best step at noise 0.001 and 0.003.
     */
    dof: z.number().min(0).max(3).default(0.6),
    /** Fraction of the object's voxels with one echo (or all echoes) held out of the loss; 0 = none. */
    held_out_fraction: z.number().min(0).lt(0.5).default(0.1),
    held_out_unit: z.enum(['echo', 'voxel']).default('echo'),
    /** Held-out rule: checks without improvement before it stops. */
    patience: z.number().int().min(1).default(8),
    /** Keep training to `steps` after the rule decided (studies that draw the whole curve); the maps are still the rule's. */
    run_to_max: z.boolean().default(false),
  })
  .prefault({});
export type StoppingParams = z.output<typeof stoppingParams>;

export const trainT2Params = z.strictObject({
  network: z
    .strictObject({
      blocks: z.number().int().min(0).max(32).default(9),
      width: z.number().int().min(4).max(256).default(32),
    })
    .prefault({}),
  loss: z.enum(['ssim', 'l1', 'mse']).default('ssim'),
  learning_rate: positive.default(3e-4),
  lr_schedule: z.enum(['constant', 'cosine']).default('constant'),
  steps: z.number().int().min(1).default(750),
  /** Predict with an exponential moving average of the weights (0 = off): smooths late-training noise-fitting. */
  ema_decay: z.number().min(0).lt(1).default(0.998),
  seed: z.number().int().default(1),
  t2_range_ms: t2Range.default([1, 3000]),
  slices_per_step: z.number().int().min(1).default(1),
  checkpoint_every: z.number().int().min(1).default(50),
  backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  TE_ms: teList.optional(),
  stopping: stoppingParams,
});
export type TrainT2Params = z.output<typeof trainT2Params>;

export const evaluateT2Params = z.strictObject({
  /** Tissues reported one by one (all are in the overall mask). */
  tissues: z.array(z.enum(['WM', 'GM', 'CSF'])).min(1).default(['WM', 'GM', 'CSF']),
});
export type EvaluateT2Params = z.output<typeof evaluateT2Params>;

export const figureT2Params = z.strictObject({
  /** Colour scale of the T2 maps: 0 … t2_max_ms. */
  t2_max_ms: positive.default(200),
  /** Colour scale of the absolute-error maps: 0 … error_max_ms. */
  error_max_ms: positive.default(50),
  upscale: z.number().int().min(1).max(8).default(3),
});
export type FigureT2Params = z.output<typeof figureT2Params>;

export const reportStoppingParams = z.strictObject({
  /** One entry per study: its label and the ids of its train-t2 and evaluate-t2 stages (both in needs). */
  studies: z.array(z.strictObject({ label: z.string().min(1), train: z.string().min(1), evaluate: z.string().min(1) })).min(1),
  /** Region of the curves (the table has every region). */
  region: z.enum(['brain_no_csf', 'brain', 'wm', 'gm', 'csf']).default('brain_no_csf'),
});
export type ReportStoppingParams = z.output<typeof reportStoppingParams>;

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
      /** Zero-pad the slices (centred) to this in-plane matrix [height, width], e.g. the paper's T2* 224 × 210. */
      pad_to: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
    })
    .prefault({}),
  tissues: z
    .strictObject({ WM: tissue, GM: tissue, CSF: tissue })
    .default({ WM: { T2_ms: 80, PD: 0.7 }, GM: { T2_ms: 110, PD: 0.8 }, CSF: { T2_ms: 1000, PD: 1 } }),
  texture: z
    .strictObject({ amplitude: z.number().min(0).max(0.5).default(0.1), correlation_mm: positive.default(8) })
    .prefault({}),
  TE_ms: teList.default([43, 67, 91, 115]),
  noise: z
    .strictObject({
      variance: z.number().min(0).default(0.001),
      /** gaussian: real images + N(0, variance) (the paper's simulation); rician: magnitude of complex noise of that variance per channel (what scanners export). */
      model: z.enum(['gaussian', 'rician']).default('gaussian'),
    })
    .prefault({}),
  seed: z.number().int().default(1),
});
export type SimulateT2Params = z.output<typeof simulateT2Params>;

export const varproParams = z.strictObject({
  t2_range_ms: t2Range.default([1, 3000]),
  /**
   * Signal model. monoexp: M0·exp(−TE/T2) (the paper's); offset: + a constant C (absorbs a noise
   * floor or a baseline); rician: the Rician mean of M0·exp(−TE/T2) with the noise σ (magnitude data:
   * fits the noise floor instead of bending T2 to it).
   */
  model: z.enum(['monoexp', 'offset', 'rician']).default('monoexp'),
  /** rician: noise σ of one real channel, in signal units; default = estimated from the image background. */
  noise_sigma: positive.optional(),
  /** Override the echo times recorded by the upstream stage (must match the data's echo count). */
  TE_ms: teList.optional(),
});
export type VarproParams = z.output<typeof varproParams>;

/**
 * When a scan-specific training stops, judged from the scan alone (network/src/stopping.ts). The
 * default rule and dof are the winners of the measurement in the network package README.
 */
const stoppingParamsWith = (heldOutUnit: 'echo' | 'voxel') => z
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
    held_out_unit: z.enum(['echo', 'voxel']).default(heldOutUnit),
    /** Held-out rule: checks without improvement before it stops. */
    patience: z.number().int().min(1).default(8),
    /** Keep training to `steps` after the rule decided (studies that draw the whole curve); the maps are still the rule's. */
    run_to_max: z.boolean().default(false),
  })
  .prefault({});
export const stoppingParams = stoppingParamsWith('echo');

/** Patch training: per_step random size × size patches of all slices per step. */
export const patchParams = z.strictObject({
  size: z.number().int().min(16).max(1024),
  per_step: z.number().int().min(1).max(64).default(4),
});
export type StoppingParams = z.output<typeof stoppingParams>;

/**
 * train-t2. Defaults = the settings measured best on the T2 simulation (network/STOPPING.md): the
 * paper's are blocks 9 and loss ssim; `steps` is an upper bound, the stopping rule decides.
 */
export const trainT2Params = z.strictObject({
  network: z
    .strictObject({
      blocks: z.number().int().min(0).max(32).default(4),
      width: z.number().int().min(4).max(256).default(32),
    })
    .prefault({}),
  loss: z.enum(['ssim', 'l1', 'mse']).default('mse'),
  learning_rate: positive.default(1e-3),
  lr_schedule: z.enum(['constant', 'cosine']).default('constant'),
  steps: z.number().int().min(1).default(2000),
  /** Predict with an exponential moving average of the weights (0 = off): smooths late-training noise-fitting. */
  ema_decay: z.number().min(0).lt(1).default(0.99),
  seed: z.number().int().default(1),
  t2_range_ms: t2Range.default([1, 3000]),
  slices_per_step: z.number().int().min(1).default(1),
  checkpoint_every: z.number().int().min(1).default(50),
  backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  TE_ms: teList.optional(),
  stopping: stoppingParams,
  /** Train on random size × size patches of all slices (per_step of them a step); maps are still inferred on whole slices. */
  patch: patchParams.optional(),
  /**
   * Starting weights. scratch: random (seeded). pretrained: the model of the pretrain-t2 stage in needs;
   * refused when its manifest does not match the scan (echo count, TEs, network, T2 range) unless force.
   */
  init: z
    .strictObject({ from: z.enum(['scratch', 'pretrained']).default('scratch'), force: z.boolean().default(false) })
    .prefault({}),
  /** Worker threads (each with its own backend) that infer the final maps, slices split among them; same maps bit for bit. */
  inference_threads: z.number().int().min(1).max(64).default(1),
  /**
   * Infer on blended size × size tiles (overlap px) instead of whole slices. After patch training, tiles of
   * the patch size match the instance-norm statistics the network was trained with (measured: T2* RMSE
   * 6.7 ms tiled vs 13.6 ms whole-slice after 128² patch training).
   */
  inference_tile: z.strictObject({ size: z.number().int().min(16).max(1024), overlap: z.number().int().min(0).default(0) }).optional(),
});
export type TrainT2Params = z.output<typeof trainT2Params>;

/**
 * pretrain-t2: the same unsupervised loss on many simulated scans (BrainWeb slices other than the ones
 * studied, one copy of them per noise level, each with its own texture and noise seed) for one protocol;
 * the weights are saved in the TensorFlow.js format with a manifest that fine-tuning checks.
 */
export const pretrainT2Params = z.strictObject({
  phantom: simulateT2Params.shape.phantom.prefault({ slices: [50, 60, 70, 110, 120, 130] }),
  tissues: simulateT2Params.shape.tissues,
  texture: simulateT2Params.shape.texture,
  TE_ms: teList.default([43, 67, 91, 115]),
  /** Largest difference (ms) between a scan's TE and the trained TE that fine-tuning accepts. */
  te_tolerance_ms: z.number().min(0).default(1),
  noise: z
    .strictObject({
      /** One copy of the slices per value: the range of noise levels the model has seen. */
      variances: z.array(z.number().min(0)).min(1).default([0.0003, 0.001, 0.003]),
      model: z.enum(['gaussian', 'rician']).default('gaussian'),
    })
    .prefault({}),
  network: trainT2Params.shape.network,
  loss: trainT2Params.shape.loss,
  learning_rate: positive.default(1e-3),
  steps: z.number().int().min(1).default(2000),
  ema_decay: z.number().min(0).lt(1).default(0.99),
  seed: z.number().int().default(11),
  t2_range_ms: t2Range.default([1, 3000]),
  slices_per_step: z.number().int().min(1).default(1),
  patch: patchParams.optional(),
  checkpoint_every: z.number().int().min(1).default(100),
  backend: trainT2Params.shape.backend,
});
export type PretrainT2Params = z.output<typeof pretrainT2Params>;

/** report-speed: time to quality of a fine-tuned network against one trained from scratch. */
export const reportSpeedParams = z.strictObject({
  /** Ids of the two train-t2 stages in needs (both trained on a simulation, so their checks carry the oracle RMSE). */
  scratch: z.string().min(1).default('train'),
  finetune: z.string().min(1).default('finetune'),
  region: z.enum(['brain_no_csf', 'brain', 'wm', 'gm', 'csf']).default('brain_no_csf'),
  /** "Reached" = RMSE ≤ (1 + tolerance) × the from-scratch final RMSE. */
  tolerance: z.number().min(0).max(1).default(0.05),
});
export type ReportSpeedParams = z.output<typeof reportSpeedParams>;

export const evaluateT2Params = z.strictObject({
  /** Tissues reported one by one (all are in the overall mask). */
  tissues: z.array(z.enum(['WM', 'GM', 'CSF'])).min(1).default(['WM', 'GM', 'CSF']),
});
export type EvaluateT2Params = z.output<typeof evaluateT2Params>;

export const figureT2Params = z.strictObject({
  /** File-name prefix of the figures in reports/<pipeline>/: <prefix>_t2_maps, <prefix>_rmse_bars. */
  prefix: z.string().regex(/^[a-z0-9_]+$/, 'lower-case letters, digits and _ only').default('fig2'),
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

// ───────────────────────── MR fingerprinting (paper Fig. 5) ─────────────────────────
// Kinds mrf-dictionary, simulate-mrf, mrf-sliding-window, evaluate-mrf, figure-mrf (pipelines/mrf.yaml).

/** A fraction in (0, 1]. */
const fraction = z.number().gt(0).max(1);

/** Geometric axis of the dictionary grid, ms: min·ratio^j up to max. */
const geometricAxisMs = z
  .strictObject({ min: positive, max: positive, ratio: z.number().gt(1) })
  .refine((a) => a.min <= a.max, { message: 'min must be ≤ max' });

/** Default grid = DEFAULT_MRF_GRID of @relaxomap/physics (10 597 atoms; mrf-params.test.ts checks they agree). */
export const mrfGridParams = z
  .strictObject({
    T1_ms: geometricAxisMs.default({ min: 100, max: 5000, ratio: 1.04 }),
    T2_ms: geometricAxisMs.default({ min: 10, max: 2000, ratio: 1.04 }),
  })
  .prefault({})
  .superRefine((g, ctx) => {
    // Only pairs with T2 < T1 become atoms: with T2 ≥ T1 everywhere the dictionary is empty.
    if (g.T2_ms.min >= g.T1_ms.max) {
      ctx.addIssue({ code: 'custom', path: ['T2_ms', 'min'], message: `every T2 (from ${g.T2_ms.min} ms) is ≥ every T1 (up to ${g.T1_ms.max} ms): the dictionary would be empty` });
    }
  });

/** Rank of the temporal subspace Φ: exactly one of sigma_fraction (Σσ, the paper's "95 % power" → 6), energy (Σσ² → 3), rank. */
export const mrfRankParams = z
  .union([
    z.strictObject({ sigma_fraction: fraction }),
    z.strictObject({ energy: fraction }),
    z.strictObject({ rank: z.number().int().min(1) }),
  ])
  .default({ sigma_fraction: 0.95 });

export const mrfDictionaryParams = z
  .strictObject({
    /** Folder under data/mrf/ (so the Nx cache sees its files) holding fa.txt (degrees) and tr.txt (ms), one number per line. */
    schedule_dir: z
      .string()
      .regex(/^data\/mrf\/[^\s]+$/, 'must be a folder under data/mrf/ (e.g. data/mrf/jiang2015-fisp), so the Nx cache sees its files')
      .refine((s) => !s.split('/').includes('..'), { message: "must not contain '..'" })
      .default('data/mrf/jiang2015-fisp'),
    /** Time points used: the first `points` TRs of the schedule (paper: 600 of 1000). */
    points: z.number().int().min(1).default(600),
    TE_ms: z.number().min(0).default(2),
    /** Inversion (ideal 180°) to first pulse; null = no inversion. Not in the schedule files. */
    inversion_delay_ms: z.number().min(0).nullable().default(20),
    /** Transmit field scale of every flip angle. */
    B1: z.number().gt(0).default(1),
    /** EPG truncation (physics DEFAULT_STATE_THRESHOLD; 0 = exact EPG). */
    state_threshold: z.number().min(0).default(1e-7),
    grid: mrfGridParams,
    rank: mrfRankParams,
  })
  .superRefine((p, ctx) => {
    if ('rank' in p.rank && p.rank.rank > p.points) {
      ctx.addIssue({ code: 'custom', path: ['rank', 'rank'], message: `${p.rank.rank} exceeds the number of TRs (points = ${p.points})` });
    }
  });
export type MrfDictionaryParams = z.output<typeof mrfDictionaryParams>;

const mrfTissue = z.strictObject({ T1_ms: positive, T2_ms: positive, PD: z.number().gt(0).max(1) });

export const simulateMrfParams = z
  .strictObject({
    phantom: z
      .strictObject({
        source: z.literal('brainweb-3d').default('brainweb-3d'),
        /** Axial slice index (1 mm) of the BrainWeb label volume. */
        slice: z.number().int().min(0).max(179).default(90),
        /** In-plane downsampling (majority vote): 2 → 108 × 90 at 2 mm. */
        downsample: z.number().int().min(1).max(8).default(2),
      })
      .prefault({}),
    /** Square image matrix (pixels) of the spiral; the slice is zero-padded to it, centred. */
    matrix: z.number().int().min(8).max(512).default(112),
    tissues: z
      .strictObject({ WM: mrfTissue, GM: mrfTissue, CSF: mrfTissue })
      .default({
        WM: { T1_ms: 832, T2_ms: 80, PD: 0.7 },
        GM: { T1_ms: 1331, T2_ms: 110, PD: 0.8 },
        CSF: { T1_ms: 3800, T2_ms: 1000, PD: 1 },
      }),
    texture: z
      .strictObject({ amplitude: z.number().min(0).max(0.5).default(0.1), correlation_mm: positive.default(8) })
      .prefault({}),
    spiral: z
      .strictObject({
        /** Interleaves for full sampling; TR t of a repeat with offset o acquires interleaf (t + o) mod interleaves. */
        interleaves: z.number().int().min(1).max(1024).default(48),
        /** Readout samples per Nyquist distance along the arm. */
        readout_oversampling: positive.default(2),
      })
      .prefault({}),
    /** The reference acquisition: `repeats` repeats with interleaf offsets r·interleaves/repeats (rounded down). */
    reference: z.strictObject({ repeats: z.number().int().min(1).default(6) }).prefault({}),
    noise: z
      .strictObject({
        /**
         * Complex noise variance E|n|² per pixel of the fully sampled, density-compensated reconstruction
         * (all interleaves once) of images with max PD 1; each k-space sample gets variance/Σw² (w: the
         * analytical spiral DCF of all interleaves).
         */
        variance: z.number().min(0).default(3e-4),
      })
      .prefault({}),
    /** EPG truncation of the phantom's signals: 0 = exact EPG (default). */
    state_threshold: z.number().min(0).default(0),
    /** time_series_clean.npy is written only below this size. */
    clean_series_max_mb: z.number().min(0).default(50),
    seed: z.number().int().default(1),
  })
  .superRefine((p, ctx) => {
    if (p.reference.repeats > p.spiral.interleaves) {
      ctx.addIssue({ code: 'custom', path: ['reference', 'repeats'], message: `${p.reference.repeats} repeats need at least as many interleaves (spiral.interleaves = ${p.spiral.interleaves})` });
    }
  });
export type SimulateMrfParams = z.output<typeof simulateMrfParams>;

export const mrfSlidingWindowParams = z.strictObject({
  /** single: one interleaf per TR (the paper's input); reference: every repeat of each TR window gridded together. */
  acquisition: z.enum(['single', 'reference']).default('single'),
  /** Sliding window in TRs (Cao et al. 2017; the paper: 6). */
  window: z.number().int().min(1).default(6),
  dcf: z
    .strictObject({
      /** Pipe–Menon iterations of the density compensation. */
      iterations: z.number().int().min(0).max(500).default(20),
      /** trajectory: the DCF of all interleaves, per interleaf; window: the DCF of each window's own interleaves. */
      mode: z.enum(['trajectory', 'window']).default('trajectory'),
    })
    .prefault({}),
  /** Frames reconstructed per chunk (the projection onto Φ is accumulated chunk by chunk). */
  chunk_frames: z.number().int().min(1).default(50),
  /** series.npy (frame, y, x) complex64 is written only below this size (the train-mrf stage reads it). */
  series_max_mb: z.number().min(0).default(512),
});
export type MrfSlidingWindowParams = z.output<typeof mrfSlidingWindowParams>;

export const evaluateMrfParams = z.strictObject({
  tissues: z.array(z.enum(['WM', 'GM', 'CSF'])).min(1).default(['WM', 'GM', 'CSF']),
  /** Stage id of the 1-interleaf sliding-window estimate (the ratios' numerator); default: the one with acquisition 'single'. */
  baseline: z.string().min(1).optional(),
  /** Stage id of the reference estimate; default: the one with acquisition 'reference'. */
  reference: z.string().min(1).optional(),
});
export type EvaluateMrfParams = z.output<typeof evaluateMrfParams>;

export const figureMrfParams = z.strictObject({
  t1_max_ms: positive.default(2000),
  t2_max_ms: positive.default(200),
  t1_error_max_ms: positive.default(500),
  t2_error_max_ms: positive.default(50),
  upscale: z.number().int().min(1).max(8).default(3),
});
export type FigureMrfParams = z.output<typeof figureMrfParams>;

/**
 * train-mrf: the scan-specific subspace network (input Φx, output c) on the paper's image-domain term
 * (L1 between c·Φ and x; the T2 study's stopping rule, held-out samples are whole voxels) or on the
 * measured k-space (stopped against the acquisition's recorded noise, `stopping.kspace_tau`).
 */
export const trainMrfParams = z.strictObject({
  network: z
    .strictObject({
      blocks: z.number().int().min(0).max(32).default(4),
      width: z.number().int().min(4).max(256).default(32),
    })
    .prefault({}),
  loss: z.enum(['l1', 'mse']).default('l1'),
  /**
   * image: the paper's loss, L1/MSE between c·Φ and the 1-interleaf sliding-window series;
   * kspace: data consistency Σ w·|A(c·Φ) − y|² against the measured spiral k-space (NUFFT, w = DCF).
   */
  data_term: z.enum(['image', 'kspace']).default('image'),
  /** k-space data term only: w = 1 (the likelihood of white k-space noise) or w = the spiral's density compensation. */
  kspace_weighting: z.enum(['none', 'dcf']).default('none'),
  /**
   * global: every input/output channel divided by one scale; per-coefficient: coefficient k by its
   * own RMS, so the small trailing coefficients (most of the T1/T2 contrast) train as fast as the first.
   */
  channel_scale: z.enum(['global', 'per-coefficient']).default('global'),
  /**
   * coefficients: the paper's output, 2·rank free channels c; parameters: T1, T2 and a complex M0
   * per voxel, c = M0·a(T1, T2) on the fingerprint manifold (a interpolated from an EPG table over
   * the dictionary's T1 and T2 ranges in `table_ratio` steps). Needs data_term 'kspace'.
   */
  output: z.enum(['coefficients', 'parameters']).default('coefficients'),
  table_ratio: z.number().gt(1).max(1.5).default(1.04),
  learning_rate: positive.default(1e-3),
  lr_schedule: z.enum(['constant', 'cosine']).default('constant'),
  steps: z.number().int().min(1).default(1500),
  ema_decay: z.number().min(0).lt(1).default(0.99),
  seed: z.number().int().default(1),
  checkpoint_every: z.number().int().min(1).default(50),
  backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  stopping: stoppingParamsWith('voxel').unwrap().extend({
    /**
     * data_term 'kspace' (noise known from the acquisition): stop at the first check whose k-space
     * residual is ≤ τ·σ² (the discrepancy principle for iterative regularisation, which needs τ > 1).
     */
    kspace_tau: z.number().min(0.5).max(2).default(1.05),
  }).prefault({}),
}).superRefine((p, ctx) => {
  if (p.output === 'parameters' && p.data_term !== 'kspace') {
    ctx.addIssue({ code: 'custom', path: ['output'], message: "'parameters' needs data_term 'kspace' (the loss is computed on the synthesised coefficients)" });
  }
  if (p.data_term !== 'kspace') return;
  if (p.loss !== 'mse') {
    ctx.addIssue({ code: 'custom', path: ['loss'], message: "must be 'mse' with data_term 'kspace' (the k-space term is the squared residual Σ w·|A(c·Φ) − y|²)" });
  }
  if (p.stopping.held_out_fraction > 0) {
    ctx.addIssue({ code: 'custom', path: ['stopping', 'held_out_fraction'], message: "must be 0 with data_term 'kspace' (k-space samples mix every voxel: no voxel can be held out of that loss)" });
  }
});
export type TrainMrfParams = z.output<typeof trainMrfParams>;

/**
 * refine-mrf: MAP fit of T1, T2 and M0 maps to the 1-interleaf k-space with a Gaussian prior centred
 * on an upstream estimate (the network's), network/src/parameter-refine.ts.
 */
export const refineMrfParams = z.strictObject({
  /** Stage id of the prior estimate (its t1/t2.npy and coefficients.npy); default: the one train-mrf stage in needs. */
  estimate: z.string().min(1).optional(),
  /**
   * Prior standard deviation s in the parameter output's units (T1/T2: ±2 spans the table, 1 unit ≈ 0.98 in ln T
   * for 100–5000 ms; M0: the RMS norm of the estimate's coefficients).
   */
  prior_std: positive.default(0.35),
  iterations: z.number().int().min(1).default(150),
  learning_rate: positive.default(0.02),
  /** Step of the fingerprint table over the dictionary's T1/T2 ranges; default: the estimate's own (its estimate.json), else 1.04. */
  table_ratio: z.number().gt(1).max(1.5).optional(),
});
export type RefineMrfParams = z.output<typeof refineMrfParams>;

// ───────────────────────── Real scans (paper Figs. 3 and 4, NIST plate) ─────────────────────────
// Kinds verify-data, load-echoes, nist-spheres, figure-maps (pipelines/nist-t2-plate.yaml, …).

/** A workspace-relative path under `prefix` without '..' (so the Nx cache can see the files). */
const dataPath = (prefix: string, example: string) => z
  .string()
  .refine((s) => s.startsWith(prefix) && !s.split('/').includes('..') && !/\s/.test(s), { message: `must be a path under ${prefix} without '..' (e.g. ${example})` });

export const verifyDataParams = z.strictObject({
  /** The data manifest whose files (size + SHA-256) are checked before any stage reads them. */
  manifest: dataPath('data-manifests/', 'data-manifests/nist-t2-plate4.yaml').refine((s) => /\.ya?ml$/.test(s), { message: 'must be a .yaml file' }),
});
export type VerifyDataParams = z.output<typeof verifyDataParams>;

/** [first, last) index range along one axis. */
const indexRange = z
  .tuple([z.number().int().min(0), z.number().int().min(1)])
  .refine(([a, b]) => a < b, { message: 'range must be [first, end) with first < end' });

export const loadEchoesParams = z.strictObject({
  /** nifti: one 4-D file, or a folder / files of one echo each with BIDS sidecars; dicom: a folder; npy: array + JSON sidecar; kspace: complex Cartesian k-space .npy + sidecar. */
  format: z.enum(['nifti', 'dicom', 'npy', 'kspace']),
  /** File or folder under data/ (listed in the verify-data stage's manifest). */
  path: dataPath('data/', 'data/real/nist-t2-plate4/dicom'),
  /** Echo times (ms) when the files do not carry them (must match the echo count). */
  TE_ms: teList.optional(),
  /** Echo indices (0-based, after sorting by TE) to leave out, e.g. [0] for a spin-echo train's stimulated-echo-contaminated first echo. */
  drop_echoes: z.array(z.number().int().min(0)).default([]),
  /** Keep a sub-volume: [first, end) along x (columns), y (rows), slice. */
  crop: z.strictObject({ x: indexRange.optional(), y: indexRange.optional(), slice: indexRange.optional() }).optional(),
  /** Voxel size (x, y, slice) in mm when the files do not record it (npy, k-space). */
  voxel_mm: z.tuple([positive, positive, positive]).optional(),
});
export type LoadEchoesParams = z.output<typeof loadEchoesParams>;

export const figureMapsParams = z.strictObject({
  /** Base name of the figure and table in reports/<pipeline>/ (e.g. fig3_t2_maps). */
  name: z.string().regex(/^[a-z0-9_]+$/, 'lower-case letters, digits and _ only').default('maps'),
  /** What the maps are called in captions and colour bars. */
  quantity: z.enum(['T2', 'T2*']).default('T2'),
  /** Slice indices (after any crop) to show; default up to 4 evenly spaced. */
  slices: z.array(z.number().int().min(0)).min(1).optional(),
  /** Colour scale of the T2 maps: 0 … t2_max_ms. */
  t2_max_ms: positive.default(200),
  /** Colour scale of the residual maps, in units of the noise σ. */
  residual_max_sigma: positive.default(3),
  upscale: z.number().int().min(1).max(8).default(2),
});
export type FigureMapsParams = z.output<typeof figureMapsParams>;

export const nistSpheresParams = z.strictObject({
  /** Sphere ROIs (centres, radii, reference T2), in the array frame of the loaded echoes. */
  spheres: dataPath('data/', 'data/real/nist-t2-plate4/spheres.json').refine((s) => s.endsWith('.json'), { message: 'must be a .json file' }),
  /** Agreement wanted with the reference T2 (fraction): 0.1 = within 10 %. */
  tolerance: z.number().gt(0).lt(1).default(0.1),
  /**
   * [first, last] echo time (ms) of the ACQUIRED train: spheres with first ≤ T2 ≤ last/2 count as
   * resolvable. Default: the echo times of the series (after any dropped echoes).
   */
  acquired_te_ms: z.tuple([positive, positive]).optional(),
  /** A second, independent measurement of the same scan to compare with (e.g. hazen's), one T2 per sphere. */
  comparison: z.strictObject({ label: z.string().min(1), source: z.string().min(1), T2_ms: z.array(positive).min(1) }).optional(),
});
export type NistSpheresParams = z.output<typeof nistSpheresParams>;

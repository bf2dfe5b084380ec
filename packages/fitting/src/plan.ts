/**
 * Input validation and the precomputed search plan for the Varpro mono-exponential fit.
 *
 * The plan is plain data (numbers and Float64Arrays) so it can be sent to worker threads.
 */
import { evenEchoSpacing, validateEchoTimes } from '@relaxomap/physics';

/**
 * Signal model of the fit (see `varproMonoExp`):
 * - 'monoexp': s_e = M0·exp(−TE_e/T2) (default);
 * - 'offset':  s_e = M0·exp(−TE_e/T2) + C, C a constant per voxel (absorbs a magnitude noise floor);
 * - 'rician':  s_e = E[|ν_e + n|], ν_e = M0·exp(−TE_e/T2), n complex Gaussian noise of known σ
 *   (`noiseSigma`): the mean of magnitude data, which tends to σ·√(π/2) instead of 0.
 */
export type SignalModelName = 'monoexp' | 'offset' | 'rician';

/** The models by name, in the order of their plan codes. */
export const SIGNAL_MODELS: readonly SignalModelName[] = ['monoexp', 'offset', 'rician'];

/** Plan codes of the models (plain numbers travel to workers). */
export const MODEL_MONOEXP = 0;
export const MODEL_OFFSET = 1;
export const MODEL_RICIAN = 2;

/** Options of the Varpro fit. Times in ms. */
export interface VarproOptions {
  /** Lower T2 bound (ms), finite, > 0, < t2Max. Results are clipped to [t2Min, t2Max]. */
  t2Min: number;
  /** Upper T2 bound (ms), finite, > t2Min. */
  t2Max: number;
  /** Optional (voxel) mask: voxels where it is 0 are not fitted (M0 = 0, T2 = 0), nor checked. */
  mask?: Uint8Array;
  /**
   * Worker threads. The synchronous `varproMonoExp` runs on the calling thread and accepts only 1;
   * `varproMonoExpParallel` defaults to `os.availableParallelism()`.
   */
  threads?: number;
  /**
   * Constrain M0 ≥ 0 (magnitude data). Default true. With false, M0 may be negative. For model
   * 'offset' it also constrains C ≥ 0; model 'rician' always has M0 ≥ 0 (false is rejected).
   */
  nonNegativeM0?: boolean;
  /**
   * Number of T2 values in the initial search grid over [t2Min, t2Max] (default 16), spaced at equal
   * angles between consecutive normalised decay vectors. The grid only picks the basin; the 1-D
   * refinement then converges to machine precision. Too small a grid (< ~10) may settle on a local
   * optimum of noisy data.
   */
  gridSize?: number;
  /** Signal model (default 'monoexp'). See {@link SignalModelName}. */
  model?: SignalModelName;
  /**
   * Standard deviation σ of the Gaussian noise in each of the real and imaginary channels, in signal
   * units (finite, > 0). Required by model 'rician' (the noise floor is σ·√(π/2)); unused by the other
   * models (but still checked when given). E.g. from a background region of a magnitude image with mean
   * m_bg: σ = m_bg/√(π/2).
   */
  noiseSigma?: number;
}

/** Precomputed, serialisable search plan. */
export interface VarproPlan {
  nTE: number;
  /** Echo times (ms). */
  TE: Float64Array;
  /** 1 if TE_k = TE1 + k·dTE (polynomial fast path), else 0. */
  even: number;
  TE1: number;
  dTE: number;
  /** Rates R = 1/T2 (1/ms): rMax = 1/t2Min, rMin = 1/t2Max. */
  rMin: number;
  rMax: number;
  t2Min: number;
  t2Max: number;
  gridSize: number;
  /** Grid rates R_j = 1/T2_j, T2_j increasing from t2Min to t2Max (so R decreases with j). */
  gridR: Float64Array;
  /** Normalised decay vectors u_j = e_j/‖e_j‖, e_jk = exp(−TE_k·R_j); shape (grid, echo). */
  gridU: Float64Array;
  /** 1 to constrain M0 ≥ 0 (and C ≥ 0 for the offset model). */
  nonNegative: number;
  /** MODEL_MONOEXP, MODEL_OFFSET or MODEL_RICIAN. */
  model: number;
  /** σ of the Rician model (signal units); 0 for the other models. */
  noiseSigma: number;
  /**
   * Offset model only (empty otherwise): grid rates and centred normalised decay vectors
   * ũ_j = P e_j / ‖P e_j‖ (P removes the mean over echoes), shape (grid, echo), placed at equal
   * angles between consecutive ũ_j.
   */
  offsetGridR: Float64Array;
  offsetGridU: Float64Array;
}

export const DEFAULT_GRID_SIZE = 16;

function checkPositiveFinite(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${field} must be a finite number > 0 ms (got ${String(value)})`);
  }
  return value;
}

/**
 * Validate everything but the echo values (those are checked per voxel during the fit).
 * @throws one-line Error naming the field
 */
export function validateVarproInputs(
  echoes: Float32Array,
  nVoxels: number,
  TE: readonly number[],
  opts: VarproOptions,
): void {
  if (!(echoes instanceof Float32Array)) throw new Error('echoes must be a Float32Array of shape (echo, voxel)');
  if (!Number.isInteger(nVoxels) || nVoxels < 0) {
    throw new Error(`nVoxels must be an integer >= 0 (got ${String(nVoxels)})`);
  }
  validateEchoTimes(TE);
  if (TE.length < 2) throw new Error(`TE must hold at least 2 echo times to fit T2 (got ${TE.length})`);
  if (echoes.length !== TE.length * nVoxels) {
    throw new Error(
      `echoes: length ${echoes.length} does not match TE.length × nVoxels = ${TE.length} × ${nVoxels} = ${TE.length * nVoxels}`,
    );
  }
  if (opts === null || typeof opts !== 'object') throw new Error('opts must be an object with t2Min and t2Max');
  const t2Min = checkPositiveFinite(opts.t2Min, 'opts.t2Min');
  const t2Max = checkPositiveFinite(opts.t2Max, 'opts.t2Max');
  if (t2Min >= t2Max) throw new Error(`opts.t2Min must be < opts.t2Max (got ${t2Min} >= ${t2Max})`);
  if (opts.mask !== undefined) {
    if (!(opts.mask instanceof Uint8Array)) throw new Error('opts.mask must be a Uint8Array of shape (voxel)');
    if (opts.mask.length !== nVoxels) {
      throw new Error(`opts.mask: length ${opts.mask.length} differs from nVoxels ${nVoxels}`);
    }
  }
  if (opts.threads !== undefined && (!Number.isInteger(opts.threads) || opts.threads < 1)) {
    throw new Error(`opts.threads must be an integer >= 1 (got ${String(opts.threads)})`);
  }
  if (opts.gridSize !== undefined && (!Number.isInteger(opts.gridSize) || opts.gridSize < 2 || opts.gridSize > 4096)) {
    throw new Error(`opts.gridSize must be an integer in [2, 4096] (got ${String(opts.gridSize)})`);
  }
  if (opts.nonNegativeM0 !== undefined && typeof opts.nonNegativeM0 !== 'boolean') {
    throw new Error(`opts.nonNegativeM0 must be a boolean (got ${String(opts.nonNegativeM0)})`);
  }
  const model = opts.model ?? 'monoexp';
  if (!SIGNAL_MODELS.includes(model)) {
    throw new Error(`opts.model must be one of ${SIGNAL_MODELS.map((m) => `'${m}'`).join(', ')} (got ${JSON.stringify(opts.model)})`);
  }
  const sigma = opts.noiseSigma;
  if (sigma !== undefined || model === 'rician') {
    if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma <= 0) {
      const why = model === 'rician' ? " (required by opts.model 'rician')" : '';
      throw new Error(`opts.noiseSigma must be a finite number > 0 in signal units${why} (got ${String(sigma)})`);
    }
  }
  if (model === 'rician' && opts.nonNegativeM0 === false) {
    throw new Error("opts.nonNegativeM0 cannot be false with opts.model 'rician' (the Rician mean depends on |M0| only)");
  }
}

/**
 * Decay relative to the first echo, u_k ∝ exp(−(TE_k − TE_0)/T2), normalised (no underflow for tiny
 * T2). With `centred`, the mean over echoes is removed first (the offset model's decay direction).
 */
function normalisedDecay(TE: readonly number[], T2: number, out: Float64Array, offset: number, centred = false): void {
  const n = TE.length;
  let mean = 0;
  for (let k = 0; k < n; k++) {
    const e = Math.exp(-(TE[k] - TE[0]) / T2);
    out[offset + k] = e;
    mean += e;
  }
  mean = centred ? mean / n : 0;
  let norm = 0;
  for (let k = 0; k < n; k++) {
    const e = out[offset + k] - mean;
    out[offset + k] = e;
    norm += e * e;
  }
  const inv = 1 / Math.sqrt(norm);
  for (let k = 0; k < n; k++) out[offset + k] *= inv;
}

/** Samples of the dense curve used to place the grid. */
const DENSE = 4096;

/**
 * Grid T2 values with equal angles between consecutive normalised decay vectors, from t2Min to
 * t2Max. Why: a log-T2 grid wastes points where the decay shape barely changes (T2 ≫ the echo span,
 * or T2 ≪ TE1); equal angles bound the worst mismatch of any decay to its nearest grid vector, so
 * fewer points pick the right basin.
 */
export function angularGridT2(TE: readonly number[], t2Min: number, t2Max: number, G: number, centred = false): Float64Array {
  const n = TE.length;
  const lnMin = Math.log(t2Min);
  const lnStep = (Math.log(t2Max) - lnMin) / (DENSE - 1);
  const prev = new Float64Array(n);
  const cur = new Float64Array(n);
  const theta = new Float64Array(DENSE);
  normalisedDecay(TE, t2Min, prev, 0, centred);
  for (let i = 1; i < DENSE; i++) {
    normalisedDecay(TE, Math.exp(lnMin + i * lnStep), cur, 0, centred);
    let d2 = 0;
    for (let k = 0; k < n; k++) d2 += (cur[k] - prev[k]) ** 2;
    // Angle between unit vectors from the chord: accurate for tiny angles, unlike acos of a dot.
    theta[i] = theta[i - 1] + 2 * Math.asin(Math.min(1, Math.sqrt(d2) / 2));
    prev.set(cur);
  }
  const total = theta[DENSE - 1];
  const T2 = new Float64Array(G);
  let i = 0;
  for (let j = 0; j < G; j++) {
    if (j === 0 || j === G - 1 || !(total > 0)) {
      // Exact endpoints: a voxel whose T2 is at a bound must land on it.
      T2[j] = j === 0 ? t2Min : j === G - 1 ? t2Max : Math.exp(lnMin + (j / (G - 1)) * (DENSE - 1) * lnStep);
      continue;
    }
    const target = (j / (G - 1)) * total;
    while (i < DENSE - 2 && theta[i + 1] < target) i++;
    const frac = theta[i + 1] > theta[i] ? (target - theta[i]) / (theta[i + 1] - theta[i]) : 0;
    T2[j] = Math.exp(lnMin + (i + Math.min(1, Math.max(0, frac))) * lnStep);
  }
  return T2;
}

/** Build the search plan: the grid of normalised decay vectors and the echo-spacing fast path. */
export function makeVarproPlan(TE: readonly number[], opts: VarproOptions): VarproPlan {
  const nTE = TE.length;
  const G = opts.gridSize ?? DEFAULT_GRID_SIZE;
  const { t2Min, t2Max } = opts;
  const gridT2 = angularGridT2(TE, t2Min, t2Max, G);
  const gridR = new Float64Array(G);
  const gridU = new Float64Array(G * nTE);
  for (let j = 0; j < G; j++) {
    gridR[j] = 1 / gridT2[j];
    normalisedDecay(TE, gridT2[j], gridU, j * nTE);
  }
  const even = evenEchoSpacing(TE);
  const model = SIGNAL_MODELS.indexOf(opts.model ?? 'monoexp');
  let offsetGridR = new Float64Array(0);
  let offsetGridU = new Float64Array(0);
  if (model === MODEL_OFFSET) {
    const t2c = angularGridT2(TE, t2Min, t2Max, G, true);
    offsetGridR = new Float64Array(G);
    offsetGridU = new Float64Array(G * nTE);
    for (let j = 0; j < G; j++) {
      offsetGridR[j] = 1 / t2c[j];
      normalisedDecay(TE, t2c[j], offsetGridU, j * nTE, true);
    }
  }
  return {
    nTE,
    TE: Float64Array.from(TE),
    even: even ? 1 : 0,
    TE1: even ? even.TE1 : TE[0],
    dTE: even ? even.dTE : 0,
    rMin: 1 / t2Max,
    rMax: 1 / t2Min,
    t2Min,
    t2Max,
    gridSize: G,
    gridR,
    gridU,
    nonNegative: opts.nonNegativeM0 === false ? 0 : 1,
    model,
    noiseSigma: model === MODEL_RICIAN ? (opts.noiseSigma as number) : 0,
    offsetGridR,
    offsetGridU,
  };
}

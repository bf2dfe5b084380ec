/**
 * Stopping without the truth: rules that pick the training step of a scan-specific network from the
 * scan alone. A scan-specific network trained long enough learns to reproduce the noise of each
 * voxel (it drifts towards a voxel-wise fit), so "train longer" is not "better", and a real scan has
 * no reference map to pick the step with.
 *
 *  - Discrepancy principle (Morozov): the echoes predicted from the true (M0, T2) differ from the
 *    measured ones by the noise alone, mean square σ². A fit whose residual falls below that level
 *    has started to explain noise. Stop at the first check where the residual over the object's
 *    voxels reaches `σ² · (1 − dof/echoes)` — see {@link discrepancyTarget} for the choice of dof.
 *  - Held-out voxels: a seeded random subset of voxels is left out of the loss AND blanked in the
 *    input (replaced by the mean of its kept neighbours: a "blind spot", as in Noise2Self), so the
 *    network's prediction there cannot depend on that voxel's noise; its mean squared echo error is
 *    then (prediction error)² + σ², whose minimum over steps is the best prediction. The best check
 *    is kept; training stops after `patience` checks without improvement.
 * Either rule can be combined with the weight average (EMA): the checks then judge the averaged
 * weights, i.e. exactly the maps that would be returned.
 */
import { createRng } from '@relaxomap/physics';

/** Maps predicted at one check, (slice, y, x): M0 in data units, T2 in ms. */
export interface CheckMaps {
  m0: Float32Array;
  t2: Float32Array;
}

/**
 * What a rule sees at each check. `M` is the network's output maps: (M0, T2) for relaxometry,
 * subspace coefficient maps for MRF — any object whose Float32Array fields are the maps.
 */
export interface Check<M = CheckMaps> {
  step: number;
  /** Training wall time so far, ms. */
  elapsedMs: number;
  /** Predicted from the full data: the maps a stop here would return. */
  maps: M;
  /** Predicted from the blind-spot input (present when training holds samples out). */
  blindMaps?: M;
}

/** The step a rule chose, with the maps of that step and the value it judged by. */
export interface Choice<M = CheckMaps> {
  step: number;
  elapsedMs: number;
  value: number;
  maps: M;
}

export interface StoppingRule<M = CheckMaps> {
  readonly name: 'discrepancy' | 'heldout';
  /** Record one check; returns true once the rule has made its choice (training may stop). */
  observe(check: Check<M>): boolean;
  /** The chosen (or, before the decision, best-so-far) check; undefined before the first check. */
  readonly choice: Choice<M> | undefined;
  /** Whether the rule has decided (false: it was still waiting when training ended). */
  readonly decided: boolean;
  /** The monitored value at every check (for curves and MLflow). */
  readonly history: { step: number; value: number }[];
}

/**
 * Mean of (M0·exp(−TE/T2) − measured)² over the samples selected by `mask`: a voxel mask
 * (slice, y, x) selects all echoes of its voxels, a sample mask (echo, slice, y, x) single echoes;
 * no mask = everything. `echoes` is (echo, slice, y, x); maps (slice, y, x).
 */
export function echoResidual(maps: CheckMaps, echoes: ArrayLike<number>, TE: readonly number[], mask?: Uint8Array): number {
  const n = maps.m0.length;
  const E = TE.length;
  if (echoes.length !== E * n) throw new Error(`echoes: length ${echoes.length} is not TE.length·voxels = ${E * n}`);
  if (mask !== undefined && mask.length !== n && mask.length !== E * n) {
    throw new Error(`mask: length ${mask.length} is neither voxels (${n}) nor echoes·voxels (${E * n})`);
  }
  const perSample = mask !== undefined && mask.length === E * n;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (mask !== undefined && !perSample && !mask[i]) continue;
    const m0 = maps.m0[i]!;
    const r2 = 1 / maps.t2[i]!;
    for (let e = 0; e < E; e++) {
      if (perSample && !mask[e * n + i]) continue;
      const d = m0 * Math.exp(-TE[e]! * r2) - echoes[e * n + i]!;
      sum += d * d;
      count++;
    }
  }
  return count === 0 ? NaN : sum / count;
}

/**
 * Residual level at which the discrepancy rule stops, σ²·(1 − dof/E) for E data channels per
 * voxel (echoes; for MRF the real and imaginary parts of the subspace coefficients).
 *
 * dof is the number of parameters per voxel the estimate is allowed to spend on the noise. A
 * voxel-wise least-squares fit of (M0, T2) spends 2 (its residual has expectation σ²·(E − 2)/E); the
 * truth spends 0 (residual σ²). A spatially regularised estimate lies in between; `dof` is the
 * calibrated point (measured on the T2 simulation at three noise levels, see the package README).
 */
export function discrepancyTarget(noiseVariance: number, channels: number, dof: number): number {
  if (!(noiseVariance > 0)) throw new Error(`noiseVariance: must be > 0, got ${noiseVariance}`);
  if (!(dof >= 0 && dof < channels)) throw new Error(`dof: must be in [0, ${channels}), got ${dof}`);
  return noiseVariance * (1 - dof / channels);
}

/**
 * See the module comment. `residual(maps)`: the mean squared data residual of the maps over the
 * samples judged (the object, without held-out samples), e.g. {@link echoResidual} for T2;
 * `channels`: data values per voxel (echoes). Or, instead of (channels, noiseVariance, dof), the
 * residual level itself as `target` (e.g. Morozov's τ·σ² for k-space data).
 */
export function discrepancyRule<M = CheckMaps>(
  opts: { residual: (maps: M) => number } & ({ channels: number; noiseVariance: number; dof: number } | { target: number }),
): StoppingRule<M> {
  const target = 'target' in opts ? opts.target : discrepancyTarget(opts.noiseVariance, opts.channels, opts.dof);
  if (!(target > 0)) throw new Error(`discrepancy target: must be > 0, got ${target}`);
  const history: { step: number; value: number }[] = [];
  let choice: Choice<M> | undefined;
  let decided = false;
  return {
    name: 'discrepancy',
    observe(check) {
      const value = opts.residual(check.maps);
      history.push({ step: check.step, value });
      if (decided) return true;
      choice = { step: check.step, elapsedMs: check.elapsedMs, value, maps: copyMaps(check.maps) };
      decided = value <= target;
      return decided;
    },
    get choice() {
      return choice;
    },
    get decided() {
      return decided;
    },
    history,
  };
}

/**
 * See the module comment. Needs checks with `blindMaps`; `error(blindMaps)`: their mean squared
 * error on the held-out samples (e.g. {@link echoResidual} with the held-out mask).
 */
export function heldOutRule<M = CheckMaps>(opts: { error: (blindMaps: M) => number; patience: number }): StoppingRule<M> {
  if (!Number.isInteger(opts.patience) || opts.patience < 1) throw new Error(`patience: must be an integer ≥ 1, got ${opts.patience}`);
  const history: { step: number; value: number }[] = [];
  let choice: Choice<M> | undefined;
  let sinceBest = 0;
  let decided = false;
  return {
    name: 'heldout',
    observe(check) {
      if (check.blindMaps === undefined) throw new Error('heldout rule: the check has no blind-spot maps (train with heldOut voxels)');
      const value = opts.error(check.blindMaps);
      history.push({ step: check.step, value });
      if (decided) return true;
      if (choice === undefined || value < choice.value) {
        choice = { step: check.step, elapsedMs: check.elapsedMs, value, maps: copyMaps(check.maps) };
        sinceBest = 0;
      } else {
        sinceBest++;
      }
      decided = sinceBest >= opts.patience;
      return decided;
    },
    get choice() {
      return choice;
    },
    get decided() {
      return decided;
    },
    history,
  };
}

/** A copy of the maps (their typed-array fields copied): a choice must not alias buffers the caller reuses. */
function copyMaps<M>(m: M): M {
  return Object.fromEntries(Object.entries(m as object).map(([k, v]) => [k, ArrayBuffer.isView(v) ? (v as Float32Array).slice() : v])) as M;
}

/**
 * Seeded random samples to hold out, (echo, slice, y, x), 1 = held out: each voxel (where `within`
 * is 1; all when omitted) is drawn with probability `fraction`, and of a drawn voxel either one
 * random echo (`'echo'`: the network still sees the voxel's other echoes, so the held-out echo is
 * predicted the way a model fit would predict it) or all echoes (`'voxel'`) are held out.
 */
export function heldOutMask(opts: { voxels: number; echoes: number; fraction: number; seed: number; unit: 'echo' | 'voxel'; within?: Uint8Array }): Uint8Array {
  const { voxels: n, echoes: E, fraction, within } = opts;
  if (!(fraction > 0 && fraction < 0.5)) throw new Error(`heldOutFraction: must be in (0, 0.5), got ${fraction}`);
  if (within !== undefined && within.length !== n) throw new Error(`within: length ${within.length} is not voxels = ${n}`);
  const rng = createRng(opts.seed);
  const mask = new Uint8Array(E * n);
  for (let i = 0; i < n; i++) {
    const drawn = rng.uniform() < fraction;
    const echo = Math.min(E - 1, Math.floor(rng.uniform() * E));
    if (!drawn || (within !== undefined && !within[i])) continue;
    if (opts.unit === 'voxel') for (let e = 0; e < E; e++) mask[e * n + i] = 1;
    else mask[echo * n + i] = 1;
  }
  return mask;
}

/**
 * Blind-spot input: every held-out sample replaced by the mean of the same channel at its kept
 * 4-neighbours in the same slice (of the kept 8-neighbours if none; 0 if none either), so the
 * network never sees the noise of a held-out sample. `echoes` is (channel, slice, y, x) — echoes
 * for T2, the real and imaginary parts of the subspace coefficients for MRF — with `shape.echoes`
 * channels; `heldOut` is either a sample mask (channel, slice, y, x) or a voxel mask
 * (slice, y, x), the latter holding out every channel of its voxels. Returns a new array.
 */
export function blindSpotFill(
  echoes: Float32Array,
  shape: { echoes: number; slices: number; height: number; width: number },
  heldOut: Uint8Array,
): Float32Array {
  const { echoes: E, slices: S, height: H, width: W } = shape;
  const n = S * H * W;
  if (heldOut.length !== E * n && heldOut.length !== n) {
    throw new Error(`heldOut: length ${heldOut.length} is neither echoes·slices·height·width = ${E * n} nor slices·height·width = ${n}`);
  }
  const perSample = heldOut.length === E * n;
  const out = new Float32Array(echoes);
  const four = [[0, -1], [0, 1], [-1, 0], [1, 0]] as const;
  const eight = [...four, [-1, -1], [-1, 1], [1, -1], [1, 1]] as const;
  for (let e = 0; e < E; e++) {
    const base = e * n;
    const maskBase = perSample ? base : 0;
    for (let s = 0; s < S; s++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const i = (s * H + y) * W + x;
          if (!heldOut[maskBase + i]) continue;
          let sum = 0;
          let count = 0;
          for (const neighbours of [four, eight]) {
            for (const [dy, dx] of neighbours) {
              const yy = y + dy;
              const xx = x + dx;
              if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
              const j = (s * H + yy) * W + xx;
              if (heldOut[maskBase + j]) continue;
              sum += echoes[base + j]!;
              count++;
            }
            if (count > 0) break;
          }
          out[base + i] = count > 0 ? sum / count : 0;
        }
      }
    }
  }
  return out;
}

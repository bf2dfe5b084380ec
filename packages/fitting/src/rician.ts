/**
 * Noise-floor-aware mono-exponential fit of magnitude data with known noise σ.
 *
 * Magnitude images of complex data with Gaussian noise (σ per channel) are Rician distributed
 * (Gudbjartsson & Patz, "The Rician distribution of noisy MRI data", Magn. Reson. Med. 34 (1995)
 * 910–914): for a true signal ν the magnitude's mean is
 *   E(ν) = σ·√(π/2)·L_{1/2}(−ν²/(2σ²)),
 * which tends to σ·√(π/2) as ν → 0 (the noise floor) and to ν + σ²/(2ν) for ν ≫ σ. A plain
 * mono-exponential fit of a long echo train therefore over-estimates T2 once the late echoes reach the
 * floor. Fitting the mean curve instead removes that bias (Raya et al., "T2 measurement in articular
 * cartilage: impact of the fitting method on accuracy and precision at low SNR", Magn. Reson. Med.
 * 63 (2010) 181–193, whose "NCEXP" fit is this model):
 *   minimise Σ_e (s_e − E(ν_e))²,  ν_e = M0·exp(−TE_e/T2).
 *
 * L_{1/2} through exponentially scaled Bessel functions Ĩ_n(y) = e^{−y}·I_n(y), with a = ν/σ and
 * y = a²/4 (no overflow and no cancellation for any a):
 *   E(ν)/σ = √(π/2)·[(1 + 2y)·Ĩ0(y) + 2y·Ĩ1(y)],
 *   dE/dν  = √(π/2)·(a/2)·[Ĩ0(y) + Ĩ1(y)]   (→ 0 as ν → 0, → 1 as ν → ∞).
 */
import { besselI01e } from './bessel.js';
import { fitVoxelRange } from './kernel.js';
import type { VarproPlan } from './plan.js';

const SQRT_HALF_PI = Math.sqrt(Math.PI / 2);

/**
 * Above this SNR a = ν/σ the asymptotic series replaces the Bessel functions (faster; its error there
 * is below 6e-12·σ, far below float32 data).
 */
const ASYMPTOTIC_SNR = 20;

/**
 * E(ν)/σ → out[0] and dE/dν → out[1] at a = |ν|/σ ≥ 0; `bessel` is scratch for Ĩ0, Ĩ1. For a ≥ 20
 * the asymptotic series of ₁F₁(−1/2; 1; −a²/2) = L_{1/2}(−a²/2):
 *   E/σ = a·Σ_n c_n a^{−2n},  c_n = ((−1/2)_n)²·2ⁿ/n! = 1, 1/2, 1/8, 3/16, 75/128, …
 */
function meanAndSlope(a: number, out: Float64Array, bessel: Float64Array): void {
  if (a >= ASYMPTOTIC_SNR) {
    const q = 1 / (a * a);
    out[0] = a * (1 + q * (0.5 + q * (0.125 + q * (0.1875 + q * 0.5859375))));
    out[1] = 1 - q * (0.5 + q * (0.375 + q * (0.9375 + q * 4.1015625)));
    return;
  }
  const y = 0.25 * a * a;
  besselI01e(y, bessel);
  const i0 = bessel[0];
  const i1 = bessel[1];
  out[0] = SQRT_HALF_PI * ((1 + 2 * y) * i0 + 2 * y * i1);
  out[1] = SQRT_HALF_PI * 0.5 * a * (i0 + i1);
}

/**
 * Mean of the Rician magnitude |ν + σ(n₁ + i·n₂)|, n₁, n₂ ~ N(0, 1):
 * E(ν) = σ·√(π/2)·L_{1/2}(−ν²/(2σ²)) (Gudbjartsson & Patz 1995), evaluated with exponentially scaled
 * Bessel functions (an asymptotic series for ν/σ ≥ 20); E(0) = σ·√(π/2),
 * E(ν) ≈ ν + σ²/(2ν) + σ⁴/(8ν³) for ν ≫ σ.
 *
 * @param nu - noise-free signal ν (signal units; the mean depends on |ν| only)
 * @param sigma - noise standard deviation per channel, > 0 (signal units)
 */
export function ricianMean(nu: number, sigma: number): number {
  const out = new Float64Array(2);
  meanAndSlope(Math.abs(nu) / sigma, out, new Float64Array(2));
  return sigma * out[0];
}

/** dE/dν of {@link ricianMean} (dimensionless, |dE/dν| < 1, odd in ν). */
export function ricianMeanSlope(nu: number, sigma: number): number {
  const out = new Float64Array(2);
  meanAndSlope(Math.abs(nu) / sigma, out, new Float64Array(2));
  return out[1] * Math.sign(nu);
}

// Normal-equation slots written by `normalEquations`.
const JJ00 = 0;
const JJ01 = 1;
const JJ11 = 2;
const JR0 = 3;
const JR1 = 4;

/**
 * Cost Σ (s − E(ν))² at (M0, R), and JᵀJ, Jᵀr (J = ∂E/∂(M0, R), r = s − E) into `ne`.
 * ν_k = M0·exp(−R·TE_k); ∂ν/∂M0 = exp(−R·TE_k), ∂ν/∂R = −TE_k·ν_k.
 */
function normalEquations(
  plan: VarproPlan,
  s: Float64Array,
  sigma: number,
  M0: number,
  R: number,
  ne: Float64Array,
  scratch: Float64Array,
  bessel: Float64Array,
): number {
  const n = plan.nTE;
  const TE = plan.TE;
  const even = plan.even === 1;
  const x = even ? Math.exp(-R * plan.dTE) : 0;
  let e = even ? Math.exp(-R * plan.TE1) : 0;
  const inv = 1 / sigma;
  let cost = 0;
  let a00 = 0;
  let a01 = 0;
  let a11 = 0;
  let g0 = 0;
  let g1 = 0;
  for (let k = 0; k < n; k++) {
    if (even) {
      if (k > 0) e *= x;
    } else {
      e = Math.exp(-R * TE[k]);
    }
    const nu = M0 * e;
    meanAndSlope(nu * inv, scratch, bessel);
    const r = s[k] - sigma * scratch[0];
    const slope = scratch[1];
    const j0 = slope * e;
    const j1 = -slope * TE[k] * nu;
    cost += r * r;
    a00 += j0 * j0;
    a01 += j0 * j1;
    a11 += j1 * j1;
    g0 += j0 * r;
    g1 += j1 * r;
  }
  ne[JJ00] = a00;
  ne[JJ01] = a01;
  ne[JJ11] = a11;
  ne[JR0] = g0;
  ne[JR1] = g1;
  return cost;
}

/** Levenberg–Marquardt iterations per voxel, at most. */
const LM_MAX_ITER = 100;
/**
 * Converged once a step moves M0 and R by less than this, relatively: accepted, it ends the search;
 * rejected, the cost is flat to rounding there. (GN converges linearly here, ~30× per step, so the
 * error left is ~1e-10, well below float32 outputs.)
 */
const LM_STEP_TOL = 1e-9;

/** Per-voxel scratch of the Levenberg–Marquardt search. */
interface LmScratch {
  ne: Float64Array;
  trial: Float64Array;
  mean: Float64Array;
  bessel: Float64Array;
}

/**
 * Levenberg–Marquardt (Marquardt's diagonal scaling, projected onto M0 ≥ 0 and R in
 * [1/t2Max, 1/t2Min], a parameter pushed against its bound fixed there) from (M0, R) = p; writes the
 * optimum into p.
 */
function levenbergMarquardt(plan: VarproPlan, s: Float64Array, sigma: number, p: Float64Array, w: LmScratch): void {
  const { ne, trial, mean, bessel } = w;
  let M0 = p[0];
  let R = p[1];
  let cost = normalEquations(plan, s, sigma, M0, R, ne, mean, bessel);
  let lambda = 1e-3;
  for (let it = 0; it < LM_MAX_ITER; it++) {
    const d0 = ne[JJ00] * (1 + lambda) + 1e-300;
    const d1 = ne[JJ11] * (1 + lambda) + 1e-300;
    const b = ne[JJ01];
    const det = d0 * d1 - b * b;
    let step0: number;
    let step1: number;
    if (det > 0 && ne[JJ11] > 0) {
      step0 = (d1 * ne[JR0] - b * ne[JR1]) / det;
      step1 = (d0 * ne[JR1] - b * ne[JR0]) / det;
    } else {
      // ∂E/∂R = 0 (M0 = 0, or every echo far below the floor): only M0 can move.
      step0 = ne[JR0] / d0;
      step1 = 0;
    }
    if ((R <= plan.rMin && step1 < 0) || (R >= plan.rMax && step1 > 0)) {
      step1 = 0;
      step0 = ne[JR0] / d0;
    } else if (M0 <= 0 && step0 < 0) {
      step0 = 0;
      step1 = ne[JR1] / d1;
    }
    let M0n = M0 + step0;
    if (M0n < 0) M0n = 0;
    let Rn = R + step1;
    if (Rn < plan.rMin) Rn = plan.rMin;
    else if (Rn > plan.rMax) Rn = plan.rMax;
    const small = Math.abs(M0n - M0) <= LM_STEP_TOL * M0 && Math.abs(Rn - R) <= LM_STEP_TOL * R;
    const costN = normalEquations(plan, s, sigma, M0n, Rn, trial, mean, bessel);
    if (costN <= cost) {
      M0 = M0n;
      R = Rn;
      cost = costN;
      ne.set(trial);
      lambda = Math.max(lambda * 0.1, 1e-12);
    } else {
      lambda *= 10;
    }
    if (small || lambda > 1e12) break;
  }
  p[0] = M0;
  p[1] = R;
}

/**
 * Fit voxels [start, end) of `echoes` (shape (echo, voxel)) with the Rician-mean model, writing M0 and
 * T2 (ms). Each voxel starts from the mono-exponential Varpro fit (kernel.ts), then Levenberg–Marquardt
 * with analytic derivatives refines (M0, R = 1/T2). Voxels outside the mask, with all-zero echoes,
 * with no positive mono-exponential fit, or whose fit ends at M0 = 0 get M0 = 0, T2 = 0.
 *
 * @returns the first voxel index in the range with a NaN/±Inf echo (range stops there), or −1
 */
export function fitRicianRange(
  plan: VarproPlan,
  echoes: Float32Array,
  nVoxels: number,
  start: number,
  end: number,
  mask: Uint8Array | undefined,
  m0Out: Float32Array,
  t2Out: Float32Array,
): number {
  const bad = fitVoxelRange(plan, echoes, nVoxels, start, end, mask, m0Out, t2Out);
  if (bad >= 0) return bad;
  const n = plan.nTE;
  const sigma = plan.noiseSigma;
  const s = new Float64Array(n);
  const p = new Float64Array(2);
  const w: LmScratch = {
    ne: new Float64Array(5),
    trial: new Float64Array(5),
    mean: new Float64Array(2),
    bessel: new Float64Array(2),
  };
  for (let v = start; v < end; v++) {
    if (!(t2Out[v] > 0 && m0Out[v] > 0)) continue;
    for (let k = 0, idx = v; k < n; k++, idx += nVoxels) s[k] = echoes[idx];
    p[0] = m0Out[v];
    p[1] = 1 / t2Out[v];
    levenbergMarquardt(plan, s, sigma, p, w);
    if (!(p[0] > 0)) {
      m0Out[v] = 0;
      t2Out[v] = 0;
      continue;
    }
    let T2 = 1 / p[1];
    if (T2 < plan.t2Min) T2 = plan.t2Min;
    else if (T2 > plan.t2Max) T2 = plan.t2Max;
    m0Out[v] = p[0];
    t2Out[v] = T2;
  }
  return -1;
}

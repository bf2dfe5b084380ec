/**
 * The per-voxel Varpro kernel of the offset model s_e = M0·exp(−TE_e/T2) + C (M0 and C linear, T2
 * nonlinear).
 *
 * For a fixed rate R = 1/T2 the two linear parameters solve a 2×2 least-squares problem. Removing the
 * mean over echoes (projector P) decouples them: with s̃ = P s and ẽ = P e, e_k = exp(−R·τ_k),
 * τ_k = TE_k − TE_0,
 *   M0(R)·e^{−R·TE_0} = s̃·ẽ / ẽ·ẽ,   C(R) = mean(s) − M0(R)·e^{−R·TE_0}·mean(e),
 * and the residual is ‖s̃‖² − (s̃·ẽ)²/ẽ·ẽ. So T2 maximises the projected objective
 *   g(R) = (s̃·e)² / ‖P e‖²   ⇔   h(R) = 2 ln(s̃·e) − ln ‖P e‖²  (s̃·ẽ = s̃·e since P s̃ = s̃),
 * the mono-exponential Varpro problem on centred data and centred decays. Search: correlations with a
 * grid of centred normalised decays (plan.offsetGridU) pick the basin; safeguarded Newton on h′
 * (bisection fallback, golden section on g where the cell is not a simple bracket) refines R to a
 * 1e-12 relative step.
 *
 * Constraints (with plan.nonNegative, i.e. `nonNegativeM0`, default): M0 ≥ 0 and C ≥ 0 (magnitude
 * data). When the best unconstrained fit breaks one, the fit moves to a face of the feasible set: the
 * better (smaller residual) of the mono-exponential Varpro fit with C = 0 and the constant fit
 * M0 = 0, C = mean(s) (reported as M0 = 0, T2 = 0 "no decay", with its offset). Other local optima
 * with C > 0 are not searched when the global unconstrained optimum has C < 0.
 *
 * Reference: Golub & Pereyra, "Separable nonlinear least squares: the variable projection method and
 * its applications", Inverse Problems 19 (2003) R1.
 */
import { fitVoxelRange } from './kernel.js';
import type { VarproPlan } from './plan.js';
import { refineOnGrid, type ProjectedHill } from './search1d.js';

/** Golden-section steps of the fallback search. */
const GOLDEN_MAX_ITER = 80;

// Scratch slots written by the evaluator.
const EV_F = 0; // h′(R)
const EV_H = 1; // h″(R)
const EV_A = 2; // s̃·e
const EV_B = 3; // ‖P e‖²
const EV_EMEAN = 4; // mean(e)

/**
 * h′, h″, s̃·e, ‖Pe‖² and mean(e) at rate R. Two passes over the echoes (the centred sums avoid the
 * cancellation of Σe² − (Σe)²/n for T2 ≫ the echo span). Returns false where s̃·e = 0 or ‖Pe‖ = 0.
 */
function evaluate(
  plan: VarproPlan,
  sc: Float64Array,
  tau: Float64Array,
  e: Float64Array,
  R: number,
  ev: Float64Array,
): boolean {
  const n = plan.nTE;
  let E0 = 0;
  let E1 = 0;
  if (plan.even === 1) {
    // e_k = x^k: one exp per evaluation.
    const x = Math.exp(-R * plan.dTE);
    let ek = 1;
    for (let k = 0; k < n; k++, ek *= x) {
      e[k] = ek;
      E0 += ek;
      E1 += tau[k] * ek;
    }
  } else {
    for (let k = 0; k < n; k++) {
      const ek = Math.exp(-R * tau[k]);
      e[k] = ek;
      E0 += ek;
      E1 += tau[k] * ek;
    }
  }
  const eMean = E0 / n;
  const m1 = E1 / n;
  let A = 0;
  let A1 = 0;
  let A2 = 0;
  let B = 0;
  let Bp = 0;
  let Bpp = 0;
  for (let k = 0; k < n; k++) {
    const t = tau[k];
    const ek = e[k];
    const te = t * ek;
    const se = sc[k] * ek;
    A += se;
    A1 += se * t;
    A2 += se * t * t;
    const ec = ek - eMean; // (P e)_k
    const dc = te - m1; // −(d(P e)/dR)_k
    B += ec * ec;
    Bp += ec * dc;
    Bpp += dc * dc + ec * t * te;
  }
  Bp *= -2;
  Bpp *= 2;
  ev[EV_A] = A;
  ev[EV_B] = B;
  ev[EV_EMEAN] = eMean;
  if (A === 0 || !(B > 0)) return false;
  const a1 = A1 / A;
  const b1 = Bp / B;
  ev[EV_F] = -2 * a1 - b1;
  ev[EV_H] = 2 * (A2 / A - a1 * a1) - (Bpp / B - b1 * b1);
  return Number.isFinite(ev[EV_F]) && Number.isFinite(ev[EV_H]) && (plan.nonNegative === 0 || A > 0);
}

/** Projected objective g(R) = (s̃·e)²/‖Pe‖² (0 where M0 ≥ 0 forces M0 = 0). */
function objective(plan: VarproPlan, sc: Float64Array, tau: Float64Array, e: Float64Array, R: number, ev: Float64Array): number {
  evaluate(plan, sc, tau, e, R, ev);
  const A = ev[EV_A];
  const B = ev[EV_B];
  if (!(B > 0) || (plan.nonNegative === 1 && !(A > 0))) return 0;
  return (A * A) / B;
}

/**
 * Fit voxels [start, end) of `echoes` (shape (echo, voxel), nVoxels columns) with the offset model,
 * writing M0, T2 and C. Voxels outside the mask or with all-zero echoes get 0 in all three; a fit with
 * no decay (M0 = 0) gets T2 = 0 and its constant C.
 *
 * @returns the first voxel index in the range with a NaN/±Inf echo (range stops there), or −1
 */
export function fitOffsetRange(
  plan: VarproPlan,
  echoes: Float32Array,
  nVoxels: number,
  start: number,
  end: number,
  mask: Uint8Array | undefined,
  m0Out: Float32Array,
  t2Out: Float32Array,
  offsetOut: Float32Array,
): number {
  const n = plan.nTE;
  const G = plan.gridSize;
  const U = plan.offsetGridU;
  const gridR = plan.offsetGridR;
  const nonNeg = plan.nonNegative === 1;
  const TE0 = plan.TE[0];
  const s = new Float64Array(n);
  const sc = new Float64Array(n);
  const e = new Float64Array(n);
  const tau = new Float64Array(n);
  for (let k = 0; k < n; k++) tau[k] = plan.TE[k] - TE0;
  const ev = new Float64Array(5);
  // The voxel's projected objective for the 1-D search (reads sc, tau, e, refilled per voxel).
  const hill: ProjectedHill = { slope: (R, out) => evaluate(plan, sc, tau, e, R, out), value: (R) => objective(plan, sc, tau, e, R, ev) };
  for (let v = start; v < end; v++) {
    m0Out[v] = 0;
    t2Out[v] = 0;
    offsetOut[v] = 0;
    if (mask !== undefined && mask[v] === 0) continue;
    let ss = 0;
    let sum = 0;
    for (let k = 0, idx = v; k < n; k++, idx += nVoxels) {
      const val = echoes[idx];
      s[k] = val;
      ss += val * val;
      sum += val;
    }
    if (!(ss < Infinity)) return v;
    if (ss === 0) continue;
    const sMean = sum / n;
    for (let k = 0; k < n; k++) sc[k] = s[k] - sMean;

    // 1. Grid: correlations of the centred echoes with the centred normalised decays.
    let best = -Infinity;
    let jb = 0;
    for (let j = 0, base = 0; j < G; j++, base += n) {
      let d = 0;
      for (let k = 0; k < n; k++) d += sc[k] * U[base + k];
      if (!nonNeg) d = Math.abs(d);
      if (d > best) {
        best = d;
        jb = j;
      }
    }

    // 2. Interior (unconstrained) optimum, when some decay correlates with the centred echoes.
    let M0 = 0;
    let R = 0;
    let C = sMean;
    if (best > 0) {
      R = refineOnGrid(hill, plan.offsetGridR, jb, ev, GOLDEN_MAX_ITER);
      evaluate(plan, sc, tau, e, R, ev);
      const B = ev[EV_B];
      const m0rel = B > 0 ? ev[EV_A] / B : 0; // M0·e^{−R·TE0}
      M0 = m0rel * Math.exp(R * TE0);
      C = sMean - m0rel * ev[EV_EMEAN];
    }

    // 3. Constraints: an infeasible interior optimum moves to the better face (C = 0 or M0 = 0).
    if (nonNeg && !(M0 > 0 && C >= 0)) {
      fitVoxelRange(plan, echoes, nVoxels, v, v + 1, undefined, m0Out, t2Out);
      const m0Face = m0Out[v];
      const t2Face = t2Out[v];
      let rFace = 0;
      let rConst = 0;
      const cConst = sMean > 0 ? sMean : 0;
      for (let k = 0; k < n; k++) {
        const model = t2Face > 0 ? m0Face * Math.exp(-plan.TE[k] / t2Face) : 0;
        rFace += (s[k] - model) ** 2;
        rConst += (s[k] - cConst) ** 2;
      }
      if (t2Face > 0 && rFace <= rConst) continue; // C = 0: offsetOut[v] stays 0
      m0Out[v] = 0;
      t2Out[v] = 0;
      offsetOut[v] = cConst;
      continue;
    }
    offsetOut[v] = C;
    if (!(M0 !== 0)) continue; // flat echoes: no decay to fit
    let T2 = 1 / R;
    if (T2 < plan.t2Min) T2 = plan.t2Min;
    else if (T2 > plan.t2Max) T2 = plan.t2Max;
    m0Out[v] = M0;
    t2Out[v] = T2;
  }
  return -1;
}

/**
 * Extended phase graphs (EPG) with complex states, one pure step per physical event: an RF hard
 * pulse of any phase, free relaxation, and one unit of gradient dephasing.
 *
 * The state holds, for k = 0 … nStates−1, the configuration states F+_k, F−_k and Z_k as complex
 * numbers (F+_k = Σ Mxy e^{−ikθ} over the voxel's dephasing θ, Weigel's convention). F−_0 is kept
 * equal to conj(F+_0). The magnetisation is relative to M0 = 1 at equilibrium (Z_0 = 1).
 *
 * This general form is the reference the fast real-valued FISP kernel (mrf-fisp.ts) is tested
 * against; it is not meant for dictionary building (it allocates nothing per step, but keeps
 * imaginary parts the FISP case does not need).
 *
 * Reference: M. Weigel, "Extended phase graphs: dephasing, RF pulses, and echoes — pure and
 * simple", J. Magn. Reson. Imaging 41 (2015) 266-295 (RF matrix eq. 15, relaxation eq. 23-24).
 */

/** EPG configuration states; each array is complex interleaved (re, im) of shape (nStates). */
export interface EpgState {
  /** Number of kept orders k = 0 … nStates−1 (states above are dropped: truncation). */
  readonly nStates: number;
  /** F+_k, (nStates) complex interleaved Float64Array. */
  readonly fPlus: Float64Array;
  /** F−_k, (nStates) complex interleaved Float64Array; F−_0 = conj(F+_0). */
  readonly fMinus: Float64Array;
  /** Z_k, (nStates) complex interleaved Float64Array. */
  readonly z: Float64Array;
}

const DEG = Math.PI / 180;

/**
 * A state at thermal equilibrium: Z_0 = 1 (M0 = 1), every other state 0.
 *
 * @param nStates - kept orders, an integer ≥ 1
 * @throws Error naming `nStates` if it is not an integer ≥ 1
 */
export function createEpgState(nStates: number): EpgState {
  if (!Number.isInteger(nStates) || nStates < 1) {
    throw new Error(`nStates must be an integer >= 1 (got ${String(nStates)})`);
  }
  const z = new Float64Array(2 * nStates);
  z[0] = 1;
  return { nStates, fPlus: new Float64Array(2 * nStates), fMinus: new Float64Array(2 * nStates), z };
}

/**
 * Instantaneous RF hard pulse, flip angle α and phase φ, applied to every order k in place:
 *
 *   [F+']   [ cos²(α/2)          e^{2iφ} sin²(α/2)   −i e^{iφ} sin α ] [F+]
 *   [F−'] = [ e^{−2iφ} sin²(α/2)  cos²(α/2)           i e^{−iφ} sin α ] [F−]
 *   [Z' ]   [ −i/2 e^{−iφ} sin α   i/2 e^{iφ} sin α    cos α          ] [Z ]
 *
 * (A rotation about the axis at angle φ from x; α = 90°, φ = 0 on Z_0 = 1 gives F+_0 = −i.)
 *
 * @param state - modified in place
 * @param flipDeg - flip angle α (degrees), finite
 * @param phaseDeg - RF phase φ (degrees), finite (default 0)
 */
export function epgRf(state: EpgState, flipDeg: number, phaseDeg = 0): void {
  if (!Number.isFinite(flipDeg)) throw new Error(`flipDeg must be finite (got ${flipDeg})`);
  if (!Number.isFinite(phaseDeg)) throw new Error(`phaseDeg must be finite (got ${phaseDeg})`);
  const a = flipDeg * DEG;
  const p = phaseDeg * DEG;
  const c2 = Math.cos(a / 2) ** 2;
  const s2 = Math.sin(a / 2) ** 2;
  const sa = Math.sin(a);
  const ca = Math.cos(a);
  const e1r = Math.cos(p); // e^{iφ}
  const e1i = Math.sin(p);
  const e2r = Math.cos(2 * p); // e^{2iφ}
  const e2i = Math.sin(2 * p);
  const { fPlus: fp, fMinus: fm, z } = state;
  for (let k = 0; k < state.nStates; k++) {
    const r = 2 * k;
    const i = r + 1;
    const pr = fp[r], pi = fp[i], mr = fm[r], mi = fm[i], zr = z[r], zi = z[i];
    // −i e^{iφ} sin α · Z = sin α (e1i − i e1r)(zr + i zi)
    const tzr = sa * (e1i * zr + e1r * zi);
    const tzi = sa * (e1i * zi - e1r * zr);
    // e^{2iφ} F−
    const qmr = e2r * mr - e2i * mi;
    const qmi = e2r * mi + e2i * mr;
    // e^{−2iφ} F+
    const qpr = e2r * pr + e2i * pi;
    const qpi = e2r * pi - e2i * pr;
    fp[r] = c2 * pr + s2 * qmr + tzr;
    fp[i] = c2 * pi + s2 * qmi + tzi;
    // i e^{−iφ} sin α · Z = sin α (e1i + i e1r)(zr + i zi)
    fm[r] = s2 * qpr + c2 * mr + sa * (e1i * zr - e1r * zi);
    fm[i] = s2 * qpi + c2 * mi + sa * (e1i * zi + e1r * zr);
    // −i/2 e^{−iφ} sin α F+ = (sa/2)(−e1i − i e1r)(pr + i pi); i/2 e^{iφ} sin α F− = (sa/2)(−e1i + i e1r)(mr + i mi)
    const h = sa / 2;
    z[r] = h * (-e1i * pr + e1r * pi) + h * (-e1i * mr - e1r * mi) + ca * zr;
    z[i] = h * (-e1i * pi - e1r * pr) + h * (-e1i * mi + e1r * mr) + ca * zi;
  }
}

/**
 * Free relaxation over `durationMs`: F±_k ← E2·F±_k, Z_k ← E1·Z_k (k ≥ 1), Z_0 ← E1·Z_0 + (1 − E1),
 * with E1 = exp(−t/T1), E2 = exp(−t/T2).
 *
 * @param state - modified in place
 * @param durationMs - t (ms), finite and ≥ 0
 * @param T1 - ms, > 0 (Infinity allowed: no recovery)
 * @param T2 - ms, > 0 (Infinity allowed: no decay)
 */
export function epgRelax(state: EpgState, durationMs: number, T1: number, T2: number): void {
  if (!Number.isFinite(durationMs) || durationMs < 0) {
    throw new Error(`durationMs must be finite and >= 0 (got ${durationMs})`);
  }
  if (!(T1 > 0)) throw new Error(`T1 must be > 0 ms (got ${T1})`);
  if (!(T2 > 0)) throw new Error(`T2 must be > 0 ms (got ${T2})`);
  const e1 = Math.exp(-durationMs / T1);
  const e2 = Math.exp(-durationMs / T2);
  const { fPlus: fp, fMinus: fm, z } = state;
  for (let j = 0; j < 2 * state.nStates; j++) {
    fp[j] *= e2;
    fm[j] *= e2;
    z[j] *= e1;
  }
  z[0] += 1 - e1;
}

/**
 * One unit of gradient dephasing (an unbalanced gradient moment): F+_k → F+_{k+1}, F−_k → F−_{k−1},
 * then F+_0 = conj(F−_0). The top order F+_{nStates−1} is dropped (truncation) and F−_{nStates−1}
 * becomes 0. Z states are unchanged.
 *
 * @param state - modified in place
 */
export function epgShift(state: EpgState): void {
  const { fPlus: fp, fMinus: fm } = state;
  const n = state.nStates;
  for (let k = n - 1; k >= 1; k--) {
    fp[2 * k] = fp[2 * k - 2];
    fp[2 * k + 1] = fp[2 * k - 1];
  }
  for (let k = 0; k < n - 1; k++) {
    fm[2 * k] = fm[2 * k + 2];
    fm[2 * k + 1] = fm[2 * k + 3];
  }
  fm[2 * n - 2] = 0;
  fm[2 * n - 1] = 0;
  fp[0] = fm[0];
  fp[1] = -fm[1];
}

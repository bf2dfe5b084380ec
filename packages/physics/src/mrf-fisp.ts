/**
 * MRF-FISP signal by extended phase graphs: inversion, then per TR an RF pulse α_n (phase 0), the
 * echo at TE, relaxation to the end of TR_n and one unit of unbalanced gradient dephasing.
 *
 * With a constant RF phase of 0 every F state stays on the imaginary axis and every Z state real
 * (the RF matrix maps (i·a, i·b, z) to (i·a', i·b', z') with real a', b', z'), so the kernel keeps
 * real numbers only: F+_k = i·a_k, F−_k = i·b_k (b_0 = −a_0), Z_k = z_k. The signal it returns is
 * therefore real: s_n = i·F+_0(TE) = −a_0(TE) — the echo rotated by +90° (a global phase, which
 * matching by |inner product| ignores). For the first pulse on equilibrium s = sin α·Mz.
 *
 * Sequence per TR n (M0 = 1):
 *   RF(B1·α_n, 0) → s_n = −E2(TE)·a_0 → relax over TR_n (E1 = e^{−TR_n/T1}, E2 = e^{−TR_n/T2})
 *   → shift F+_k → F+_{k+1}, F−_k → F−_{k−1}.
 * Before TR 0: an ideal 180° inversion (Z_0 = −1; adiabatic, so not scaled by B1) followed by
 * `inversionDelay_ms` of relaxation, or nothing if `inversionDelay_ms` is null.
 *
 * Truncation: orders k ≥ nStates are never kept (a hard cap, default none), and after each TR the
 * highest kept order is dropped while all its states are below `stateThreshold` (in units of M0).
 * A state at order k has spent ≥ k TRs dephased (× E2 per TR) or was made from one, so short-T2
 * atoms need few orders and long-T2 atoms more; the threshold adapts to both (see
 * DEFAULT_STATE_THRESHOLD). With stateThreshold 0 and no cap the simulation is exact EPG.
 *
 * References: Y. Jiang et al., "MR fingerprinting using fast imaging with steady state precession
 * (FISP) with spiral readout", Magn. Reson. Med. 74 (2015) 1621-1631; M. Weigel, J. Magn. Reson.
 * Imaging 41 (2015) 266-295.
 */
import { validateSchedule, type MrfSchedule } from './mrf-schedule.js';

/** An MRF-FISP acquisition: schedule (FA in degrees, TR in ms), echo time and inversion. */
export interface FispSequence extends MrfSchedule {
  /** Echo time (ms), 0 ≤ TE < every TR_n. */
  TE_ms: number;
  /** Time from the inversion to the first RF pulse (ms, ≥ 0), or null for no inversion. */
  inversionDelay_ms: number | null;
}

/** Simulation options. */
export interface FispOptions {
  /** Cap on the kept EPG orders k = 0 … nStates−1 (integer ≥ 1); default nTR + 1 (no cap). */
  nStates?: number;
  /**
   * Drop the highest order while all its states (|a|, |b|, |z|, in units of M0) are below this
   * (finite ≥ 0; 0 keeps every order up to nStates); default DEFAULT_STATE_THRESHOLD.
   */
  stateThreshold?: number;
  /** Transmit field scale: every flip angle is multiplied by B1 (finite, ≥ 0); default 1. */
  B1?: number;
}

/**
 * Default state threshold. With the Jiang 2015 schedule (600 TRs, TE 2 ms, inversion delay 20 ms),
 * 1e-7 kept every 37th atom of the default grid within 2e-8 of the untruncated EPG (relative L2;
 * float32 storage rounds at 6e-8), while a fixed cap does poorly on long T2: 24 orders leave 3%
 * error at T1 4490 / T2 1916 ms, 128 orders 4e-4 (measured; mrf-fisp.test.ts checks 2e-7).
 */
export const DEFAULT_STATE_THRESHOLD = 1e-7;

/** Default timing used for the Jiang 2015 pattern when not given: TE 2 ms, inversion delay 20 ms. */
export const DEFAULT_FISP_TIMING = { TE_ms: 2, inversionDelay_ms: 20 } as const;

/** A FISP simulator bound to one sequence and options; reusable, allocation-free per call (not re-entrant). */
export interface FispSimulator {
  /** Time points (TRs) per signal. */
  readonly nTR: number;
  /** Kept EPG orders. */
  readonly nStates: number;
  /**
   * Write the signal s_n = i·F+_0(TE_n), n = 0 … nTR−1, for M0 = 1, into out[offset + n] and
   * return its squared L2 norm Σ s_n² (accumulated in float64 before any float32 rounding).
   *
   * @param T1 - ms, finite > 0
   * @param T2 - ms, finite > 0
   */
  simulate(T1: number, T2: number, out: Float32Array | Float64Array, offset?: number): number;
}

/**
 * Check a FISP sequence: valid schedule, TE finite with 0 ≤ TE < every TR, inversion delay null or
 * finite ≥ 0.
 *
 * @throws Error naming the field, e.g. `"TE_ms must be < TR_ms at point 3 (got 15 >= 12.5)"`
 */
export function validateFispSequence(seq: FispSequence): void {
  validateSchedule(seq);
  const TE = seq.TE_ms;
  if (typeof TE !== 'number' || !Number.isFinite(TE) || TE < 0) {
    throw new Error(`TE_ms must be a finite number >= 0 (got ${String(TE)})`);
  }
  for (let n = 0; n < seq.TR_ms.length; n++) {
    if (TE >= seq.TR_ms[n]) throw new Error(`TE_ms must be < TR_ms at point ${n + 1} (got ${TE} >= ${seq.TR_ms[n]})`);
  }
  const d = seq.inversionDelay_ms;
  if (d !== null && (typeof d !== 'number' || !Number.isFinite(d) || d < 0)) {
    throw new Error(`inversionDelay_ms must be null or a finite number >= 0 (got ${String(d)})`);
  }
}

/** Check nStates, stateThreshold and B1; returns them with defaults filled in (nStates: nTR + 1). */
export function resolveFispOptions(opts: FispOptions, nTR: number): Required<FispOptions> {
  const nStates = opts.nStates ?? nTR + 1;
  if (!Number.isInteger(nStates) || nStates < 1) {
    throw new Error(`nStates must be an integer >= 1 (got ${String(nStates)})`);
  }
  const stateThreshold = opts.stateThreshold ?? DEFAULT_STATE_THRESHOLD;
  if (typeof stateThreshold !== 'number' || !Number.isFinite(stateThreshold) || stateThreshold < 0) {
    throw new Error(`stateThreshold must be a finite number >= 0 (got ${String(stateThreshold)})`);
  }
  const B1 = opts.B1 ?? 1;
  if (typeof B1 !== 'number' || !Number.isFinite(B1) || B1 < 0) {
    throw new Error(`B1 must be a finite number >= 0 (got ${String(B1)})`);
  }
  return { nStates: Math.min(nStates, nTR + 1), stateThreshold, B1 };
}

/** Check one (T1, T2) pair: both finite and > 0. */
export function validateRelaxation(T1: number, T2: number): void {
  if (typeof T1 !== 'number' || !Number.isFinite(T1) || T1 <= 0) throw new Error(`T1 must be a finite number > 0 ms (got ${String(T1)})`);
  if (typeof T2 !== 'number' || !Number.isFinite(T2) || T2 <= 0) throw new Error(`T2 must be a finite number > 0 ms (got ${String(T2)})`);
}

/**
 * Bind a sequence to a fast real-valued EPG kernel (see the module comment for the model). The RF
 * coefficients are precomputed per TR and the state lives in two sets of three Float64Arrays
 * (swapped every TR), reused by every call: nothing is allocated per TR or per atom. Only the
 * orders in use are visited; RF, relaxation and shift are one pass over them.
 *
 * @param seq - validated here (see validateFispSequence)
 * @param opts - nStates (default nTR + 1), stateThreshold (default DEFAULT_STATE_THRESHOLD), B1 (default 1)
 */
export function makeFispSimulator(seq: FispSequence, opts: FispOptions = {}): FispSimulator {
  validateFispSequence(seq);
  const nTR = seq.FA_deg.length;
  const { nStates: K, stateThreshold: eps, B1 } = resolveFispOptions(opts, nTR);
  const c2 = new Float64Array(nTR); // cos²(α/2)
  const s2 = new Float64Array(nTR); // sin²(α/2)
  const sa = new Float64Array(nTR); // sin α
  const ca = new Float64Array(nTR); // cos α
  const TR = Float64Array.from(seq.TR_ms);
  for (let n = 0; n < nTR; n++) {
    const alpha = (B1 * seq.FA_deg[n] * Math.PI) / 180;
    c2[n] = Math.cos(alpha / 2) ** 2;
    s2[n] = Math.sin(alpha / 2) ** 2;
    sa[n] = Math.sin(alpha);
    ca[n] = Math.cos(alpha);
  }
  const TE = seq.TE_ms;
  const delay = seq.inversionDelay_ms;
  // Two buffers per state kind, swapped every TR: RF, relaxation and shift in one pass. One spare
  // slot (K + 1) absorbs the order pushed past the cap.
  const bufA = [new Float64Array(K + 1), new Float64Array(K + 1)];
  const bufB = [new Float64Array(K + 1), new Float64Array(K + 1)];
  const bufZ = [new Float64Array(K + 1), new Float64Array(K + 1)];

  function simulate(T1: number, T2: number, out: Float32Array | Float64Array, offset = 0): number {
    validateRelaxation(T1, T2);
    if (!Number.isInteger(offset) || offset < 0 || offset + nTR > out.length) {
      throw new Error(`offset must be an integer with offset + ${nTR} <= out.length (got ${offset}, ${out.length})`);
    }
    let a = bufA[0], b = bufB[0], z = bufZ[0];
    let A = bufA[1], B = bufB[1], Z = bufZ[1];
    // Only orders below `active` are ever read; each buffer slot is written before it is read.
    a[0] = 0;
    b[0] = 0;
    z[0] = delay === null ? 1 : 1 - 2 * Math.exp(-delay / T1); // −1 relaxed over the delay
    const r1 = -1 / T1;
    const r2 = -1 / T2;
    const e2te = Math.exp(TE * r2);
    let active = 1; // orders 0 … active−1 may be non-zero
    let sumSq = 0;
    for (let n = 0; n < nTR; n++) {
      const C2 = c2[n], S2 = s2[n], SA = sa[n], CA = ca[n], H = 0.5 * SA;
      const E1 = Math.exp(TR[n] * r1);
      const E2 = Math.exp(TR[n] * r2);
      // Order 0: RF, echo at TE, relaxation; F+ moves up to order 1.
      let ak = a[0], bk = b[0], zk = z[0];
      const a0 = C2 * ak + S2 * bk - SA * zk;
      const sig = -e2te * a0;
      out[offset + n] = sig;
      sumSq += sig * sig;
      A[1] = E2 * a0;
      Z[0] = E1 * (H * (ak - bk) + CA * zk) + (1 - E1);
      // Orders 1 … active−1: RF, relaxation, F+_k → F+_{k+1}, F−_k → F−_{k−1}.
      for (let k = 1; k < active; k++) {
        ak = a[k];
        bk = b[k];
        zk = z[k];
        A[k + 1] = E2 * (C2 * ak + S2 * bk - SA * zk);
        B[k - 1] = E2 * (S2 * ak + C2 * bk + SA * zk);
        Z[k] = E1 * (H * (ak - bk) + CA * zk);
      }
      B[active - 1] = 0; // from F−_active, empty
      if (active < K) {
        B[active] = 0;
        Z[active] = 0;
        active++;
      }
      A[0] = -B[0]; // F+_0 = conj(F−_0)
      let t = a;
      a = A;
      A = t;
      t = b;
      b = B;
      B = t;
      t = z;
      z = Z;
      Z = t;
      // Drop negligible top orders: the state's reach adapts to T2 and the flip angles.
      while (active > 1) {
        const top = active - 1;
        if (Math.abs(a[top]) >= eps || Math.abs(b[top]) >= eps || Math.abs(z[top]) >= eps) break;
        active--;
      }
    }
    return sumSq;
  }
  return { nTR, nStates: K, simulate };
}

/**
 * MRF-FISP signal of one (T1, T2) pair, M0 = 1: s_n = i·F+_0 at TE of TR n (real; see the module
 * comment), shape (TR) Float64Array.
 *
 * @param seq - schedule, TE (ms) and inversion delay (ms or null)
 * @param T1 - ms, finite > 0
 * @param T2 - ms, finite > 0
 * @param opts - nStates, stateThreshold, B1
 */
export function simulateFisp(seq: FispSequence, T1: number, T2: number, opts: FispOptions = {}): Float64Array {
  const sim = makeFispSimulator(seq, opts);
  const out = new Float64Array(sim.nTR);
  sim.simulate(T1, T2, out);
  return out;
}

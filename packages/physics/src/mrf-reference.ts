/**
 * Two slow, independent MRF-FISP simulators kept as references for the fast kernel (mrf-fisp.ts):
 *
 * - `simulateFispNaive`: a textbook EPG with complex-number objects, the full 3×3 RF matrix and no
 *   state truncation (the state grows by one order per TR), new arrays every step. It is the
 *   baseline of `benchmarkDictionary` and agrees with the fast kernel run with stateThreshold 0.
 * - `simulateFispIsochromats`: brute-force Bloch simulation of N isochromats whose dephasing per TR
 *   is spread evenly over 2π; the voxel signal is their mean. Averaging N equispaced phases keeps
 *   the EPG orders k ≡ 0 (mod N), so with N > nTR it equals the untruncated EPG to rounding.
 *
 * Both follow the sequence described in mrf-fisp.ts (ideal inversion, RF phase 0, echo at TE).
 */
import { makeFispSimulator, resolveFispOptions, validateFispSequence, validateRelaxation, type FispOptions, type FispSequence } from './mrf-fisp.js';

interface Complex {
  re: number;
  im: number;
}

const cx = (re: number, im = 0): Complex => ({ re, im });
const add = (a: Complex, b: Complex): Complex => cx(a.re + b.re, a.im + b.im);
const mul = (a: Complex, b: Complex): Complex => cx(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
const scale = (a: Complex, s: number): Complex => cx(a.re * s, a.im * s);
const conj = (a: Complex): Complex => cx(a.re, -a.im);

/**
 * Straightforward (slow) EPG simulation of MRF-FISP with complex objects and no truncation.
 *
 * @returns s_n = i·F+_0(TE_n), shape (TR) Float64Array (the real part; the imaginary part is
 *   zero for RF phase 0 up to rounding)
 */
export function simulateFispNaive(seq: FispSequence, T1: number, T2: number, opts: Pick<FispOptions, 'B1'> = {}): Float64Array {
  validateFispSequence(seq);
  validateRelaxation(T1, T2);
  const { B1 } = resolveFispOptions({ B1: opts.B1 }, seq.FA_deg.length);
  const nTR = seq.FA_deg.length;
  // States as three lists indexed by order k: F+_k, F−_k, Z_k.
  let fp: Complex[] = [cx(0)];
  let fm: Complex[] = [cx(0)];
  let z: Complex[] = [cx(seq.inversionDelay_ms === null ? 1 : -1)];
  if (seq.inversionDelay_ms !== null) {
    const e1 = Math.exp(-seq.inversionDelay_ms / T1);
    z[0] = add(scale(z[0], e1), cx(1 - e1));
  }
  const out = new Float64Array(nTR);
  for (let n = 0; n < nTR; n++) {
    const alpha = (B1 * seq.FA_deg[n] * Math.PI) / 180;
    const phi = 0;
    const e1 = cx(Math.cos(phi), Math.sin(phi));
    const e2 = mul(e1, e1);
    const m = [
      [cx(Math.cos(alpha / 2) ** 2), scale(e2, Math.sin(alpha / 2) ** 2), scale(mul(cx(0, -1), e1), Math.sin(alpha))],
      [scale(conj(e2), Math.sin(alpha / 2) ** 2), cx(Math.cos(alpha / 2) ** 2), scale(mul(cx(0, 1), conj(e1)), Math.sin(alpha))],
      [scale(mul(cx(0, -0.5), conj(e1)), Math.sin(alpha)), scale(mul(cx(0, 0.5), e1), Math.sin(alpha)), cx(Math.cos(alpha))],
    ];
    const nfp: Complex[] = [];
    const nfm: Complex[] = [];
    const nz: Complex[] = [];
    for (let k = 0; k < fp.length; k++) {
      const v = [fp[k], fm[k], z[k]];
      const row = (r: number): Complex => add(add(mul(m[r][0], v[0]), mul(m[r][1], v[1])), mul(m[r][2], v[2]));
      nfp.push(row(0));
      nfm.push(row(1));
      nz.push(row(2));
    }
    const echo = scale(nfp[0], Math.exp(-seq.TE_ms / T2));
    out[n] = mul(cx(0, 1), echo).re;
    const E1 = Math.exp(-seq.TR_ms[n] / T1);
    const E2 = Math.exp(-seq.TR_ms[n] / T2);
    const rfp = nfp.map((f) => scale(f, E2));
    const rfm = nfm.map((f) => scale(f, E2));
    z = nz.map((q, k) => (k === 0 ? add(scale(q, E1), cx(1 - E1)) : scale(q, E1)));
    // Shift: F+ moves up one order, F− down one; the state grows by one order.
    fm = [...rfm.slice(1), cx(0), cx(0)];
    fp = [conj(fm[0]), ...rfp];
    z.push(cx(0));
  }
  return out;
}

/**
 * Brute-force isochromat simulation of MRF-FISP: `isochromats` spins with dephasing
 * θ_j = 2πj/N per TR (the unbalanced gradient), each rotated about x by B1·α_n, relaxed and
 * precessed; the signal is the mean transverse magnetisation ⟨Mx + iMy⟩ at TE.
 *
 * @param opts - isochromats N (integer ≥ 1, default 360), B1 (default 1)
 * @returns mean transverse magnetisation at TE per TR, shape (TR) complex interleaved Float64Array;
 *   i·⟨Mxy⟩ is the real signal of the EPG kernels
 */
export function simulateFispIsochromats(
  seq: FispSequence,
  T1: number,
  T2: number,
  opts: { isochromats?: number; B1?: number } = {},
): Float64Array {
  validateFispSequence(seq);
  validateRelaxation(T1, T2);
  const { B1 } = resolveFispOptions({ B1: opts.B1 }, seq.FA_deg.length);
  const N = opts.isochromats ?? 360;
  if (!Number.isInteger(N) || N < 1) throw new Error(`isochromats must be an integer >= 1 (got ${String(N)})`);
  const mx = new Float64Array(N);
  const my = new Float64Array(N);
  const mz = new Float64Array(N);
  const cosT = new Float64Array(N);
  const sinT = new Float64Array(N);
  for (let j = 0; j < N; j++) {
    cosT[j] = Math.cos((2 * Math.PI * j) / N);
    sinT[j] = Math.sin((2 * Math.PI * j) / N);
  }
  let z0 = 1;
  if (seq.inversionDelay_ms !== null) {
    const e = Math.exp(-seq.inversionDelay_ms / T1);
    z0 = -e + (1 - e);
  }
  mz.fill(z0);
  const nTR = seq.FA_deg.length;
  const out = new Float64Array(2 * nTR);
  const e2te = Math.exp(-seq.TE_ms / T2);
  for (let n = 0; n < nTR; n++) {
    const alpha = (B1 * seq.FA_deg[n] * Math.PI) / 180;
    const c = Math.cos(alpha);
    const s = Math.sin(alpha);
    const E1 = Math.exp(-seq.TR_ms[n] / T1);
    const E2 = Math.exp(-seq.TR_ms[n] / T2);
    let sx = 0;
    let sy = 0;
    for (let j = 0; j < N; j++) {
      // Right-handed rotation about x: My' = c·My − s·Mz, Mz' = s·My + c·Mz.
      const y = c * my[j] - s * mz[j];
      const zz = s * my[j] + c * mz[j];
      sx += mx[j];
      sy += y;
      // Relax over TR, then precess by θ_j (the gradient's dephasing).
      const x = E2 * mx[j];
      const yr = E2 * y;
      mx[j] = cosT[j] * x - sinT[j] * yr;
      my[j] = sinT[j] * x + cosT[j] * yr;
      mz[j] = E1 * zz + (1 - E1);
    }
    out[2 * n] = (e2te * sx) / N;
    out[2 * n + 1] = (e2te * sy) / N;
  }
  return out;
}

/** Fast-kernel signal with every order kept (no cap, stateThreshold 0): exact EPG, shape (TR). */
export function simulateFispUntruncated(seq: FispSequence, T1: number, T2: number, B1 = 1): Float64Array {
  const sim = makeFispSimulator(seq, { stateThreshold: 0, B1 });
  const out = new Float64Array(sim.nTR);
  sim.simulate(T1, T2, out);
  return out;
}

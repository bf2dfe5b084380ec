import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createEpgState,
  epgRelax,
  epgRf,
  epgShift,
  makeFispSimulator,
  parseScheduleColumn,
  simulateFisp,
  simulateFispIsochromats,
  simulateFispNaive,
  simulateFispUntruncated,
  type FispSequence,
} from './index.js';
import { JIANG2015_FA_TXT_600, JIANG2015_TR_TXT_600 } from './mrf-fixtures.js';

const FA = parseScheduleColumn(JIANG2015_FA_TXT_600, 'fa.txt', 'FA');
const TR = parseScheduleColumn(JIANG2015_TR_TXT_600, 'tr.txt', 'TR');
const seq600: FispSequence = { FA_deg: FA, TR_ms: TR, TE_ms: 2, inversionDelay_ms: 20 };
const seq100: FispSequence = { ...seq600, FA_deg: FA.slice(0, 100), TR_ms: TR.slice(0, 100) };
const PAIRS: [number, number][] = [[1000, 100], [300, 30], [832, 79], [4000, 1500], [1331, 110]];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function l2(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** The same sequence step by step with the general complex EPG (epg.ts): s = i·F+_0 at TE. */
function fispWithComplexEpg(seq: FispSequence, T1: number, T2: number, B1: number): { re: number[]; im: number[] } {
  const n = seq.FA_deg.length;
  const s = createEpgState(n + 1);
  if (seq.inversionDelay_ms !== null) {
    epgRf(s, 180, 0);
    epgRelax(s, seq.inversionDelay_ms, T1, T2);
  }
  const re: number[] = [];
  const im: number[] = [];
  for (let k = 0; k < n; k++) {
    epgRf(s, B1 * seq.FA_deg[k], 0);
    epgRelax(s, seq.TE_ms, T1, T2);
    re.push(-s.fPlus[1]); // i·(x + iy) = −y + ix
    im.push(s.fPlus[0]);
    epgRelax(s, seq.TR_ms[k] - seq.TE_ms, T1, T2);
    epgShift(s);
  }
  return { re, im };
}

test('the real-valued FISP kernel equals the general complex EPG run step by step (no truncation)', () => {
  for (const [T1, T2] of PAIRS) {
    for (const [B1, delay] of [[1, 20], [0.83, null], [1.2, 0]] as const) {
      const seq = { ...seq600, inversionDelay_ms: delay };
      const ref = fispWithComplexEpg(seq, T1, T2, B1);
      const fast = simulateFispUntruncated(seq, T1, T2, B1);
      assert.ok(maxAbsDiff(fast, ref.re) < 1e-12, `T1 ${T1} T2 ${T2} B1 ${B1}: ${maxAbsDiff(fast, ref.re)}`);
      assert.ok(Math.max(...ref.im.map(Math.abs)) < 1e-15, 'the FISP echo has a constant phase');
    }
  }
});

test('EPG agrees with a brute-force isochromat simulation (360 isochromats over 2π) on 100 TRs of Jiang 2015', () => {
  for (const [T1, T2] of PAIRS) {
    const iso = simulateFispIsochromats(seq100, T1, T2, { isochromats: 360 });
    const isoSignal = Array.from({ length: 100 }, (_, n) => -iso[2 * n + 1]);
    const isoImag = Array.from({ length: 100 }, (_, n) => iso[2 * n]);
    // 360 > 100 TRs: the isochromat average aliases no populated EPG order, so agreement is to rounding.
    assert.ok(maxAbsDiff(simulateFispUntruncated(seq100, T1, T2), isoSignal) < 1e-12);
    assert.ok(Math.max(...isoImag.map(Math.abs)) < 1e-12);
    // The default (thresholded) kernel stays within 1e-6 of the atom's norm.
    const fast = simulateFisp(seq100, T1, T2);
    assert.ok(maxAbsDiff(fast, isoSignal) < 1e-6 * l2(isoSignal), `T1 ${T1} T2 ${T2}`);
  }
  // Too few isochromats alias high orders back onto F0: the check above is not vacuous.
  const coarse = simulateFispIsochromats(seq100, 1000, 100, { isochromats: 8 });
  const exact = simulateFispUntruncated(seq100, 1000, 100);
  assert.ok(maxAbsDiff(exact, Array.from({ length: 100 }, (_, n) => -coarse[2 * n + 1])) > 1e-3);
});

test('the naive baseline (complex objects, no truncation) equals the fast kernel', () => {
  const naive = simulateFispNaive(seq600, 1331, 110, { B1: 0.9 });
  assert.ok(maxAbsDiff(naive, simulateFispUntruncated(seq600, 1331, 110, 0.9)) < 1e-12);
});

test('default truncation stays within 2e-7 (relative L2) of exact EPG on the 600-TR schedule, a fixed cap does not', () => {
  // Includes the worst atoms measured over the default grid (long T1, T2 from 25 to 1916 ms).
  const pairs: [number, number][] = [...PAIRS, [4490, 1916], [4669, 39], [4490, 25], [4317, 66], [100, 10], [5000, 2000]];
  for (const [T1, T2] of pairs) {
    const exact = simulateFispUntruncated(seq600, T1, T2);
    const fast = simulateFisp(seq600, T1, T2);
    const rel = l2(Array.from(exact, (v, i) => v - fast[i])) / l2(exact);
    assert.ok(rel < 2e-7, `T1 ${T1} T2 ${T2}: relative error ${rel}`);
  }
  const exact = simulateFispUntruncated(seq600, 4490, 1916);
  const capped = simulateFisp(seq600, 4490, 1916, { nStates: 24 });
  assert.ok(l2(Array.from(exact, (v, i) => v - capped[i])) / l2(exact) > 1e-2);
});

test('analytic cases: first echo, B1 scaling, and perfect spoiling with a single kept order', () => {
  const T1 = 900;
  const T2 = 70;
  const e2te = Math.exp(-2 / T2);
  const sin0 = Math.sin((FA[0] * Math.PI) / 180);
  const inv = simulateFisp(seq600, T1, T2);
  assert.ok(Math.abs(inv[0] - sin0 * (1 - 2 * Math.exp(-20 / T1)) * e2te) < 1e-15);
  const noInv = simulateFisp({ ...seq600, inversionDelay_ms: null }, T1, T2);
  assert.ok(Math.abs(noInv[0] - sin0 * e2te) < 1e-15);
  // B1 multiplies every flip angle.
  const scaled = simulateFisp(seq600, T1, T2, { B1: 0.8 });
  const byHand = simulateFisp({ ...seq600, FA_deg: FA.map((a) => 0.8 * a) }, T1, T2);
  assert.ok(maxAbsDiff(scaled, byHand) < 1e-15);
  // nStates = 1: all transverse magnetisation is lost at each shift (ideal spoiling):
  // s_n = sin α_n·Mz_n·E2(TE), Mz_{n+1} = E1_n·cos α_n·Mz_n + 1 − E1_n.
  const spoiled = simulateFisp(seq600, T1, T2, { nStates: 1 });
  let mz = 1 - 2 * Math.exp(-20 / T1);
  const want: number[] = [];
  for (let n = 0; n < FA.length; n++) {
    const a = (FA[n] * Math.PI) / 180;
    want.push(Math.sin(a) * mz * e2te);
    const e1 = Math.exp(-TR[n] / T1);
    mz = e1 * Math.cos(a) * mz + 1 - e1;
  }
  assert.ok(maxAbsDiff(spoiled, want) < 1e-14);
});

test('the simulator returns the squared norm, honours offset, and rejects bad inputs by name', () => {
  const sim = makeFispSimulator(seq100, { stateThreshold: 0 });
  assert.equal(sim.nTR, 100);
  assert.equal(sim.nStates, 101);
  const out = new Float32Array(250);
  const sumSq = sim.simulate(1000, 100, out, 150);
  const ref = simulateFispUntruncated(seq100, 1000, 100);
  assert.ok(Math.abs(sumSq - l2(ref) ** 2) < 1e-12);
  assert.equal(out[149], 0);
  assert.equal(out[150], Math.fround(ref[0]));
  assert.throws(() => sim.simulate(1000, 100, out, 151), /offset must be an integer with offset \+ 100 <= out.length/);
  assert.throws(() => sim.simulate(NaN, 100, out), { message: 'T1 must be a finite number > 0 ms (got NaN)' });
  assert.throws(() => sim.simulate(1000, -5, out), { message: 'T2 must be a finite number > 0 ms (got -5)' });
  const first = TR.findIndex((t) => t <= 13);
  assert.ok(first > 0 && first < 100);
  assert.throws(() => makeFispSimulator({ ...seq100, TE_ms: 13 }), {
    message: `TE_ms must be < TR_ms at point ${first + 1} (got 13 >= ${TR[first]})`,
  });
  assert.throws(() => makeFispSimulator({ ...seq100, inversionDelay_ms: -1 }), /inversionDelay_ms must be null or a finite number >= 0/);
  assert.throws(() => makeFispSimulator(seq100, { B1: -0.1 }), { message: 'B1 must be a finite number >= 0 (got -0.1)' });
  assert.throws(() => makeFispSimulator(seq100, { nStates: 2.5 }), /nStates must be an integer >= 1/);
  assert.throws(() => makeFispSimulator(seq100, { stateThreshold: NaN }), /stateThreshold must be a finite number >= 0/);
  assert.throws(() => makeFispSimulator({ ...seq100, TR_ms: TR.slice(0, 99) }), {
    message: 'FA_deg has 100 points but TR_ms has 99',
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEpgState, epgRelax, epgRf, epgShift } from './index.js';

const close = (got: number, want: number, tol: number, what: string): void =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} (tol ${tol})`);

test('a 47° pulse of phase 23° on equilibrium, then a shift and 10 ms of relaxation (sycomore known answers)', () => {
  const s = createEpgState(4);
  epgRf(s, 47, 23);
  close(s.fPlus[0], 0.2857626571584661, 1e-12, 'Re F0');
  close(s.fPlus[1], -0.6732146319308543, 1e-12, 'Im F0');
  close(s.z[0], Math.cos((47 * Math.PI) / 180), 1e-12, 'Z0');
  close(s.z[1], 0, 1e-15, 'Im Z0');
  // F−_0 is the conjugate of F+_0.
  close(s.fMinus[0], s.fPlus[0], 1e-15, 'Re F−0');
  close(s.fMinus[1], -s.fPlus[1], 1e-15, 'Im F−0');
  epgShift(s);
  epgRelax(s, 10, 1000, 100);
  close(s.z[0], 0.6851625292479138, 1e-12, 'Z0 after relaxation');
  close(s.fPlus[2], 0.2585687448743616, 1e-12, 'Re F1');
  close(s.fPlus[3], -0.6091497893403431, 1e-12, 'Im F1');
  // Nothing left at F0 after the shift (F−_1 was empty).
  for (const v of [s.fPlus[0], s.fPlus[1], s.fMinus[0], s.fMinus[1]]) assert.equal(Math.abs(v), 0);
});

test('a 180° pulse refocuses F+_k into F−_k; 90° on Z gives −i; a shift moves F−_1 to F0', () => {
  const s = createEpgState(3);
  epgRf(s, 90, 0);
  close(s.fPlus[0], 0, 1e-15, 'Re F0');
  close(s.fPlus[1], -1, 1e-15, 'Im F0');
  close(s.z[0], 0, 1e-15, 'Z0');
  epgShift(s); // F+_1 = −i
  epgRf(s, 180, 0);
  // F−_1 = e^{−2iφ}·F+_1 with φ = 0, and F+_1 = 0.
  close(s.fMinus[2], 0, 1e-15, 'Re F−1');
  close(s.fMinus[3], -1, 1e-15, 'Im F−1');
  close(s.fPlus[3], 0, 1e-15, 'Im F+1');
  epgShift(s); // echo: F+_0 = conj(F−_0) = conj(F−_1 before) = +i
  close(s.fPlus[0], 0, 1e-15, 'Re F0 at the echo');
  close(s.fPlus[1], 1, 1e-15, 'Im F0 at the echo');
  // 180° about y (phase 90°) maps F+_1 = x to F−_1 = e^{−iπ}·x = −x.
  const t = createEpgState(2);
  epgRf(t, 90, 0);
  epgShift(t);
  epgRf(t, 180, 90);
  close(t.fMinus[3], 1, 1e-15, 'Im F−1 after a 180°y');
});

test('relaxation recovers Z0 towards 1; the top order is dropped by a shift; bad inputs are named', () => {
  const s = createEpgState(2);
  epgRf(s, 180, 0); // Z0 = −1
  epgRelax(s, 693.1471805599453, 1000, 50); // ln 2 · T1: Z0 = −1/2 + 1/2 = 0
  close(s.z[0], 0, 1e-15, 'Z0 at the null');
  epgRelax(s, 1e9, 1000, 50);
  close(s.z[0], 1, 1e-15, 'Z0 fully recovered');
  const t = createEpgState(1);
  epgRf(t, 90, 0);
  epgShift(t); // only order 0 kept: F+_1 is dropped
  assert.equal(Math.abs(t.fPlus[0]) + Math.abs(t.fPlus[1]), 0);
  assert.throws(() => createEpgState(0), { message: 'nStates must be an integer >= 1 (got 0)' });
  assert.throws(() => epgRelax(t, -1, 1000, 100), /durationMs must be finite and >= 0/);
  assert.throws(() => epgRelax(t, 1, NaN, 100), { message: 'T1 must be > 0 ms (got NaN)' });
  assert.throws(() => epgRf(t, Infinity), { message: 'flipDeg must be finite (got Infinity)' });
});

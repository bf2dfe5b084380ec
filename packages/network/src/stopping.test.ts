import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blindSpotFill, discrepancyRule, discrepancyTarget, echoResidual, heldOutMask, heldOutRule, type CheckMaps } from './stopping.js';

const TE = [20, 40, 60, 80];

/** Echoes (echo, voxel) of the maps, plus `offset` on every sample (a known residual). */
function echoesOf(maps: CheckMaps, offset = 0): Float32Array {
  const n = maps.m0.length;
  const out = new Float32Array(TE.length * n);
  TE.forEach((te, e) => {
    for (let i = 0; i < n; i++) out[e * n + i] = maps.m0[i]! * Math.exp(-te / maps.t2[i]!) + offset;
  });
  return out;
}

const truth: CheckMaps = { m0: Float32Array.from([1, 0.8, 0.5, 0.9]), t2: Float32Array.from([50, 80, 120, 1000]) };

test('echoResidual: zero at the truth, offset² with a constant offset, mask respected', () => {
  assert.ok(echoResidual(truth, echoesOf(truth), TE) < 1e-12); // float32 echoes
  assert.ok(Math.abs(echoResidual(truth, echoesOf(truth, 0.1), TE) - 0.01) < 1e-9);
  const data = echoesOf(truth);
  data[0] += 0.2; // voxel 0, first echo
  assert.ok(Math.abs(echoResidual(truth, data, TE) - 0.04 / 16) < 1e-9);
  assert.ok(echoResidual(truth, data, TE, Uint8Array.from([0, 1, 1, 1])) < 1e-12);
});

test('discrepancyTarget: σ²(1 − dof/E); the voxel-wise fit (dof 2) is the floor', () => {
  assert.equal(discrepancyTarget(0.001, 4, 0), 0.001);
  assert.ok(Math.abs(discrepancyTarget(0.001, 4, 2) - 0.0005) < 1e-15);
  assert.throws(() => discrepancyTarget(0, 4, 1), /noiseVariance/);
  assert.throws(() => discrepancyTarget(0.001, 4, 4), /dof/);
});

/** Maps whose prediction error shrinks to `offsets[k]` at check k (data = truth echoes + 0.1). */
function runChecks(rule: ReturnType<typeof discrepancyRule>, offsets: number[], blind = false): number | undefined {
  let stoppedAt: number | undefined;
  offsets.forEach((offset, k) => {
    const maps = { m0: truth.m0.map((m) => m * (1 + offset)), t2: truth.t2 };
    const stop = rule.observe({ step: (k + 1) * 10, elapsedMs: k, maps, ...(blind ? { blindMaps: maps } : {}) });
    if (stop && stoppedAt === undefined) stoppedAt = (k + 1) * 10;
  });
  return stoppedAt;
}

test('discrepancy rule stops at the first check whose residual reaches the target, and keeps those maps', () => {
  const noisy = echoesOf(truth, 0.05); // residual of the truth = 0.0025 = "σ²"
  const offsets = [0.5, 0.3, 0.1, 0.05, 0.02, 0];
  // Residual of each check, by hand: mean over voxels, echoes of (o·s − 0.05)².
  const residuals = offsets.map((o) => {
    let sum = 0;
    TE.forEach((te) => truth.m0.forEach((m, i) => (sum += (o * m * Math.exp(-te / truth.t2[i]!) - 0.05) ** 2)));
    return sum / (TE.length * truth.m0.length);
  });
  const rule = discrepancyRule({ residual: (m) => echoResidual(m, noisy, TE), channels: TE.length, noiseVariance: 0.0025, dof: 0.5 });
  const target = 0.0025 * (1 - 0.5 / 4);
  const first = residuals.findIndex((r) => r <= target);
  assert.ok(first > 0, `residuals ${residuals}`); // the case is not trivial
  assert.equal(runChecks(rule, offsets), (first + 1) * 10);
  assert.ok(rule.decided);
  assert.equal(rule.choice!.step, (first + 1) * 10);
  assert.ok(Math.abs(rule.choice!.value - residuals[first]!) < 1e-6);
  assert.equal(rule.choice!.maps.m0[0], Math.fround(truth.m0[0]! * (1 + offsets[first]!)));
  assert.equal(rule.history.length, 6); // checks after the decision are still recorded for the curve
});

test('discrepancy rule never reached: not decided, choice = the last check', () => {
  const rule = discrepancyRule({ residual: (m) => echoResidual(m, echoesOf(truth, 0.05), TE), channels: TE.length, noiseVariance: 0.0001, dof: 0 });
  runChecks(rule, [0.5, 0.3]);
  assert.equal(rule.decided, false);
  assert.equal(rule.choice!.step, 20);
});

test('held-out rule keeps the best check and stops after `patience` checks without improvement', () => {
  const data = echoesOf(truth);
  const rule = heldOutRule({ error: (m) => echoResidual(m, data, TE, Uint8Array.from([1, 1, 0, 1])), patience: 2 });
  // error falls to 0 at check 3 (step 30) and rises again
  const stoppedAt = runChecks(rule, [0.3, 0.1, 0, 0.1, 0.2, 0.3], true);
  assert.equal(rule.choice!.step, 30);
  assert.ok(rule.choice!.value < 1e-12);
  assert.equal(stoppedAt, 50);
  assert.throws(() => rule.observe({ step: 1, elapsedMs: 0, maps: truth }), /blind-spot/);
});

test('heldOutMask: seeded, about the requested fraction, one echo or all echoes per drawn voxel, only within', () => {
  const n = 20000;
  const a = heldOutMask({ voxels: n, echoes: 4, fraction: 0.1, seed: 3, unit: 'echo' });
  assert.deepEqual(a, heldOutMask({ voxels: n, echoes: 4, fraction: 0.1, seed: 3, unit: 'echo' }));
  assert.notDeepEqual(a, heldOutMask({ voxels: n, echoes: 4, fraction: 0.1, seed: 4, unit: 'echo' }));
  const perVoxel = (m: Uint8Array) => Array.from({ length: n }, (_, i) => m[i]! + m[n + i]! + m[2 * n + i]! + m[3 * n + i]!);
  const counts = perVoxel(a);
  const drawn = counts.filter((c) => c > 0).length;
  assert.ok(drawn > 1800 && drawn < 2200, `${drawn}`);
  assert.ok(counts.every((c) => c <= 1));
  const byEcho = [0, 1, 2, 3].map((e) => a.subarray(e * n, (e + 1) * n).reduce((s, v) => s + v, 0));
  assert.ok(byEcho.every((c) => c > 350 && c < 650), `${byEcho}`); // every echo is held out somewhere
  const v = heldOutMask({ voxels: n, echoes: 4, fraction: 0.1, seed: 3, unit: 'voxel' });
  assert.deepEqual(perVoxel(v).map((c) => c > 0), counts.map((c) => c > 0)); // same voxels
  assert.ok(perVoxel(v).every((c) => c === 0 || c === 4));
  const within = new Uint8Array(n).fill(1, 0, 100);
  const b = heldOutMask({ voxels: n, echoes: 4, fraction: 0.2, seed: 3, unit: 'voxel', within });
  assert.equal(perVoxel(b).slice(100).reduce((s, c) => s + c, 0), 0);
  assert.throws(() => heldOutMask({ voxels: 10, echoes: 4, fraction: 0.6, seed: 1, unit: 'echo' }), /heldOutFraction/);
});

test('echoResidual with a sample mask judges only the held-out echoes', () => {
  const data = echoesOf(truth);
  data[2 * 4 + 1] += 0.3; // echo 2 of voxel 1
  const mask = new Uint8Array(16);
  mask[2 * 4 + 1] = 1;
  mask[0] = 1; // echo 0 of voxel 0 (exact)
  assert.ok(Math.abs(echoResidual(truth, data, TE, mask) - 0.09 / 2) < 1e-6);
});

test('blindSpotFill: a held-out sample takes the mean of the same echo at its kept 4-neighbours', () => {
  // 2 echoes, 1 slice, 3×3; echo 0: centre and corner (0,0) held out; echo 1: nothing
  const e0 = [1, 2, 3, 4, 100, 6, 7, 8, 9];
  const echoes = Float32Array.from([...e0, ...e0.map((v) => v * 10)]);
  const held = new Uint8Array(18);
  held[4] = 1;
  held[0] = 1;
  const shape = { echoes: 2, slices: 1, height: 3, width: 3 };
  const out = blindSpotFill(echoes, shape, held);
  assert.equal(out[4], (2 + 4 + 6 + 8) / 4);
  assert.equal(out[0], (2 + 4) / 2); // corner: kept 4-neighbours (0,1), (1,0)
  assert.deepEqual([...out].filter((_, i) => !held[i]), [...echoes].filter((_, i) => !held[i]));
  // isolated by held-out 4-neighbours → 8-neighbours
  const ring = new Uint8Array(18);
  for (const i of [1, 3, 4, 5, 7]) ring[i] = 1;
  assert.equal(blindSpotFill(echoes, shape, ring)[4], (1 + 3 + 7 + 9) / 4);
});

test('blindSpotFill with a voxel mask (slice, y, x) fills every channel of the held-out voxels', () => {
  const c0 = [1, 2, 3, 4, 100, 6, 7, 8, 9];
  const data = Float32Array.from([...c0, ...c0.map((v) => -10 * v), ...c0.map((v) => v + 0.5)]);
  const voxels = new Uint8Array(9);
  voxels[4] = 1; // centre
  const shape = { echoes: 3, slices: 1, height: 3, width: 3 };
  const out = blindSpotFill(data, shape, voxels);
  assert.equal(out[4], 5);
  assert.equal(out[9 + 4], -50);
  assert.equal(out[18 + 4], 5.5);
  // the same as a sample mask repeated over the channels
  assert.deepEqual(out, blindSpotFill(data, shape, Uint8Array.from([...voxels, ...voxels, ...voxels])));
  assert.throws(() => blindSpotFill(data, shape, new Uint8Array(10)), /heldOut: length 10/);
});

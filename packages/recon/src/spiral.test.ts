import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  interleafCoords, interleafForTR, interleafSchedule, spiralFovFactor, variableDensitySpiral, type SpiralTrajectory,
} from './spiral.js';

/**
 * Radii at which the arms of the listed interleaves cross the ray at angle phi (segments between
 * consecutive samples, r linear in the unwrapped angle), plus r = 0 where every arm starts.
 */
function rayCrossings(traj: SpiralTrajectory, interleaves: number[], phi: number): number[] {
  const M = traj.samplesPerInterleaf;
  const radii = [0];
  for (const i of interleaves) {
    const c = interleafCoords(traj, i);
    // sample 0 is k = 0, where the arm leaves at the interleaf's rotation angle 2π·i/N
    let thPrev = (2 * Math.PI * i) / traj.nInterleaves, rPrev = 0;
    for (let s = 1; s < M; s++) {
      const r = Math.hypot(c[2 * s], c[2 * s + 1]);
      let th = Math.atan2(c[2 * s + 1], c[2 * s]);
      th += 2 * Math.PI * Math.round((thPrev - th) / (2 * Math.PI)); // unwrap: the arm turns < π per step
      const a = Math.floor((thPrev - phi) / (2 * Math.PI)), b = Math.floor((th - phi) / (2 * Math.PI));
      if (a !== b) {
        const target = phi + 2 * Math.PI * Math.max(a, b);
        radii.push(rPrev + ((r - rPrev) * (target - thPrev)) / (th - thPrev));
      }
      thPrev = th; rPrev = r;
    }
  }
  return radii.sort((x, y) => x - y);
}

/** Largest gap between consecutive crossing radii within (rFrom, rTo], over 72 rays. */
function maxRadialGap(traj: SpiralTrajectory, interleaves: number[], rFrom: number, rTo: number): number {
  let gap = 0;
  for (let a = 0; a < 72; a++) {
    const r = rayCrossings(traj, interleaves, (2 * Math.PI * (a + 0.37)) / 72);
    for (let i = 1; i < r.length; i++) if (r[i] > rFrom && r[i - 1] < rTo) gap = Math.max(gap, r[i] - r[i - 1]);
  }
  return gap;
}

describe('variableDensitySpiral', () => {
  const traj = variableDensitySpiral(); // 220 matrix, 48 interleaves
  const N = traj.imageSize, all = Array.from({ length: 48 }, (_, i) => i);
  const M = traj.samplesPerInterleaf;

  it('has the documented defaults and sample count (2× readout oversampling of the arc length)', () => {
    assert.equal(traj.nInterleaves, 48);
    assert.equal(N, 220);
    assert.equal(M, Math.ceil(2 * traj.arcLength * N));
    assert.ok(M > 1000 && M < 2000, `samples per interleaf ${M}`);
    assert.equal(traj.coords.length, 48 * M * 2);
    assert.ok(Math.abs(traj.sampleTimesMs[M - 1] - 5.8 * (M - 1) / M) < 1e-9);
  });

  it('starts at k = 0 and reaches |k| ≈ 0.5 while staying in [−0.5, 0.5)', () => {
    let kmax = 0;
    for (let j = 0; j < traj.coords.length; j++) {
      assert.ok(traj.coords[j] >= -0.5 && traj.coords[j] < 0.5);
    }
    for (let j = 0; j < traj.coords.length; j += 2) kmax = Math.max(kmax, Math.hypot(traj.coords[j], traj.coords[j + 1]));
    assert.ok(kmax > 0.5 - 0.5 / N && kmax < 0.5, `max |k| = ${kmax}`);
    for (const i of [0, 17]) assert.equal(Math.hypot(interleafCoords(traj, i)[0], interleafCoords(traj, i)[1]), 0);
  });

  it('spaces samples along the readout at arcLength/M ≤ half the Nyquist distance 1/N', () => {
    const c = interleafCoords(traj, 5);
    let maxStep = 0;
    for (let s = 1; s < M; s++) maxStep = Math.max(maxStep, Math.hypot(c[2 * s] - c[2 * s - 2], c[2 * s + 1] - c[2 * s - 1]));
    assert.ok(maxStep <= traj.arcLength / M * (1 + 1e-3), `max step ${maxStep}`);
    assert.ok(maxStep <= 0.5 / N, `max step ${maxStep} vs 1/(2N) = ${0.5 / N}`);
  });

  it('rotates one arm by 2π·i/N per interleaf', () => {
    const a = interleafCoords(traj, 0), b = interleafCoords(traj, 7);
    const rot = (2 * Math.PI * 7) / 48, c = Math.cos(rot), s = Math.sin(rot);
    for (let j = 0; j < M; j += 97) {
      assert.ok(Math.abs(c * a[2 * j] - s * a[2 * j + 1] - b[2 * j]) < 1e-6);
      assert.ok(Math.abs(s * a[2 * j] + c * a[2 * j + 1] - b[2 * j + 1]) < 1e-6);
    }
  });

  it('with all N interleaves: radial gap ≤ 1/N (Nyquist) out to |k| = 0.49, ≤ 1/(2N) in the centre', () => {
    // Along 72 rays, the gap between successive arm crossings is the design's 1/FOV(r).
    const outer = maxRadialGap(traj, all, 0, 0.49);
    assert.ok(outer <= (1 / N) * 1.01, `max radial gap ${outer} vs Nyquist ${1 / N}`);
    assert.ok(outer >= (1 / N) * 0.97, `max radial gap ${outer}: the edge should be exactly Nyquist`);
    const centre = maxRadialGap(traj, all, 0, 0.045);
    assert.ok(centre <= (0.5 / N) * 1.01, `centre gap ${centre} vs ${0.5 / N}`);
  });

  it('is denser in the centre: half the interleaves still Nyquist-sample |k| ≤ 0.045 but not the edge', () => {
    const even = all.filter((i) => i % 2 === 0);
    const centre = maxRadialGap(traj, even, 0, 0.045);
    assert.ok(centre <= (1 / N) * 1.01, `centre gap ${centre}`);
    const edge = maxRadialGap(traj, even, 0.3, 0.49);
    assert.ok(edge >= (2 / N) * 0.97, `edge gap ${edge} should be ≈ 2/N`);
  });

  it('supports the "Nyquist centre, undersampled outward" variant (fovCentre 1, fovEdge 0.5)', () => {
    const t = variableDensitySpiral({ imageSize: 64, nInterleaves: 16, fovCentre: 1, fovEdge: 0.5, centreRadius: 0.1 });
    const ids = Array.from({ length: 16 }, (_, i) => i);
    assert.ok(maxRadialGap(t, ids, 0, 0.09) <= (1 / 64) * 1.01);
    const edge = maxRadialGap(t, ids, 0.3, 0.49);
    assert.ok(edge > (2 / 64) * 0.97 && edge < (2 / 64) * 1.03, `edge gap ${edge} vs 2/N`);
  });

  it('has the piecewise-linear FOV profile', () => {
    assert.equal(spiralFovFactor(0.01), 2);
    assert.equal(spiralFovFactor(0.1), 1.5);
    assert.equal(spiralFovFactor(0.4), 1);
  });

  it('honours samplesPerInterleaf and rejects bad options', () => {
    assert.equal(variableDensitySpiral({ imageSize: 32, nInterleaves: 4, samplesPerInterleaf: 300 }).samplesPerInterleaf, 300);
    assert.throws(() => variableDensitySpiral({ nInterleaves: 0 }), /nInterleaves must be an integer ≥ 1 \(got 0\)/);
    assert.throws(() => variableDensitySpiral({ fovEdge: -1 }), /fovEdge must be a finite number > 0/);
    assert.throws(() => variableDensitySpiral({ samplesPerInterleaf: 1.5 }), /samplesPerInterleaf must be an integer/);
    assert.throws(() => interleafCoords(traj, 48), /interleaf must be an integer in \[0, 48\) \(got 48\)/);
  });
});

describe('interleafForTR', () => {
  it('rotates the interleaf by one per TR: (t + offset) mod N', () => {
    assert.equal(interleafForTR(0, 0, 48), 0);
    assert.equal(interleafForTR(47, 0, 48), 47);
    assert.equal(interleafForTR(48, 0, 48), 0);
    assert.equal(interleafForTR(50, 3, 48), 5);
    assert.equal(interleafForTR(0, -1, 48), 47);
    assert.deepEqual(Array.from(interleafSchedule(7, 2, 3)), [2, 0, 1, 2, 0, 1, 2]);
  });
  it('rejects non-integers and N < 1', () => {
    assert.throws(() => interleafForTR(0.5, 0, 4), /t must be an integer \(got 0\.5\)/);
    assert.throws(() => interleafForTR(1, 0, 0), /N must be a positive integer \(got 0\)/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchmarkNufftAdjoint, unplannedGriddingAdjoint } from './benchmark.js';
import { randomCoords, relativeError } from './fixtures.js';
import { randomComplex } from './linop.js';
import { nufftAdjoint, planNufft } from './nufft.js';

describe('benchmarkNufftAdjoint', () => {
  it('times the planned adjoint and both baselines on a small case (structure, not speed)', () => {
    const r = benchmarkNufftAdjoint({ imageSize: 32, nInterleaves: 8, interleavesPerFrame: 2, minMs: 20 });
    assert.equal(r.gridSize, 64);
    assert.equal(r.interleavesPerFrame, 2);
    assert.ok(r.samplesPerFrame > 300);
    for (const m of [r.planned, r.unplannedGridding, r.directNudft]) {
      assert.ok(m.msPerFrame > 0 && Math.abs(m.framesPerSecond * m.msPerFrame - 1000) < 1e-6);
    }
    assert.ok(r.plannedVsUnplanned < 1e-6, `planned vs unplanned ${r.plannedVsUnplanned}`);
    assert.throws(() => benchmarkNufftAdjoint({ imageSize: 32, nInterleaves: 8, interleavesPerFrame: 9 }), /interleavesPerFrame must be an integer in \[1, 8\] \(got 9\)/);
  });
  it('the unplanned baseline computes the same image as the planned adjoint (odd, non-square, α = 1.5)', () => {
    const c = randomCoords(200, 2), y = randomComplex(200, 3);
    const a = nufftAdjoint(planNufft(c, [15, 12], { oversampling: 1.5, width: 5 }), y);
    const b = unplannedGriddingAdjoint(c, y, [15, 12], { oversampling: 1.5, width: 5 });
    assert.ok(relativeError(b, a) < 1e-6);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cropPatches, patchExtent, patchesOfStep, validatePatch } from './patches.js';

test('patchesOfStep: a pure function of (seed, step); inside the image; every slice and corner reachable', () => {
  const dims = { slices: 3, height: 20, width: 17 };
  const patch = { size: 8, perStep: 4 };
  assert.deepEqual(patchesOfStep(5, 1, patch, dims), patchesOfStep(5, 1, patch, dims));
  assert.notDeepEqual(patchesOfStep(5, 1, patch, dims), patchesOfStep(6, 1, patch, dims));
  assert.notDeepEqual(patchesOfStep(5, 1, patch, dims), patchesOfStep(5, 2, patch, dims));
  assert.equal(patchesOfStep(0, 1, patch, dims).length, 4);

  const perSlice = [0, 0, 0];
  const ys = new Set<number>();
  const xs = new Set<number>();
  const steps = 1500;
  for (let step = 0; step < steps; step++) {
    for (const p of patchesOfStep(step, 7, patch, dims)) {
      assert.ok(p.slice >= 0 && p.slice < 3 && p.y0 >= 0 && p.y0 <= 20 - 8 && p.x0 >= 0 && p.x0 <= 17 - 8, JSON.stringify(p));
      perSlice[p.slice]!++;
      ys.add(p.y0);
      xs.add(p.x0);
    }
  }
  // Uniform over slices (4·1500/3 = 2000 each; binomial sd ≈ 37) and over all corners.
  for (const c of perSlice) assert.ok(Math.abs(c - 2000) < 200, `slice counts ${perSlice}`);
  assert.equal(ys.size, 20 - 8 + 1);
  assert.equal(xs.size, 17 - 8 + 1);
});

test('patchExtent / patchesOfStep: a patch larger than the image is clamped to it (corner 0)', () => {
  assert.deepEqual(patchExtent(64, 20, 100), { ph: 20, pw: 64 });
  for (const p of patchesOfStep(3, 1, { size: 64, perStep: 5 }, { slices: 2, height: 20, width: 30 })) {
    assert.equal(p.y0, 0);
    assert.equal(p.x0, 0);
  }
});

test('cropPatches: each crop equals the sub-array of the (slice, y, x, channel) stack', () => {
  const dims = { slices: 2, height: 5, width: 6, channels: 3 };
  const value = (s: number, y: number, x: number, c: number): number => 1000 * s + 100 * y + 10 * x + c;
  const data = new Float32Array(2 * 5 * 6 * 3);
  for (let s = 0; s < 2; s++) for (let y = 0; y < 5; y++) for (let x = 0; x < 6; x++) for (let c = 0; c < 3; c++) data[((s * 5 + y) * 6 + x) * 3 + c] = value(s, y, x, c);
  const patches = [{ slice: 1, y0: 2, x0: 3 }, { slice: 0, y0: 0, x0: 0 }, { slice: 1, y0: 3, x0: 4 }];
  const out = cropPatches(data, dims, patches, 2, 2);
  assert.equal(out.length, 3 * 2 * 2 * 3);
  // First patch, first row: (s1, y2, x3..4), channels 0..2.
  assert.deepEqual(Array.from(out.subarray(0, 6)), [1230, 1231, 1232, 1240, 1241, 1242]);
  patches.forEach((p, k) => {
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let c = 0; c < 3; c++) {
      assert.equal(out[((k * 2 + i) * 2 + j) * 3 + c], value(p.slice, p.y0 + i, p.x0 + j, c), `patch ${k} (${i}, ${j}, ${c})`);
    }
  });
  assert.throws(() => cropPatches(data, dims, [{ slice: 0, y0: 4, x0: 0 }], 2, 2), /patches\[0\].*outside 2×5×6/);
  assert.throws(() => cropPatches(data, dims, [{ slice: 2, y0: 0, x0: 0 }], 2, 2), /patches\[0\]/);
  assert.throws(() => cropPatches(data.subarray(1), dims, patches, 2, 2), /data: length/);
});

test('validatePatch: names the field', () => {
  assert.throws(() => validatePatch({ size: 0, perStep: 1 }), /patch.size/);
  assert.throws(() => validatePatch({ size: 8, perStep: 1.5 }), /patch.perStep/);
  assert.throws(() => validatePatch({ size: 8, perStep: 1 }, 11), /patch.size: must be an integer ≥ 11/);
  validatePatch({ size: 8, perStep: 2 });
});

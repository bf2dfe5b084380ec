import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeNpy } from '@relaxomap/array-io';
import { DEFAULT_AXIAL_SLICES, axialSlices, downsampleMajority, loadBrainWeb3D, padSlices } from './brainweb.js';
import { findRepoRoot } from './repo-root.js';

const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const volumePath = join(repoRoot, 'data/phantoms/brainweb-3d/BrainModel_anatomy.npy.gz');
const tmp = mkdtempSync(join(tmpdir(), 'brainweb-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('downsampleMajority', () => {
  it('takes the most frequent label of each block; ties go to the lowest label', () => {
    // 4×4 → 2×2 blocks: [3 3 / 3 1] → 3, [2 2 / 0 0] tie → 0, [1 2 / 3 1] → 1, [2 3 / 3 2] tie → 2
    const labels = Uint8Array.from([
      3, 3, 2, 2,
      3, 1, 0, 0,
      1, 2, 2, 3,
      3, 1, 3, 2,
    ]);
    const out = downsampleMajority(labels, [1, 4, 4], 2);
    assert.deepEqual(out.shape, [1, 2, 2]);
    assert.deepEqual(Array.from(out.labels), [3, 0, 1, 2]);
  });
  it('drops the rows and columns beyond the last whole block, per slice', () => {
    // Two 3×5 slices, f = 2: row 2 and column 4 are dropped. Slice 0: [5 5/5 5] → 5, [5 9/5 9] tie → 5.
    const labels = Uint8Array.from([
      5, 5, 5, 9, 9,
      5, 5, 5, 9, 9,
      5, 5, 5, 9, 9,
      7, 7, 1, 1, 4,
      7, 7, 1, 1, 4,
      0, 0, 0, 0, 0,
    ]);
    const out = downsampleMajority(labels, [2, 3, 5], 2);
    assert.deepEqual(out.shape, [2, 1, 2]);
    assert.deepEqual(Array.from(out.labels), [5, 5, 7, 1]);
    assert.deepEqual(downsampleMajority(labels, [2, 3, 5], 1).labels, labels);
    assert.throws(() => downsampleMajority(labels, [2, 3, 5], 0), /downsample must be an integer >= 1 \(got 0\)/);
  });
});

describe('axialSlices', () => {
  it('takes slice z as arr[:, :, z] with rows = axis 0 and columns = axis 1', () => {
    // volume (3, 2, 4): value = 100y + 10x + z
    const data = new Uint8Array(3 * 2 * 4);
    for (let y = 0; y < 3; y++) for (let x = 0; x < 2; x++) for (let z = 0; z < 4; z++) data[(y * 2 + x) * 4 + z] = 100 * y + 10 * x + z;
    const s = axialSlices({ dtype: 'uint8', shape: [3, 2, 4], data }, [3, 1], 1);
    assert.deepEqual(s.shape, [2, 3, 2]);
    assert.deepEqual(Array.from(s.labels), [3, 13, 103, 113, 203, 213, 1, 11, 101, 111, 201, 211]);
    assert.equal(s.voxelMm, 1);
    assert.throws(() => axialSlices({ dtype: 'uint8', shape: [3, 2, 4], data }, [4], 1), /zList\[0\] must be an integer in 0\.\.3 \(got 4\)/);
  });

  it('on the committed BrainWeb volume: 108×90 at 2 mm, known label counts, anterior at the top', async () => {
    const vol = await loadBrainWeb3D(volumePath);
    assert.deepEqual(vol.shape, [216, 180, 180]);
    const s = axialSlices(vol, DEFAULT_AXIAL_SLICES, 2);
    assert.deepEqual(s.shape, [3, 108, 90]);
    assert.equal(s.voxelMm, 2);
    // Label counts of slice z = 80 from an independent numpy majority vote (argmax of counts).
    const counts = new Array(10).fill(0);
    for (const l of s.labels.subarray(0, 108 * 90)) counts[l]++;
    assert.deepEqual(counts, [3045, 670, 1657, 2256, 133, 590, 685, 462, 20, 202]);
    // Upright: at z = 150 the orbital fat (label 4) lies anterior (top) of the cerebellar GM (label 2).
    const low = axialSlices(vol, [150], 2);
    const meanRow = (label: number) => {
      let sum = 0, n = 0;
      low.labels.forEach((l, i) => { if (l === label) { sum += Math.floor(i / 90); n++; } });
      return sum / n;
    };
    assert.ok(Math.abs(meanRow(4) - 37.63) < 0.01 && Math.abs(meanRow(2) - 65.54) < 0.01, `${meanRow(4)} ${meanRow(2)}`);
  });

  it('loadBrainWeb3D rejects a non-uint8 file, naming it', async () => {
    const path = join(tmp, 'bad.npy');
    await writeNpy(path, { dtype: 'float32', shape: [1, 1, 1], data: new Float32Array(1) });
    await assert.rejects(loadBrainWeb3D(path), { message: `${path}: BrainWeb labels must be uint8 (got float32)` });
  });
});

describe('padSlices', () => {
  it('centres the slices in a larger matrix of background, odd remainder at the end', () => {
    const labels = Uint8Array.from([1, 2, 3, 4, 5, 6]); // 1 slice, 2 × 3
    const p = padSlices({ labels, shape: [1, 2, 3], voxelMm: 1 }, 5, 4);
    assert.deepEqual(p.shape, [1, 5, 4]);
    assert.deepEqual([...p.labels], [0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.throws(() => padSlices({ labels, shape: [1, 2, 3], voxelMm: 1 }, 1, 4), /pad_to: \[1, 4\] must be integers at least the slice size \[2, 3\]/);
  });
});

import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeNpy } from '@relaxomap/array-io';
import { readNpyEchoes } from './npy-series.js';
import { MET2, rejectsIngest, tempDir } from './fixtures.js';

const tmp = tempDir('npy');
after(() => rmSync(tmp, { recursive: true, force: true }));
const json = (name: string, obj: unknown): void => writeFileSync(join(tmp, `${name}.json`), JSON.stringify(obj));

describe('readNpyEchoes on qMRLab MET2data (float32 [32, 64, 64] + sidecar)', () => {
  it('reads shape, TE, values, and warns about the missing voxel size', async () => {
    const v = await readNpyEchoes(MET2);
    assert.deepEqual(v.shape, { echoes: 32, slices: 1, height: 64, width: 64 });
    assert.deepEqual(v.TE, Array.from({ length: 32 }, (_, i) => 10 * (i + 1)));
    // known answers from numpy: m[0, 32, 32], m[31, 10, 50]
    assert.equal(v.echoes[32 * 64 + 32], Math.fround(35513.797));
    assert.equal(v.echoes[31 * 4096 + 10 * 64 + 50], Math.fround(8078.7793));
    assert.deepEqual(v.voxelMm, [1, 1, 1]);
    assert.deepEqual(v.warnings, ['no pixel_mm in sidecar: 1 mm pixels assumed', 'no slice_mm in sidecar: 1 mm slices assumed']);
    assert.equal(v.magnitude, true); // no sidecar key; every value >= 0 (min 0.55)
    assert.deepEqual(v.affine, [[1, 0, 0, 0], [0, -1, 0, 63], [0, 0, 1, 0], [0, 0, 0, 1]]);
    assert.equal(v.source.format, 'npy');
    assert.equal(v.source.files.length, 2);
  });

  it('opts.TE_ms overrides the sidecar and must match the echo count', async () => {
    const v = await readNpyEchoes(MET2, { TE_ms: Array.from({ length: 32 }, (_, i) => 5 * (i + 1)) });
    assert.equal(v.TE[31], 160);
    await rejectsIngest(readNpyEchoes(MET2, { TE_ms: [10, 20] }), MET2, 'TE_ms', /2 echo times but the data have 32 echoes/);
  });
});

describe('readNpyEchoes on written arrays', () => {
  it('int16 (echo, slice, row, col) with pixel_mm, slice_mm, unsorted TEs and negative values', async () => {
    const p = join(tmp, 'four.npy');
    // echo e, slice s, row y, col x = 100·e + 10·s + y − x (negatives at e = 0)
    const data = new Int16Array(3 * 2 * 3 * 4);
    for (let e = 0; e < 3; e++) for (let s = 0; s < 2; s++) for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) data[((e * 2 + s) * 3 + y) * 4 + x] = 100 * e + 10 * s + y - x;
    await writeNpy(p, { dtype: 'int16', shape: [3, 2, 3, 4], data });
    json('four', { axes: ['echo', 'slice', 'row', 'col'], TE_ms: [30, 10, 20], pixel_mm: [0.5, 0.25], slice_mm: 3, shape: [3, 2, 3, 4] });
    const v = await readNpyEchoes(p);
    assert.deepEqual(v.shape, { echoes: 3, slices: 2, height: 3, width: 4 });
    assert.deepEqual(v.TE, [10, 20, 30]);
    // sorted: echo 0 of the volume is stored echo 1 (TE 10)
    assert.equal(v.echoes[((0 * 2 + 1) * 3 + 2) * 4 + 0], 100 + 10 + 2);
    assert.equal(v.echoes[((2 * 2 + 0) * 3 + 0) * 4 + 3], -3);
    assert.deepEqual(v.voxelMm, [0.25, 0.5, 3]);
    assert.equal(v.magnitude, false);
    assert.deepEqual(v.warnings, []);
    json('four', { axes: ['echo', 'slice', 'row', 'col'], TE_ms: [30, 10, 20], magnitude: true });
    const m = await readNpyEchoes(p);
    assert.equal(m.magnitude, true);
    assert.ok(m.warnings.includes('sidecar says magnitude but some values are negative'));
  });

  it('errors: missing file, missing TE_ms, axes/shape mismatch, duplicate TE, NaN, complex', async () => {
    const missing = join(tmp, 'none.npy');
    await rejectsIngest(readNpyEchoes(missing), missing, 'path', /no such file/);
    const p = join(tmp, 'three.npy.gz');
    const data = new Float32Array(2 * 2 * 3).fill(1);
    await writeNpy(p, { dtype: 'float32', shape: [2, 2, 3], data });
    const side = join(tmp, 'three.json');
    await rejectsIngest(readNpyEchoes(p), side, 'TE_ms', /no sidecar JSON/);
    json('three', { axes: ['echo', 'row', 'col'] });
    await rejectsIngest(readNpyEchoes(p), side, 'TE_ms', /missing/);
    json('three', { axes: ['row', 'col', 'echo'], TE_ms: [1, 2] });
    await rejectsIngest(readNpyEchoes(p), side, 'axes', /does not match a 3-D array in order \(echo, row, col\)/);
    json('three', { axes: ['echo', 'row', 'col'], TE_ms: [1, 2], shape: [2, 3, 2] });
    await rejectsIngest(readNpyEchoes(p), side, 'shape', /\[2,3,2\] does not match the array's \[2, 2, 3\]/);
    json('three', { axes: ['echo', 'row', 'col'], TE_ms: [4, 4] });
    await rejectsIngest(readNpyEchoes(p), side, 'TE_ms', /duplicate TE 4 ms \(echo 1\): also .*three\.json \(echo 0\)/);
    json('three', { axes: ['echo', 'row', 'col'], TE_ms: [4, 8] });
    data[6 + 5] = Number.POSITIVE_INFINITY; // echo 1, y 1, x 2
    await writeNpy(p, { dtype: 'float32', shape: [2, 2, 3], data });
    await rejectsIngest(readNpyEchoes(p), p, 'data', /Infinity at echo 1 voxel \(slice 0, y 1, x 2\)/);
    const c = join(tmp, 'complex.npy');
    await writeNpy(c, { dtype: 'complex64', shape: [1, 2, 2], data: new Float32Array(8) });
    await rejectsIngest(readNpyEchoes(c, { TE_ms: [5] }), c, 'dtype', /use format 'kspace'/);
    const bad = join(tmp, 'bad.npy');
    writeFileSync(bad, 'not an array');
    await rejectsIngest(readNpyEchoes(bad, { TE_ms: [5] }), bad, 'npy', /not a \.npy file/);
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PY, pythonHas, sharedData } from './fixtures.js';
import { affineToQuaternion, quaternionToAffine } from './nifti-header.js';
import { decodeNifti, encodeNifti, readNifti, writeNifti } from './nifti.js';
import { readNpy } from './npy.js';

const hasNibabel = pythonHas('nibabel');

const tmp = mkdtempSync(join(tmpdir(), 'nifti-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** value at (slice, y, x) = 100·slice + 10·y + x, so every voxel says where it is. */
function ramp(ns: number, ny: number, nx: number): Float32Array {
  const d = new Float32Array(ns * ny * nx);
  for (let s = 0; s < ns; s++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) d[(s * ny + y) * nx + x] = 100 * s + 10 * y + x;
  return d;
}

describe('NIfTI-1 header layout (offsets from nifti1.h)', () => {
  const data = ramp(3, 4, 5);
  const bytes = encodeNifti({ data, shape: [3, 4, 5], voxelSizeMm: [2, 2.5, 5], description: 'relaxomap test' });
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const i16 = (o: number) => v.getInt16(o, true);
  const f32s = (o: number, n: number) => Array.from({ length: n }, (_, k) => v.getFloat32(o + 4 * k, true));

  it('sizeof_hdr, dim, datatype, bitpix', () => {
    assert.equal(v.getInt32(0, true), 348);
    assert.deepEqual(Array.from({ length: 8 }, (_, k) => i16(40 + 2 * k)), [3, 5, 4, 3, 1, 1, 1, 1]);
    assert.equal(i16(70), 16);
    assert.equal(i16(72), 32);
  });
  it('pixdim (qfac -1 for the flipped j axis), vox_offset, scl_slope, xyzt_units', () => {
    assert.deepEqual(f32s(76, 8), [-1, 2, 2.5, 5, 0, 1, 1, 1]);
    assert.equal(v.getFloat32(108, true), 352);
    assert.equal(v.getFloat32(112, true), 1);
    assert.equal(v.getFloat32(116, true), 0);
    assert.equal(v.getUint8(123), 2 + 16); // NIFTI_UNITS_MM | NIFTI_UNITS_MSEC
    assert.equal(bytes.toString('latin1', 148, 148 + 14), 'relaxomap test');
  });
  it('qform/sform codes, quaternion, srow, magic, data at 352', () => {
    assert.equal(i16(252), 1);
    assert.equal(i16(254), 1);
    // R = diag(1, -1, -1) with qfac -1 (a 180° turn about x): quaternion (b, c, d) = (1, 0, 0).
    assert.deepEqual(f32s(256, 3), [1, 0, 0]);
    assert.deepEqual(f32s(268, 3), [0, 7.5, 0]); // origin on the last row: 2.5 mm × (4 − 1)
    assert.deepEqual(f32s(280, 4), [2, 0, 0, 0]);
    assert.deepEqual(f32s(296, 4), [0, -2.5, 0, 7.5]);
    assert.deepEqual(f32s(312, 4), [0, 0, 5, 0]);
    assert.deepEqual([...bytes.subarray(344, 348)], [0x6e, 0x2b, 0x31, 0x00]);
    assert.deepEqual([...bytes.subarray(348, 352)], [0, 0, 0, 0]);
    assert.equal(bytes.length, 352 + 4 * 60);
    assert.deepEqual(f32s(352, 60), Array.from(data));
  });
});

describe('round trip', () => {
  it('3-D .nii keeps data, shape, voxel sizes and affine', async () => {
    const path = join(tmp, 'a.nii');
    const data = ramp(3, 4, 5);
    await writeNifti(path, { data, shape: [3, 4, 5], voxelSizeMm: [2, 2, 4] });
    const img = await readNifti(path);
    assert.deepEqual(img.shape, [3, 4, 5]);
    assert.deepEqual(img.data, data);
    assert.deepEqual(img.voxelSizeMm, [2, 2, 4]);
    assert.deepEqual(img.affine, [[2, 0, 0, 0], [0, -2, 0, 6], [0, 0, 4, 0], [0, 0, 0, 1]]);
  });
  it('4-D echo series (echo, slice, y, x) as .nii.gz with a time step', async () => {
    const path = join(tmp, 'b.nii.gz');
    const data = Float32Array.from({ length: 4 * 2 * 3 * 5 }, (_, i) => Math.sin(i));
    await writeNifti(path, { data, shape: [4, 2, 3, 5], voxelSizeMm: [1, 1, 3], timeStepMs: 24 });
    assert.equal(readFileSync(path)[0], 0x1f);
    const img = await readNifti(path);
    assert.deepEqual(img.shape, [4, 2, 3, 5]);
    assert.deepEqual(img.header.dim.slice(0, 5), [4, 5, 3, 2, 4]);
    assert.equal(img.timeStepMs, 24);
    assert.deepEqual(img.data, data);
  });
  it('2-D (y, x) and a custom affine', () => {
    const affine = [[0, 0, 3, 10], [1.5, 0, 0, -20], [0, 2, 0, 30], [0, 0, 0, 1]];
    const img = decodeNifti(encodeNifti({ data: ramp(1, 2, 3), shape: [2, 3], voxelSizeMm: [1.5, 2, 3], affine }));
    assert.deepEqual(img.shape, [2, 3]);
    assert.deepEqual(img.affine, affine);
    const q = quaternionToAffine(img.header.quatern, img.header.qoffset, img.header.pixdim.slice(1, 4), img.header.pixdim[0]!);
    q.flat().forEach((x, k) => assert.ok(Math.abs(x - affine.flat()[k]!) < 1e-6, `qform ${q} vs ${affine}`));
  });
  it('rejects bad input naming the field', () => {
    assert.throws(() => encodeNifti({ data: new Float32Array(5), shape: [2, 3], voxelSizeMm: [1, 1, 1] }), /data length 5 does not match shape \[2, 3\]/);
    assert.throws(() => encodeNifti({ data: new Float32Array(6), shape: [2, 3], voxelSizeMm: [1, 0, 1] }), /voxelSizeMm/);
    assert.throws(() => encodeNifti({ data: new Float32Array(6), shape: [6], voxelSizeMm: [1, 1, 1] }), /shape must have 2 to 4 dimensions/);
    assert.throws(() => encodeNifti({ data: new Float32Array(6), shape: [2, 3], voxelSizeMm: [1, 1, 1], affine: [[2, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]] }), /affine column 0 has norm 2 but voxelSizeMm\[0\] is 1/);
    assert.throws(() => decodeNifti(Buffer.alloc(400), 'x.nii'), /x\.nii: not a NIfTI-1 file/);
  });
});

describe('quaternion <-> affine', () => {
  it('recovers random rotations with either handedness', () => {
    let s = 12345;
    const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    for (let t = 0; t < 200; t++) {
      const [b, c, d] = [rand(), rand(), rand()].map((x) => x * 0.57) as [number, number, number];
      const qfac = t % 2 ? -1 : 1;
      const A = quaternionToAffine([b, c, d], [rand() * 100, rand(), 5], [1.1, 2.2, 3.3], qfac);
      const q = affineToQuaternion(A);
      assert.equal(q.qfac, qfac);
      q.pixdim.forEach((p, k) => assert.ok(Math.abs(p - [1.1, 2.2, 3.3][k]!) < 1e-9));
      const B = quaternionToAffine(q.quatern, q.qoffset, q.pixdim, q.qfac);
      B.flat().forEach((x, k) => assert.ok(Math.abs(x - A.flat()[k]!) < 1e-9, `case ${t}`));
    }
  });
});

const nist = join(sharedData, 'real/nist-t2-plate4-siemens-1p5t');
describe('real dcm2niix file', { skip: !existsSync(nist) && 'shared/data absent' }, () => {
  it('reads nist_t2_se32_e1.nii.gz: int16, 192×192×1, 1.302 mm, TR 2 s, sform', async () => {
    const img = await readNifti(join(nist, 'nifti/nist_t2_se32_e1.nii.gz'));
    assert.deepEqual(img.header.dim.slice(0, 4), [3, 192, 192, 1]);
    assert.equal(img.header.datatype, 4);
    assert.deepEqual(img.shape, [1, 192, 192]);
    assert.ok(Math.abs(img.voxelSizeMm[0] - 1.3020834) < 1e-6 && img.voxelSizeMm[2] === 40);
    assert.equal(img.timeStepMs, 2000); // pixdim[4] = 2 with xyzt_units seconds
    assert.ok(Math.abs(img.affine[0]![3]! - 121.86747) < 1e-4 && Math.abs(img.affine[1]![2]! + 40) < 1e-6);
    assert.equal(img.data[90 * 192 + 100], 134); // nibabel: dataobj[100, 90, 0] == 134
    // The .npy beside it is the DICOM view (row 0 at the top); dcm2niix stored rows bottom-up.
    const npy = await readNpy(join(nist, 'site1_T2_SE32.npy'));
    for (const row of [0, 57, 191]) {
      for (const col of [0, 96, 150]) assert.equal(img.data[(191 - row) * 192 + col], npy.data[row * 192 + col]);
    }
  });
});

describe('cross-check with nibabel', { skip: !hasNibabel && `${PY} with nibabel absent` }, () => {
  it('nibabel sees our (x, y, z, t) layout, affine and units; we read what nibabel writes', async () => {
    const path = join(tmp, 'c.nii.gz');
    await writeNifti(path, { data: ramp(3, 4, 5), shape: [3, 4, 5], voxelSizeMm: [2, 2.5, 5], description: 'x' });
    const script = `
import nibabel as nib, numpy as np, sys
img = nib.load(sys.argv[1]); h = img.header
assert img.shape == (5, 4, 3), img.shape
d = img.get_fdata()
assert d[4, 3, 2] == 234 and d[1, 0, 2] == 201, (d[4, 3, 2], d[1, 0, 2])
want = np.array([[2, 0, 0, 0], [0, -2.5, 0, 7.5], [0, 0, 5, 0], [0, 0, 0, 1]])
assert np.allclose(img.get_sform(), want) and np.allclose(img.get_qform(), want), (img.get_sform(), img.get_qform())
assert h.get_xyzt_units() == ('mm', 'msec'), h.get_xyzt_units()
assert int(h['qform_code']) == 1 and int(h['sform_code']) == 1
assert nib.aff2axcodes(img.affine) == ('R', 'P', 'S'), nib.aff2axcodes(img.affine)
out = nib.Nifti1Image(np.arange(24, dtype=np.float32).reshape(2, 3, 4, order='F'), np.diag([3, 2, 1, 1]))
out.header.set_xyzt_units('mm', 'sec'); out.header['pixdim'][4] = 1.5
nib.save(out, sys.argv[2])
`;
    const out = join(tmp, 'py.nii');
    const r = spawnSync(PY, ['-c', script, path, out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const img = await readNifti(out);
    assert.deepEqual(img.shape, [4, 3, 2]);
    assert.deepEqual(Array.from(img.data.subarray(0, 6)), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(img.voxelSizeMm, [3, 2, 1]);
    assert.equal(img.timeStepMs, 1500);
  });
});

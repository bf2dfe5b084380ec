import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readDicomEchoes } from './dicom-series.js';
import { readNiftiEchoes } from './nifti-series.js';
import { NIST, dicomElement, patchDicomString, rejectsIngest, tempDir } from './fixtures.js';

const DICOM = join(NIST, 'dicom');
const FILES = readdirSync(DICOM).sort();
const tmp = tempDir('dicom');
after(() => rmSync(tmp, { recursive: true, force: true }));
const H = 192, W = 192, N = H * W;

function made(name: string): string {
  const dir = join(tmp, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}
/** A folder with copies of the first `count` NIST DICOM files. */
function copyFirst(name: string, count: number): string {
  const dir = made(name);
  for (const f of FILES.slice(0, count)) copyFileSync(join(DICOM, f), join(dir, f));
  return dir;
}

const IPP = 'x00200032';
const NIST_IPP_Y = '-13.800000190735';
/**
 * Writes copies of the first two NIST files (TE 342.9, 355.6 ms) as a 3-slice series: the copy for slice
 * fixture k gets ImagePositionPatient y = `ys[k]` (LPS; the slice normal here is +y LPS) and its first 10
 * DICOM rows set to 1000·(k+1), so the output shows where each copy landed.
 */
function multiSlice(name: string, ys: string[]): string {
  const dir = made(name);
  for (const f of FILES.slice(0, 2)) {
    const src = readFileSync(join(DICOM, f));
    const ipp = src.toString('latin1', dicomElement(src, IPP).offset, dicomElement(src, IPP).offset + dicomElement(src, IPP).length);
    const pix = dicomElement(src, 'x7fe00010');
    ys.forEach((y, k) => {
      const b = Buffer.from(src);
      patchDicomString(b, IPP, ipp.replace(NIST_IPP_Y, y));
      for (let i = 0; i < 10 * W; i++) b.writeUInt16LE(1000 * (k + 1), pix.offset + 2 * i);
      writeFileSync(join(dir, `${f}_${k}`), b);
    });
  }
  return dir;
}

describe('readDicomEchoes on the NIST Siemens series (32 files, one echo each, 192x192 coronal)', () => {
  it('gives the very same echo array, TEs, voxel size and affine as dcm2niix\'s NIfTI of it', async () => {
    const d = await readDicomEchoes(DICOM);
    const n = await readNiftiEchoes(join(NIST, 'nifti'));
    assert.deepEqual(d.shape, { echoes: 32, slices: 1, height: H, width: W });
    assert.deepEqual(d.TE, n.TE);
    let differing = 0;
    for (let i = 0; i < d.echoes.length; i++) if (d.echoes[i] !== n.echoes[i]) differing++;
    assert.equal(differing, 0, 'DICOM and NIfTI echoes must be bit-identical');
    let maxAffine = 0;
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) maxAffine = Math.max(maxAffine, Math.abs(d.affine[r]![c]! - n.affine[r]![c]!));
    assert.ok(maxAffine < 1e-3, `affine differs by ${maxAffine} mm`);
    d.voxelMm.forEach((v, k) => assert.ok(Math.abs(v - n.voxelMm[k]!) < 1e-6));
    assert.equal(d.magnitude, true);
    assert.equal(d.source.format, 'dicom');
    assert.equal(d.source.files.length, 32);
    assert.deepEqual(d.warnings, []);
    // The row reversal matters: the image is not up-down symmetric, so without it the arrays would differ.
    let flippedDiffer = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (d.echoes[y * W + x] !== n.echoes[(H - 1 - y) * W + x]) flippedDiffer++;
    assert.ok(flippedDiffer > 10000, `only ${flippedDiffer} voxels change under a row flip`);
  });

  it('builds the affine from IOP/IPP/PixelSpacing, LPS → RAS, origin at the last DICOM row', async () => {
    const d = await readDicomEchoes(DICOM);
    // IOP = [1 0 0 | 0 0 −1], IPP = (−121.86747360229, −13.800000190735, 124.37952190638) LPS,
    // PixelSpacing 1.3020833730698, SpacingBetweenSlices 40 (used for a single slice, as dcm2niix does)
    const ps = 1.3020833730698;
    const want = [
      [-ps, 0, 0, 121.86747360229],
      [0, 0, -40, 13.800000190735],
      [0, ps, 0, 124.37952190638 - 191 * ps],
      [0, 0, 0, 1],
    ];
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) assert.ok(Math.abs(d.affine[r]![c]! - want[r]![c]!) < 1e-9, `affine[${r}][${c}] = ${d.affine[r]![c]}`);
    assert.deepEqual(d.voxelMm, [ps, ps, 40]);
  });

  it('stacks slices along the normal whatever the file order (checked against dcm2niix v1.0.20220720)', async () => {
    const up = await readDicomEchoes(multiSlice('up', ['-33.800000190735', '-23.800000190735', '-13.800000190735']));
    const down = await readDicomEchoes(multiSlice('down', ['-13.800000190735', '-23.800000190735', '-33.800000190735']));
    assert.deepEqual(up.shape, { echoes: 2, slices: 3, height: H, width: W });
    assert.deepEqual(up.TE, [342.9, 355.6]);
    // first DICOM row → y = 191; slices ascend along the normal (LPS y = −33.8, −23.8, −13.8)
    const tag = (v: typeof up, e: number, k: number): number => v.echoes[(e * 3 + k) * N + 191 * W]!;
    assert.deepEqual([0, 1, 2].map((k) => tag(up, 1, k)), [1000, 2000, 3000]);
    assert.deepEqual([0, 1, 2].map((k) => tag(down, 1, k)), [3000, 2000, 1000]);
    for (let i = 0; i < up.echoes.length; i += 997) {
      if (Math.floor(i / W) % H < H - 10) assert.equal(up.echoes[i], down.echoes[i]); // untagged rows agree
    }
    // dcm2niix's sform for both folders: slice column (0, −10, 0) RAS, origin y 33.8 (RAS) = −(−33.8) LPS
    for (const v of [up, down]) {
      assert.deepEqual(v.affine[1], [0, 0, -10, 33.800000190735]);
      assert.ok(Math.abs(v.voxelMm[2] - 10) < 1e-9);
      assert.deepEqual(v.warnings, []);
    }
  });
});

describe('readDicomEchoes errors (IngestError: file, field, one line)', () => {
  it('missing folder', async () => {
    const p = join(tmp, 'nope');
    await rejectsIngest(readDicomEchoes(p), p, 'path', /no such file/);
  });

  it('a missing (slice, echo) combination', async () => {
    const dir = multiSlice('holes', ['-33.800000190735', '-23.800000190735', '-13.800000190735']);
    rmSync(join(dir, `${FILES[1]}_1`));
    await rejectsIngest(readDicomEchoes(dir), dir, 'EchoTime (0018,0081)', /no image for TE 355\.6 ms at slice 1 \(ImagePositionPatient \[-121\.86747360229, -23\.800000190735/);
  });

  it('the same slice and TE twice names both files', async () => {
    const dir = copyFirst('dup', 2);
    copyFileSync(join(DICOM, FILES[0]!), join(dir, `${FILES[0]}_copy`));
    const e = await rejectsIngest(readDicomEchoes(dir), join(dir, `${FILES[0]}_copy`), 'EchoTime (0018,0081)', /duplicate TE 342\.9 ms at the same ImagePositionPatient: also /);
    assert.ok(e.message.endsWith(join(dir, FILES[0]!)));
  });

  it('a file cut in half', async () => {
    const dir = copyFirst('cut', 2);
    const p = join(dir, FILES[1]!);
    const b = readFileSync(p);
    writeFileSync(p, b.subarray(0, b.length >> 1));
    await rejectsIngest(readDicomEchoes(dir), p, 'dataset', /corrupt or truncated file \(.*buffer overrun\)/);
  });

  it('a compressed transfer syntax names the UID', async () => {
    const dir = copyFirst('rle', 2);
    const p = join(dir, FILES[1]!);
    const b = readFileSync(p);
    const ts = dicomElement(b, 'x00020010');
    assert.equal(b.toString('latin1', ts.offset, ts.offset + ts.length), '1.2.840.10008.1.2.1\0');
    b.write('1.2.840.10008.1.2.5\0', ts.offset, 'latin1');
    writeFileSync(p, b);
    await rejectsIngest(readDicomEchoes(dir), p, 'TransferSyntaxUID (0002,0010)', /1\.2\.840\.10008\.1\.2\.5 \(RLE lossless\) is not supported/);
  });

  it('a file that is not DICOM', async () => {
    const dir = copyFirst('readme', 1);
    writeFileSync(join(dir, 'README.txt'), 'exported series\n');
    await rejectsIngest(readDicomEchoes(dir), join(dir, 'README.txt'), 'preamble', /no 'DICM' at byte 128/);
  });

  it('mixed matrix sizes', async () => {
    const dir = copyFirst('rows', 3);
    const p = join(dir, FILES[2]!);
    const b = readFileSync(p);
    b.writeUInt16LE(191, dicomElement(b, 'x00280010').offset);
    writeFileSync(p, b);
    await rejectsIngest(readDicomEchoes(dir), p, 'Rows/Columns (0028,0010/0011)', /191x192 differs from .*\(192x192\)/);
  });

  it('a blank EchoTime and a second series', async () => {
    const dir = copyFirst('te', 2);
    const p = join(dir, FILES[1]!);
    const b = readFileSync(p);
    patchDicomString(b, 'x00180081', '');
    writeFileSync(p, b);
    await rejectsIngest(readDicomEchoes(dir), p, 'EchoTime (0018,0081)', /needs 1 numbers/);
    const c = readFileSync(join(DICOM, FILES[1]!));
    const uid = dicomElement(c, 'x0020000e');
    c.write('9', uid.offset + 2, 'latin1');
    writeFileSync(p, c);
    await rejectsIngest(readDicomEchoes(dir), p, 'SeriesInstanceUID (0020,000E)', /one series per folder/);
  });
});

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { writeNifti } from '@relaxomap/array-io';
import { readNiftiEchoes } from './nifti-series.js';
import { NIST, rejectsIngest, tempDir } from './fixtures.js';

const NIFTI = join(NIST, 'nifti');
const tmp = tempDir('nifti');
after(() => rmSync(tmp, { recursive: true, force: true }));
const nistTE = (JSON.parse(readFileSync(join(NIST, 'site1_T2_SE32.json'), 'utf8')) as { TE_ms: number[] }).TE_ms;

/** A fresh empty folder under the test's temp dir. */
function made(name: string): string {
  const dir = join(tmp, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}
/** A fresh folder holding echoes `echoes` (1-based) of the NIST NIfTI series and their sidecars. */
function copyInto(name: string, echoes: number[]): string {
  const dir = made(name);
  for (const e of echoes) {
    for (const ext of ['.nii.gz', '.json']) copyFileSync(join(NIFTI, `nist_t2_se32_e${e}${ext}`), join(dir, `nist_t2_se32_e${e}${ext}`));
  }
  return dir;
}
const sidecar = (dir: string, e: number): string => join(dir, `nist_t2_se32_e${e}.json`);
const image = (dir: string, e: number): string => join(dir, `nist_t2_se32_e${e}.nii.gz`);

describe('readNiftiEchoes on the NIST dcm2niix series (32 per-echo files + BIDS sidecars)', () => {
  it('sorts the 32 echoes by sidecar EchoTime (s → ms) and keeps the voxels', async () => {
    const v = await readNiftiEchoes(NIFTI);
    assert.deepEqual(v.shape, { echoes: 32, slices: 1, height: 192, width: 192 });
    assert.deepEqual(v.TE, nistTE); // 12.7 … 406.4 ms, exactly (0.0127 s → 12.7)
    assert.equal(v.echoes.length, 32 * 192 * 192);
    // known answers from nibabel: data[i, j, 0] of e1 and e32; echoes[e, 0, j, i]
    const at = (e: number, i: number, j: number): number => v.echoes[e * 192 * 192 + j * 192 + i]!;
    assert.equal(at(0, 100, 60), 998);
    assert.equal(at(0, 10, 180), 1);
    assert.equal(at(31, 100, 60), 68);
    assert.equal(at(0, 172, 89), 2215); // the maximum of echo 1
    let sum1 = 0;
    for (let i = 0; i < 192 * 192; i++) sum1 += v.echoes[i]!;
    assert.equal(sum1, 19272620);
    assert.deepEqual(v.voxelMm.map((x) => +x.toFixed(6)), [1.302083, 1.302083, 40]);
    assert.ok(Math.abs(v.affine[0]![3]! - 121.86747) < 1e-4 && Math.abs(v.affine[2]![3]! + 124.3184) < 1e-4);
    assert.equal(v.affine[1]![2], -40);
    assert.equal(v.magnitude, true);
    assert.equal(v.source.format, 'nifti');
    assert.equal(v.source.files.length, 32);
    // natural order would put e10 after e9; TE order is e1, e2, …
    assert.ok(v.source.files[1]!.endsWith('nist_t2_se32_e2.nii.gz') && v.source.files[9]!.endsWith('e10.nii.gz'));
    assert.deepEqual(v.warnings, []);
  });

  it('gives the same volume from a shuffled list of files', async () => {
    const files = [5, 3, 1, 4, 2].map((e) => image(NIFTI, e));
    const v = await readNiftiEchoes(files);
    const all = await readNiftiEchoes([1, 2, 3, 4, 5].map((e) => image(NIFTI, e)));
    assert.deepEqual(v.TE, nistTE.slice(0, 5));
    assert.deepEqual(v.echoes, all.echoes);
    assert.equal(v.echoes[2 * 192 * 192 + 60 * 192 + 100], all.echoes[2 * 192 * 192 + 60 * 192 + 100]);
  });

  it('reads one 4-D file with TE_ms or a sidecar EchoTime list, sorting by TE', async () => {
    const base = await readNiftiEchoes([1, 2, 3].map((e) => image(NIFTI, e)));
    const dir = made('four-d');
    // echoes stored in the order TE = 38.1, 12.7, 25.4 (deliberately unsorted)
    const n = 192 * 192;
    const data = new Float32Array(3 * n);
    data.set(base.echoes.subarray(2 * n, 3 * n), 0);
    data.set(base.echoes.subarray(0, n), n);
    data.set(base.echoes.subarray(n, 2 * n), 2 * n);
    const path = join(dir, 'me.nii.gz');
    await writeNifti(path, { data, shape: [3, 1, 192, 192], voxelSizeMm: base.voxelMm, affine: base.affine });
    const withOpts = await readNiftiEchoes(path, { TE_ms: [38.1, 12.7, 25.4] });
    assert.deepEqual(withOpts.TE, [12.7, 25.4, 38.1]);
    assert.deepEqual(withOpts.echoes, base.echoes);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) assert.ok(Math.abs(withOpts.affine[r]![c]! - base.affine[r]![c]!) < 1e-4);
    writeFileSync(join(dir, 'me.json'), JSON.stringify({ EchoTime: [0.0381, 0.0127, 0.0254] }));
    const withSidecar = await readNiftiEchoes(path);
    assert.deepEqual(withSidecar.TE, [12.7, 25.4, 38.1]);
    assert.deepEqual(withSidecar.echoes, base.echoes);
    await rejectsIngest(readNiftiEchoes(path, { TE_ms: [12.7, 25.4] }), path, 'TE_ms', /2 echo times but the data have 3 echoes/);
    writeFileSync(join(dir, 'me.json'), JSON.stringify({ EchoTime: [0.0381, 0.0127, 0.0127] }));
    await rejectsIngest(readNiftiEchoes(path), path, 'EchoTime', /duplicate TE 12\.7 ms \(volume 2\): also .*me\.nii\.gz \(volume 1\)/);
  });
  it('reads 2-D per-echo files as one slice', async () => {
    const dir = made('two-d');
    for (const [name, te, v] of [['b', 0.02, 2], ['a', 0.01, 1]] as const) {
      await writeNifti(join(dir, `${name}.nii`), { data: Float32Array.from({ length: 6 }, (_, i) => v * 10 + i), shape: [2, 3], voxelSizeMm: [0.5, 0.7, 2] });
      writeFileSync(join(dir, `${name}.json`), JSON.stringify({ EchoTime: te, ImageType: ['ORIGINAL', 'PRIMARY', 'M'] }));
    }
    const v = await readNiftiEchoes(dir);
    assert.deepEqual(v.shape, { echoes: 2, slices: 1, height: 2, width: 3 });
    assert.deepEqual(v.TE, [10, 20]);
    assert.deepEqual(Array.from(v.echoes), [10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 25]);
    assert.deepEqual(v.voxelMm.map((x) => +x.toFixed(6)), [0.5, 0.7, 2]); // pixdim[3] is kept even in a 2-D header
    assert.equal(v.magnitude, true);
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ EchoTime: 0.02, ImageType: ['ORIGINAL', 'PRIMARY', 'P'] }));
    assert.equal((await readNiftiEchoes(dir)).magnitude, false);
  });
});

describe('readNiftiEchoes errors (IngestError: file, field, one line)', () => {
  it('missing path', async () => {
    const p = join(tmp, 'nope');
    await rejectsIngest(readNiftiEchoes(p), p, 'path', /no such file/);
    await rejectsIngest(readNiftiEchoes([image(NIFTI, 1), p]), p, 'path', /no such file/);
  });

  it('a gzip file cut in half', async () => {
    const dir = copyInto('cut', [1, 2]);
    const bytes = readFileSync(image(dir, 2));
    writeFileSync(image(dir, 2), bytes.subarray(0, bytes.length >> 1));
    await rejectsIngest(readNiftiEchoes(dir), image(dir, 2), 'gzip', /unexpected end of file/);
  });

  it('garbage bytes, and an uncompressed file cut short', async () => {
    const dir = made('garbage');
    const junk = join(dir, 'junk.nii');
    writeFileSync(junk, Buffer.alloc(600, 0x41));
    await rejectsIngest(readNiftiEchoes(junk, { TE_ms: [10] }), junk, 'header', /not a NIfTI-1 file/);
    const raw = gunzipSync(readFileSync(image(NIFTI, 1)));
    const short = join(dir, 'short.nii');
    writeFileSync(short, raw.subarray(0, 352 + 1000));
    await rejectsIngest(readNiftiEchoes(short, { TE_ms: [10] }), short, 'data', /truncated NIfTI data/);
  });

  it('mixed matrix sizes name the odd file', async () => {
    const dir = copyInto('mixed', [1, 2]);
    const odd = join(dir, 'small_e3.nii.gz');
    await writeNifti(odd, { data: new Float32Array(64 * 64).fill(1), shape: [1, 64, 64], voxelSizeMm: [1, 1, 1] });
    writeFileSync(join(dir, 'small_e3.json'), JSON.stringify({ EchoTime: 0.0381 }));
    await rejectsIngest(readNiftiEchoes(dir), odd, 'dim', /size 64x64x1 differs from .*nist_t2_se32_e1\.nii\.gz \(192x192x1\)/);
  });

  it('a different affine names the odd file', async () => {
    const dir = copyInto('affine', [1]);
    const base = await readNiftiEchoes(image(NIFTI, 2));
    const moved = base.affine.map((r) => r.slice());
    moved[0]![3] = moved[0]![3]! + 0.5;
    const odd = join(dir, 'z_moved_e2.nii.gz');
    await writeNifti(odd, { data: base.echoes, shape: [1, 1, 192, 192], voxelSizeMm: base.voxelMm, affine: moved });
    writeFileSync(join(dir, 'z_moved_e2.json'), JSON.stringify({ EchoTime: 0.0254 }));
    await rejectsIngest(readNiftiEchoes(dir), odd, 'affine', /differs from .*e1\.nii\.gz by up to 0\.5\d* mm/);
  });

  it('a sidecar without EchoTime, and no sidecar at all', async () => {
    const dir = copyInto('no-te', [1, 2]);
    const side = JSON.parse(readFileSync(sidecar(dir, 2), 'utf8')) as Record<string, unknown>;
    delete side.EchoTime;
    writeFileSync(sidecar(dir, 2), JSON.stringify(side));
    await rejectsIngest(readNiftiEchoes(dir), sidecar(dir, 2), 'EchoTime', /missing from the sidecar/);
    rmSync(sidecar(dir, 2));
    await rejectsIngest(readNiftiEchoes(dir), sidecar(dir, 2), 'EchoTime', /no BIDS sidecar/);
    // TE_ms given instead: file order is natural name order (e1, e2)
    const v = await readNiftiEchoes(dir, { TE_ms: [20, 10] });
    assert.deepEqual(v.TE, [10, 20]);
    assert.ok(v.source.files[0]!.endsWith('e2.nii.gz'));
  });

  it('duplicate TEs name both files', async () => {
    const dir = copyInto('dup', [1, 2, 3]);
    const side = JSON.parse(readFileSync(sidecar(dir, 3), 'utf8')) as Record<string, unknown>;
    side.EchoTime = 0.0254;
    writeFileSync(sidecar(dir, 3), JSON.stringify(side));
    const e = await rejectsIngest(readNiftiEchoes(dir), image(dir, 3), 'EchoTime', /duplicate TE 25\.4 ms: also /);
    assert.ok(e.message.includes(image(dir, 2)));
  });

  it('TE count mismatch with TE_ms', async () => {
    await rejectsIngest(readNiftiEchoes(NIFTI, { TE_ms: [10, 20] }), NIFTI, 'TE_ms', /2 echo times but the data have 32 echoes/);
  });

  it('non-finite values name the file and the voxel', async () => {
    const dir = made('nan');
    const data = new Float32Array(2 * 4 * 5).fill(1);
    data[4 * 5 + 2 * 5 + 3] = Number.NaN; // echo 1, y 2, x 3
    const p = join(dir, 'nan.nii');
    await writeNifti(p, { data, shape: [2, 1, 4, 5], voxelSizeMm: [1, 1, 1] });
    await rejectsIngest(readNiftiEchoes(p, { TE_ms: [5, 10] }), p, 'data', /NaN at volume 1 voxel \(slice 0, y 2, x 3\)/);
  });
});

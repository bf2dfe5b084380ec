import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readEchoes } from './read-echoes.js';
import { MET2, NIST, RAT, rejectsIngest } from './fixtures.js';
import type { EchoFormat } from './volume.js';

describe('readEchoes dispatches on the format', () => {
  it('reads each committed real data set with its format', async () => {
    const cases: [string, EchoFormat, number[]][] = [
      [join(NIST, 'nifti'), 'nifti', [32, 1, 192, 192]],
      [join(NIST, 'dicom'), 'dicom', [32, 1, 192, 192]],
      [MET2, 'npy', [32, 1, 64, 64]],
      [RAT, 'kspace', [15, 1, 256, 256]],
    ];
    for (const [path, format, shape] of cases) {
      const v = await readEchoes(path, format);
      assert.equal(v.source.format, format);
      assert.deepEqual([v.shape.echoes, v.shape.slices, v.shape.height, v.shape.width], shape);
      assert.equal(v.echoes.length, shape.reduce((a, b) => a * b, 1));
      assert.ok(v.TE.every((t, i) => i === 0 || t > v.TE[i - 1]!));
    }
  });

  it('passes TE_ms on, and checks it against the DICOM EchoTime', async () => {
    const met2 = await readEchoes(MET2, 'npy', { TE_ms: Array.from({ length: 32 }, (_, i) => i + 1) });
    assert.equal(met2.TE[31], 32);
    const dir = join(NIST, 'dicom');
    const te = Array.from({ length: 32 }, (_, i) => Math.round(12.7 * (i + 1) * 10) / 10);
    assert.deepEqual((await readEchoes(dir, 'dicom', { TE_ms: te })).TE, te);
    te[3] = 50;
    await rejectsIngest(readEchoes(dir, 'dicom', { TE_ms: te }), dir, 'TE_ms', /differs from the DICOM EchoTime values/);
  });

  it('refuses an unknown format', async () => {
    await rejectsIngest(readEchoes(MET2, 'mat' as EchoFormat), MET2, 'format', /unknown format "mat"/);
  });
});

import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readNpy, writeNpy } from '@relaxomap/array-io';
import { kspaceMagnitude, readKspaceEchoes } from './kspace.js';
import { RAT, rejectsIngest, tempDir } from './fixtures.js';

const tmp = tempDir('kspace');
after(() => rmSync(tmp, { recursive: true, force: true }));
const REFERENCE = '/work/shared/data/real/rat-mge15-kspace/rat6w_mge_magnitude.npy';

/** numpy's abs(fftshift(ifft2(k))) written out as sums (float64): the known answer. */
function directRecon(k: Float32Array, H: number, W: number): Float64Array {
  const out = new Float64Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let re = 0, im = 0;
      for (let p = 0; p < H; p++) {
        for (let r = 0; r < W; r++) {
          const a = 2 * Math.PI * ((p * y) / H + (r * x) / W);
          const kr = k[2 * (p * W + r)]!, ki = k[2 * (p * W + r) + 1]!;
          re += kr * Math.cos(a) - ki * Math.sin(a);
          im += kr * Math.sin(a) + ki * Math.cos(a);
        }
      }
      // fftshift: index 0 moves to floor(N/2)
      out[((y + Math.floor(H / 2)) % H) * W + ((x + Math.floor(W / 2)) % W)] = Math.hypot(re, im) / (H * W);
    }
  }
  return out;
}

function randomKspace(frames: number, H: number, W: number, seed: number): Float32Array {
  let s = seed;
  const rand = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  return Float32Array.from({ length: 2 * frames * H * W }, rand);
}

describe('kspaceMagnitude = abs(fftshift(ifft2(k))), numpy conventions', () => {
  it('matches a direct 2-D inverse DFT on random odd and even frames', () => {
    for (const [H, W] of [[6, 5], [7, 4], [8, 8]] as const) {
      const k = randomKspace(2, H, W, H * 31 + W);
      const got = kspaceMagnitude(k, 2, H, W);
      for (let f = 0; f < 2; f++) {
        const want = directRecon(k.subarray(2 * f * H * W, 2 * (f + 1) * H * W), H, W);
        for (let i = 0; i < H * W; i++) assert.ok(Math.abs(got[f * H * W + i]! - want[i]!) < 1e-6, `${H}x${W} frame ${f} voxel ${i}: ${got[f * H * W + i]} vs ${want[i]}`);
      }
    }
  });

  it('k = 1 everywhere → a unit delta at (⌊H/2⌋, ⌊W/2⌋) (1/N normalisation, fftshift)', () => {
    const H = 5, W = 6;
    const k = new Float32Array(2 * H * W);
    for (let i = 0; i < H * W; i++) k[2 * i] = 1;
    const img = kspaceMagnitude(k, 1, H, W);
    for (let i = 0; i < H * W; i++) assert.ok(Math.abs(img[i]! - (i === 2 * W + 3 ? 1 : 0)) < 1e-7, `voxel ${i} = ${img[i]}`);
  });
});

/** Read once (on first use), shared by the tests below. */
let ratVolume: ReturnType<typeof readKspaceEchoes> | undefined;
const rat = (): ReturnType<typeof readKspaceEchoes> => (ratVolume ??= readKspaceEchoes(RAT));

describe('readKspaceEchoes on the rat MGE k-space (complex64 [15, 256, 256])', () => {
  it('reconstructs 15 magnitude echoes with the sidecar TEs', async () => {
    const v = await rat();
    assert.deepEqual(v.shape, { echoes: 15, slices: 1, height: 256, width: 256 });
    assert.deepEqual(v.TE, [2.7, 6.1, 9.5, 12.9, 16.3, 19.7, 23.1, 26.5, 29.9, 33.3, 36.7, 40.1, 43.5, 46.9, 50.3]);
    assert.equal(v.magnitude, true);
    assert.equal(v.source.format, 'kspace');
    // numpy (complex128) known answers for echo 0: img[128, 128], img[100, 140], max 19.2046 at (141, 176)
    assert.ok(Math.abs(v.echoes[128 * 256 + 128]! - 13.178006339203263) < 1e-5);
    assert.ok(Math.abs(v.echoes[100 * 256 + 140]! - 12.915645405177044) < 1e-5);
    assert.ok(Math.abs(v.echoes[141 * 256 + 176]! - 19.20464821820205) < 1e-5);
  });

  it('agrees with the numpy magnitude reference (max error < 1e-5 of the maximum)', { skip: existsSync(REFERENCE) ? false : `${REFERENCE} absent` }, async () => {
    const v = await rat();
    const ref = await readNpy(REFERENCE);
    assert.deepEqual(ref.shape, [15, 256, 256]);
    let maxErr = 0, maxRef = 0;
    for (let i = 0; i < ref.data.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(v.echoes[i]! - ref.data[i]!));
      maxRef = Math.max(maxRef, Math.abs(ref.data[i]!));
    }
    assert.ok(maxErr / maxRef < 1e-5, `max error ${maxErr} relative to max ${maxRef}`);
  });

  it('errors: real dtype, unsupported recon, non-finite sample', async () => {
    const p = join(tmp, 'k.npy');
    await writeNpy(p, { dtype: 'float32', shape: [1, 2, 2], data: new Float32Array(4) });
    writeFileSync(join(tmp, 'k.json'), JSON.stringify({ axes: ['echo', 'pe', 'ro'], TE_ms: [3] }));
    await rejectsIngest(readKspaceEchoes(p), p, 'dtype', /float32: k-space must be complex64/);
    const k = new Float32Array(8).fill(1);
    await writeNpy(p, { dtype: 'complex64', shape: [1, 2, 2], data: k });
    writeFileSync(join(tmp, 'k.json'), JSON.stringify({ axes: ['echo', 'pe', 'ro'], TE_ms: [3], recon: 'sqrt(sum(abs(ifft2(k))^2, coils))' }));
    await rejectsIngest(readKspaceEchoes(p), join(tmp, 'k.json'), 'recon', /only abs\(fftshift\(ifft2\(k\)\)\) is implemented/);
    writeFileSync(join(tmp, 'k.json'), JSON.stringify({ axes: ['echo', 'pe', 'ro'], TE_ms: [3], recon: 'image = np.abs(np.fft.fftshift(np.fft.ifft2(k)))' }));
    const ok = await readKspaceEchoes(p);
    // k = 1+1i everywhere → ifft2 = (1+i)·δ at (0, 0), moved by fftshift to (1, 1): |1+i| = √2
    assert.deepEqual(Array.from(ok.echoes), [0, 0, 0, Math.fround(Math.SQRT2)]);
    k[2 * 3 + 1] = Number.NaN; // pe 1, ro 1, imaginary part
    await writeNpy(p, { dtype: 'complex64', shape: [1, 2, 2], data: k });
    await rejectsIngest(readKspaceEchoes(p), p, 'data', /non-finite k-space sample \(NaN\) at echo 0, slice 0, pe 1, ro 1/);
  });
});

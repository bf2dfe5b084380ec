import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MRF_TISSUES_3T, padToSquare, simulateMrfPhantom, type MrfPhantomParams } from './mrf-phantom.js';
import { simulateT2Phantom } from './simulate.js';
import { TISSUE } from './tissues.js';

const params = (over: Partial<MrfPhantomParams> = {}): MrfPhantomParams => ({
  tissues: { WM: { ...MRF_TISSUES_3T.WM }, GM: { ...MRF_TISSUES_3T.GM }, CSF: { ...MRF_TISSUES_3T.CSF } },
  texture: { amplitude: 0.1, correlationMm: 4, voxelMm: 2 },
  seed: 5,
  ...over,
});

/** One 120×120 slice: top half WM, bottom half GM, a CSF disc in the middle, a 10-voxel skull frame. */
function slice(): { labels: Uint8Array; shape: [number, number, number] } {
  const n = 120;
  const labels = new Uint8Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    const frame = y < 10 || y >= n - 10 || x < 10 || x >= n - 10;
    const disc = (y - 60) ** 2 + (x - 60) ** 2 < 15 ** 2;
    labels[y * n + x] = frame ? 7 : disc ? 1 : y < n / 2 ? 3 : 2;
  }
  return { labels, shape: [1, n, n] };
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v: number[]): number => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)));

describe('simulateMrfPhantom', () => {
  const { labels, shape } = slice();
  const ph = simulateMrfPhantom(labels, shape, params());

  it('with zero amplitude gives the 3 T tissue table exactly (glial → GM), zero outside', () => {
    const flat = simulateMrfPhantom(Uint8Array.from([1, 2, 3, 8, 0, 7]), [1, 1, 6], params({ texture: { amplitude: 0, correlationMm: 4, voxelMm: 2 } }));
    assert.deepEqual(Array.from(flat.t1), [3800, 1331, 832, 1331, 0, 0]);
    assert.deepEqual(Array.from(flat.t2), [1000, 110, 80, 110, 0, 0]);
    assert.deepEqual(Array.from(flat.pd), [1, 0.8, 0.7, 0.8, 0, 0].map(Math.fround));
    assert.deepEqual(Array.from(flat.tissue), [1, 2, 3, 2, 0, 0]);
  });

  it('has ±10 % texture on T1 and T2 in each tissue, max PD exactly 1', () => {
    const ratio = (map: Float32Array, code: number, ref: number): number[] => {
      const out: number[] = [];
      ph.tissue.forEach((t, i) => { if (t === code) out.push(map[i]! / ref); });
      return out;
    };
    for (const [map, code, ref] of [[ph.t1, TISSUE.WM, 832], [ph.t2, TISSUE.WM, 80], [ph.t1, TISSUE.GM, 1331], [ph.t2, TISSUE.GM, 110]] as const) {
      const r = ratio(map, code, ref);
      assert.ok(Math.abs(mean(r) - 1) < 0.03, `mean factor ${mean(r)}`);
      assert.ok(Math.abs(std(r) - 0.1) < 0.025, `std ${std(r)}`);
    }
    assert.equal(Math.max(...ph.pd), 1);
  });

  it('shares its T2 texture with the T2 phantom of the same seed; T1 has its own field', () => {
    const t2ph = simulateT2Phantom(labels, shape, { tissues: { WM: { T2: 80, PD: 0.7 }, GM: { T2: 110, PD: 0.8 }, CSF: { T2: 1000, PD: 1 } }, texture: params().texture, seed: 5 });
    assert.deepEqual(ph.t2, t2ph.t2);
    assert.deepEqual(ph.pd, t2ph.m0);
    const a: number[] = [], b: number[] = [];
    ph.tissue.forEach((t, i) => { if (t === TISSUE.WM) { a.push(ph.t1[i]!); b.push(ph.t2[i]!); } });
    const r = mean(a.map((x, k) => (x - mean(a)) * (b[k]! - mean(b)))) / std(a) / std(b);
    assert.ok(Math.abs(r) < 0.25, `corr(T1, T2) = ${r}`);
  });

  it('rejects bad parameters naming the field', () => {
    assert.throws(() => simulateMrfPhantom(labels, shape, params({ tissues: { ...params().tissues, GM: { T1: 0, T2: 110, PD: 0.8 } } })), /params\.tissues\.GM\.T1 must be a positive number \(got 0\)/);
    assert.throws(() => simulateMrfPhantom(labels, [1, 2, 2], params()), /labels length 14400 does not match/);
    assert.throws(() => simulateMrfPhantom(new Uint8Array(4).fill(7), [1, 2, 2], params()), /no CSF, GM or WM/);
  });
});

describe('padToSquare', () => {
  it('centres the image in a zero square (floor of the margin on top/left)', () => {
    const img = Uint8Array.from([1, 2, 3, 4, 5, 6]); // (1, 2, 3)
    const { data, shape } = padToSquare(img, [1, 2, 3], 4);
    assert.deepEqual(shape, [1, 4, 4]);
    assert.deepEqual(Array.from(data), [0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0, 0, 0, 0, 0]);
    const f = padToSquare(Float32Array.from([7]), [1, 1, 1], 3);
    assert.ok(f.data instanceof Float32Array);
    assert.deepEqual(Array.from(f.data), [0, 0, 0, 0, 7, 0, 0, 0, 0]);
  });

  it('rejects a matrix smaller than the image, naming matrix', () => {
    assert.throws(() => padToSquare(new Uint8Array(6), [1, 2, 3], 2), /matrix must be an integer >= the image size 2×3 \(got 2\)/);
  });
});

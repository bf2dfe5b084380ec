import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRelaxation, parameterSynthesis, PARAMETER_CHANNELS, type FingerprintTable } from './parameter-synthesis.js';
import { randomArray } from './fixtures.js';

// A 3 × 4 table of rank 2 with values v(i, j, r) = 10i + j + 100r: bilinear interpolation reproduces
// any function linear in (i, j) exactly, so every interpolated value is known by hand.
const table: FingerprintTable = {
  rank: 2,
  logT1: { start: Math.log(100), step: Math.log(2), count: 3 }, // T1 100, 200, 400 ms
  logT2: { start: Math.log(10), step: Math.log(3), count: 4 }, //  T2 10, 30, 90, 270 ms
  values: Float32Array.from({ length: 3 * 4 * 2 }, (_, k) => {
    const r = k % 2, j = Math.floor(k / 2) % 4, i = Math.floor(k / 8);
    return 10 * i + j + 100 * r;
  }),
};
/** u that puts an axis of `count` nodes at fractional index `index` (u = 0 mid-range, ±2 at the ends). */
const uAt = (index: number, count: number): number => (index / (count - 1) - 0.5) / 0.25;

test('decodeRelaxation: u = 0 is the geometric middle, ±2 the ends, beyond is clamped', () => {
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9 * b, `${a} vs ${b}`);
  close(decodeRelaxation(0, 0, table).T1, 200);
  close(decodeRelaxation(0, 0, table).T2, 10 * 27 ** 0.5);
  close(decodeRelaxation(-2, 2, table).T1, 100);
  close(decodeRelaxation(-2, 2, table).T2, 270);
  close(decodeRelaxation(9, -9, table).T1, 400);
  close(decodeRelaxation(9, -9, table).T2, 10);
});

test('parameterSynthesis: c = M0·a(T1, T2), bilinear in the table by hand; rank and channels', () => {
  const syn = parameterSynthesis(table, 2);
  assert.equal(syn.channels, PARAMETER_CHANNELS);
  assert.equal(syn.rank, 2);
  // voxel 0: node (1, 2), M0 = 2·(1 + 0.5i); voxel 1: (0.25, 2.5), M0 = 2·(−1); voxel 2: beyond the T1 end (→ i = 2), j = 0.
  const out = Float32Array.from([uAt(1, 3), uAt(2, 4), 1, 0.5, uAt(0.25, 3), uAt(2.5, 4), -1, 0, 5, uAt(0, 4), 0, 1]);
  const { c } = syn.apply(out, 3);
  const expected = (a: number[], m: [number, number]) => a.flatMap((v) => [m[0] * v, m[1] * v]);
  const a0 = [12, 112], a1 = [10 * 0.25 + 2.5, 100 + 10 * 0.25 + 2.5], a2 = [20, 120];
  const want = [...expected([a0[0]!], [2, 1]), ...expected([a1[0]!], [-2, 0]), ...expected([a2[0]!], [0, 2]),
    ...expected([a0[1]!], [2, 1]), ...expected([a1[1]!], [-2, 0]), ...expected([a2[1]!], [0, 2])];
  want.forEach((v, k) => assert.ok(Math.abs(c[k]! - v) < 1e-4, `c[${k}] = ${c[k]} vs ${v}`));
  assert.throws(() => syn.apply(out.subarray(1), 3), /output: length/);
  assert.throws(() => parameterSynthesis({ ...table, values: table.values.subarray(1) }, 1), /table.values/);
  assert.throws(() => parameterSynthesis(table, 0), /m0Gain/);
});

test('parameterSynthesis: the vjp is the gradient (finite differences of a random linear functional)', () => {
  // A smooth, non-linear table (bilinear interpolation is exact within a cell, so the difference
  // quotient must match inside cells; the probe points avoid cell borders).
  const smooth: FingerprintTable = { ...table, values: table.values.map((_, k) => Math.sin(0.7 * k) + 0.1 * k) };
  const syn = parameterSynthesis(smooth, 1.7);
  const voxels = 5;
  const out = Float32Array.from([0.3, -0.4, 0.8, -0.2, -1.1, 0.9, 0.5, 0.4, 0.55, 1.3, -0.7, 0.1, -0.6, -1.35, 0.2, 1.2, 1.1, 0.15, -0.9, -0.3]);
  const w = randomArray(2 * 2 * voxels, 3);
  const L = (o: Float32Array): number => syn.apply(o, voxels).c.reduce((s, v, k) => s + v * w[k]!, 0);
  const grad = syn.apply(out, voxels).vjp(w);
  for (let k = 0; k < out.length; k++) {
    const h = 1e-3;
    const plus = out.slice();
    const minus = out.slice();
    plus[k]! += h;
    minus[k]! -= h;
    const fd = (L(plus) - L(minus)) / (2 * h);
    assert.ok(Math.abs(fd - grad[k]!) < 2e-3 * Math.max(1, Math.abs(fd)), `output ${k}: fd ${fd} vs vjp ${grad[k]}`);
  }
});

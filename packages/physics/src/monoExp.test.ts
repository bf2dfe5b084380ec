import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monoExpModel, synthesizeEchoes } from './index.js';

function close(actual: number, expected: number, relTol: number, what: string): void {
  const err = Math.abs(actual - expected);
  assert.ok(err <= relTol * Math.abs(expected), `${what}: ${actual} vs ${expected} (rel tol ${relTol})`);
}

test('known values: M0=1, T2=TE gives e^-1; M0 scales linearly', () => {
  const model = monoExpModel([43, 67, 91, 115]);
  const s = new Float64Array(4);
  model.signal(1, 43, s);
  assert.equal(s[0], Math.exp(-1));
  close(s[3], Math.exp(-115 / 43), 1e-15, 's[3]');
  model.signal(2.5, 67, s);
  close(s[1], 2.5 * Math.exp(-1), 1e-15, 's[1]');
  // Strided write into a bigger buffer.
  const buf = new Float32Array(9).fill(-1);
  model.signal(1, 91, buf, 1, 2);
  assert.deepEqual(Array.from(buf.filter((_, i) => i % 2 === 0)), [-1, -1, -1, -1, -1]);
  close(buf[5], Math.exp(-1), 1e-7, 'strided s[2]');
});

test('T2 <= 0 or M0 = 0 gives zero signal; T2 = Infinity gives M0', () => {
  const model = monoExpModel([10, 20]);
  const s = new Float64Array(2).fill(7);
  model.signal(1, 0, s);
  assert.deepEqual(Array.from(s), [0, 0]);
  model.signal(1, -5, s);
  assert.deepEqual(Array.from(s), [0, 0]);
  model.signal(0, 50, s);
  assert.deepEqual(Array.from(s), [0, 0]);
  model.signal(3, Infinity, s);
  assert.deepEqual(Array.from(s), [3, 3]);
  const echoes = synthesizeEchoes(Float32Array.of(1, 0, 2), Float32Array.of(0, 50, -1), [10, 20]);
  assert.deepEqual(Array.from(echoes), [0, 0, 0, 0, 0, 0]);
});

test('synthesizeEchoes: (echo, voxel) echo-major order, i.e. (echo, slice, y, x) for (slice, y, x) maps', () => {
  // Maps of shape (slice=2, y=1, x=3) → echoes (echo=3, 2, 1, 3).
  const m0 = Float32Array.of(1, 2, 3, 4, 5, 6);
  const t2 = Float32Array.of(10, 20, 30, 40, 50, 60);
  const TE = [5, 10, 20];
  const echoes = synthesizeEchoes(m0, t2, TE);
  assert.equal(echoes.length, 18);
  for (let e = 0; e < 3; e++) {
    for (let z = 0; z < 2; z++) {
      for (let x = 0; x < 3; x++) {
        const v = z * 3 + x;
        const idx = ((e * 2 + z) * 1 + 0) * 3 + x;
        close(echoes[idx], m0[v] * Math.exp(-TE[e] / t2[v]), 1e-7, `echo ${e} voxel ${v}`);
      }
    }
  }
  assert.equal(echoes[0], Math.fround(Math.exp(-0.5))); // echo 0, voxel 0
  assert.equal(echoes[6 * 2 + 5], Math.fround(6 * Math.exp(-20 / 60))); // echo 2, last voxel
});

test('even-spacing path equals per-echo exp to float32 precision, uneven path too', () => {
  const n = 500;
  const m0 = new Float32Array(n);
  const t2 = new Float32Array(n);
  for (let v = 0; v < n; v++) {
    m0[v] = 0.1 + (v % 17);
    t2[v] = 5 * Math.pow(400, v / (n - 1)); // 5 … 2000 ms
  }
  for (const TE of [Array.from({ length: 32 }, (_, k) => 10 * (k + 1)), [5, 7, 12, 40]]) {
    const echoes = synthesizeEchoes(m0, t2, TE);
    for (let e = 0; e < TE.length; e++) {
      for (let v = 0; v < n; v++) {
        const want = m0[v] * Math.exp(-TE[e] / t2[v]);
        close(echoes[e * n + v], want, 2e-7, `TE ${TE[e]} voxel ${v}`);
      }
    }
  }
});

test('model: forward/apply equal synthesizeEchoes; jacobian matches finite differences', () => {
  const TE = [6, 12, 18, 24];
  const model = monoExpModel(TE);
  assert.equal(model.nParams, 2);
  assert.equal(model.nEchoes, 4);
  assert.deepEqual(model.paramNames, ['M0', 'T2']);
  const m0 = Float32Array.of(1, 0.5);
  const t2 = Float32Array.of(30, 80);
  assert.deepEqual(model.forward(m0, t2), synthesizeEchoes(m0, t2, TE));
  assert.deepEqual(model.apply([m0, t2]), synthesizeEchoes(m0, t2, TE));
  const dM0 = new Float64Array(4);
  const dT2 = new Float64Array(4);
  const M0 = 1.7;
  const T2 = 35;
  model.jacobian(M0, T2, dM0, dT2);
  const plus = new Float64Array(4);
  const minus = new Float64Array(4);
  const h = 1e-4;
  model.signal(M0, T2 + h, plus);
  model.signal(M0, T2 - h, minus);
  for (let e = 0; e < 4; e++) {
    close(dT2[e], (plus[e] - minus[e]) / (2 * h), 1e-7, `dT2[${e}]`);
    close(dM0[e], Math.exp(-TE[e] / T2), 1e-15, `dM0[${e}]`);
  }
});

test('bad input throws one-line errors naming the field', () => {
  assert.throws(() => synthesizeEchoes(new Float32Array(2), new Float32Array(3), [1]), /t2: length 3 differs from m0's length 2/);
  assert.throws(() => synthesizeEchoes(new Float32Array(1), new Float32Array(1), [5, 4]), /TE\[1\] must be > TE\[0\]/);
  assert.throws(() => monoExpModel([]), /TE must hold at least one/);
  assert.throws(() => monoExpModel([1, 2]).apply([new Float32Array(1)]), /params: expected 2 maps/);
  assert.throws(() => monoExpModel([1, 2]).signal(1, 1, new Float64Array(1)), /out: length 1 too short/);
});

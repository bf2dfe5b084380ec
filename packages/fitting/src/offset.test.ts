import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, echoTimes } from '@relaxomap/physics';
import { MIN_VOXELS_PER_THREAD, varproMonoExp, varproMonoExpParallel } from './index.js';

const PROTOCOLS: Record<string, { TE: readonly number[]; t2: readonly number[] }> = {
  // T2 from well below the first echo to ~the echo span (beyond it M0 and C become nearly collinear).
  '32 echoes (TE 10..320, even path)': { TE: echoTimes({ TE1: 10, dTE: 10, count: 32 }), t2: [5, 12, 30, 50, 90, 150, 300] },
  'NIST-like 32 echoes (TE 12.7..406.4)': { TE: echoTimes({ TE1: 12.7, dTE: 12.7, count: 32 }), t2: [8, 20, 45, 100, 200, 400] },
  'uneven, 8 echoes (general path)': { TE: echoTimes({ list: [5, 7, 12, 20, 33, 50, 80, 120] }), t2: [4, 10, 25, 60, 100] },
};

/** Noise-free s_e = M0·exp(−TE_e/T2) + C for every (M0, T2, C/M0) combination; shape (echo, voxel). */
function offsetData(TE: readonly number[], t2s: readonly number[], cFractions: readonly number[]) {
  const m0s = [0.01, 1, 100, 2500];
  const cases: { M0: number; T2: number; C: number }[] = [];
  for (const M0 of m0s) for (const T2 of t2s) for (const f of cFractions) cases.push({ M0, T2, C: f * M0 });
  const n = cases.length;
  const echoes = new Float32Array(TE.length * n);
  cases.forEach(({ M0, T2, C }, v) => {
    for (let k = 0; k < TE.length; k++) echoes[k * n + v] = M0 * Math.exp(-TE[k] / T2) + C;
  });
  return { cases, echoes, n };
}

for (const [name, { TE, t2 }] of Object.entries(PROTOCOLS)) {
  test(`offset model recovers noise-free (M0, T2, C): ${name}`, () => {
    const { cases, echoes, n } = offsetData(TE, t2, [0.02, 0.1, 0.5, 2]);
    for (const gridSize of [undefined, 4]) {
      const fit = varproMonoExp(echoes, n, TE, { t2Min: 1, t2Max: 3000, model: 'offset', gridSize });
      assert.ok(fit.offset instanceof Float32Array && fit.offset.length === n);
      cases.forEach(({ M0, T2, C }, v) => {
        const got = `got (${fit.m0[v]}, ${fit.t2[v]}, ${fit.offset?.[v]}) for (${M0}, ${T2}, ${C}), gridSize ${gridSize}`;
        // Measured ≤ 6e-6 (M0, T2) and ≤ 9e-6 (C): the float32 rounding of the echoes sets this floor.
        assert.ok(Math.abs(fit.t2[v] - T2) <= 1e-4 * T2, got);
        assert.ok(Math.abs(fit.m0[v] - M0) <= 1e-4 * M0, got);
        assert.ok(Math.abs((fit.offset as Float32Array)[v] - C) <= 1e-4 * C, got);
      });
    }
  });

  test(`offset model on noise-free data without offset gives C ≈ 0: ${name}`, () => {
    const { cases, echoes, n } = offsetData(TE, t2, [0]);
    const fit = varproMonoExp(echoes, n, TE, { t2Min: 1, t2Max: 3000, model: 'offset' });
    const mono = varproMonoExp(echoes, n, TE, { t2Min: 1, t2Max: 3000 });
    cases.forEach(({ M0, T2 }, v) => {
      const C = (fit.offset as Float32Array)[v];
      const got = `got (${fit.m0[v]}, ${fit.t2[v]}, ${C}) for (${M0}, ${T2}, 0)`;
      assert.ok(C >= 0 && C <= 1e-5 * M0, got);
      assert.ok(Math.abs(fit.t2[v] - T2) <= 1e-4 * T2, got);
      assert.ok(Math.abs(fit.m0[v] - M0) <= 1e-4 * M0, got);
      // A fit that would need C < 0 falls back to the C = 0 face: exactly the mono-exponential fit.
      if (C === 0) assert.ok(fit.t2[v] === mono.t2[v] && fit.m0[v] === mono.m0[v], got);
    });
  });
}

/** Residual of the best (M0, C) for a fixed T2 under M0 ≥ 0, C ≥ 0 (interior, or a face). */
function constrainedResidual(s: Float64Array, TE: readonly number[], T2: number): number {
  const n = TE.length;
  const e = TE.map((t) => Math.exp(-t / T2));
  const res = (M0: number, C: number): number => s.reduce((r, x, k) => r + (x - M0 * e[k] - C) ** 2, 0);
  let S = 0;
  let Se = 0;
  let E = 0;
  let EE = 0;
  for (let k = 0; k < n; k++) {
    S += s[k];
    Se += s[k] * e[k];
    E += e[k];
    EE += e[k] * e[k];
  }
  const D = n * EE - E * E;
  const M0 = (n * Se - E * S) / D;
  const C = (EE * S - E * Se) / D;
  let r = M0 >= 0 && C >= 0 ? res(M0, C) : Infinity;
  r = Math.min(r, res(Math.max(0, Se / EE), 0), res(0, Math.max(0, S / n)));
  return r;
}

test('offset model finds the constrained global optimum on noisy magnitude data (dense brute force)', () => {
  const TE = PROTOCOLS['NIST-like 32 echoes (TE 12.7..406.4)'].TE;
  const n = 300;
  const nTE = TE.length;
  const rng = createRng(21);
  const echoes = new Float32Array(nTE * n);
  for (let v = 0; v < n; v++) {
    const M0 = v % 4 === 0 ? 0 : 100 * rng.uniform(); // a quarter pure noise
    const T2 = 8 * Math.pow(120, rng.uniform());
    for (let k = 0; k < nTE; k++) {
      echoes[k * n + v] = Math.hypot(M0 * Math.exp(-TE[k] / T2) + 3 * rng.normal(), 3 * rng.normal());
    }
  }
  const fit = varproMonoExp(echoes, n, TE, { t2Min: 1, t2Max: 3000, model: 'offset' });
  const offset = fit.offset as Float32Array;
  const s = new Float64Array(nTE);
  for (let v = 0; v < n; v++) {
    for (let k = 0; k < nTE; k++) s[k] = echoes[k * n + v];
    assert.ok(fit.m0[v] >= 0 && offset[v] >= 0, `voxel ${v}: M0 ${fit.m0[v]}, C ${offset[v]}`);
    let got = 0;
    for (let k = 0; k < nTE; k++) {
      const model = (fit.t2[v] > 0 ? fit.m0[v] * Math.exp(-TE[k] / fit.t2[v]) : 0) + offset[v];
      got += (s[k] - model) ** 2;
    }
    let best = Infinity;
    for (let i = 0; i <= 1500; i++) best = Math.min(best, constrainedResidual(s, TE, Math.pow(3000, i / 1500)));
    assert.ok(got <= best * (1 + 1e-6), `voxel ${v}: residual ${got} (T2 ${fit.t2[v]}) > brute force ${best}`);
  }
});

test('offset model: unconstrained negative offset, flat echoes, mask, zeros', () => {
  const TE = [10, 20, 30, 40, 50, 60];
  const sig = (M0: number, T2: number, C: number): number[] => TE.map((t) => M0 * Math.exp(-t / T2) + C);
  const voxels = [sig(10, 25, -2), sig(0, 1, 4), sig(1, 30, 0.5), sig(0, 1, 0), sig(5, 20, 1)];
  const n = voxels.length;
  const echoes = new Float32Array(TE.length * n);
  voxels.forEach((s, v) => s.forEach((x, k) => (echoes[k * n + v] = x)));
  echoes[2 * n + 2] = NaN; // voxel 2 is masked out below: not read
  const mask = Uint8Array.of(1, 1, 0, 1, 1);
  const free = varproMonoExp(echoes, n, TE, { t2Min: 1, t2Max: 3000, model: 'offset', nonNegativeM0: false, mask });
  const off = free.offset as Float32Array;
  assert.ok(Math.abs(free.t2[0] - 25) < 1e-3 && Math.abs(free.m0[0] - 10) < 1e-4 && Math.abs(off[0] + 2) < 1e-4, `${free.m0[0]}, ${free.t2[0]}, ${off[0]}`);
  // Flat echoes: no decay (M0 = 0, T2 = 0), the constant as the offset.
  assert.deepEqual([free.m0[1], free.t2[1], off[1]], [0, 0, 4]);
  assert.deepEqual([free.m0[2], free.t2[2], off[2]], [0, 0, 0]); // masked
  assert.deepEqual([free.m0[3], free.t2[3], off[3]], [0, 0, 0]); // all-zero echoes
  assert.ok(Math.abs(free.t2[4] - 20) < 1e-3 && Math.abs(off[4] - 1) < 1e-4);
  // With the constraints (default) the negative-offset voxel moves to a face with C = 0 ≥ 0.
  const con = varproMonoExp(echoes, n, TE, { t2Min: 1, t2Max: 3000, model: 'offset', mask });
  assert.equal((con.offset as Float32Array)[0], 0);
  assert.ok(con.m0[0] > 0 && con.t2[0] < 25, `${con.m0[0]}, ${con.t2[0]}`);
  assert.deepEqual([con.m0[1], con.t2[1], (con.offset as Float32Array)[1]], [0, 0, 4]);
  // The default model has no offset map.
  assert.equal(varproMonoExp(echoes, n, TE, { t2Min: 1, t2Max: 3000, mask }).offset, undefined);
});

test('offset model: 2 worker threads give bit-identical maps to the synchronous fit', async () => {
  const TE = echoTimes({ TE1: 10, dTE: 10, count: 12 });
  const n = 2 * MIN_VOXELS_PER_THREAD + 321;
  const rng = createRng(8);
  const echoes = new Float32Array(TE.length * n);
  for (let v = 0; v < n; v++) {
    const M0 = rng.uniform();
    const T2 = 10 * Math.pow(30, rng.uniform());
    const C = 0.1 * rng.uniform();
    for (let k = 0; k < TE.length; k++) echoes[k * n + v] = M0 * Math.exp(-TE[k] / T2) + C + 0.01 * rng.normal();
  }
  const opts = { t2Min: 1, t2Max: 3000, model: 'offset' as const };
  const sync = varproMonoExp(echoes, n, TE, opts);
  const par = await varproMonoExpParallel(echoes, n, TE, { ...opts, threads: 2 });
  assert.deepEqual(par.m0, sync.m0);
  assert.deepEqual(par.t2, sync.t2);
  assert.deepEqual(par.offset, sync.offset);
  assert.ok((par.offset as Float32Array)[n - 1] > 0); // the worker's range was filled
  echoes[3 * n + n - 5] = NaN;
  await assert.rejects(varproMonoExpParallel(echoes, n, TE, { ...opts, threads: 2 }), {
    message: `echoes contain NaN at voxel ${n - 5}, echo 3`,
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { echoTimes, monoExpModel } from '@relaxomap/physics';
import { logLinearMonoExp, varproMonoExp } from './index.js';
import { lsM0, noisyEchoes, residual, uniform } from './testData.js';

const PROTOCOLS: Record<string, readonly number[]> = {
  'T2 spin echo, 4 echoes (TE 43..115)': echoTimes({ TE1: 43, dTE: 24, count: 4 }),
  'T2* gradient echo, 10 echoes (TE 6..60)': echoTimes({ TE1: 6, dTE: 6, count: 10 }),
  '32 echoes (TE 10..320)': echoTimes({ TE1: 10, dTE: 10, count: 32 }),
  'uneven, 6 echoes (general path)': echoTimes({ list: [5, 7, 12, 20, 33, 50] }),
};

/** Many (M0, T2) pairs: T2 log-spaced over [5, 2000] ms, M0 over 7 decades. */
function pairs(): { m0: Float32Array; t2: Float32Array } {
  const nT2 = 300;
  const m0s = [1e-3, 0.37, 1, 42, 1e4];
  const m0 = new Float32Array(nT2 * m0s.length);
  const t2 = new Float32Array(nT2 * m0s.length);
  for (let i = 0; i < m0s.length; i++) {
    for (let j = 0; j < nT2; j++) {
      m0[i * nT2 + j] = m0s[i];
      t2[i * nT2 + j] = 5 * Math.pow(400, j / (nT2 - 1));
    }
  }
  return { m0, t2 };
}

function maxRelError(got: Float32Array, want: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.abs(want[i]));
  return worst;
}

for (const [name, TE] of Object.entries(PROTOCOLS)) {
  test(`exact on noise-free data: ${name}`, () => {
    const { m0, t2 } = pairs();
    const echoes = monoExpModel(TE).forward(m0, t2);
    for (const gridSize of [undefined, 3]) {
      // gridSize 3 sends most voxels through the bracketed (robust) refinement instead of the fast path.
      const fit = varproMonoExp(echoes, m0.length, TE, { t2Min: 1, t2Max: 5000, gridSize });
      const eT2 = maxRelError(fit.t2, t2);
      const eM0 = maxRelError(fit.m0, m0);
      // Measured ~3e-6 / ~2e-7: the float32 rounding of the echoes, not the fit, sets this floor.
      assert.ok(eT2 < 1e-4, `T2 max relative error ${eT2} (gridSize ${gridSize})`);
      assert.ok(eM0 < 1e-4, `M0 max relative error ${eM0} (gridSize ${gridSize})`);
    }
  });
}

test('the result is the least-squares optimum: M0 is the projection, T2 a minimum of the residual', () => {
  const TE = PROTOCOLS['T2 spin echo, 4 echoes (TE 43..115)'];
  const n = 2000;
  const rand = uniform(3);
  const m0 = new Float32Array(n).map(() => 0.5 + rand());
  const t2 = new Float32Array(n).map(() => 30 + 200 * rand());
  const echoes = noisyEchoes(m0, t2, TE, 0.03, 4);
  const fit = varproMonoExp(echoes, n, TE, { t2Min: 1, t2Max: 3000 });
  for (let v = 0; v < n; v++) {
    const T2 = fit.t2[v];
    const M0 = lsM0(echoes, n, TE, v, T2);
    assert.ok(Math.abs(fit.m0[v] - M0) <= 1e-6 * Math.abs(M0), `voxel ${v}: M0 ${fit.m0[v]} vs projection ${M0}`);
    if (T2 <= 1 || T2 >= 3000) continue;
    const r = residual(echoes, n, TE, v, M0, T2);
    for (const f of [1 - 1e-3, 1 + 1e-3]) {
      const rf = residual(echoes, n, TE, v, lsM0(echoes, n, TE, v, T2 * f), T2 * f);
      assert.ok(r <= rf * (1 + 1e-12), `voxel ${v}: residual ${r} at T2 ${T2} > ${rf} at ${T2 * f}`);
    }
  }
});

test('finds the global optimum: objective matches a dense brute-force search on noisy and noise-only voxels', () => {
  const TE = PROTOCOLS['uneven, 6 echoes (general path)'];
  const n = 600;
  const rand = uniform(11);
  const m0 = new Float32Array(n).map((_, v) => (v % 3 === 0 ? 0 : 1));
  const t2 = new Float32Array(n).map(() => 5 * Math.pow(400, rand()));
  const echoes = noisyEchoes(m0, t2, TE, 0.2, 12).map(Math.abs); // magnitude data, some pure noise
  const fit = varproMonoExp(echoes, n, TE, { t2Min: 1, t2Max: 3000 });
  const g = (v: number, T2: number): number => {
    const M0 = Math.max(0, lsM0(echoes, n, TE, v, T2));
    return residual(echoes, n, TE, v, M0, T2);
  };
  for (let v = 0; v < n; v++) {
    let best = Infinity;
    for (let i = 0; i <= 2000; i++) best = Math.min(best, g(v, Math.pow(3000, i / 2000)));
    const got = g(v, fit.t2[v]);
    assert.ok(got <= best * (1 + 1e-9), `voxel ${v}: residual ${got} at T2 ${fit.t2[v]} > brute force ${best}`);
  }
});

test('with noise Varpro beats a log-linear fit and is nearly unbiased', () => {
  const TE = PROTOCOLS['T2 spin echo, 4 echoes (TE 43..115)'];
  const n = 20000;
  const m0 = new Float32Array(n).fill(1);
  const t2 = new Float32Array(n).fill(80); // white-matter-like T2, echo SNR ~ 29 … 12
  const echoes = noisyEchoes(m0, t2, TE, 0.02, 7);
  const opts = { t2Min: 1, t2Max: 3000 };
  const vp = varproMonoExp(echoes, n, TE, opts);
  const ll = logLinearMonoExp(echoes, n, TE, opts);
  const stats = (x: Float32Array): { bias: number; rmse: number } => {
    let s = 0;
    let s2 = 0;
    for (const t of x) {
      s += t - 80;
      s2 += (t - 80) ** 2;
    }
    return { bias: s / x.length, rmse: Math.sqrt(s2 / x.length) };
  };
  const a = stats(vp.t2);
  const b = stats(ll.t2);
  assert.ok(a.rmse < b.rmse, `RMSE Varpro ${a.rmse} ms should be below log-linear ${b.rmse} ms`);
  assert.ok(Math.abs(a.bias) < 0.01 * 80, `Varpro bias ${a.bias} ms should be < 1% of T2`);
  // Least squares: the Varpro residual is never above the log-linear fit's (same model, same bounds).
  for (let v = 0; v < n; v++) {
    const rv = residual(echoes, n, TE, v, vp.m0[v], vp.t2[v]);
    const rl = residual(echoes, n, TE, v, ll.m0[v], ll.t2[v]);
    assert.ok(rv <= rl * (1 + 1e-6) + 1e-12, `voxel ${v}: Varpro residual ${rv} > log-linear ${rl}`);
  }
});

test('T2 outside the bounds is clipped to the bound, with the least-squares M0 there', () => {
  const TE = PROTOCOLS['T2* gradient echo, 10 echoes (TE 6..60)'];
  const m0 = Float32Array.of(1, 1, 2);
  const t2 = Float32Array.of(5000, 100000, 2);
  const echoes = monoExpModel(TE).forward(m0, t2);
  const fit = varproMonoExp(echoes, 3, TE, { t2Min: 5, t2Max: 1000 });
  assert.equal(fit.t2[0], 1000);
  assert.equal(fit.t2[1], 1000);
  assert.equal(fit.t2[2], 5);
  for (let v = 0; v < 3; v++) {
    const want = lsM0(echoes, 3, TE, v, fit.t2[v]);
    assert.ok(Math.abs(fit.m0[v] - want) <= 1e-6 * want, `voxel ${v}: M0 ${fit.m0[v]} vs ${want}`);
  }
  // A flat signal is T2 → ∞: t2Max.
  const flat = varproMonoExp(new Float32Array(10).fill(3), 1, TE, { t2Min: 5, t2Max: 1000 });
  assert.equal(flat.t2[0], 1000);
});

test('mask, all-zero voxels and M0 >= 0: M0 = 0, T2 = 0; NaN outside the mask is ignored', () => {
  const TE = [10, 20, 30];
  const model = monoExpModel(TE);
  const echoes = model.forward(Float32Array.of(1, 0, 1, 1, -1), Float32Array.of(50, 50, 50, 50, 40));
  echoes[2 * 5 + 3] = NaN; // voxel 3, echo 2: masked out below
  const mask = Uint8Array.of(1, 1, 0, 0, 1);
  const fit = varproMonoExp(echoes, 5, TE, { t2Min: 1, t2Max: 3000, mask });
  assert.ok(Math.abs(fit.t2[0] - 50) < 1e-3 && Math.abs(fit.m0[0] - 1) < 1e-5);
  assert.deepEqual(Array.from(fit.m0.slice(1)), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(fit.t2.slice(1)), [0, 0, 0, 0]); // zero echoes, masked, masked, negative decay
  // Without the constraint the negative decay is fitted with M0 < 0.
  const free = varproMonoExp(echoes, 5, TE, { t2Min: 1, t2Max: 3000, mask, nonNegativeM0: false });
  assert.ok(Math.abs(free.m0[4] + 1) < 1e-5 && Math.abs(free.t2[4] - 40) < 1e-3, `${free.m0[4]}, ${free.t2[4]}`);
});

test('bad input: one-line errors naming the field', () => {
  const TE = [10, 20, 30];
  const ok = { t2Min: 1, t2Max: 3000 };
  const echoes = new Float32Array(3 * 200).fill(1);
  echoes[2 * 200 + 123] = NaN;
  assert.throws(() => varproMonoExp(echoes, 200, TE, ok), { message: 'echoes contain NaN at voxel 123, echo 2' });
  echoes[2 * 200 + 123] = 1;
  echoes[1 * 200 + 7] = -Infinity;
  assert.throws(() => varproMonoExp(echoes, 200, TE, ok), { message: 'echoes contain -Inf at voxel 7, echo 1' });
  echoes[1 * 200 + 7] = 1;
  assert.throws(() => varproMonoExp(echoes, 199, TE, ok), /echoes: length 600 does not match TE.length × nVoxels = 3 × 199 = 597/);
  assert.throws(() => varproMonoExp(echoes, 200, [10, 20], ok), /does not match TE.length × nVoxels/);
  assert.throws(() => varproMonoExp(echoes, 200, TE, { t2Min: 100, t2Max: 100 }), /opts.t2Min must be < opts.t2Max \(got 100 >= 100\)/);
  assert.throws(() => varproMonoExp(echoes, 200, TE, { t2Min: 0, t2Max: 100 }), /opts.t2Min must be a finite number > 0/);
  assert.throws(() => varproMonoExp(echoes, 200, TE, { t2Min: 1, t2Max: Infinity }), /opts.t2Max must be a finite number > 0/);
  assert.throws(() => varproMonoExp(echoes, 200, [0, 20, 30], ok), /TE\[0\] must be > 0/);
  assert.throws(() => varproMonoExp(echoes, 200, [10, 30, 20], ok), /TE\[2\] must be > TE\[1\]/);
  assert.throws(() => varproMonoExp(new Float32Array(5), 5, [10], ok), /TE must hold at least 2 echo times/);
  assert.throws(() => varproMonoExp(echoes, 200, TE, { ...ok, mask: new Uint8Array(3) }), /opts.mask: length 3 differs from nVoxels 200/);
  assert.throws(() => varproMonoExp(echoes, 200, TE, { ...ok, threads: 2 }), /opts.threads must be 1 .*varproMonoExpParallel/);
  assert.throws(() => varproMonoExp(echoes, 200, TE, { ...ok, gridSize: 1 }), /opts.gridSize must be an integer in \[2, 4096\]/);
  for (const fn of [() => varproMonoExp(echoes, 199, TE, ok)]) {
    assert.throws(fn, (err: Error) => !err.message.includes('\n'));
  }
});

test('log-linear baseline is exact on noise-free data', () => {
  const TE = PROTOCOLS['T2 spin echo, 4 echoes (TE 43..115)'];
  const { m0, t2 } = pairs();
  const fit = logLinearMonoExp(monoExpModel(TE).forward(m0, t2), m0.length, TE, { t2Min: 1, t2Max: 5000 });
  assert.ok(maxRelError(fit.t2, t2) < 1e-4);
  assert.ok(maxRelError(fit.m0, m0) < 1e-4);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, echoTimes } from '@relaxomap/physics';
import { besselI01e, besselI0e, besselI1e } from './bessel.js';
import { MIN_VOXELS_PER_THREAD, ricianMean, ricianMeanSlope, varproMonoExp, varproMonoExpParallel } from './index.js';

const SQRT_HALF_PI = Math.sqrt(Math.PI / 2);

test('scaled Bessel functions match reference values (scipy.special.i0e / i1e)', () => {
  // [x, e^{−x}I0(x), e^{−x}I1(x)] from scipy 1.17.1.
  const ref: [number, number, number][] = [
    [0, 1, 0],
    [1e-3, 0.9990007495835156, 0.0004995003123542213],
    [0.5, 0.64503527044915, 0.15642080318487173],
    [1, 0.46575960759364043, 0.2079104153497085],
    [3, 0.24300035416182536, 0.19682671329730084],
    [7.9, 0.14436986414104191, 0.13489649943989365],
    [8, 0.1434317818568503, 0.13414249329269812],
    [8.1, 0.14251180948829525, 0.13340068832583662],
    [20, 0.089780311884826, 0.08750622218328867],
    [100, 0.03994437929909668, 0.03974415302513025],
    [1e4, 0.0039894726746047314, 0.003989273195983662],
    [1e8, 3.989422809001105e-5, 3.989422789053991e-5],
  ];
  const both = new Float64Array(2);
  for (const [x, i0, i1] of ref) {
    assert.ok(Math.abs(besselI0e(x) - i0) <= 4e-16 * i0, `i0e(${x}) = ${besselI0e(x)}, want ${i0}`);
    assert.ok(Math.abs(besselI1e(x) - i1) <= 4e-16 * i1, `i1e(${x}) = ${besselI1e(x)}, want ${i1}`);
    besselI01e(x, both);
    // The interleaved evaluation is the same arithmetic: bit-identical.
    assert.equal(both[0], besselI0e(x));
    assert.equal(both[1], besselI1e(x));
  }
});

test('Rician mean: closed form, reference values, asymptote, and the Bessel/asymptotic switch at SNR 20', () => {
  const sigma = 2.5;
  assert.ok(Math.abs(ricianMean(0, sigma) - sigma * SQRT_HALF_PI) <= 1e-15 * sigma);
  // E/σ at a = ν/σ from scipy.stats.rice(a).mean().
  for (const [a, want] of [
    [0.5, 1.330447340610703],
    [1, 1.548572460551146],
    [2, 2.272383428068742],
    [5, 5.101069639492125],
    [10, 10.050126936677417],
  ]) {
    const got = ricianMean(a * sigma, sigma) / sigma;
    assert.ok(Math.abs(got - want) <= 1e-14 * want, `E/σ at a = ${a}: ${got}, want ${want}`);
    assert.equal(ricianMean(-a * sigma, sigma), ricianMean(a * sigma, sigma)); // depends on |ν| only
  }
  // Large SNR: E → ν + σ²/(2ν) + σ⁴/(8ν³) + 3σ⁶/(16ν⁵); scipy's Bessel form gives 100.00500012501874σ at a = 100.
  assert.ok(Math.abs(ricianMean(100 * sigma, sigma) / sigma - 100.00500012501874) <= 1e-15 * 100);
  for (const a of [100, 1e3, 1e6]) {
    const nu = a * sigma;
    const asym = nu + sigma ** 2 / (2 * nu) + sigma ** 4 / (8 * nu ** 3) + (3 * sigma ** 6) / (16 * nu ** 5);
    assert.ok(Math.abs(ricianMean(nu, sigma) - asym) <= 1e-14 * nu, `a = ${a}`);
  }
  // Around and above the switch the series agrees with the Bessel form σ√(π/2)[(1+2y)Ĩ0(y) + 2yĨ1(y)].
  for (const a of [19.999999, 20, 20.000001, 25, 60, 300]) {
    const y = (a * a) / 4;
    const bessel = sigma * SQRT_HALF_PI * ((1 + 2 * y) * besselI0e(y) + 2 * y * besselI1e(y));
    assert.ok(Math.abs(ricianMean(a * sigma, sigma) - bessel) <= 1e-11 * sigma, `a = ${a}`);
  }
});

test('Rician mean slope dE/dν matches central differences, is 0 at ν = 0 and odd', () => {
  const sigma = 3;
  assert.equal(ricianMeanSlope(0, sigma), 0);
  for (const a of [0.01, 0.3, 1, 3, 8, 19.99, 20.01, 60, 1e3]) {
    const nu = a * sigma;
    const h = 1e-4 * sigma;
    const fd = (ricianMean(nu + h, sigma) - ricianMean(nu - h, sigma)) / (2 * h);
    const slope = ricianMeanSlope(nu, sigma);
    assert.ok(Math.abs(slope - fd) <= 1e-8, `a = ${a}: slope ${slope}, central difference ${fd}`);
    assert.equal(ricianMeanSlope(-nu, sigma), -slope);
    assert.ok(slope > 0 && slope < 1);
  }
});

test('Rician mean matches a Monte-Carlo mean of |ν + σ(n1 + i·n2)| (1e6 samples per ν)', () => {
  const sigma = 2;
  const N = 1_000_000;
  const rng = createRng(12345);
  for (const a of [0, 0.5, 1, 2, 3, 5, 10]) {
    const nu = a * sigma;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < N; i++) {
      const m = Math.hypot(nu + sigma * rng.normal(), sigma * rng.normal());
      s += m;
      s2 += m * m;
    }
    const mean = s / N;
    const se = Math.sqrt((s2 / N - mean * mean) / N); // ~1.3e-3 here
    const want = ricianMean(nu, sigma);
    assert.ok(Math.abs(mean - want) <= 4 * se, `ν/σ = ${a}: Monte Carlo ${mean} ± ${se}, formula ${want}`);
  }
});

test('rician model recovers (M0, T2) from noise-free mean magnitudes, down to SNR 1', () => {
  const sigma = 3;
  const pairs = [
    [100, 50],
    [30, 80],
    [1000, 20],
    [2500, 940],
    [10, 200],
    [5, 30],
    [3, 100],
  ];
  for (const TE of [
    echoTimes({ TE1: 10, dTE: 10, count: 32 }),
    echoTimes({ TE1: 12.7, dTE: 12.7, count: 32 }),
    echoTimes({ list: [5, 7, 12, 20, 33, 50, 80, 120] }), // general (uneven) path
  ]) {
    const n = pairs.length;
    const echoes = new Float32Array(TE.length * n);
    pairs.forEach(([M0, T2], v) => {
      for (let k = 0; k < TE.length; k++) echoes[k * n + v] = ricianMean(M0 * Math.exp(-TE[k] / T2), sigma);
    });
    const fit = varproMonoExp(echoes, n, TE, { t2Min: 1, t2Max: 3000, model: 'rician', noiseSigma: sigma });
    const mono = varproMonoExp(echoes, n, TE, { t2Min: 1, t2Max: 3000 });
    pairs.forEach(([M0, T2], v) => {
      const got = `(${fit.m0[v]}, ${fit.t2[v]}) for (${M0}, ${T2}), TE ${TE[0]}..${TE[TE.length - 1]}`;
      // Measured ≤ 5e-7 relative (float32 rounding of the echoes).
      assert.ok(Math.abs(fit.t2[v] - T2) <= 1e-5 * T2, got);
      assert.ok(Math.abs(fit.m0[v] - M0) <= 1e-5 * M0, got);
    });
    // The floor biases the mono-exponential fit of the same data (T2 high for 100/50 on 32 echoes).
    if (TE.length === 32) assert.ok(mono.t2[0] > 1.05 * 50, `monoexp T2 ${mono.t2[0]}`);
  }
});

test('rician model removes the noise-floor bias of T2 on simulated Rician data; monoexp is biased high', () => {
  const TE = echoTimes({ TE1: 10, dTE: 10, count: 32 });
  const sigma = 3;
  const n = 10_000;
  const rng = createRng(17);
  const echoes = new Float32Array(TE.length * n);
  for (let v = 0; v < n; v++) {
    for (let k = 0; k < TE.length; k++) {
      const nu = 100 * Math.exp(-TE[k] / 50); // SNR 30 at TE 10 ms … 0.06 at 320 ms
      echoes[k * n + v] = Math.hypot(nu + sigma * rng.normal(), sigma * rng.normal());
    }
  }
  const meanT2 = (t2: Float32Array): number => t2.reduce((s, x) => s + x, 0) / t2.length;
  const opts = { t2Min: 1, t2Max: 3000 };
  const rician = meanT2(varproMonoExp(echoes, n, TE, { ...opts, model: 'rician', noiseSigma: sigma }).t2);
  const mono = meanT2(varproMonoExp(echoes, n, TE, opts).t2);
  // Measured (seed 17): rician 50.10 ms (SD 2.24, standard error 0.02), monoexp 52.79 ms (+5.6%);
  // for reference the offset model gives 45.81 ms (−8.4%: C soaks up part of the decay).
  assert.ok(Math.abs(rician - 50) <= 0.02 * 50, `rician mean T2 ${rician} ms`);
  assert.ok(mono - 50 > 0.04 * 50 && mono - 50 > 5 * Math.abs(rician - 50), `monoexp mean T2 ${mono} ms, rician ${rician} ms`);
});

test('rician model: worker threads match the synchronous fit bit for bit; masked and zero voxels', async () => {
  const TE = echoTimes({ TE1: 12.7, dTE: 12.7, count: 16 });
  const n = 2 * MIN_VOXELS_PER_THREAD + 77;
  const rng = createRng(5);
  const echoes = new Float32Array(TE.length * n);
  const mask = new Uint8Array(n);
  for (let v = 0; v < n; v++) {
    mask[v] = v % 50 === 1 ? 1 : 0; // a sparse mask keeps the test fast
    const M0 = v % 100 === 1 ? 0 : 200 * rng.uniform();
    const T2 = 8 * Math.pow(100, rng.uniform());
    for (let k = 0; k < TE.length; k++) {
      echoes[k * n + v] = M0 === 0 ? 0 : Math.hypot(M0 * Math.exp(-TE[k] / T2) + 3.5 * rng.normal(), 3.5 * rng.normal());
    }
  }
  const opts = { t2Min: 1, t2Max: 3000, mask, model: 'rician' as const, noiseSigma: 3.5 };
  const sync = varproMonoExp(echoes, n, TE, opts);
  const par = await varproMonoExpParallel(echoes, n, TE, { ...opts, threads: 2 });
  assert.deepEqual(par.m0, sync.m0);
  assert.deepEqual(par.t2, sync.t2);
  assert.equal(par.offset, undefined);
  assert.deepEqual([sync.m0[0], sync.t2[0], sync.m0[101], sync.t2[101]], [0, 0, 0, 0]); // masked; all-zero echoes
  assert.ok(sync.t2[51] > 0 && sync.t2[n - 26] > 0);
});

test('bad model options: one-line errors naming the field', async () => {
  const TE = [10, 20, 30];
  const echoes = new Float32Array(3 * 4).fill(1);
  const ok = { t2Min: 1, t2Max: 3000 };
  const bad: [object, RegExp][] = [
    [{ model: 'biexp' }, /^opts\.model must be one of 'monoexp', 'offset', 'rician' \(got "biexp"\)$/],
    [{ model: 'rician' }, /^opts\.noiseSigma must be a finite number > 0 in signal units \(required by opts\.model 'rician'\) \(got undefined\)$/],
    [{ model: 'rician', noiseSigma: 0 }, /^opts\.noiseSigma must be a finite number > 0 .*\(got 0\)$/],
    [{ model: 'rician', noiseSigma: NaN }, /^opts\.noiseSigma must be a finite number > 0 .*\(got NaN\)$/],
    [{ model: 'monoexp', noiseSigma: -1 }, /^opts\.noiseSigma must be a finite number > 0 in signal units \(got -1\)$/],
    [{ model: 'rician', noiseSigma: 2, nonNegativeM0: false }, /^opts\.nonNegativeM0 cannot be false with opts\.model 'rician'/],
  ];
  for (const [extra, re] of bad) {
    const opts = { ...ok, ...extra } as Parameters<typeof varproMonoExp>[3];
    const check = (err: Error): boolean => re.test(err.message) && !err.message.includes('\n');
    assert.throws(() => varproMonoExp(echoes, 4, TE, opts), check);
    await assert.rejects(varproMonoExpParallel(echoes, 4, TE, opts), check);
  }
  // Explicit defaults are accepted.
  assert.equal(varproMonoExp(echoes, 4, TE, { ...ok, model: 'monoexp' }).t2[0], 3000);
});

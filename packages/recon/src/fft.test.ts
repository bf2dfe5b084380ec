import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '@relaxomap/physics';
import { fft, planFft } from './fft.js';

function directDft(x: Float64Array, inverse: boolean): Float64Array {
  const n = x.length / 2;
  const out = new Float64Array(2 * n);
  const s = inverse ? 1 : -1;
  for (let k = 0; k < n; k++) {
    let re = 0, im = 0;
    for (let j = 0; j < n; j++) {
      const a = (s * 2 * Math.PI * ((j * k) % n)) / n;
      const c = Math.cos(a), si = Math.sin(a);
      re += x[2 * j] * c - x[2 * j + 1] * si;
      im += x[2 * j] * si + x[2 * j + 1] * c;
    }
    out[2 * k] = re; out[2 * k + 1] = im;
  }
  return out;
}

function maxRelDiff(a: Float64Array, b: Float64Array): number {
  let m = 0, s = 0;
  for (let i = 0; i < a.length; i++) { m = Math.max(m, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return m / s;
}

describe('planFft / fft', () => {
  // powers of two, radix 3/5, the 440 = 4·2·5·11 NUFFT grid, generic primes (7, 11, 13, 43), and
  // Bluestein lengths (prime 97, 2·223 = 446, 53·3)
  const sizes = [1, 2, 3, 4, 5, 8, 12, 30, 44, 49, 64, 77, 97, 143, 159, 256, 440, 446];
  for (const n of sizes) {
    it(`matches the direct DFT for n = ${n}, both directions`, () => {
      const rng = createRng(n);
      const x = new Float64Array(2 * n).map(() => rng.normal());
      const plan = planFft(n);
      for (const inv of [false, true]) {
        const err = maxRelDiff(fft(plan, x, inv), directDft(x, inv));
        assert.ok(err < 1e-12, `n=${n} inverse=${inv}: max relative difference ${err}`);
      }
    });
  }
  it('uses Bluestein exactly for lengths with a prime factor above 47', () => {
    assert.equal(planFft(446).bluestein !== null, true);
    assert.equal(planFft(440).bluestein, null);
    assert.deepEqual(Array.from(planFft(440).factors), [4, 110, 2, 55, 5, 11, 11, 1]);
  });
  it('inverse(forward(x)) = n·x', () => {
    const n = 220, plan = planFft(n), rng = createRng(3);
    const x = new Float64Array(2 * n).map(() => rng.normal());
    const y = fft(plan, fft(plan, x), true);
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(y[i] / n - x[i]) < 1e-12);
  });
  it('rejects a bad length', () => {
    assert.throws(() => planFft(0), /fft length n must be a positive integer \(got 0\)/);
    assert.throws(() => fft(planFft(4), new Float64Array(6)), /fft input length 6 must be 2·n = 8/);
  });
});

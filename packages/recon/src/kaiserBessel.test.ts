import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { besselI0, kaiserBessel, kaiserBesselBeta, kaiserBesselFourier } from './kaiserBessel.js';

describe('Kaiser–Bessel kernel', () => {
  it('besselI0 matches scipy.special.i0', () => {
    // values printed by scipy 1.x: i0(1.0), i0(5.0), i0(10.0), i0(13.855)
    const ref: [number, number][] = [[0, 1], [1, 1.2660658777520082], [5, 27.239871823604442], [10, 2815.716628466254], [13.855, 112545.59669145686]];
    for (const [x, v] of ref) assert.ok(Math.abs(besselI0(x) / v - 1) < 1e-14, `I0(${x}) = ${besselI0(x)}`);
  });
  it('beta follows Beatty et al. 2005: π·sqrt((W/α)²(α − 1/2)² − 0.8)', () => {
    assert.ok(Math.abs(kaiserBesselBeta(6, 2) - Math.PI * Math.sqrt(19.45)) < 1e-12);
    assert.ok(Math.abs(kaiserBesselBeta(4, 2) - Math.PI * Math.sqrt(8.2)) < 1e-12);
    assert.throws(() => kaiserBesselBeta(1, 1.1), /kernel width 1 is too small for oversampling 1\.1/);
    assert.throws(() => kaiserBesselBeta(4, 1), /oversampling must be > 1 \(got 1\)/);
  });
  it('is 1 at the centre, even, and 0 beyond W/2', () => {
    const W = 6, b = kaiserBesselBeta(W, 2);
    assert.equal(kaiserBessel(0, W, b), 1);
    assert.equal(kaiserBessel(1.3, W, b), kaiserBessel(-1.3, W, b));
    assert.equal(kaiserBessel(3.0001, W, b), 0);
    assert.ok(kaiserBessel(2.9, W, b) > 0 && kaiserBessel(2.9, W, b) < 1e-3);
  });
  it('kaiserBesselFourier equals the numerical Fourier integral of the kernel', () => {
    for (const [W, alpha] of [[6, 2], [4, 2], [4, 1.25]]) {
      const b = kaiserBesselBeta(W, alpha);
      for (const nu of [0, 0.1, 0.25, 0.4]) {
        // Simpson's rule on [−W/2, W/2], 2000 intervals
        const n = 2000, h = W / n;
        let s = 0;
        for (let i = 0; i <= n; i++) {
          const u = -W / 2 + i * h;
          const f = kaiserBessel(u, W, b) * Math.cos(2 * Math.PI * u * nu);
          s += f * (i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2);
        }
        s *= h / 3;
        const a = kaiserBesselFourier(nu, W, b);
        assert.ok(Math.abs(a - s) < 1e-9 * Math.max(1, Math.abs(s)), `W=${W} α=${alpha} ν=${nu}: ${a} vs ${s}`);
      }
    }
  });
});

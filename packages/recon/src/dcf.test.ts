import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyticSpiralDcf, pipeMenonDcf, spiralDcf } from './dcf.js';
import { nufftAdjoint, planNufft } from './nufft.js';
import { variableDensitySpiral } from './spiral.js';

describe('pipeMenonDcf', () => {
  it('gives every sample of a full 16×16 Cartesian grid the area 1/256 (cycles/pixel)²', () => {
    const c = new Float32Array(2 * 256);
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) { c[2 * (y * 16 + x)] = x / 16 - 0.5; c[2 * (y * 16 + x) + 1] = y / 16 - 0.5; }
    const w = pipeMenonDcf(planNufft(c, [16, 16]));
    for (const v of w) assert.ok(Math.abs(v * 256 - 1) < 0.01, `weight·256 = ${v * 256}`);
  });
  it('rejects bad iterations and initial weights', () => {
    const plan = planNufft(new Float32Array(4), [8, 8]);
    assert.throws(() => pipeMenonDcf(plan, { iterations: -1 }), /iterations must be a non-negative integer/);
    assert.throws(() => pipeMenonDcf(plan, {}, new Float32Array(3)), /initial weights length 3 must equal the 2 samples/);
    assert.throws(() => pipeMenonDcf(plan, {}, new Float32Array(2)), /initial weights must be > 0/);
  });
});

describe('spiral density compensation', () => {
  const traj = variableDensitySpiral({ imageSize: 64, nInterleaves: 16 });
  const all = Array.from({ length: 16 }, (_, i) => i);

  it('analytic annulus weights sum to the disc area π·r_max² ≈ π/4', () => {
    const w = analyticSpiralDcf(traj);
    let s = 0;
    for (const v of w) s += v * 16;
    assert.ok(Math.abs(s / (Math.PI / 4) - 1) < 0.005, `Σw = ${s}`);
  });

  it('normalisation: Σw ≈ π/4 and the PSF peak (A^H W 1 at the centre) equals Σw', () => {
    const w = spiralDcf(traj, all, [64, 64]);
    let s = 0;
    for (const v of w) { assert.ok(v > 0); s += v; }
    assert.ok(Math.abs(s / (Math.PI / 4) - 1) < 0.01, `Σw = ${s} vs π/4 = ${Math.PI / 4}`); // measured +0.7%
    const ones = new Float32Array(2 * w.length);
    for (let j = 0; j < w.length; j++) ones[2 * j] = 1;
    const psf = nufftAdjoint(planNufft(traj.coords, [64, 64]), ones, w);
    const centre = 2 * (32 * 64 + 32);
    assert.ok(Math.abs(psf[centre] / s - 1) < 1e-4 && Math.abs(psf[centre + 1]) < 1e-4 * s, `PSF peak ${psf[centre]}`);
    // a PSF: the peak is the maximum and the first ring is far lower
    let maxOther = 0;
    for (let i = 0; i < 64 * 64; i++) if (2 * i !== centre) maxOther = Math.max(maxOther, Math.hypot(psf[2 * i], psf[2 * i + 1]));
    assert.ok(maxOther < 0.2 * psf[centre], `largest side lobe ${maxOther}`);
  });

  it('shares weight between coincident samples: an interleaf listed twice gets half the weight each time', () => {
    const M = traj.samplesPerInterleaf;
    const once = spiralDcf(traj, [3], [64, 64]), twice = spiralDcf(traj, [3, 3], [64, 64]);
    for (let s = 0; s < M; s += 7) {
      assert.ok(Math.abs(twice[s] - twice[M + s]) <= 1e-7 * once[s]);
      assert.ok(Math.abs(twice[s] / (once[s] / 2) - 1) < 1e-3, `sample ${s}: ${twice[s]} vs ${once[s]}/2`);
    }
  });

  it('rejects an interleaf index out of range', () => {
    assert.throws(() => spiralDcf(traj, [0, 16], [64, 64]), /interleaves\[1\] must be an integer in \[0, 16\) \(got 16\)/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addGaussianNoise, addRicianNoise } from './noise.js';

describe('addGaussianNoise', () => {
  it('adds zero-mean noise of the requested VARIANCE, into a new array', () => {
    const n = 200_000;
    const x = new Float32Array(n).fill(0.5);
    const y = addGaussianNoise(x, 0.04, 3);
    assert.equal(x[0], 0.5); // input untouched
    let m = 0, v = 0;
    for (let i = 0; i < n; i++) m += y[i]! - x[i]!;
    m /= n;
    for (let i = 0; i < n; i++) v += (y[i]! - x[i]! - m) ** 2;
    v /= n;
    assert.ok(Math.abs(m) < 0.002, `mean ${m}`);
    assert.ok(Math.abs(v / 0.04 - 1) < 0.02, `variance ${v} (std would give 0.0016)`);
  });
  it('is deterministic per seed, exact for variance 0, and validates variance', () => {
    const x = Float32Array.from([1, 2, 3]);
    assert.deepEqual(addGaussianNoise(x, 0.1, 9), addGaussianNoise(x, 0.1, 9));
    assert.notDeepEqual(addGaussianNoise(x, 0.1, 9), addGaussianNoise(x, 0.1, 10));
    assert.deepEqual(addGaussianNoise(x, 0, 9), x);
    assert.throws(() => addGaussianNoise(x, -1, 1), /variance must be a finite number >= 0 \(got -1\)/);
  });
});

describe('addRicianNoise', () => {
  it('background is Rayleigh (mean σ√(π/2), E[y²] = 2σ²); bright signal is ≈ x + real noise (E[y²] = x² + 2σ²)', () => {
    const n = 200_000;
    const sigma = 0.1;
    for (const [level, mean] of [[0, sigma * Math.sqrt(Math.PI / 2)], [2, 2 + sigma * sigma / 4]] as const) {
      const y = addRicianNoise(new Float32Array(n).fill(level), sigma * sigma, 5);
      let m = 0, m2 = 0;
      for (let i = 0; i < n; i++) { m += y[i]!; m2 += y[i]! * y[i]!; }
      m /= n; m2 /= n;
      assert.ok(Math.abs(m - mean) < 4 * sigma / Math.sqrt(n), `level ${level}: mean ${m} vs ${mean}`);
      // E[y²] = x² + 2σ² exactly (second moment of the Rician).
      assert.ok(Math.abs(m2 - (level * level + 2 * sigma * sigma)) < 0.01 * (level * level + 2 * sigma * sigma), `level ${level}: E[y²] ${m2}`);
      assert.ok(y.every((v) => v >= 0));
    }
    assert.deepEqual(addRicianNoise(new Float32Array([1, 2]), 0, 1), new Float32Array([1, 2]));
    assert.throws(() => addRicianNoise(new Float32Array(1), -1, 1), /variance must be/);
  });
});

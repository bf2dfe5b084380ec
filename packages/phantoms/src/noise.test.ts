import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addGaussianNoise } from './noise.js';

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

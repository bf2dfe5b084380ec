import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkAdjoint, complexDot, randomComplex, type LinearOperator } from './linop.js';

/** Elementwise multiply by a fixed complex vector d: A = diag(d), A^H = diag(conj d). */
function diagonal(d: Float32Array, conjugateAdjoint = true): LinearOperator {
  const mul = (x: Float32Array, conj: boolean): Float32Array => {
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i += 2) {
      const dr = d[i], di = conj ? -d[i + 1] : d[i + 1];
      out[i] = dr * x[i] - di * x[i + 1];
      out[i + 1] = dr * x[i + 1] + di * x[i];
    }
    return out;
  };
  return { ishape: [d.length / 2], oshape: [d.length / 2], apply: (x) => mul(x, false), adjoint: (y) => mul(y, conjugateAdjoint) };
}

describe('complexDot', () => {
  it('conjugates the first argument: <(1+2i), (3+4i)> = 11 − 2i', () => {
    assert.deepEqual(complexDot(new Float32Array([1, 2]), new Float32Array([3, 4])), [11, -2]);
  });
});

describe('checkAdjoint', () => {
  const d = randomComplex(500, 9);
  it('accepts a correct adjoint (diag(conj d)) to float32 round-off', () => {
    const r = checkAdjoint(diagonal(d), 1, 1e-6);
    assert.ok(r.relError < 1e-6);
    assert.ok(Math.hypot(r.lhs[0], r.lhs[1]) > 0);
  });
  it('rejects a wrong adjoint (diag(d), conjugation missing)', () => {
    assert.throws(() => checkAdjoint(diagonal(d, false), 1, 1e-3), /adjoint check failed \(ishape \[500\], oshape \[500\]\)/);
  });
  it('rejects outputs of the wrong length', () => {
    const bad: LinearOperator = { ishape: [3], oshape: [2], apply: () => new Float32Array(6), adjoint: () => new Float32Array(6) };
    assert.throws(() => checkAdjoint(bad, 1, 1e-3), /apply returned 6 numbers, expected 4/);
  });
});

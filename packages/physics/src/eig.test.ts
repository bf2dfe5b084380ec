import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, symmetricEigen } from './index.js';

/** A random orthogonal matrix (rows), as a product of Householder reflections. */
function randomOrthogonal(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  for (let r = 0; r < n; r++) {
    const v = Array.from({ length: n }, () => rng.normal());
    const vv = v.reduce((s, x) => s + x * x, 0);
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += Q[i * n + j] * v[j];
      for (let j = 0; j < n; j++) Q[i * n + j] -= (2 * dot * v[j]) / vv;
    }
  }
  return Q;
}

/** A = Qᵀ·diag(λ)·Q (rows of Q are the eigenvectors). */
function compose(Q: Float64Array, lambda: number[], n: number): Float64Array {
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += Q[k * n + i] * lambda[k] * Q[k * n + j];
      A[i * n + j] = s;
      A[j * n + i] = s;
    }
  }
  return A;
}

test('recovers a known decomposition: eigenvalues, eigenvectors (up to sign), orthonormal rows', () => {
  const n = 60;
  const Q = randomOrthogonal(n, 7);
  const lambda = Array.from({ length: n }, (_, k) => 100 * Math.exp(-k / 5) - (k % 7 === 3 ? 3 : 0));
  const A = compose(Q, lambda, n);
  const { values, vectors } = symmetricEigen(A, n);
  const sorted = [...lambda].sort((x, y) => y - x);
  for (let r = 0; r < n; r++) assert.ok(Math.abs(values[r] - sorted[r]) < 1e-11, `λ_${r}: ${values[r]} vs ${sorted[r]}`);
  // Each computed vector is ± the generating row of the same eigenvalue (all distinct here).
  for (let r = 0; r < n; r++) {
    const k = lambda.indexOf(sorted[r]);
    let dot = 0;
    for (let j = 0; j < n; j++) dot += vectors[r * n + j] * Q[k * n + j];
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-9, `vector ${r}: |dot| = ${Math.abs(dot)}`);
  }
  let worstOrtho = 0;
  for (let r = 0; r < n; r++) {
    for (let s = 0; s <= r; s++) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += vectors[r * n + j] * vectors[s * n + j];
      worstOrtho = Math.max(worstOrtho, Math.abs(dot - (r === s ? 1 : 0)));
    }
  }
  assert.ok(worstOrtho < 1e-13, `orthonormality ${worstOrtho}`);
  // Reconstruction Vᵀ·diag(λ)·V = A.
  const back = compose(vectors, Array.from(values), n);
  let worst = 0;
  for (let i = 0; i < n * n; i++) worst = Math.max(worst, Math.abs(back[i] - A[i]));
  assert.ok(worst < 1e-11, `reconstruction ${worst}`);
});

test('closed forms: 2×2, the 1-D Laplacian, repeated eigenvalues, diagonal and 1×1 matrices', () => {
  const two = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
  assert.deepEqual(Array.from(two.values).map((v) => +v.toFixed(14)), [3, 1]);
  const h = Math.SQRT1_2;
  // Sign rule: the largest-magnitude component is positive (the first one on ties).
  for (const [got, want] of [[two.vectors[0], h], [two.vectors[1], h], [two.vectors[2], h], [two.vectors[3], -h]]) {
    assert.ok(Math.abs(got - want) < 1e-15);
  }
  const n = 40;
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    L[i * n + i] = 2;
    if (i > 0) L[i * n + i - 1] = L[(i - 1) * n + i] = -1;
  }
  const lap = symmetricEigen(L, n);
  for (let k = 1; k <= n; k++) {
    const want = 2 - 2 * Math.cos(((n + 1 - k) * Math.PI) / (n + 1)); // descending
    assert.ok(Math.abs(lap.values[k - 1] - want) < 1e-13);
  }
  const Q = randomOrthogonal(12, 3);
  const rep = symmetricEigen(compose(Q, [5, 5, 5, 2, 2, 1, 0, 0, 0, 0, -1, -1], 12), 12);
  [5, 5, 5, 2, 2, 1, 0, 0, 0, 0, -1, -1].forEach((want, r) => assert.ok(Math.abs(rep.values[r] - want) < 1e-12));
  const diag = symmetricEigen(Float64Array.from([1, 0, 0, 0, 3, 0, 0, 0, 2]), 3);
  assert.deepEqual(Array.from(diag.values), [3, 2, 1]);
  assert.deepEqual(Array.from(diag.vectors), [0, 1, 0, 0, 0, 1, 1, 0, 0]);
  assert.deepEqual(Array.from(symmetricEigen(Float64Array.from([-4]), 1).values), [-4]);
});

test('rejects non-symmetric, non-finite or mis-sized input by name', () => {
  assert.throws(() => symmetricEigen(Float64Array.from([1, 2, 3, 4]), 2), {
    message: 'A must be symmetric (A[1, 0] = 3 but A[0, 1] = 2)',
  });
  assert.throws(() => symmetricEigen(Float64Array.from([1, NaN, NaN, 4]), 2), { message: 'A[0, 1] is not finite (NaN)' });
  assert.throws(() => symmetricEigen(new Float64Array(5), 2), /A must be a Float64Array of n·n = 4 values/);
});

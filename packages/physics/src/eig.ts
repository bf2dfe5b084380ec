/**
 * Eigen-decomposition of a real symmetric matrix: Householder reduction to tridiagonal form, then
 * the implicit QL algorithm with Wilkinson-like shifts, accumulating the transformations.
 *
 * O(n³): about 1 s for n = 600 here. Used for the MRF subspace (the TRs × TRs Gram matrix of the
 * dictionary), where it replaces a full SVD of the (atoms × TRs) dictionary.
 *
 * Reference: the EISPACK routines tred2 and tql2 (Martin, Reinsch & Wilkinson, Numer. Math. 11
 * (1968) 181-195; Bowdler et al., Numer. Math. 11 (1968) 293-306), in the formulation of the
 * public-domain JAMA library.
 */

/** Eigenpairs of a symmetric matrix, eigenvalues in DESCENDING order. */
export interface SymmetricEigen {
  n: number;
  /** λ_0 ≥ λ_1 ≥ … ≥ λ_{n−1}, Float64Array (n). */
  values: Float64Array;
  /** Row r is the unit eigenvector of λ_r: shape (n, n), C order, Float64Array. Orthonormal rows. */
  vectors: Float64Array;
}

const EPS = 2 ** -52;
const MAX_SWEEPS = 60;

function checkSymmetric(A: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`n must be an integer >= 1 (got ${String(n)})`);
  if (!(A instanceof Float64Array) || A.length !== n * n) {
    throw new Error(`A must be a Float64Array of n·n = ${n * n} values (got ${A?.length})`);
  }
  let maxAbs = 0;
  for (let i = 0; i < n * n; i++) {
    if (!Number.isFinite(A[i])) throw new Error(`A[${Math.floor(i / n)}, ${i % n}] is not finite (${A[i]})`);
    maxAbs = Math.max(maxAbs, Math.abs(A[i]));
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (Math.abs(A[i * n + j] - A[j * n + i]) > 1e-12 * maxAbs) {
        throw new Error(`A must be symmetric (A[${i}, ${j}] = ${A[i * n + j]} but A[${j}, ${i}] = ${A[j * n + i]})`);
      }
    }
  }
}

/** Householder tridiagonalisation (tred2): V ← Q (row-major), d ← diagonal, e ← sub-diagonal. */
function tridiagonalize(V: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  const at = (r: number, c: number): number => r * n + c;
  for (let j = 0; j < n; j++) d[j] = V[at(n - 1, j)];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[at(i - 1, j)];
        V[at(i, j)] = 0;
        V[at(j, i)] = 0;
      }
    } else {
      // Householder vector from the scaled row.
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      // p = A·u / h, accumulated into e (lower triangle only).
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[at(j, i)] = f;
        g = e[j] + V[at(j, j)] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[at(k, j)] * d[k];
          e[k] += V[at(k, j)] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      // A ← A − u·qᵀ − q·uᵀ on the lower triangle.
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[at(k, j)] -= f * e[k] + g * d[k];
        d[j] = V[at(i - 1, j)];
        V[at(i, j)] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations into V.
  for (let i = 0; i < n - 1; i++) {
    V[at(n - 1, i)] = V[at(i, i)];
    V[at(i, i)] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[at(k, i + 1)] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[at(k, i + 1)] * V[at(k, j)];
        for (let k = 0; k <= i; k++) V[at(k, j)] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[at(k, i + 1)] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[at(n - 1, j)];
    V[at(n - 1, j)] = 0;
  }
  V[at(n - 1, n - 1)] = 1;
  e[0] = 0;
}

/**
 * Implicit QL on the tridiagonal (d, e) (tql2). W holds the eigenvector basis TRANSPOSED (row i =
 * column i of V), so each plane rotation touches two contiguous rows.
 */
function tridiagonalQL(W: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= EPS * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > MAX_SWEEPS) throw new Error(`symmetricEigen: no convergence for eigenvalue ${l} after ${MAX_SWEEPS} QL sweeps`);
        // Shift from the leading 2×2 block.
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        // Implicit QL transformation.
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          const ri = i * n;
          const rj = (i + 1) * n;
          for (let k = 0; k < n; k++) {
            const wk = W[rj + k];
            W[rj + k] = s * W[ri + k] + c * wk;
            W[ri + k] = c * W[ri + k] - s * wk;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > EPS * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/**
 * Eigen-decomposition A = Vᵀ·diag(λ)·V of a real symmetric matrix (rows of V = eigenvectors).
 *
 * Each eigenvector's sign is fixed so that its largest-magnitude component is positive (the first
 * such component on ties), which makes the result deterministic.
 *
 * @param A - shape (n, n), C order, Float64Array, symmetric to 1e-12 relative; not modified
 * @param n - matrix side
 * @returns eigenvalues descending and eigenvectors as rows
 * @throws Error naming `A` if it is not finite and symmetric, or on non-convergence
 */
export function symmetricEigen(A: Float64Array, n: number): SymmetricEigen {
  checkSymmetric(A, n);
  const V = Float64Array.from(A);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(V, n, d, e);
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) W[j * n + i] = V[i * n + j];
  tridiagonalQL(W, n, d, e);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[b] - d[a] || a - b);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = d[src];
    const row = W.subarray(src * n, (src + 1) * n);
    let big = 0;
    for (let k = 1; k < n; k++) if (Math.abs(row[k]) > Math.abs(row[big])) big = k;
    const sign = row[big] < 0 ? -1 : 1;
    for (let k = 0; k < n; k++) vectors[dst * n + k] = sign * row[k];
  });
  return { n, values, vectors };
}

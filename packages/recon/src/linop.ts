/**
 * Linear operators over interleaved complex arrays (cf. SigPy `Linop`, MRpro `LinearOperator`), and the
 * one adjointness check every operator in this package is tested with.
 *
 * Convention: a shape lists the complex dimensions only, C order; the Float32Array holding it has
 * 2·prod(shape) numbers (re, im, re, im, …). Inner product ⟨a, b⟩ = Σ conj(a_i)·b_i.
 */
import { createRng } from '@relaxomap/physics';

/** A linear map A: C^prod(ishape) → C^prod(oshape) with its adjoint A^H. */
export interface LinearOperator {
  /** Input shape (complex elements, C order), e.g. `[y, x]`. */
  ishape: number[];
  /** Output shape, e.g. `[sample]`. */
  oshape: number[];
  /** y = A x; `x` has 2·prod(ishape) numbers, the result 2·prod(oshape). Does not modify x. */
  apply(x: Float32Array): Float32Array;
  /** x = A^H y. Does not modify y. */
  adjoint(y: Float32Array): Float32Array;
}

/** Number of complex elements in a shape. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** ⟨a, b⟩ = Σ conj(a_i)·b_i over interleaved complex arrays, accumulated in float64. Returns [re, im]. */
export function complexDot(a: Float32Array | Float64Array, b: Float32Array | Float64Array): [number, number] {
  if (a.length !== b.length) throw new Error(`complexDot: lengths differ (${a.length} vs ${b.length})`);
  let re = 0, im = 0;
  for (let i = 0; i < a.length; i += 2) {
    const ar = a[i], ai = a[i + 1], br = b[i], bi = b[i + 1];
    re += ar * br + ai * bi;
    im += ar * bi - ai * br;
  }
  return [re, im];
}

/** Euclidean norm sqrt(Σ |a_i|²) of an interleaved complex (or any real) array, in float64. */
export function norm2(a: Float32Array | Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** Complex standard normal samples (re, im each N(0, 1)), `n` complex elements, seeded. */
export function randomComplex(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}

/** Outcome of {@link checkAdjoint}. */
export interface AdjointCheck {
  /** ⟨A x, y⟩ as [re, im] */
  lhs: [number, number];
  /** ⟨x, A^H y⟩ as [re, im] */
  rhs: [number, number];
  /** |lhs − rhs| / (‖A x‖·‖y‖): scale-free; float32 round-off gives ~1e-7·sqrt(size) */
  relError: number;
}

/**
 * Adjointness test: with random complex x (ishape) and y (oshape), checks ⟨A x, y⟩ = ⟨x, A^H y⟩, i.e.
 * |⟨Ax, y⟩ − ⟨x, A^H y⟩| ≤ tol·‖Ax‖·‖y‖ (normalised by the Cauchy–Schwarz bound, so it is
 * independent of the operator's scale). Also checks the output lengths against oshape / ishape.
 *
 * @param seed seeds x (seed) and y (seed + 1)
 * @param tol relative tolerance, e.g. 1e-5 for float32 operators
 * @returns the two inner products and the relative error
 * @throws Error naming the operator's shapes if the lengths are wrong or relError > tol
 */
export function checkAdjoint(op: LinearOperator, seed: number, tol: number): AdjointCheck {
  const nIn = shapeSize(op.ishape), nOut = shapeSize(op.oshape);
  const x = randomComplex(nIn, seed);
  const y = randomComplex(nOut, seed + 1);
  const Ax = op.apply(x);
  const AHy = op.adjoint(y);
  const shapes = `ishape [${op.ishape.join(', ')}], oshape [${op.oshape.join(', ')}]`;
  if (Ax.length !== 2 * nOut) throw new Error(`apply returned ${Ax.length} numbers, expected ${2 * nOut} (${shapes})`);
  if (AHy.length !== 2 * nIn) throw new Error(`adjoint returned ${AHy.length} numbers, expected ${2 * nIn} (${shapes})`);
  const lhs = complexDot(Ax, y);
  const rhs = complexDot(x, AHy);
  const scale = norm2(Ax) * norm2(y);
  const diff = Math.hypot(lhs[0] - rhs[0], lhs[1] - rhs[1]);
  const relError = scale > 0 ? diff / scale : diff;
  if (!(relError <= tol)) {
    throw new Error(`adjoint check failed (${shapes}): <Ax,y> = ${lhs[0]}+${lhs[1]}i, <x,A^H y> = ${rhs[0]}+${rhs[1]}i, relative error ${relError.toExponential(2)} > ${tol}`);
  }
  return { lhs, rhs, relError };
}

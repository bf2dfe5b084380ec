/**
 * Echo-time lists: construction and validation.
 *
 * Times are in milliseconds everywhere. A valid list is non-empty, every entry finite and > 0,
 * and strictly increasing (the Varpro grid and the even-spacing fast path rely on the order).
 */

/** Evenly spaced echo train: TE_k = TE1 + k·dTE, k = 0 … count−1 (ms). */
export interface EvenEchoTrain {
  /** First echo time (ms), finite and > 0. */
  TE1: number;
  /** Echo spacing (ms), finite and > 0. */
  dTE: number;
  /** Number of echoes, an integer ≥ 1. */
  count: number;
}

/** Explicit echo-time list (ms). */
export interface EchoTimeList {
  list: readonly number[];
}

export type EchoTimeSpec = EvenEchoTrain | EchoTimeList;

/**
 * Check an echo-time list: non-empty, all finite, all > 0, strictly increasing.
 *
 * @param TE - echo times (ms)
 * @param field - name used in error messages (default `"TE"`), e.g. `"TE"` gives `"TE[2] must be > TE[1] (got 60 <= 67)"`
 * @throws Error with a one-line message naming the offending entry
 */
export function validateEchoTimes(TE: ArrayLike<number>, field = 'TE'): void {
  if (TE === null || typeof TE !== 'object' || typeof TE.length !== 'number') {
    throw new Error(`${field} must be an array of echo times (ms)`);
  }
  if (TE.length === 0) throw new Error(`${field} must hold at least one echo time`);
  for (let k = 0; k < TE.length; k++) {
    const t = TE[k];
    if (typeof t !== 'number' || !Number.isFinite(t)) {
      throw new Error(`${field}[${k}] must be a finite number (got ${String(t)})`);
    }
    if (t <= 0) throw new Error(`${field}[${k}] must be > 0 ms (got ${t})`);
    if (k > 0 && t <= TE[k - 1]) {
      throw new Error(`${field}[${k}] must be > ${field}[${k - 1}] (got ${t} <= ${TE[k - 1]})`);
    }
  }
}

function positiveFinite(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${field} must be a finite number > 0 (got ${String(value)})`);
  }
  return value;
}

/**
 * Build a validated, frozen echo-time list (ms).
 *
 * `{ TE1, dTE, count }` gives TE_k = TE1 + k·dTE (k = 0 … count−1);
 * `{ list }` is checked and copied.
 *
 * @example echoTimes({ TE1: 6, dTE: 6, count: 10 }) // [6, 12, …, 60]
 * @example echoTimes({ list: [43, 67, 91, 115] })
 * @throws Error naming the field (`TE1`, `dTE`, `count`, or `TE[k]`)
 */
export function echoTimes(spec: EchoTimeSpec): readonly number[] {
  if (spec === null || typeof spec !== 'object') {
    throw new Error('echo times: expected { TE1, dTE, count } or { list }');
  }
  if ('list' in spec) {
    validateEchoTimes(spec.list);
    return Object.freeze(Array.from(spec.list));
  }
  const TE1 = positiveFinite(spec.TE1, 'TE1');
  const dTE = positiveFinite(spec.dTE, 'dTE');
  const count = spec.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    throw new Error(`count must be an integer >= 1 (got ${String(count)})`);
  }
  const TE = Array.from({ length: count }, (_, k) => TE1 + k * dTE);
  validateEchoTimes(TE);
  return Object.freeze(TE);
}

/**
 * Detect an evenly spaced echo train: TE_k = TE1 + k·dTE within a relative tolerance.
 *
 * Why: with even spacing e^{−R·TE_k} = e^{−R·TE1}·x^k, x = e^{−R·dTE}, so sums over echoes become
 * polynomials in x and fits need no exp per echo.
 *
 * @param TE - validated echo times (ms)
 * @param relTol - allowed |TE_k − (TE1 + k·dTE)| relative to the last TE (default 1e-9)
 * @returns `{ TE1, dTE }` or `undefined` for a single echo or uneven spacing
 */
export function evenEchoSpacing(
  TE: ArrayLike<number>,
  relTol = 1e-9,
): { TE1: number; dTE: number } | undefined {
  const n = TE.length;
  if (n < 2) return undefined;
  const TE1 = TE[0];
  const dTE = (TE[n - 1] - TE1) / (n - 1);
  const tol = relTol * Math.abs(TE[n - 1]);
  for (let k = 0; k < n; k++) {
    if (Math.abs(TE[k] - (TE1 + k * dTE)) > tol) return undefined;
  }
  return { TE1, dTE };
}

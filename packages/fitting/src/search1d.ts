/**
 * The 1-D search every Varpro kernel ends with: maximise a projected objective g(R) over the decay
 * rate R near the best point of a grid. Shared by the mono-exponential and the offset kernels, which
 * differ only in how they evaluate g and its derivative h′ (and the curvature h″).
 */

/** The projected objective of one voxel, as the search sees it. */
export interface ProjectedHill {
  /** Writes h′(R) into ev[0] and h″(R) into ev[1]; false where R is not a valid Newton point. */
  slope(R: number, ev: Float64Array): boolean;
  /** g(R), for the golden-section fallback. */
  value(R: number): number;
}

const INV_PHI = (Math.sqrt(5) - 1) / 2;

/** Golden-section maximisation of g on [lo, hi] (at most maxIter steps); an end wins if it beats the interior point. */
export function goldenMax(g: (R: number) => number, lo: number, hi: number, maxIter: number): number {
  let a = lo;
  let b = hi;
  let c = b - INV_PHI * (b - a);
  let d = a + INV_PHI * (b - a);
  let gc = g(c);
  let gd = g(d);
  for (let it = 0; it < maxIter && Math.abs(b - a) > 1e-13 * Math.abs(a + b); it++) {
    if (gc >= gd) {
      b = d;
      d = c;
      gd = gc;
      c = b - INV_PHI * (b - a);
      gc = g(c);
    } else {
      a = c;
      c = d;
      gc = gd;
      d = a + INV_PHI * (b - a);
      gd = g(d);
    }
  }
  const x = 0.5 * (a + b);
  // Never return an interior point worse than the ends (e.g. a monotone cell).
  const gx = g(x);
  const glo = g(lo);
  const ghi = g(hi);
  if (glo > gx && glo >= ghi) return lo;
  if (ghi > gx) return hi;
  return x;
}

/**
 * Refinement around grid point jb of `gridR` (rates, decreasing with j): bracket by the sign of h′ at
 * jb and the neighbour it points to, then safeguarded Newton on h′ (bisection fallback) to a 1e-12
 * relative step; golden section on g when the cell is not a simple bracket. A grid end whose h′
 * points outwards is kept (T2 at a bound).
 *
 * @param counters - optional diagnostics: [0] += evaluations of h′, [1] += golden-section fallbacks
 * @returns the rate R of the maximum
 */
export function refineOnGrid(
  hill: ProjectedHill, gridR: Float64Array, jb: number, ev: Float64Array, goldenIter: number, counters?: Float64Array,
): number {
  const G = gridR.length;
  const golden = (lo: number, hi: number): number => {
    if (counters) counters[1]++;
    return goldenMax((R) => hill.value(R), lo, hi, goldenIter);
  };
  const R = gridR[jb];
  if (counters) counters[0]++;
  // Not a Newton point at the best grid point (e.g. M0 ≥ 0 with mixed-sign data): search both cells.
  if (!hill.slope(R, ev)) return golden(gridR[Math.min(jb + 1, G - 1)], gridR[Math.max(jb - 1, 0)]);
  const f0 = ev[0];
  const h0 = ev[1];
  if (f0 === 0) return R;
  // h′ > 0: the optimum has a larger R, i.e. a smaller T2 (smaller grid index).
  const jn = f0 > 0 ? jb - 1 : jb + 1;
  if (jn < 0 || jn >= G) return R;
  const Rn = gridR[jn];
  if (counters) counters[0]++;
  const okN = hill.slope(Rn, ev);
  const fn = ev[0];
  if (okN && fn === 0) return Rn;
  // h′ keeps its sign across the cell (or the neighbour is infeasible): not a simple hill.
  if (!okN || fn > 0 === f0 > 0) return golden(Math.min(R, Rn), Math.max(R, Rn));
  // Safeguarded Newton on h′ in the bracket (a: h′ > 0, b: h′ < 0).
  let a = f0 > 0 ? R : Rn;
  let b = f0 > 0 ? Rn : R;
  let x = R;
  let f = f0;
  let h = h0;
  for (let it = 0; it < 200; it++) {
    const lo = a < b ? a : b;
    const hi = a < b ? b : a;
    let xn = h < 0 ? x - f / h : NaN;
    if (!(xn > lo && xn < hi)) xn = 0.5 * (a + b);
    const step = xn - x;
    x = xn;
    if (Math.abs(step) <= 1e-12 * x || hi - lo <= 4e-16 * x) break;
    if (counters) counters[0]++;
    if (!hill.slope(x, ev)) return golden(lo, hi);
    f = ev[0];
    h = ev[1];
    if (f > 0) a = x;
    else if (f < 0) b = x;
    else break;
  }
  return x;
}

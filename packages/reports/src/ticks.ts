/**
 * "Nice" tick values inside [vmin, vmax]: multiples of a step 1, 2 or 5 × 10^k chosen so that about
 * `count` ticks fall in the interval (the usual Heckbert / d3 rule). Values are rounded to the step's
 * decimals, so 0.1 steps give 0.3, not 0.30000000000000004.
 */
export function niceTicks(vmin: number, vmax: number, count = 5): number[] {
  if (!Number.isFinite(vmin) || !Number.isFinite(vmax) || !(vmax > vmin)) {
    throw new Error(`vmin/vmax: need finite vmin < vmax, got ${vmin}, ${vmax}`);
  }
  if (!Number.isInteger(count) || count < 1) throw new Error(`count: must be a positive integer, got ${count}`);
  const raw = (vmax - vmin) / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const ratio = raw / power;
  const step = (ratio >= 7.07 ? 10 : ratio >= 3.16 ? 5 : ratio >= 1.41 ? 2 : 1) * power;
  const decimals = stepDecimals(step);
  const ticks: number[] = [];
  // Small tolerance so that an end point equal to a multiple of the step is kept despite rounding.
  const eps = step * 1e-9;
  for (let i = Math.ceil((vmin - eps) / step); i * step <= vmax + eps; i++) {
    ticks.push(Number((i * step).toFixed(decimals)));
  }
  return ticks;
}

/** Number of decimals needed to print multiples of `step` exactly (0 for steps ≥ 1). */
export function stepDecimals(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/**
 * Tick labels with a common number of decimals: the fewest (up to 10) that print every tick exactly,
 * e.g. [0, 50, 100] → "0", "50", "100"; [0, 0.25, 0.5] → "0.00", "0.25", "0.50".
 */
export function formatTicks(ticks: readonly number[]): string[] {
  let decimals = 0;
  while (
    decimals < 10 &&
    !ticks.every((t) => Math.abs(t - Number(t.toFixed(decimals))) <= 1e-9 * Math.max(1, Math.abs(t)))
  ) {
    decimals++;
  }
  return ticks.map((t) => (Object.is(t, -0) ? 0 : t).toFixed(decimals));
}

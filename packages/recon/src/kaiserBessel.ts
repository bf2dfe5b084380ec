/**
 * Kaiser–Bessel gridding kernel and its Fourier transform (for deapodization).
 *
 * Kernel over grid offsets u (in oversampled-grid cells), width W, shape β, normalised to 1 at u = 0:
 *
 *   φ(u) = I0(β·sqrt(1 − (2u/W)²)) / I0(β)        for |u| ≤ W/2, else 0
 *
 * Its continuous Fourier transform, at frequency ν (cycles per grid cell; the image position r pixels
 * from the centre of an image on a grid of G cells sits at ν = r/G):
 *
 *   φ̂(ν) = W · sinh(sqrt(β² − (πWν)²)) / sqrt(β² − (πWν)²) / I0(β)    (sin/sqrt when the root is imaginary)
 *
 * β from Beatty, Nishimura & Pauly, IEEE TMI 24:799 (2005), eq. 5, for oversampling α = G/N:
 *
 *   β = π · sqrt((W/α)² · (α − 1/2)² − 0.8)
 */

/** Modified Bessel function of the first kind, order 0 (power series; full double precision for x ≤ 50). */
export function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/**
 * Kaiser–Bessel β for kernel width W (grid cells) and oversampling α (Beatty et al. 2005).
 * @throws Error if W ≤ 0, α ≤ 1, or the formula's radicand is negative (kernel too narrow for α)
 */
export function kaiserBesselBeta(width: number, oversampling: number): number {
  if (!(width > 0)) throw new Error(`kernel width must be > 0 (got ${width})`);
  if (!(oversampling > 1)) throw new Error(`oversampling must be > 1 (got ${oversampling})`);
  const r = (width / oversampling) ** 2 * (oversampling - 0.5) ** 2 - 0.8;
  if (!(r > 0)) throw new Error(`kernel width ${width} is too small for oversampling ${oversampling}`);
  return Math.PI * Math.sqrt(r);
}

/** φ(u): the normalised Kaiser–Bessel kernel at offset u (grid cells). Zero outside |u| ≤ W/2. */
export function kaiserBessel(u: number, width: number, beta: number, i0Beta = besselI0(beta)): number {
  const t = (2 * u) / width;
  const s = 1 - t * t;
  if (s < 0) return 0;
  return besselI0(beta * Math.sqrt(s)) / i0Beta;
}

/**
 * φ̂(ν): continuous Fourier transform ∫ φ(u)·exp(2πi·u·ν) du of {@link kaiserBessel} (real, even).
 * @param nu frequency in cycles per grid cell
 */
export function kaiserBesselFourier(nu: number, width: number, beta: number, i0Beta = besselI0(beta)): number {
  const a = Math.PI * width * nu;
  const d = beta * beta - a * a;
  let v: number;
  if (d > 1e-12) {
    const s = Math.sqrt(d);
    v = Math.sinh(s) / s;
  } else if (d < -1e-12) {
    const s = Math.sqrt(-d);
    v = Math.sin(s) / s;
  } else {
    v = 1;
  }
  return (width * v) / i0Beta;
}

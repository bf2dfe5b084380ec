/**
 * Direct (exact, O(samples × pixels)) non-uniform DFT in 2-D: the reference the NUFFT is tested against
 * and the naive baseline of the benchmark. Same conventions as the NUFFT (centred image coordinates
 * r = index − floor(N/2), k in cycles/pixel, (kx, ky) pairs):
 *
 *   forward  s_j = Σ_r x[r] · exp(−2πi·k_j·r)        adjoint  x[r] = Σ_j s_j · exp(+2πi·k_j·r)
 *
 * Float64 maths; the phase uses separable per-axis exponentials, cos/sin once per (sample, row) and
 * (sample, column).
 */

function axisPhasors(k: number, n: number, sign: number, out: Float64Array, from = 0, to = n): void {
  const c = Math.floor(n / 2);
  for (let i = from; i < to; i++) {
    const a = sign * 2 * Math.PI * k * (i - c);
    out[2 * i] = Math.cos(a);
    out[2 * i + 1] = Math.sin(a);
  }
}

/**
 * Direct forward NUDFT: image (y, x) → samples (sample).
 * @param coords (sample, 2) as (kx, ky), cycles/pixel
 * @param imageShape (ny, nx)
 */
export function nudftForward(coords: Float32Array | Float64Array, image: Float32Array | Float64Array, imageShape: [number, number]): Float32Array {
  const [ny, nx] = imageShape;
  if (image.length !== 2 * ny * nx) throw new Error(`image length ${image.length} must be 2·${ny}·${nx}`);
  const M = coords.length / 2;
  const ex = new Float64Array(2 * nx), ey = new Float64Array(2 * ny);
  const out = new Float32Array(2 * M);
  for (let j = 0; j < M; j++) {
    axisPhasors(coords[2 * j], nx, -1, ex);
    axisPhasors(coords[2 * j + 1], ny, -1, ey);
    let accR = 0, accI = 0;
    for (let y = 0; y < ny; y++) {
      let rr = 0, ri = 0;
      for (let x = 0; x < nx; x++) {
        const vr = image[2 * (y * nx + x)], vi = image[2 * (y * nx + x) + 1];
        rr += vr * ex[2 * x] - vi * ex[2 * x + 1];
        ri += vr * ex[2 * x + 1] + vi * ex[2 * x];
      }
      accR += rr * ey[2 * y] - ri * ey[2 * y + 1];
      accI += rr * ey[2 * y + 1] + ri * ey[2 * y];
    }
    out[2 * j] = accR;
    out[2 * j + 1] = accI;
  }
  return out;
}

/**
 * Direct adjoint NUDFT: samples (sample) → image (y, x), optionally weighted: x = A^H(w ⊙ s).
 * `rows` restricts the work to image rows [rowStart, rowEnd) (other rows stay 0): the benchmark uses it
 * to time a part of a large image and extrapolate.
 */
export function nudftAdjoint(
  coords: Float32Array | Float64Array, samples: Float32Array | Float64Array, imageShape: [number, number],
  weights?: Float32Array | Float64Array, rows: [number, number] = [0, imageShape[0]],
): Float32Array {
  const [ny, nx] = imageShape;
  const M = coords.length / 2;
  if (samples.length !== 2 * M) throw new Error(`samples length ${samples.length} must be 2·${M}`);
  const ex = new Float64Array(2 * nx), ey = new Float64Array(2 * ny);
  const acc = new Float64Array(2 * ny * nx);
  for (let j = 0; j < M; j++) {
    const w = weights === undefined ? 1 : weights[j];
    const sr = samples[2 * j] * w, si = samples[2 * j + 1] * w;
    axisPhasors(coords[2 * j], nx, 1, ex);
    axisPhasors(coords[2 * j + 1], ny, 1, ey, rows[0], rows[1]);
    for (let y = rows[0]; y < rows[1]; y++) {
      const ar = sr * ey[2 * y] - si * ey[2 * y + 1], ai = sr * ey[2 * y + 1] + si * ey[2 * y];
      for (let x = 0; x < nx; x++) {
        const o = 2 * (y * nx + x);
        acc[o] += ar * ex[2 * x] - ai * ex[2 * x + 1];
        acc[o + 1] += ar * ex[2 * x + 1] + ai * ex[2 * x];
      }
    }
  }
  return Float32Array.from(acc);
}

/**
 * Complex FFT of any length, planned once and reused (twiddles, factorisation, Bluestein chirps).
 *
 *   forward:  X[k] = Σ_j x[j] · exp(−2πi·jk/n)
 *   inverse:  x[j] = Σ_k X[k] · exp(+2πi·jk/n)      (unnormalised: inverse(forward(x)) = n·x)
 *
 * Mixed radix (radix 4, 2, 3, 5 butterflies and a generic odd-radix one), recursive decimation in time
 * with a strided input and a contiguous output, after KISS FFT (M. Borgerding). Lengths with a prime
 * factor above {@link BLUESTEIN_MIN_PRIME} use Bluestein's chirp-z algorithm over a power-of-two
 * length ≥ 2n − 1, so the cost stays O(n log n) for every n (e.g. a 2 × 223 = 446 grid).
 * The oversampled 220 × 220 NUFFT grid is 440 = 4·2·5·11: mixed radix, no padding.
 *
 * Data: interleaved complex (re, im, re, im, …) Float64Array; maths in float64.
 */

/** Prime factors above this use Bluestein rather than the O(p)-per-output generic odd butterfly. */
export const BLUESTEIN_MIN_PRIME = 47;

/** A planned 1-D complex FFT of length `n`. Holds only read-only tables after creation, plus scratch. */
export interface FftPlan {
  readonly n: number;
  /** (radix, remaining length) pairs, outermost first; empty when Bluestein is used. */
  readonly factors: Int32Array;
  /** exp(−2πi·k/n), interleaved, k = 0 … n−1. */
  readonly twForward: Float64Array;
  /** exp(+2πi·k/n), interleaved. */
  readonly twInverse: Float64Array;
  /** Present when n has a large prime factor. */
  readonly bluestein: BluesteinTables | null;
  /** Generic-butterfly scratch (2·largest radix). */
  readonly scratch: Float64Array;
  /** Per generic radix p: cos(2π·j·q/p), sin(2π·j·q/p) for j, q = 0 … p−1 (row-major, p·p each). */
  readonly primeTables: Map<number, { cos: Float64Array; sin: Float64Array }>;
}

interface BluesteinTables {
  /** power-of-two convolution length ≥ 2n − 1 */
  m: number;
  sub: FftPlan;
  /** chirp c[j] = exp(−iπ j²/n), j = 0 … n−1 (forward); the inverse uses its conjugate */
  chirp: Float64Array;
  /** FFT_m of the wrapped conj-chirp filter (forward direction) and of the chirp (inverse direction) */
  filterForward: Float64Array;
  filterInverse: Float64Array;
  work: Float64Array;
  work2: Float64Array;
}

function factorize(n: number): number[] | null {
  const out: number[] = [];
  let rest = n;
  let p = 4;
  while (rest > 1) {
    while (rest % p !== 0) {
      if (p === 4) p = 2;
      else if (p === 2) p = 3;
      else p += 2;
      if (p * p > rest) p = rest;
    }
    if (p > BLUESTEIN_MIN_PRIME) return null;
    rest /= p;
    out.push(p, rest);
  }
  return out;
}

function twiddles(n: number, sign: number): Float64Array {
  const tw = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) {
    const a = (sign * 2 * Math.PI * k) / n;
    tw[2 * k] = Math.cos(a);
    tw[2 * k + 1] = Math.sin(a);
  }
  return tw;
}

/**
 * Plan a complex FFT of length n (any integer ≥ 1).
 * @throws Error if n is not a positive integer
 */
export function planFft(n: number): FftPlan {
  if (!Number.isInteger(n) || n < 1) throw new Error(`fft length n must be a positive integer (got ${n})`);
  const f = factorize(n);
  if (f !== null) {
    let maxP = 1;
    const primeTables = new Map<number, { cos: Float64Array; sin: Float64Array }>();
    for (let i = 0; i < f.length; i += 2) {
      const p = f[i];
      maxP = Math.max(maxP, p);
      if (p > 5 && !primeTables.has(p)) {
        const cos = new Float64Array(p * p), sin = new Float64Array(p * p);
        for (let j = 0; j < p; j++) {
          for (let q = 0; q < p; q++) {
            cos[j * p + q] = Math.cos((2 * Math.PI * ((j * q) % p)) / p);
            sin[j * p + q] = Math.sin((2 * Math.PI * ((j * q) % p)) / p);
          }
        }
        primeTables.set(p, { cos, sin });
      }
    }
    return {
      n, factors: Int32Array.from(f), twForward: twiddles(n, -1), twInverse: twiddles(n, 1),
      bluestein: null, scratch: new Float64Array(4 * maxP), primeTables,
    };
  }
  let m = 1;
  while (m < 2 * n - 1) m *= 2;
  const sub = planFft(m);
  const chirp = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) {
    // j² mod 2n keeps the angle small, so large j loses no precision
    const a = (-Math.PI * ((j * j) % (2 * n))) / n;
    chirp[2 * j] = Math.cos(a);
    chirp[2 * j + 1] = Math.sin(a);
  }
  const filter = (conjugate: boolean): Float64Array => {
    const b = new Float64Array(2 * m);
    for (let j = 0; j < n; j++) {
      const re = chirp[2 * j], im = conjugate ? -chirp[2 * j + 1] : chirp[2 * j + 1];
      b[2 * j] = re; b[2 * j + 1] = im;
      if (j > 0) { b[2 * (m - j)] = re; b[2 * (m - j) + 1] = im; }
    }
    const out = new Float64Array(2 * m);
    fftStrided(sub, false, b, 0, 1, out, 0);
    return out;
  };
  return {
    n, factors: new Int32Array(0), twForward: new Float64Array(0), twInverse: new Float64Array(0),
    bluestein: {
      m, sub, chirp, filterForward: filter(true), filterInverse: filter(false),
      work: new Float64Array(2 * m), work2: new Float64Array(2 * m),
    },
    scratch: new Float64Array(0), primeTables: new Map(),
  };
}

/**
 * Out-of-place FFT of n complex values read from `input` at complex index `inOffset + j·inStride`
 * (j = 0 … n−1), written contiguously to `output` from complex index `outOffset`.
 * Input and output must not overlap. No normalisation in either direction.
 */
export function fftStrided(
  plan: FftPlan, inverse: boolean, input: Float64Array, inOffset: number, inStride: number,
  output: Float64Array, outOffset: number,
): void {
  if (plan.n === 1) {
    output[2 * outOffset] = input[2 * inOffset];
    output[2 * outOffset + 1] = input[2 * inOffset + 1];
    return;
  }
  if (plan.bluestein !== null) {
    bluesteinFft(plan, plan.bluestein, inverse, input, inOffset, inStride, output, outOffset);
    return;
  }
  work(plan, inverse ? plan.twInverse : plan.twForward, inverse, output, 2 * outOffset, input, 2 * inOffset,
    1, 2 * inStride, 0);
}

/** Convenience: FFT of a contiguous interleaved array into a new array. */
export function fft(plan: FftPlan, x: Float64Array | Float32Array, inverse = false): Float64Array {
  if (x.length !== 2 * plan.n) throw new Error(`fft input length ${x.length} must be 2·n = ${2 * plan.n}`);
  const input = x instanceof Float64Array ? x : Float64Array.from(x);
  const out = new Float64Array(2 * plan.n);
  fftStrided(plan, inverse, input, 0, 1, out, 0);
  return out;
}

function bluesteinFft(
  plan: FftPlan, b: BluesteinTables, inverse: boolean, input: Float64Array, inOffset: number, inStride: number,
  output: Float64Array, outOffset: number,
): void {
  const { n } = plan;
  const { m, chirp, work: a, work2: A } = b;
  const s = inverse ? -1 : 1; // chirp or its conjugate
  a.fill(0);
  for (let j = 0; j < n; j++) {
    const i = 2 * (inOffset + j * inStride);
    const xr = input[i], xi = input[i + 1];
    const cr = chirp[2 * j], ci = s * chirp[2 * j + 1];
    a[2 * j] = xr * cr - xi * ci;
    a[2 * j + 1] = xr * ci + xi * cr;
  }
  fftStrided(b.sub, false, a, 0, 1, A, 0);
  const F = inverse ? b.filterInverse : b.filterForward;
  for (let k = 0; k < m; k++) {
    const ar = A[2 * k], ai = A[2 * k + 1], fr = F[2 * k], fi = F[2 * k + 1];
    A[2 * k] = ar * fr - ai * fi;
    A[2 * k + 1] = ar * fi + ai * fr;
  }
  fftStrided(b.sub, true, A, 0, 1, a, 0);
  const inv = 1 / m;
  for (let k = 0; k < n; k++) {
    const ar = a[2 * k] * inv, ai = a[2 * k + 1] * inv;
    const cr = chirp[2 * k], ci = s * chirp[2 * k + 1];
    const o = 2 * (outOffset + k);
    output[o] = ar * cr - ai * ci;
    output[o + 1] = ar * ci + ai * cr;
  }
}

/**
 * KISS-FFT-style recursion. Offsets/strides here are in float (not complex) units.
 * Output block: out[o … o + 2·p·m); input element j at inp[i + j·fstride·inStride2].
 */
function work(
  plan: FftPlan, tw: Float64Array, inverse: boolean, out: Float64Array, o: number, inp: Float64Array, i: number,
  fstride: number, inStride2: number, fi: number,
): void {
  const p = plan.factors[fi], m = plan.factors[fi + 1];
  const end = o + 2 * p * m;
  const step = fstride * inStride2;
  if (m === 1) {
    for (let oo = o, ii = i; oo < end; oo += 2, ii += step) {
      out[oo] = inp[ii];
      out[oo + 1] = inp[ii + 1];
    }
  } else {
    for (let oo = o, ii = i; oo < end; oo += 2 * m, ii += step) {
      work(plan, tw, inverse, out, oo, inp, ii, fstride * p, inStride2, fi + 2);
    }
  }
  switch (p) {
    case 2: bfly2(out, o, fstride, tw, m); break;
    case 3: bfly3(out, o, fstride, tw, m); break;
    case 4: bfly4(out, o, fstride, tw, m, inverse); break;
    case 5: bfly5(out, o, fstride, tw, m); break;
    default: bflyOdd(out, o, fstride, tw, m, p, plan.scratch, plan.primeTables.get(p)!, inverse);
  }
}

function bfly2(F: Float64Array, o: number, fstride: number, tw: Float64Array, m: number): void {
  for (let k = 0; k < m; k++) {
    const a = o + 2 * k, b = a + 2 * m, t = 2 * k * fstride;
    const wr = tw[t], wi = tw[t + 1];
    const tr = F[b] * wr - F[b + 1] * wi, ti = F[b] * wi + F[b + 1] * wr;
    F[b] = F[a] - tr; F[b + 1] = F[a + 1] - ti;
    F[a] += tr; F[a + 1] += ti;
  }
}

function bfly3(F: Float64Array, o: number, fstride: number, tw: Float64Array, m: number): void {
  const epi = tw[2 * fstride * m + 1]; // imag part of exp(∓2πi/3): sign carries the direction
  for (let k = 0; k < m; k++) {
    const a = o + 2 * k, b = a + 2 * m, c = b + 2 * m;
    const t1 = 2 * k * fstride, t2 = 2 * t1;
    const s1r = F[b] * tw[t1] - F[b + 1] * tw[t1 + 1], s1i = F[b] * tw[t1 + 1] + F[b + 1] * tw[t1];
    const s2r = F[c] * tw[t2] - F[c + 1] * tw[t2 + 1], s2i = F[c] * tw[t2 + 1] + F[c + 1] * tw[t2];
    const s3r = s1r + s2r, s3i = s1i + s2i;
    const s0r = (s1r - s2r) * epi, s0i = (s1i - s2i) * epi;
    const mr = F[a] - 0.5 * s3r, mi = F[a + 1] - 0.5 * s3i;
    F[a] += s3r; F[a + 1] += s3i;
    F[c] = mr + s0i; F[c + 1] = mi - s0r;
    F[b] = mr - s0i; F[b + 1] = mi + s0r;
  }
}

function bfly4(F: Float64Array, o: number, fstride: number, tw: Float64Array, m: number, inverse: boolean): void {
  for (let k = 0; k < m; k++) {
    const a = o + 2 * k, b = a + 2 * m, c = b + 2 * m, d = c + 2 * m;
    const t1 = 2 * k * fstride, t2 = 2 * t1, t3 = t1 + t2;
    const s0r = F[b] * tw[t1] - F[b + 1] * tw[t1 + 1], s0i = F[b] * tw[t1 + 1] + F[b + 1] * tw[t1];
    const s1r = F[c] * tw[t2] - F[c + 1] * tw[t2 + 1], s1i = F[c] * tw[t2 + 1] + F[c + 1] * tw[t2];
    const s2r = F[d] * tw[t3] - F[d + 1] * tw[t3 + 1], s2i = F[d] * tw[t3 + 1] + F[d + 1] * tw[t3];
    const s5r = F[a] - s1r, s5i = F[a + 1] - s1i;
    const f0r = F[a] + s1r, f0i = F[a + 1] + s1i;
    const s3r = s0r + s2r, s3i = s0i + s2i;
    const s4r = s0r - s2r, s4i = s0i - s2i;
    F[c] = f0r - s3r; F[c + 1] = f0i - s3i;
    F[a] = f0r + s3r; F[a + 1] = f0i + s3i;
    if (inverse) {
      F[b] = s5r - s4i; F[b + 1] = s5i + s4r;
      F[d] = s5r + s4i; F[d + 1] = s5i - s4r;
    } else {
      F[b] = s5r + s4i; F[b + 1] = s5i - s4r;
      F[d] = s5r - s4i; F[d + 1] = s5i + s4r;
    }
  }
}

function bfly5(F: Float64Array, o: number, fstride: number, tw: Float64Array, m: number): void {
  const yar = tw[2 * fstride * m], yai = tw[2 * fstride * m + 1];
  const ybr = tw[4 * fstride * m], ybi = tw[4 * fstride * m + 1];
  for (let u = 0; u < m; u++) {
    const i0 = o + 2 * u, i1 = i0 + 2 * m, i2 = i1 + 2 * m, i3 = i2 + 2 * m, i4 = i3 + 2 * m;
    const t1 = 2 * u * fstride, t2 = 2 * t1, t3 = t1 + t2, t4 = 2 * t2;
    const s0r = F[i0], s0i = F[i0 + 1];
    const s1r = F[i1] * tw[t1] - F[i1 + 1] * tw[t1 + 1], s1i = F[i1] * tw[t1 + 1] + F[i1 + 1] * tw[t1];
    const s2r = F[i2] * tw[t2] - F[i2 + 1] * tw[t2 + 1], s2i = F[i2] * tw[t2 + 1] + F[i2 + 1] * tw[t2];
    const s3r = F[i3] * tw[t3] - F[i3 + 1] * tw[t3 + 1], s3i = F[i3] * tw[t3 + 1] + F[i3 + 1] * tw[t3];
    const s4r = F[i4] * tw[t4] - F[i4 + 1] * tw[t4 + 1], s4i = F[i4] * tw[t4 + 1] + F[i4 + 1] * tw[t4];
    const s7r = s1r + s4r, s7i = s1i + s4i, s10r = s1r - s4r, s10i = s1i - s4i;
    const s8r = s2r + s3r, s8i = s2i + s3i, s9r = s2r - s3r, s9i = s2i - s3i;
    F[i0] = s0r + s7r + s8r; F[i0 + 1] = s0i + s7i + s8i;
    const s5r = s0r + s7r * yar + s8r * ybr, s5i = s0i + s7i * yar + s8i * ybr;
    const s6r = s10i * yai + s9i * ybi, s6i = -s10r * yai - s9r * ybi;
    F[i1] = s5r - s6r; F[i1 + 1] = s5i - s6i;
    F[i4] = s5r + s6r; F[i4 + 1] = s5i + s6i;
    const s11r = s0r + s7r * ybr + s8r * yar, s11i = s0i + s7i * ybr + s8i * yar;
    const s12r = -s10i * ybi + s9i * yai, s12i = s10r * ybi - s9r * yai;
    F[i2] = s11r + s12r; F[i2 + 1] = s11i + s12i;
    F[i3] = s11r - s12r; F[i3 + 1] = s11i - s12i;
  }
}

/**
 * Radix-p butterfly for odd p (7, 11, 13, …): twiddle, then a length-p DFT that pairs inputs j and p − j,
 * so out[q] and out[p − q] share the real products (a_j·cos, b_j·sin): ~4× fewer multiplications than the
 * plain O(p²) complex DFT.
 */
function bflyOdd(
  F: Float64Array, o: number, fstride: number, tw: Float64Array, m: number, p: number, scratch: Float64Array,
  tables: { cos: Float64Array; sin: Float64Array }, inverse: boolean,
): void {
  const h = (p - 1) >> 1;
  const { cos, sin } = tables;
  const sgn = inverse ? 1 : -1; // exp(sgn·2πi·jq/p) = cos + sgn·i·sin
  // scratch layout: [x0, a_1 … a_h, b_1 … b_h] as interleaved complex
  for (let u = 0; u < m; u++) {
    const x0r = F[o + 2 * u], x0i = F[o + 2 * u + 1];
    let sumR = x0r, sumI = x0i;
    for (let j = 1; j <= h; j++) {
      const k1 = u + j * m, k2 = u + (p - j) * m;
      const t1 = 2 * fstride * u * j, t2 = 2 * fstride * u * (p - j); // u·j < m·p: no wrap
      const y1r = F[o + 2 * k1] * tw[t1] - F[o + 2 * k1 + 1] * tw[t1 + 1];
      const y1i = F[o + 2 * k1] * tw[t1 + 1] + F[o + 2 * k1 + 1] * tw[t1];
      const y2r = F[o + 2 * k2] * tw[t2] - F[o + 2 * k2 + 1] * tw[t2 + 1];
      const y2i = F[o + 2 * k2] * tw[t2 + 1] + F[o + 2 * k2 + 1] * tw[t2];
      scratch[2 * j] = y1r + y2r; scratch[2 * j + 1] = y1i + y2i;
      scratch[2 * (h + j)] = y1r - y2r; scratch[2 * (h + j) + 1] = y1i - y2i;
      sumR += y1r + y2r; sumI += y1i + y2i;
    }
    F[o + 2 * u] = sumR;
    F[o + 2 * u + 1] = sumI;
    for (let q = 1; q <= h; q++) {
      let cr = x0r, ci = x0i, sr = 0, si = 0;
      for (let j = 1; j <= h; j++) {
        const c = cos[j * p + q], s = sin[j * p + q];
        cr += scratch[2 * j] * c; ci += scratch[2 * j + 1] * c;
        sr += scratch[2 * (h + j)] * s; si += scratch[2 * (h + j) + 1] * s;
      }
      // out[q] = C + sgn·i·S,  out[p − q] = C − sgn·i·S
      const kq = o + 2 * (u + q * m), kp = o + 2 * (u + (p - q) * m);
      F[kq] = cr - sgn * si; F[kq + 1] = ci + sgn * sr;
      F[kp] = cr + sgn * si; F[kp + 1] = ci - sgn * sr;
    }
  }
}

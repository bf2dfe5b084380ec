/**
 * Variable-density spiral trajectories for MR fingerprinting (one interleaf per TR, rotated TR to TR).
 *
 * Design (the field-of-view profile of Hargreaves' variable-density spirals, as in the FISP-MRF spirals
 * of Ma et al. 2013 / Jiang et al. 2015, which sample the k-space centre more densely): N interleaves are
 * rotations by 2π·i/N of one arm k(θ) = r(θ)·exp(iθ). With all N interleaves the radial gap between
 * neighbouring arms at radius r is Δr = 1/FOV(r), FOV in pixels; so the arm obeys
 *
 *   dθ/dr = 2π·FOV(r)/N,      FOV(r) = imageSize · f(r),
 *   f(r) = fovCentre for r ≤ r0,  fovEdge for r ≥ r1,  linear in between   (r0 = centreRadius, r1 = r0 + transitionWidth)
 *
 * f ≥ 1 means Nyquist-sampled (Δr ≤ 1/imageSize) with all N interleaves. Defaults: f = 2 in the centre
 * (r ≤ 0.05 cycles/pixel: N/2 interleaves already sample it fully) falling to f = 1 (Nyquist) from r = 0.15
 * to the edge |k| → 0.5. fovEdge < 1 gives the "Nyquist in the centre, undersampled outward" variant.
 *
 * Along the arm, samples are equally spaced in arc length (a gradient-amplitude-limited readout), spacing
 * arcLength/samples; the default sample count gives readoutOversampling (2) samples per 1/imageSize of
 * arc, like scanners' 2× readout oversampling. Sample s is acquired at s·dwell, dwell = readoutMs/samples;
 * the arm runs from k = 0 (s = 0) to just inside |k| = kMax = 0.5, so every k lies in [−0.5, 0.5).
 * The arm is not slew-rate limited near the centre (a simulation design, not a gradient waveform).
 */

/** Spiral design options. */
export interface SpiralOptions {
  /** Image matrix size N (pixels); Nyquist spacing is 1/N cycles/pixel. Default 220. */
  imageSize?: number;
  /** Interleaves for full sampling (default 48). */
  nInterleaves?: number;
  /** FOV factor f inside centreRadius (default 2). */
  fovCentre?: number;
  /** FOV factor f from centreRadius + transitionWidth to the edge (default 1 = Nyquist). */
  fovEdge?: number;
  /** r0, cycles/pixel (default 0.05). */
  centreRadius?: number;
  /** r1 − r0, cycles/pixel (default 0.1). */
  transitionWidth?: number;
  /** Samples per interleaf; default ceil(readoutOversampling · arcLength · imageSize). */
  samplesPerInterleaf?: number;
  /** Samples per Nyquist distance along the readout when samplesPerInterleaf is not given (default 2). */
  readoutOversampling?: number;
  /** Readout duration (ms), for the sample time stamps only (default 5.8). */
  readoutMs?: number;
}

/** A spiral trajectory with all its interleaves. */
export interface SpiralTrajectory {
  /** (interleaf, sample, 2): (kx, ky) in cycles/pixel, interleaf i = base arm rotated by 2π·i/N */
  coords: Float32Array;
  nInterleaves: number;
  samplesPerInterleaf: number;
  imageSize: number;
  /** arc length of one arm (cycles/pixel) */
  arcLength: number;
  /** turns of one arm: θ at the last sample / 2π */
  turns: number;
  /** time of each sample from the readout start (ms), shape (sample) */
  sampleTimesMs: Float64Array;
  /** the options with defaults filled in */
  options: Required<SpiralOptions>;
}

const K_MAX = 0.5;

function resolve(o: SpiralOptions): Required<SpiralOptions> {
  const r: Required<SpiralOptions> = {
    imageSize: o.imageSize ?? 220, nInterleaves: o.nInterleaves ?? 48, fovCentre: o.fovCentre ?? 2,
    fovEdge: o.fovEdge ?? 1, centreRadius: o.centreRadius ?? 0.05, transitionWidth: o.transitionWidth ?? 0.1,
    samplesPerInterleaf: o.samplesPerInterleaf ?? 0, readoutOversampling: o.readoutOversampling ?? 2,
    readoutMs: o.readoutMs ?? 5.8,
  };
  const posInt = (name: keyof SpiralOptions, v: number, min: number): void => {
    if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer ≥ ${min} (got ${v})`);
  };
  const pos = (name: keyof SpiralOptions, v: number): void => {
    if (!(v > 0) || !Number.isFinite(v)) throw new Error(`${name} must be a finite number > 0 (got ${v})`);
  };
  posInt('imageSize', r.imageSize, 2);
  posInt('nInterleaves', r.nInterleaves, 1);
  pos('fovCentre', r.fovCentre);
  pos('fovEdge', r.fovEdge);
  pos('readoutOversampling', r.readoutOversampling);
  pos('readoutMs', r.readoutMs);
  if (!(r.centreRadius >= 0 && r.centreRadius < K_MAX)) throw new Error(`centreRadius must be in [0, 0.5) (got ${r.centreRadius})`);
  if (!(r.transitionWidth >= 0)) throw new Error(`transitionWidth must be ≥ 0 (got ${r.transitionWidth})`);
  if (o.samplesPerInterleaf !== undefined) posInt('samplesPerInterleaf', o.samplesPerInterleaf, 2);
  return r;
}

/** FOV factor f(r) of the design (see the module TSDoc). */
export function spiralFovFactor(r: number, options: SpiralOptions = {}): number {
  return fovFactor(r, resolve(options));
}

function fovFactor(r: number, o: Required<SpiralOptions>): number {
  const r1 = o.centreRadius + o.transitionWidth;
  if (r <= o.centreRadius) return o.fovCentre;
  if (r >= r1) return o.fovEdge;
  return o.fovCentre + ((o.fovEdge - o.fovCentre) * (r - o.centreRadius)) / o.transitionWidth;
}

/**
 * Build the variable-density spiral (all interleaves). See the module TSDoc for the design.
 * @throws Error naming the option that is out of range
 */
export function variableDensitySpiral(options: SpiralOptions = {}): SpiralTrajectory {
  const o = resolve(options);
  const N = o.imageSize, Nil = o.nInterleaves;
  // Fine table of (r, θ(r), arc length s(r)) by the trapezoid rule, then resample at equal arc length.
  const T = 40000;
  const rT = new Float64Array(T + 1), thT = new Float64Array(T + 1), sT = new Float64Array(T + 1);
  const dthdr = (r: number): number => (2 * Math.PI * N * fovFactor(r, o)) / Nil;
  for (let i = 1; i <= T; i++) {
    const r0 = ((i - 1) * K_MAX) / T, r1 = (i * K_MAX) / T;
    rT[i] = r1;
    thT[i] = thT[i - 1] + 0.5 * (dthdr(r0) + dthdr(r1)) * (r1 - r0);
    const dth = thT[i] - thT[i - 1], rm = 0.5 * (r0 + r1);
    sT[i] = sT[i - 1] + Math.hypot(r1 - r0, rm * dth);
  }
  const L = sT[T];
  const M = o.samplesPerInterleaf > 0 ? o.samplesPerInterleaf : Math.ceil(o.readoutOversampling * L * N);
  const baseR = new Float64Array(M), baseTh = new Float64Array(M);
  let seg = 1;
  for (let s = 0; s < M; s++) {
    const target = (s * L) / M; // last sample at L·(M−1)/M: |k| stays < 0.5
    while (seg < T && sT[seg] < target) seg++;
    const a = sT[seg - 1], b = sT[seg];
    const f = b > a ? (target - a) / (b - a) : 0;
    baseR[s] = rT[seg - 1] + f * (rT[seg] - rT[seg - 1]);
    baseTh[s] = thT[seg - 1] + f * (thT[seg] - thT[seg - 1]);
  }
  const coords = new Float32Array(Nil * M * 2);
  for (let i = 0; i < Nil; i++) {
    const rot = (2 * Math.PI * i) / Nil;
    for (let s = 0; s < M; s++) {
      const th = baseTh[s] + rot;
      coords[2 * (i * M + s)] = baseR[s] * Math.cos(th);
      coords[2 * (i * M + s) + 1] = baseR[s] * Math.sin(th);
    }
  }
  const dwell = o.readoutMs / M;
  const sampleTimesMs = new Float64Array(M);
  for (let s = 0; s < M; s++) sampleTimesMs[s] = s * dwell;
  return {
    coords, nInterleaves: Nil, samplesPerInterleaf: M, imageSize: N, arcLength: L,
    turns: baseTh[M - 1] / (2 * Math.PI), sampleTimesMs, options: { ...o, samplesPerInterleaf: M },
  };
}

/** Coordinates of interleaf i, shape (sample, 2) — a view into `traj.coords`, not a copy. */
export function interleafCoords(traj: SpiralTrajectory, i: number): Float32Array {
  if (!Number.isInteger(i) || i < 0 || i >= traj.nInterleaves) {
    throw new Error(`interleaf must be an integer in [0, ${traj.nInterleaves}) (got ${i})`);
  }
  const M = traj.samplesPerInterleaf;
  return traj.coords.subarray(2 * i * M, 2 * (i + 1) * M);
}

/**
 * Interleaf acquired at TR t when the interleaf advances by one each TR: (t + offset) mod N, in [0, N).
 * @throws Error unless t and offset are integers and N a positive integer
 */
export function interleafForTR(t: number, offset: number, N: number): number {
  if (!Number.isInteger(t)) throw new Error(`t must be an integer (got ${t})`);
  if (!Number.isInteger(offset)) throw new Error(`offset must be an integer (got ${offset})`);
  if (!Number.isInteger(N) || N < 1) throw new Error(`N must be a positive integer (got ${N})`);
  return (((t + offset) % N) + N) % N;
}

/** {@link interleafForTR} for TRs 0 … nTR−1: the interleaf index of each TR, shape (TR). */
export function interleafSchedule(nTR: number, offset: number, N: number): Int32Array {
  if (!Number.isInteger(nTR) || nTR < 0) throw new Error(`nTR must be a non-negative integer (got ${nTR})`);
  const out = new Int32Array(nTR);
  for (let t = 0; t < nTR; t++) out[t] = interleafForTR(t, offset, N);
  return out;
}

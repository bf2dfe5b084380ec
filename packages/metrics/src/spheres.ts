/**
 * Vials (phantom "spheres") in a 2-D image: detection, ROI masks and ROI statistics.
 *
 * Why a threshold sweep rather than one threshold: in a phantom image the vials are not simply the
 * brightest objects. In the ISMRM/NIST system phantom the vials sit in bright fill fluid and are
 * separated from it only by their dark walls, and short-T2 vials are darker than the fluid even at the
 * first echo. A vial interior is a round connected component above the threshold for a whole range
 * of thresholds (from above its wall to below its own signal), whereas fluid, walls, inserts and noise
 * are round at no threshold or only at a few. Counting, per object, the thresholds at which it is a
 * round component of plausible size (a stability score, in the spirit of maximally stable extremal
 * regions, Matas et al. 2004) ranks the vials first whatever their brightness.
 */

/** A detected disc, in pixel units of the image it was found in ((y, x) array indices, pixel centres). */
export interface Sphere {
  /** Centre row (y) and column (x), sub-pixel (centroid of the thresholded component). */
  cy: number;
  cx: number;
  /** Equivalent-area radius √(area/π) of the component at its representative threshold, px. */
  radius: number;
  /** Pixels of the component at its representative threshold. */
  area: number;
}

export interface FindSpheresOptions {
  /** Number of spheres wanted; the `count` most stable round components are returned. */
  count: number;
  /** Plausible radius range, px. Defaults 3 and min(height, width) / 6. */
  minRadius?: number;
  maxRadius?: number;
  /** Thresholds swept, evenly spaced in (0, 99.5th percentile). Default 40. */
  levels?: number;
  /** Least roundness (1 = disc; see `roundness` in the code) for a component to count. Default 0.8. */
  minRoundness?: number;
}

interface Detection {
  level: number;
  cy: number;
  cx: number;
  area: number;
  roundness: number;
}

/** Largest finite value below which fraction `p` of the values lie (nearest rank). */
function percentile(values: ArrayLike<number>, p: number): number {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite.push(values[i]);
  if (finite.length === 0) return NaN;
  finite.sort((a, b) => a - b);
  return finite[Math.min(finite.length - 1, Math.floor(p * finite.length))];
}

/**
 * Round components of `image > threshold` (4-connected, so a one-pixel diagonal gap in a vial wall
 * does not join the vial to the fluid), with area in [minArea, maxArea], not touching the border.
 */
function roundComponents(
  image: ArrayLike<number>, height: number, width: number, threshold: number, level: number,
  minArea: number, maxArea: number, minRoundness: number,
): Detection[] {
  const n = height * width;
  const seen = new Uint8Array(n);
  const stack = new Int32Array(n);
  const out: Detection[] = [];
  for (let start = 0; start < n; start++) {
    if (seen[start] || !(image[start] > threshold)) continue;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    let area = 0, sy = 0, sx = 0, syy = 0, sxx = 0, sxy = 0, border = false;
    const members: number[] = [];
    while (top > 0) {
      const p = stack[--top];
      const y = Math.floor(p / width);
      const x = p - y * width;
      area++; sy += y; sx += x; syy += y * y; sxx += x * x; sxy += x * y;
      if (area <= maxArea) members.push(p);
      if (y === 0 || x === 0 || y === height - 1 || x === width - 1) border = true;
      const neighbours = [p - width, p + width, x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1];
      for (const q of neighbours) {
        if (q < 0 || q >= n || seen[q] || !(image[q] > threshold)) continue;
        seen[q] = 1;
        stack[top++] = q;
      }
    }
    if (border || area < minArea || area > maxArea) continue;
    const cy = sy / area;
    const cx = sx / area;
    // Roundness: the smallest of three ratios that are all 1 for a filled disc:
    //  isotropy  √(λmin/λmax) of the second central moments (rejects elongated shapes);
    //  solidity  √(area/π) / (2·√(mean λ)) (a disc has λ = r²/4; rings and crescents spread more);
    //  fill      area / (π·(rmax + 0.5)²), rmax the farthest pixel centre (rejects squares, spurs).
    const vyy = syy / area - cy * cy;
    const vxx = sxx / area - cx * cx;
    const vxy = sxy / area - cx * cy;
    const mean = (vyy + vxx) / 2;
    const diff = Math.sqrt(((vyy - vxx) / 2) ** 2 + vxy * vxy);
    const isotropy = mean - diff > 0 ? Math.sqrt((mean - diff) / (mean + diff)) : 0;
    const rArea = Math.sqrt(area / Math.PI);
    const solidity = mean > 0 ? Math.min(1, rArea / (2 * Math.sqrt(mean))) : 0;
    let rmax2 = 0;
    for (const p of members) {
      const y = Math.floor(p / width);
      rmax2 = Math.max(rmax2, (y - cy) ** 2 + (p - y * width - cx) ** 2);
    }
    const fill = Math.min(1, area / (Math.PI * (Math.sqrt(rmax2) + 0.5) ** 2));
    const roundness = Math.min(isotropy, solidity, fill);
    if (roundness >= minRoundness) out.push({ level, cy, cx, area, roundness });
  }
  return out;
}

/**
 * Find the `count` bright disc-shaped objects (vials) in a 2-D image.
 *
 * `image`: (y, x), C order, length height·width (e.g. the first echo, where short-T2 vials still
 * have signal). Thresholds t_k = k/(levels+1) · P99.5(image), k = 1..levels, are swept; at each, the
 * 4-connected components of image > t_k that do not touch the border, have an equivalent radius in
 * [minRadius, maxRadius] and roundness ≥ minRoundness are kept. Components from different thresholds
 * whose centres are within half a radius are one object; its stability is the number of thresholds
 * at which it was found. The `count` most stable objects (ties: the rounder) are returned, sorted
 * by (cy, cx); each described by its component at its median threshold, which for a vial whose
 * edge is blurred symmetrically is the half-maximum contour (so √(area/π) is the vial radius).
 * Fewer than `count` are returned if fewer round objects exist.
 */
export function findSpheres(
  image: ArrayLike<number>, height: number, width: number, opts: FindSpheresOptions,
): Sphere[] {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 3 || width < 3) {
    throw new Error(`findSpheres: height/width must be integers >= 3 (got ${height}, ${width})`);
  }
  if (image.length !== height * width) {
    throw new Error(`findSpheres: image length ${image.length} != height*width ${height * width}`);
  }
  if (!Number.isInteger(opts.count) || opts.count < 1) {
    throw new Error(`findSpheres: count must be a positive integer (got ${opts.count})`);
  }
  const minRadius = opts.minRadius ?? 3;
  const maxRadius = opts.maxRadius ?? Math.min(height, width) / 6;
  const levels = opts.levels ?? 40;
  const minRoundness = opts.minRoundness ?? 0.8;
  if (!(minRadius > 0) || !(maxRadius > minRadius)) {
    throw new Error(`findSpheres: need 0 < minRadius < maxRadius (got ${minRadius}, ${maxRadius})`);
  }
  if (!Number.isInteger(levels) || levels < 1) throw new Error(`findSpheres: levels must be a positive integer`);
  const top = percentile(image, 0.995);
  if (!(top > 0)) throw new Error('findSpheres: image has no positive signal (99.5th percentile <= 0)');

  const minArea = Math.PI * minRadius * minRadius;
  const maxArea = Math.PI * maxRadius * maxRadius;
  const objects: Detection[][] = [];
  for (let k = 1; k <= levels; k++) {
    const threshold = (k / (levels + 1)) * top;
    for (const d of roundComponents(image, height, width, threshold, k, minArea, maxArea, minRoundness)) {
      const r = Math.sqrt(d.area / Math.PI);
      const home = objects.find((o) => {
        const last = o[o.length - 1];
        return last.level < k && (last.cy - d.cy) ** 2 + (last.cx - d.cx) ** 2 <= (0.5 * r) ** 2;
      });
      if (home) home.push(d);
      else objects.push([d]);
    }
  }
  const meanRoundness = (o: Detection[]): number => o.reduce((s, d) => s + d.roundness, 0) / o.length;
  objects.sort((a, b) => b.length - a.length || meanRoundness(b) - meanRoundness(a));
  return objects
    .slice(0, opts.count)
    .map((o) => {
      const d = o[Math.floor((o.length - 1) / 2)];
      return { cy: d.cy, cx: d.cx, radius: Math.sqrt(d.area / Math.PI), area: d.area };
    })
    .sort((a, b) => a.cy - b.cy || a.cx - b.cx);
}

/**
 * ROI of a sphere: 1 where the pixel centre (y, x) satisfies (y − cy)² + (x − cx)² ≤ (radius·shrink)²,
 * else 0; (y, x), C order, height·width. `shrink` < 1 (default 0.7) keeps the ROI clear of the
 * partial-volume ring at the vial wall.
 */
export function sphereRoiMask(
  height: number, width: number, sphere: Pick<Sphere, 'cy' | 'cx' | 'radius'>, shrink = 0.7,
): Uint8Array {
  if (!(shrink > 0)) throw new Error(`sphereRoiMask: shrink must be > 0 (got ${shrink})`);
  if (!(sphere.radius > 0)) throw new Error(`sphereRoiMask: sphere.radius must be > 0 (got ${sphere.radius})`);
  const mask = new Uint8Array(height * width);
  const r2 = (sphere.radius * shrink) ** 2;
  const y0 = Math.max(0, Math.floor(sphere.cy - sphere.radius * shrink));
  const y1 = Math.min(height - 1, Math.ceil(sphere.cy + sphere.radius * shrink));
  const x0 = Math.max(0, Math.floor(sphere.cx - sphere.radius * shrink));
  const x1 = Math.min(width - 1, Math.ceil(sphere.cx + sphere.radius * shrink));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if ((y - sphere.cy) ** 2 + (x - sphere.cx) ** 2 <= r2) mask[y * width + x] = 1;
    }
  }
  return mask;
}

export interface RoiStats {
  mean: number;
  /** Sample standard deviation (n − 1 denominator); 0 when n = 1. */
  sd: number;
  median: number;
  /** Voxels in the ROI. */
  n: number;
}

/**
 * Mean, sample SD and median of `values` where `mask` is non-zero (same length, any shape).
 * Throws if the lengths differ or the mask selects nothing.
 */
export function roiStats(values: ArrayLike<number>, mask: ArrayLike<number>): RoiStats {
  if (values.length !== mask.length) {
    throw new Error(`roiStats: mask length ${mask.length} != values length ${values.length}`);
  }
  const inside: number[] = [];
  for (let i = 0; i < values.length; i++) if (mask[i]) inside.push(values[i]);
  const n = inside.length;
  if (n === 0) throw new Error('roiStats: mask selects no voxels');
  const mean = inside.reduce((s, v) => s + v, 0) / n;
  const ss = inside.reduce((s, v) => s + (v - mean) ** 2, 0);
  inside.sort((a, b) => a - b);
  const median = n % 2 ? inside[(n - 1) / 2] : (inside[n / 2 - 1] + inside[n / 2]) / 2;
  return { mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, median, n };
}

/**
 * ISMRM/NIST system phantom, T2 plate (plate 4): sphere centres in hazen's template image, (row, col)
 * of the DICOM pixel array as displayed (row 0 at the top), spheres 1..14 in order. Spheres 1–10 form
 * the outer ring, clockwise on screen from the top; 11–14 the inner ring, clockwise from upper left.
 * Source: GSTT-CSC/hazen, hazenlib/data/relaxometry_params.py, TEMPLATE_VALUES.plate4
 * .sphere_centres_row_col (the 15th entry there, a fluid ROI, is left out).
 */
export const NIST_T2_PLATE4_TEMPLATE_ROW_COL: readonly (readonly [number, number])[] = [
  [56, 94], [62, 117], [81, 132], [105, 134], [125, 120], [133, 99], [127, 75], [108, 60], [84, 59],
  [64, 72], [80, 81], [78, 111], [109, 113], [111, 82],
];

/** Reference T2 (ms) of spheres 1..14 of plate 4 (same source; NIST phantom certificate values). */
export const NIST_T2_PLATE4_REFERENCE_T2_MS = {
  '1.5T': [939.4, 594.3, 416.5, 267.0, 184.9, 140.6, 91.76, 64.84, 45.28, 30.62, 19.76, 15.99, 10.47, 8.15],
  '3T': [581.3, 403.5, 278.1, 190.94, 133.27, 96.89, 64.07, 46.42, 31.97, 22.56, 15.813, 11.237, 7.911, 5.592],
} as const;

export interface NumberedSphere extends Sphere {
  /** Sphere number on the plate, 1..14. */
  number: number;
  /** Reference T2 at the requested field, ms. */
  referenceT2: number;
}

export interface NistT2Assignment {
  /** The input spheres, numbered, sorted by number. */
  spheres: NumberedSphere[];
  /** Similarity transform template → image (DICOM display frame): rotation (degrees, clockwise on screen), scale. */
  rotationDeg: number;
  scale: number;
  /** Largest distance between a sphere and its transformed template centre, px of the image. */
  maxResidualPx: number;
}

export interface AssignNistT2Options {
  /**
   * Frame of the spheres' (cy, cx). 'nifti' (default): array (y = j, x = i) of a NIfTI converted from
   * DICOM by dcm2niix, whose j runs bottom-to-top, i.e. DICOM row = height − 1 − y. 'dicom': rows as
   * in the DICOM pixel array.
   */
  frame?: 'nifti' | 'dicom';
  /** Field strength for the reference values. Default '1.5T'. */
  field?: '1.5T' | '3T';
  /** Largest rotation accepted, degrees. Default 15 (the outer ring repeats every 36°). */
  maxRotationDeg?: number;
}

/** Least-squares similarity transform q ≈ s·R(θ)·p + t for paired points ([x, y] each). */
function fitSimilarity(p: number[][], q: number[][]): { s: number; theta: number; t: [number, number] } {
  const n = p.length;
  const pm = [0, 1].map((k) => p.reduce((a, v) => a + v[k], 0) / n);
  const qm = [0, 1].map((k) => q.reduce((a, v) => a + v[k], 0) / n);
  let a = 0, b = 0, pp = 0;
  for (let i = 0; i < n; i++) {
    const [px, py] = [p[i][0] - pm[0], p[i][1] - pm[1]];
    const [qx, qy] = [q[i][0] - qm[0], q[i][1] - qm[1]];
    a += px * qx + py * qy;
    b += px * qy - py * qx;
    pp += px * px + py * py;
  }
  const theta = Math.atan2(b, a);
  const s = Math.hypot(a, b) / pp;
  const [c, sn] = [Math.cos(theta), Math.sin(theta)];
  return { s, theta, t: [qm[0] - s * (c * pm[0] - sn * pm[1]), qm[1] - s * (sn * pm[0] + c * pm[1])] };
}

/**
 * Number 14 detected spheres of the NIST T2 plate (plate 4) by GEOMETRY: register hazen's template
 * centres (`NIST_T2_PLATE4_TEMPLATE_ROW_COL`) to the detected centres with a similarity transform
 * (start: centroids and RMS radii matched, no rotation; then 5 rounds of closest-pair matching,
 * greedy by distance, and a least-squares fit of scale, rotation and translation), and give each
 * sphere the number of the template centre it is paired with. No intensity or T2 is used.
 *
 * Limits: the layout is symmetric under mirroring and the outer ring under 36° rotations, so the
 * image must be in the template's orientation (DICOM display orientation as scanned for hazen; a
 * NIfTI from dcm2niix with frame 'nifti') up to a small rotation; a mirrored or ≥ 18°-rotated plate
 * would be numbered wrongly without notice, which is why a rotation above `maxRotationDeg` throws.
 * Also throws unless there are exactly 14 spheres or if a residual exceeds 1/4 of the smallest
 * template spacing (the detections do not look like plate 4).
 */
export function assignNistT2Spheres(
  spheres: readonly Sphere[], height: number, opts: AssignNistT2Options = {},
): NistT2Assignment {
  const template = NIST_T2_PLATE4_TEMPLATE_ROW_COL;
  if (spheres.length !== template.length) {
    throw new Error(`assignNistT2Spheres: spheres must hold ${template.length} spheres (got ${spheres.length})`);
  }
  const frame = opts.frame ?? 'nifti';
  const maxRotationDeg = opts.maxRotationDeg ?? 15;
  // Both point sets as [x, y] = [col, row] in the DICOM display frame.
  const q = spheres.map((s) => [s.cx, frame === 'nifti' ? height - 1 - s.cy : s.cy]);
  const p = template.map(([row, col]) => [col, row]);
  const rms = (v: number[][]): { m: number[]; r: number } => {
    const m = [0, 1].map((k) => v.reduce((a, w) => a + w[k], 0) / v.length);
    return { m, r: Math.sqrt(v.reduce((a, w) => a + (w[0] - m[0]) ** 2 + (w[1] - m[1]) ** 2, 0) / v.length) };
  };
  const [P, Q] = [rms(p), rms(q)];
  let fit = { s: Q.r / P.r, theta: 0, t: [Q.m[0] - (Q.r / P.r) * P.m[0], Q.m[1] - (Q.r / P.r) * P.m[1]] as [number, number] };
  const apply = (v: number[]): number[] => {
    const [c, sn] = [Math.cos(fit.theta), Math.sin(fit.theta)];
    return [fit.s * (c * v[0] - sn * v[1]) + fit.t[0], fit.s * (sn * v[0] + c * v[1]) + fit.t[1]];
  };
  let pairOf: number[] = [];
  for (let round = 0; round < 5; round++) {
    const moved = p.map(apply);
    const pairs: [number, number, number][] = [];
    moved.forEach((m, i) => q.forEach((v, j) => pairs.push([Math.hypot(m[0] - v[0], m[1] - v[1]), i, j])));
    pairs.sort((a, b) => a[0] - b[0]);
    pairOf = new Array(p.length).fill(-1);
    const taken = new Set<number>();
    for (const [, i, j] of pairs) {
      if (pairOf[i] >= 0 || taken.has(j)) continue;
      pairOf[i] = j;
      taken.add(j);
    }
    fit = fitSimilarity(p, pairOf.map((j) => q[j]));
  }
  const moved = p.map(apply);
  const residuals = moved.map((m, i) => Math.hypot(m[0] - q[pairOf[i]][0], m[1] - q[pairOf[i]][1]));
  const maxResidualPx = Math.max(...residuals);
  let spacing = Infinity;
  for (let i = 0; i < p.length; i++) {
    for (let j = i + 1; j < p.length; j++) spacing = Math.min(spacing, Math.hypot(p[i][0] - p[j][0], p[i][1] - p[j][1]));
  }
  if (maxResidualPx > 0.25 * spacing * fit.s) {
    throw new Error(`assignNistT2Spheres: spheres do not match the plate-4 layout (residual ${maxResidualPx.toFixed(1)} px)`);
  }
  const rotationDeg = (fit.theta * 180) / Math.PI;
  if (Math.abs(rotationDeg) > maxRotationDeg) {
    throw new Error(`assignNistT2Spheres: plate rotated ${rotationDeg.toFixed(1)}° (> maxRotationDeg ${maxRotationDeg}); numbering would be ambiguous`);
  }
  const reference = NIST_T2_PLATE4_REFERENCE_T2_MS[opts.field ?? '1.5T'];
  const numbered = pairOf.map((j, i) => ({ ...spheres[j], number: i + 1, referenceT2: reference[i] }));
  return { spheres: numbered, rotationDeg, scale: fit.s, maxResidualPx };
}

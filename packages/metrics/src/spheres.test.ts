import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readNifti } from '@relaxomap/array-io';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  NIST_T2_PLATE4_TEMPLATE_ROW_COL, assignNistT2Spheres, findSpheres, roiStats, sphereRoiMask, type Sphere,
} from './spheres.js';

/** Seeded standard normal (mulberry32 + Box–Muller), local so the test has no dependencies. */
function normal(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Adds `value` × (fraction of the pixel inside `inside`, 8×8 supersampled): partial-volume edges. */
function paint(img: Float32Array, h: number, w: number, value: number, inside: (y: number, x: number) => boolean): void {
  const n = 8;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let hits = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (inside(y - 0.5 + (i + 0.5) / n, x - 0.5 + (j + 0.5) / n)) hits++;
      img[y * w + x] += (value * hits) / (n * n);
    }
  }
}

const H = 128;
const W = 128;
const DISCS = [
  { cy: 20.3, cx: 22.7, r: 6.5, value: 1.0 },
  { cy: 24.6, cx: 70.2, r: 4.2, value: 0.35 },
  { cy: 64.0, cx: 40.5, r: 9.1, value: 0.7 },
  { cy: 70.8, cx: 95.3, r: 5.4, value: 0.5 },
  { cy: 104.2, cx: 60.9, r: 7.7, value: 0.9 },
];

function syntheticImage(): Float32Array {
  const img = new Float32Array(H * W);
  for (const d of DISCS) paint(img, H, W, d.value, (y, x) => (y - d.cy) ** 2 + (x - d.cx) ** 2 <= d.r ** 2);
  // Distractors of plausible size that are not discs: a square, an ellipse, a ring.
  paint(img, H, W, 0.8, (y, x) => Math.abs(y - 100) <= 6 && Math.abs(x - 105) <= 6);
  paint(img, H, W, 0.8, (y, x) => ((y - 40) / 3.5) ** 2 + ((x - 105) / 11) ** 2 <= 1);
  paint(img, H, W, 0.8, (y, x) => {
    const r2 = (y - 100) ** 2 + (x - 22) ** 2;
    return r2 <= 9 ** 2 && r2 >= 6 ** 2;
  });
  const rand = normal(7);
  for (let i = 0; i < img.length; i++) img[i] += 0.02 * rand();
  return img;
}

test('findSpheres recovers synthetic discs (centre within 0.5 px, radius within 1 px) and rejects non-discs', () => {
  const found = findSpheres(syntheticImage(), H, W, { count: 10 });
  assert.equal(found.length, DISCS.length, `found ${JSON.stringify(found)}`);
  for (const d of DISCS) {
    const s = found.find((f) => Math.hypot(f.cy - d.cy, f.cx - d.cx) < 3);
    assert.ok(s, `disc at (${d.cy}, ${d.cx}) not found`);
    assert.ok(Math.hypot(s.cy - d.cy, s.cx - d.cx) < 0.5, `centre (${s.cy}, ${s.cx}) vs (${d.cy}, ${d.cx})`);
    assert.ok(Math.abs(s.radius - d.r) < 1, `radius ${s.radius} vs ${d.r}`);
  }
  // Sorted by (cy, cx).
  for (let i = 1; i < found.length; i++) assert.ok(found[i].cy >= found[i - 1].cy);
});

test('findSpheres returns the count most stable discs and checks its inputs', () => {
  const img = syntheticImage();
  assert.equal(findSpheres(img, H, W, { count: 3 }).length, 3);
  assert.throws(() => findSpheres(img, H, W + 1, { count: 3 }), /image length/);
  assert.throws(() => findSpheres(img, H, W, { count: 0 }), /count/);
  assert.throws(() => findSpheres(new Float32Array(H * W), H, W, { count: 1 }), /no positive signal/);
});

test('sphereRoiMask is the disc of radius·shrink around the centre', () => {
  const m = sphereRoiMask(11, 11, { cy: 5, cx: 5, radius: 4 }, 0.5);
  // Pixel centres with dy² + dx² ≤ 4: the centre, 4 at distance 1, 4 at √2, 4 at 2.
  assert.equal(m.reduce((s, v) => s + v, 0), 13);
  assert.equal(m[5 * 11 + 7], 1);
  assert.equal(m[6 * 11 + 7], 0);
  assert.equal(sphereRoiMask(11, 11, { cy: 0, cx: 0, radius: 1 }, 1).reduce((s, v) => s + v, 0), 3);
  assert.throws(() => sphereRoiMask(11, 11, { cy: 5, cx: 5, radius: 4 }, 0), /shrink/);
});

test('roiStats known answers', () => {
  const s = roiStats([1, 2, 3, 4, 100], [1, 1, 1, 1, 0]);
  assert.equal(s.n, 4);
  assert.equal(s.mean, 2.5);
  assert.equal(s.median, 2.5);
  assert.ok(Math.abs(s.sd - Math.sqrt(5 / 3)) < 1e-12);
  const odd = roiStats(new Float32Array([9, 1, 5]), new Uint8Array([1, 1, 1]));
  assert.equal(odd.median, 5);
  assert.equal(roiStats([7], [1]).sd, 0);
  assert.throws(() => roiStats([1, 2], [1]), /mask length/);
  assert.throws(() => roiStats([1, 2], [0, 0]), /no voxels/);
});

/** Plate-4 template moved to a 256-row image (scale, rotation, shift), jittered, shuffled. */
function movedLayout(rotationDeg: number, frame: 'nifti' | 'dicom', seed: number): { spheres: Sphere[]; numbers: number[] } {
  const rand = normal(seed);
  const th = (rotationDeg * Math.PI) / 180;
  const placed = NIST_T2_PLATE4_TEMPLATE_ROW_COL.map(([row, col], i) => {
    const [x, y] = [col - 96, row - 96];
    const rowImg = 1.3 * (Math.sin(th) * x + Math.cos(th) * y) + 140 + 0.3 * rand();
    const colImg = 1.3 * (Math.cos(th) * x - Math.sin(th) * y) + 120 + 0.3 * rand();
    const sphere = { cy: frame === 'nifti' ? 255 - rowImg : rowImg, cx: colImg, radius: 8, area: 201 };
    return { sphere, number: i + 1 };
  });
  // A fixed permutation (not sorted by anything) so the input order carries no information.
  const order = [9, 3, 13, 0, 6, 11, 2, 8, 12, 5, 1, 10, 4, 7];
  return { spheres: order.map((k) => placed[k].sphere), numbers: order.map((k) => placed[k].number) };
}

test('assignNistT2Spheres numbers a permuted, scaled, rotated plate-4 layout by geometry', () => {
  for (const frame of ['nifti', 'dicom'] as const) {
    const { spheres, numbers } = movedLayout(8, frame, 3);
    const a = assignNistT2Spheres(spheres, 256, { frame });
    assert.deepEqual(a.spheres.map((s) => s.number), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    for (const s of a.spheres) {
      const k = spheres.findIndex((q) => q.cy === s.cy && q.cx === s.cx);
      assert.equal(numbers[k], s.number, `${frame}: sphere at (${s.cy}, ${s.cx})`);
    }
    assert.ok(Math.abs(a.rotationDeg - 8) < 1, `rotation ${a.rotationDeg}`);
    assert.ok(Math.abs(a.scale - 1.3) < 0.02, `scale ${a.scale}`);
    assert.ok(a.maxResidualPx < 1.5);
  }
  const a3 = assignNistT2Spheres(movedLayout(0, 'nifti', 4).spheres, 256, { field: '3T' });
  assert.equal(a3.spheres[13].referenceT2, 5.592);
});

test('assignNistT2Spheres refuses ambiguous or foreign layouts', () => {
  assert.throws(() => assignNistT2Spheres(movedLayout(0, 'nifti', 5).spheres.slice(1), 256), /14 spheres/);
  // Rotated by 25° (the ring repeats every 36°): refused rather than guessed, as a poor fit or a large rotation.
  for (const deg of [20, 25, -30]) {
    assert.throws(() => assignNistT2Spheres(movedLayout(deg, 'nifti', 5).spheres, 256), /layout|rotated/, `${deg}°`);
  }
  const grid = Array.from({ length: 14 }, (_, i) => ({ cy: 20 * Math.floor(i / 4), cx: 20 * (i % 4), radius: 5, area: 78 }));
  assert.throws(() => assignNistT2Spheres(grid, 256), /layout|rotated/);
});

// Real scan: the committed dcm2niix NIfTI of the NIST T2 plate (the frame spheres.json is in).
const ECHO1 = fileURLToPath(new URL('../../../data/real/nist-t2-plate4/nifti/nist_t2_se32_e1.nii.gz', import.meta.url));
const SPHERES_JSON = fileURLToPath(new URL('../../../data/real/nist-t2-plate4/spheres.json', import.meta.url));

test('real NIST T2 plate, echo 1: exactly 14 spheres, at the centres and numbers of spheres.json', async () => {
  const nifti = await readNifti(ECHO1);
  const [height, width] = nifti.shape.slice(-2) as [number, number];
  const image = nifti.data;
  const found = findSpheres(image, height, width, { count: 20 });
  assert.equal(found.length, 14);
  const committed = JSON.parse(readFileSync(SPHERES_JSON, 'utf8')) as { spheres: { number: number; cy: number; cx: number }[] };
  assert.equal(committed.spheres.length, 14);
  const a = assignNistT2Spheres(found, height);
  for (const ref of committed.spheres) {
    const s = a.spheres[ref.number - 1];
    assert.equal(s.number, ref.number);
    assert.ok(Math.hypot(s.cy - ref.cy, s.cx - ref.cx) < 1.5, `sphere ${ref.number}: (${s.cy}, ${s.cx}) vs (${ref.cy}, ${ref.cx})`);
    assert.ok(s.radius > 5 && s.radius < 7, `sphere ${ref.number} radius ${s.radius}`);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmse, nrmse, ssim2d, gaussianWindow1d } from './index.js';

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (tol ${tol})`);
}

/** The pair used for the scipy reference values below (same formulas as the Python script). */
function sinePair(H: number, W: number): { a: Float64Array; b: Float64Array } {
  const a = new Float64Array(H * W);
  const b = new Float64Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = Math.sin(0.7 * x) * Math.cos(0.3 * y) + 0.05 * x;
      a[y * W + x] = v;
      b[y * W + x] = v + 0.2 * Math.cos(1.3 * x + 0.5 * y);
    }
  }
  return { a, b };
}

test('rmse and nrmse: hand-computed answers, mask honoured', () => {
  const a = [1, 2, 3, 4];
  const b = [1, 2, 3, 8];
  assert.equal(rmse(a, b), 2); // sqrt(16/4)
  assert.equal(rmse(a, b, [1, 1, 1, 0]), 0);
  close(rmse([0, 0], [3, 4]), Math.sqrt(12.5), 1e-15, 'rmse');
  // ‖a−b‖/‖b‖ = 4 / sqrt(1+4+9+64)
  close(nrmse(a, b), 4 / Math.sqrt(78), 1e-15, 'nrmse');
  close(nrmse([0, 0], [3, 4], [true, true]), 1, 1e-15, 'nrmse of zero estimate');
  assert.ok(Number.isNaN(rmse(a, b, [0, 0, 0, 0])));
  assert.throws(() => rmse([1, 2], [1]), /b: length/);
  assert.throws(() => nrmse([1, 2], [1, 2], [1]), /mask: length/);
});

test('rmse and nrmse match numpy on a sine pair', () => {
  const { a, b } = sinePair(20, 17);
  // numpy: sqrt(mean((a-b)**2)), norm(a-b)/norm(b)
  close(rmse(a, b), 0.1414330454957163, 1e-12, 'rmse');
  close(nrmse(a, b), 0.20198818656235265, 1e-12, 'nrmse');
});

test('ssim2d(a, a) = 1', () => {
  const { a } = sinePair(20, 17);
  close(ssim2d(a, a, 17, 20), 1, 1e-12, 'ssim(a,a)');
  close(ssim2d(Float32Array.from(a), Float32Array.from(a), 17, 20, { dataRange: 1 }), 1, 1e-12, 'ssim(a,a) f32');
});

test('ssim2d of two constant images = (2 c1 c2 + C1)/(c1² + c2² + C1)', () => {
  const W = 13;
  const H = 12;
  const c1 = 0.3;
  const c2 = 0.5;
  const L = 1;
  const C1 = (0.01 * L) ** 2;
  const expected = (2 * c1 * c2 + C1) / (c1 * c1 + c2 * c2 + C1);
  const s = ssim2d(new Array(W * H).fill(c1), new Array(W * H).fill(c2), W, H, { dataRange: L });
  close(s, expected, 1e-12, 'constant pair');
  assert.ok(expected < 0.9); // the test can fail: a wrong luminance term would not give this value
});

test('ssim2d of zeros vs a ±1 checkerboard: closed form from the 1-D window', () => {
  // For b = (−1)^(x+y), the Gaussian-weighted local mean is ±s², s = Σ_k g_k (−1)^k, and E[b²] = 1,
  // so σb² = 1 − s⁴ at every window; with a = 0: SSIM = C1/(s⁴ + C1) · C2/(1 − s⁴ + C2).
  const W = 15;
  const H = 14;
  const b = new Float64Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) b[y * W + x] = (x + y) % 2 === 0 ? 1 : -1;
  // Independent 1-D Gaussian (not the library's helper).
  let sumG = 0;
  let alt = 0;
  for (let k = -5; k <= 5; k++) {
    const gk = Math.exp(-(k * k) / (2 * 1.5 * 1.5));
    sumG += gk;
    alt += gk * (k % 2 === 0 ? 1 : -1);
  }
  const s = alt / sumG;
  const L = 2;
  const C1 = (0.01 * L) ** 2;
  const C2 = (0.03 * L) ** 2;
  const expected = (C1 / (s ** 4 + C1)) * (C2 / (1 - s ** 4 + C2));
  close(ssim2d(new Float64Array(W * H), b, W, H, { dataRange: L }), expected, 1e-12, 'checkerboard');
  // Default dataRange = max − min over both images = 2 here.
  close(ssim2d(new Float64Array(W * H), b, W, H), expected, 1e-12, 'checkerboard, default range');
});

test('ssim2d matches an independent scipy computation (correlate2d valid, 2-D Gaussian)', () => {
  const { a, b } = sinePair(20, 17);
  close(ssim2d(a, b, 17, 20, { dataRange: 2 }), 0.9344910720315137, 1e-12, 'scipy reference');
  close(ssim2d(b, a, 17, 20, { dataRange: 2 }), 0.9344910720315137, 1e-12, 'symmetric');
});

test('gaussianWindow1d sums to 1 and is symmetric; bad inputs throw naming the field', () => {
  const g = gaussianWindow1d(11, 1.5);
  close(g.reduce((s, v) => s + v, 0), 1, 1e-15, 'sum');
  close(g[0], g[10], 0, 'symmetry');
  assert.throws(() => gaussianWindow1d(10, 1.5), /window/);
  assert.throws(() => ssim2d([1, 2], [1, 2], 2, 1), /window/);
  assert.throws(() => ssim2d([1, 2], [1], 2, 1), /b: length/);
  assert.throws(() => ssim2d(new Array(144).fill(0), new Array(144).fill(0), 12, 12, { dataRange: 0 }), /dataRange/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MapSet } from '../common/series.js';
import { evaluateT2 } from './evaluate-t2.js';

// One slice of 2×3 voxels: tissue codes 0 bg, 1 CSF, 2 GM, 3 WM.
const shape = { slices: 1, height: 2, width: 3 };
const tissue = Uint8Array.from([0, 1, 2, 3, 3, 2]);
const maps = (method: string, t2: number[], m0 = [0, 1, 1, 1, 1, 1]): MapSet => ({
  method, shape, voxelMm: [1, 1, 1], m0: Float32Array.from(m0), t2: Float32Array.from(t2),
});
const truth = maps('Reference', [0, 1000, 100, 80, 80, 100]);

test('RMSE per region and the Varpro/method ratio are known answers', () => {
  // Varpro off by +20 ms on every tissue voxel; the network off by +5 ms (and its M0 by 0.1 in WM).
  const varpro = maps('Varpro', [0, 1020, 120, 100, 100, 120]);
  const network = maps('Network', [0, 1005, 105, 85, 85, 105], [0, 1, 1, 1.1, 1.1, 1]);
  const ev = evaluateT2(truth, tissue, [varpro, network], ['WM', 'GM', 'CSF']);
  const row = (method: string, region: string) => ev.rows.find((r) => r.method === method && r.slice === 'all' && r.region === region)!;
  assert.equal(row('Varpro', 'brain').voxels, 5, 'background excluded');
  assert.equal(row('Varpro', 'brain').rmse_t2_ms, 20);
  assert.equal(row('Network', 'WM').rmse_t2_ms, 5);
  assert.ok(Math.abs(row('Network', 'WM').rmse_m0 - 0.1) < 1e-6);
  assert.equal(row('Network', 'GM').rmse_m0, 0);
  assert.equal(row('Varpro', 'brain excl. CSF').voxels, 4);
  assert.ok(Math.abs(row('Varpro', 'CSF').nrmse_t2 - 0.02) < 1e-9, 'nRMSE = ‖e‖/‖ref‖');
  assert.deepEqual(ev.ratios, { Network: { brain: 4, wm: 4, gm: 4, csf: 4, brain_no_csf: 4 } });
  assert.equal(row('Network', 'brain').ssim_t2, null, 'a 3×2 slice is smaller than the SSIM window');
});

test('on a 12×12 slice: a perfect estimate has zero error and SSIM 1, a noisy one SSIM < 1', () => {
  const big = { slices: 1, height: 12, width: 12 };
  const n = 144;
  const bigTissue = Uint8Array.from({ length: n }, (_, i) => 1 + (i % 3));
  const t2 = Float32Array.from({ length: n }, (_, i) => 60 + (i % 7) * 10);
  const set = (method: string, values: Float32Array): MapSet => ({ method, shape: big, voxelMm: [1, 1, 1], m0: new Float32Array(n).fill(1), t2: values });
  const noisy = Float32Array.from(t2, (v, i) => v + (i % 2 ? 8 : -8));
  const ev = evaluateT2(set('Reference', t2), bigTissue, [set('Network', t2), set('Other', noisy)], ['WM']);
  const brain = (method: string) => ev.rows.find((r) => r.method === method && r.slice === '0' && r.region === 'brain')!;
  assert.equal(brain('Network').rmse_t2_ms, 0);
  assert.ok(Math.abs(brain('Network').ssim_t2! - 1) < 1e-12);
  assert.ok(brain('Other').ssim_t2! < 0.99);
  assert.equal(brain('Other').rmse_t2_ms, 8);
  assert.equal(ev.rows.find((r) => r.slice === 'all' && r.region === 'brain')!.ssim_t2, null, 'SSIM is per slice only');
  assert.deepEqual(ev.ratios, {}, 'no Varpro, no ratio');
});

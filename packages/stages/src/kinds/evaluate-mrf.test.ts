import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MrfMapSet } from '../common/mrf-files.js';
import { evaluateMrf } from './evaluate-mrf.js';

// One 2×3 slice: tissue codes 0 bg, 1 CSF, 2 GM, 3 WM.
const tissue = Uint8Array.from([0, 1, 2, 3, 3, 2]);
const set = (stage: string, acquisition: MrfMapSet['acquisition'], t1: number[], t2: number[]): MrfMapSet => ({
  stage, method: stage, acquisition, height: 2, width: 3, voxelMm: [2, 2, 2],
  t1: Float32Array.from(t1), t2: Float32Array.from(t2), pd: new Float32Array(6).fill(1),
});
const truth = set('simulate', 'truth', [0, 3800, 1300, 800, 800, 1300], [0, 1000, 110, 80, 80, 110]);
// Reference: off by +10 ms T1, +2 ms T2 on every brain voxel (background is ignored whatever it holds).
const reference = set('recon-reference', 'reference', [999, 3810, 1310, 810, 810, 1310], [999, 1002, 112, 82, 82, 112]);
// Sliding window: +40 ms T1, +8 ms T2 against the truth, i.e. +30 / +6 against the reference.
const window = set('recon-single', 'single', [0, 3840, 1340, 840, 840, 1340], [0, 1008, 118, 88, 88, 118]);
// Network: +20 / +4 against the truth, i.e. +10 / +2 against the reference.
const network = set('train', 'single', [0, 3820, 1320, 820, 820, 1320], [0, 1004, 114, 84, 84, 114]);

test('RMSE per region against the reference and the truth, and the sliding-window/method ratios', () => {
  const ev = evaluateMrf(truth, tissue, [reference, window, network], ['WM', 'GM', 'CSF'], 'recon-single', 'recon-reference');
  const row = (stage: string, against: string, region: string) => ev.rows.find((r) => r.stage === stage && r.against === against && r.region === region)!;
  assert.equal(row('recon-single', 'truth', 'brain').voxels, 5, 'background excluded');
  assert.equal(row('recon-single', 'truth', 'brain').rmse_t1_ms, 40);
  assert.equal(row('recon-single', 'truth', 'WM').rmse_t2_ms, 8);
  assert.equal(row('recon-single', 'reference', 'brain').rmse_t1_ms, 30);
  assert.equal(row('train', 'reference', 'GM').rmse_t2_ms, 2);
  assert.equal(row('recon-reference', 'truth', 'CSF').rmse_t1_ms, 10);
  assert.equal(row('recon-single', 'truth', 'brain excl. CSF').voxels, 4);
  assert.ok(Math.abs(row('recon-single', 'truth', 'CSF').nrmse_t2 - 0.008) < 1e-9, 'nRMSE = ‖e‖/‖ref‖');
  assert.equal(ev.rows.some((r) => r.stage === 'recon-reference' && r.against === 'reference'), false, 'the reference is not compared with itself');
  // Ratios: sliding window RMSE / method RMSE.
  assert.deepEqual(ev.ratios.reference, { train: { t1: { brain: 3, wm: 3, gm: 3, csf: 3, brain_no_csf: 3 }, t2: { brain: 3, wm: 3, gm: 3, csf: 3, brain_no_csf: 3 } } });
  assert.equal(ev.ratios.truth!.train!.t1.brain, 2);
  assert.equal(ev.ratios.truth!['recon-reference']!.t2.wm, 4);
  assert.equal(ev.baseline, 'recon-single');
  assert.equal(ev.reference, 'recon-reference');
});

test('without a reference only the truth is a target; a missing baseline is an error', () => {
  const ev = evaluateMrf(truth, tissue, [window, network], ['WM'], 'recon-single', null);
  assert.deepEqual(new Set(ev.rows.map((r) => r.against)), new Set(['truth']));
  assert.deepEqual(ev.regions.map((r) => r.key), ['brain', 'wm', 'brain_no_csf']);
  assert.equal(ev.ratios.truth!.train!.t2.wm, 2);
  assert.throws(() => evaluateMrf(truth, tissue, [network], ['WM'], 'recon-single', null), /baseline 'recon-single' is not among the estimates \(train\)/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PRETRAINED_FORMAT, pretrainedMismatches, type PretrainedManifest } from './pretrained.js';

const manifest: PretrainedManifest = {
  format: PRETRAINED_FORMAT,
  echoes: 4,
  TE_ms: [43, 67, 91, 115],
  te_tolerance_ms: 1,
  network: { blocks: 4, width: 32 },
  t2_range_ms: [1, 3000],
  loss: 'mse',
  training: { steps: 10, slices: 6, phantom_slices: [50, 60], noise_variances: [0.001], noise_model: 'gaussian', seed: 11, patch: null },
  commit: null,
};
const use = { TE_ms: [43, 67, 91, 115], network: { blocks: 4, width: 32 }, t2_range_ms: [1, 3000] as const };

test('a pre-trained model fits a scan with its protocol (TEs within the tolerance) and network', () => {
  assert.deepEqual(pretrainedMismatches(manifest, use), []);
  assert.deepEqual(pretrainedMismatches(manifest, { ...use, TE_ms: [43.9, 66.1, 91, 115] }), []);
});

test('every mismatch is named: echo count, TE outside the trained range, network, T2 range, format', () => {
  assert.deepEqual(pretrainedMismatches(manifest, { ...use, TE_ms: [6, 12, 18, 24, 30, 36, 42, 48, 54, 60] }), ['trained on 4 echoes, the scan has 10']);
  assert.deepEqual(pretrainedMismatches(manifest, { ...use, TE_ms: [40, 64, 88, 112] }), ['scan TE 40/64/88/112 ms is outside the trained TE 43/67/91/115 ms ± 1 ms (off by 3 ms)']);
  assert.deepEqual(pretrainedMismatches(manifest, { ...use, network: { blocks: 9, width: 32 }, t2_range_ms: [5, 3000] }), [
    'network is 4 blocks × width 32, the params ask for 9 × 32',
    'T2 output range is [1, 3000] ms, the params ask for [5, 3000] ms',
  ]);
  assert.deepEqual(pretrainedMismatches({ ...manifest, format: 'x' as typeof PRETRAINED_FORMAT }, use), [`format is 'x', expected '${PRETRAINED_FORMAT}'`]);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoppingRecord } from '../common/stopping.js';
import { timeToQuality } from './report-speed.js';

const record = (curve: [number, number, number][], output: number): StoppingRecord =>
  ({
    checks: curve.map(([step, elapsed_s, rmse]) => ({ step, elapsed_s, oracle_rmse: { brain_no_csf: rmse } })),
    output: { step: output, elapsed_s: curve.find(([s]) => s === output)![1] },
  }) as unknown as StoppingRecord;

test('time to quality: the first fine-tuning check within tolerance of the from-scratch final RMSE', () => {
  const scratch = record([[100, 10, 30], [200, 20, 20], [300, 30, 12], [400, 40, 10]], 400);
  const finetune = record([[25, 1, 13], [50, 2, 10.4], [75, 3, 9.8]], 75);
  const r = timeToQuality(scratch, finetune, 'brain_no_csf', 0.05);
  assert.deepEqual(r.scratch, { step: 400, elapsed_s: 40, rmse_ms: 10 });
  assert.deepEqual(r.reached, { step: 50, elapsed_s: 2, rmse_ms: 10.4 }, '10.4 ≤ 10 × 1.05');
  assert.equal(r.speedup, 20);
  assert.equal(r.stepRatio, 8);
  assert.deepEqual(r.finetune, { step: 75, elapsed_s: 3, rmse_ms: 9.8 });
  const never = timeToQuality(scratch, record([[25, 1, 13], [50, 2, 11]], 50), 'brain_no_csf', 0.05);
  assert.equal(never.reached, null);
  assert.equal(never.speedup, null);
  assert.throws(() => timeToQuality(scratch, finetune, 'wm', 0.05), /scratch: no RMSE against the truth at step 400 \(region wm\)/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stoppingRows, type StoppingStudy } from './report-stopping.js';
import type { CheckRecord, StoppingRecord } from '../common/stopping.js';

const check = (step: number, noCsf: number): CheckRecord => ({
  step,
  elapsed_s: step / 2,
  loss: 1 / step,
  residual_mse: null,
  residual_ratio: null,
  heldout_mse: null,
  heldout_ratio: null,
  oracle_rmse: { brain: 10 * noCsf, wm: noCsf - 1, gm: noCsf + 1, csf: 100 * noCsf, brain_no_csf: noCsf },
});

const record: StoppingRecord = {
  rule: 'discrepancy',
  rule_used: 'discrepancy',
  noise: { ok: true, variance: 0.001, sigma: 0.0316, model: 'gaussian', background_voxels: 1000 },
  discrepancy_target_ratio: 0.75,
  output: { step: 30, elapsed_s: 15, reason: 'test' },
  choices: { discrepancy: { step: 30, elapsed_s: 15, decided: true }, heldout: { step: 20, elapsed_s: 10, decided: false } },
  oracle: { step: 40, elapsed_s: 20, key: 'brain_no_csf', rmse: 8 },
  checks: [check(10, 20), check(20, 12), check(30, 10), check(40, 8), check(50, 9)],
};
const study: StoppingStudy = { label: 'σ² 0.001', record, varpro: { brain: 400, wm: 40, gm: 30, csf: 1000, brain_no_csf: 32 } };

test('stoppingRows: RMSE at each rule\'s step, relative to the oracle-best step and to Varpro', () => {
  const rows = stoppingRows([study]);
  assert.deepEqual(rows.map((r) => r.choice), ['Varpro', 'discrepancy rule (used)', 'held-out rule', 'oracle best (truth)', 'last step']);
  const [varpro, disc, held, oracle, last] = rows as [typeof rows[0], typeof rows[0], typeof rows[0], typeof rows[0], typeof rows[0]];
  assert.equal(varpro.step, null);
  assert.equal(varpro.vs_oracle, 32 / 8);
  assert.equal(disc.step, 30);
  assert.equal(disc.rmse_no_csf_ms, 10);
  assert.equal(disc.vs_oracle, 10 / 8);
  assert.equal(disc.gain_no_csf, 32 / 10);
  assert.equal(disc.gain_brain, 400 / 100);
  assert.equal(disc.rmse_wm_ms, 9);
  assert.equal(held.decided, false);
  assert.equal(held.rmse_no_csf_ms, 12);
  assert.equal(oracle.vs_oracle, 1);
  assert.equal(last.step, 50);
  assert.equal(last.rmse_no_csf_ms, 9);
});

test('stoppingRows: a record without oracle RMSEs (a real scan) is an error naming the study', () => {
  const real = { ...study, record: { ...record, checks: record.checks.map(({ oracle_rmse: _, ...c }) => c) } };
  assert.throws(() => stoppingRows([real]), /σ² 0.001: no oracle RMSE at step \d+ \(is the input a simulation\?\)/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PipelineError, type StageContext } from '@relaxomap/pipeline';
import { createRng, synthesizeEchoes } from '@relaxomap/physics';
import { stoppingParams } from '../params.js';
import { echoResidual, type CheckMaps } from '@relaxomap/network';
import { planStopping, t2Oracle } from './stopping.js';
import type { EchoSeries } from './series.js';

const TE = [40, 60, 80, 100];
const [S, H, W] = [1, 48, 48];
const n = S * H * W;

/** A disc of tissue (T2 80 ms) of `radius` voxels, Gaussian noise σ; radius > 34 fills the image. */
function scan(radius: number, sigma: number) {
  const m0 = new Float32Array(n);
  const t2 = new Float32Array(n).fill(80);
  const tissue = new Uint8Array(n);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if ((y - H / 2) ** 2 + (x - W / 2) ** 2 < radius ** 2) {
        m0[y * W + x] = 0.8;
        tissue[y * W + x] = 3;
      }
    }
  }
  const clean = synthesizeEchoes(m0, t2, TE);
  const rng = createRng(5);
  const echoes = clean.map((v) => v + sigma * rng.normal());
  const series: EchoSeries = { echoes, shape: { slices: S, height: H, width: W }, TE, voxelMm: [1, 1, 1] };
  return { series, truth: { t2, tissue }, maps: { m0, t2 } };
}

/** The T2 study's stopping data, as train-t2 builds it. */
function study(series: EchoSeries, truth?: { t2: Float32Array; tissue: Uint8Array }) {
  return {
    data: series.echoes,
    shape: { channels: TE.length, ...series.shape },
    residual: (maps: CheckMaps, mask: Uint8Array) => echoResidual(maps, series.echoes, TE, mask),
    ...(truth ? { oracle: t2Oracle(truth), oracleKey: 'brain_no_csf' } : {}),
    seed: 1,
  };
}

/** What a trainer reports after `steps` steps of `stepMs` each (no resume). */
function run(steps: number, stepMs: number) {
  return { lossHistory: [], resumedFrom: 0, stepsDone: steps, aborted: false, stopped: false, backend: 'none', stepMs };
}

function context() {
  const logs: string[] = [];
  const ctx = {
    log: (m: string) => void logs.push(m),
    paramError: (field: string, detail: string) => new PipelineError(detail, { field }),
  } as unknown as StageContext<unknown>;
  return { ctx, logs };
}

test('with a background: σ estimated, the discrepancy rule judges, the oracle RMSE is recorded', () => {
  const { series, truth, maps } = scan(16, 0.02);
  const { ctx, logs } = context();
  const metrics: { key: string }[] = [];
  const plan = planStopping(ctx, stoppingParams.parse({ dof: 1 }), study(series, truth), (m) => void metrics.push(...m));
  assert.ok(plan.heldOut !== undefined);
  assert.match(logs.join('\n'), /noise estimate: σ = 0\.0/);
  // At the truth the residual is the noise alone: ratio ≈ 1 > the target 0.75 → no stop.
  const stop = plan.onCheck({ step: 25, elapsedMs: 1000, loss: 0.1, maps, blindMaps: maps });
  assert.equal(stop, false);
  const { record } = plan.finish(maps, run(50, 40));
  assert.equal(record.rule_used, 'discrepancy');
  assert.ok(record.noise.ok && Math.abs(record.noise.sigma / 0.02 - 1) < 0.05);
  const c = record.checks[0]!;
  assert.ok(Math.abs(c.residual_ratio! - 1) < 0.1, `residual ratio ${c.residual_ratio}`);
  assert.equal(c.oracle_rmse!.wm, 0);
  assert.equal(record.choices.discrepancy!.decided, false);
  assert.ok(metrics.some((m) => m.key === 'check.residual_ratio') && metrics.some((m) => m.key === 'oracle.rmse.wm'));
});

test('no background: a clear message, and the held-out rule takes over (never a fixed step count)', () => {
  const { series, maps } = scan(40, 0.02);
  const { ctx, logs } = context();
  const plan = planStopping(ctx, stoppingParams.parse({ patience: 1 }), study(series), () => {});
  assert.match(logs.join('\n'), /no background region to estimate the noise from/);
  assert.match(logs.join('\n'), /using the held-out rule/);
  const worse = { m0: maps.m0.map((v) => v * 1.2), t2: maps.t2 };
  assert.equal(plan.onCheck({ step: 25, elapsedMs: 1, loss: 1, maps, blindMaps: maps }), false);
  assert.equal(plan.onCheck({ step: 50, elapsedMs: 2, loss: 1, maps: worse, blindMaps: worse }), true); // patience 1
  const { record, maps: chosen } = plan.finish(worse, run(50, 0.04));
  assert.equal(record.rule, 'discrepancy');
  assert.equal(record.rule_used, 'heldout');
  assert.match(record.fallback!, /no background region/);
  assert.equal(record.output.step, 25);
  assert.deepEqual(chosen.m0, maps.m0);
});

test('no background and no held-out voxels: an error naming the param', () => {
  const { series } = scan(40, 0.02);
  const { ctx } = context();
  assert.throws(() => planStopping(ctx, stoppingParams.parse({ held_out_fraction: 0 }), study(series), () => {}), /held_out_fraction/);
});

test('known noise (k-space): no background estimate; stops at the first check with residual ≤ τ·σ²; no held-out rule', () => {
  const { series, maps } = scan(40, 0.02); // no background: a known σ² must not need one
  const { ctx, logs } = context();
  // The residual of a check is read from the maps: m0[0] carries it, in units of σ² = 0.5.
  const known = { variance: 0.5, source: 'acquisition.json noise.kspace_sample_variance', tau: 1.05, residual: (m: CheckMaps) => 0.5 * m.m0[0]! };
  const at = (ratio: number) => ({ m0: Float32Array.of(ratio, ...maps.m0.subarray(1)), t2: maps.t2 });
  const p = stoppingParams.parse({ held_out_fraction: 0 });
  const plan = planStopping(ctx, p, { ...study(series), knownNoise: known }, () => {});
  assert.equal(plan.heldOut, undefined);
  assert.match(logs.join('\n'), /known: acquisition\.json noise\.kspace_sample_variance/);
  assert.equal(plan.onCheck({ step: 10, elapsedMs: 1, loss: 1, maps: at(1.3) }), false);
  assert.equal(plan.onCheck({ step: 20, elapsedMs: 2, loss: 1, maps: at(1.06) }), false);
  assert.equal(plan.onCheck({ step: 30, elapsedMs: 3, loss: 1, maps: at(1.04) }), true);
  const { record, maps: chosen } = plan.finish(at(0.9), run(30, 0.1));
  assert.equal(record.rule_used, 'discrepancy');
  assert.equal(record.output.step, 30);
  assert.equal(chosen.m0[0], Math.fround(1.04));
  assert.equal(record.discrepancy_target_ratio, 1.05);
  assert.deepEqual(record.checks.map((c) => c.residual_ratio), [1.3, 1.06, 1.04].map((r) => (0.5 * Math.fround(r)) / 0.5));
  assert.ok(record.noise.ok && record.noise.model === 'known' && record.noise.source === known.source);
  assert.throws(() => planStopping(ctx, stoppingParams.parse({ held_out_fraction: 0.1 }), { ...study(series), knownNoise: known }, () => {}), /held_out_fraction.*must be 0 when the noise is known/);
});

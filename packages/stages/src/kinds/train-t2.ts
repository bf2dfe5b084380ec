/**
 * train-t2: the scan-specific unsupervised network (paper Fig. 1) trained on ONE subject's echoes:
 * echoes → CNN → M0, T2 → M0·exp(−TE/T2) → loss against the input echoes. No truth is used to
 * train or to stop: a stopping rule judged on the scan picks the step (common/stopping.ts); on a
 * simulation the RMSE against the truth is only logged beside it (the oracle curve).
 * Checkpoints go to the stage's work folder, keyed by params and input data, so a killed run resumes
 * (the rules then start afresh from the resumed step).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '@relaxomap/array-io';
import { echoResidual, initBackend, trainT2Net } from '@relaxomap/network';
import type { StageContext } from '@relaxomap/pipeline';
import type { TrainT2Params } from '../params.js';
import { echoTimesFor, readEchoSeries, requireInput, writeMapSet } from '../common/series.js';
import { logStoppingRecord, planStopping, trainingMonitor, readTruth, t2Oracle } from '../common/stopping.js';

export async function run(ctx: StageContext<TrainT2Params>): Promise<void> {
  const p = ctx.params;
  const input = requireInput(ctx, ['simulate-t2'], 'echo series');
  const series = await readEchoSeries(input);
  const TE = echoTimesFor(ctx, series, input.displayDir);
  const backend = await initBackend(p.backend);
  ctx.log(`TensorFlow.js backend: ${backend.name}${backend.gpu ? ' (GPU)' : ''}${backend.note ? ` — ${backend.note}` : ''}`);
  await ctx.run.setTags({ 'relaxomap.backend': backend.name, 'relaxomap.gpu': String(backend.gpu) });

  // One checkpoint folder per params; trainT2Net itself resumes only a checkpoint whose config hash
  // (which includes the data's sha256) matches, so new data with the same params starts afresh.
  const checkpointDir = join(ctx.workDir, `checkpoint-${ctx.paramsHash}`);
  const monitor = trainingMonitor(ctx, p.steps);
  const truth = await readTruth(input);
  const stopping = planStopping(
    ctx,
    p.stopping,
    {
      data: series.echoes,
      shape: { channels: TE.length, ...series.shape },
      residual: (maps, mask) => echoResidual(maps, series.echoes, TE, mask),
      ...(truth ? { oracle: t2Oracle(truth), oracleKey: 'brain_no_csf' } : {}),
      seed: p.seed,
    },
    (items) => monitor.metrics.push(...items),
  );
  const result = await trainT2Net({
    echoes: series.echoes,
    shape: { echoes: TE.length, ...series.shape },
    TE,
    t2Range: p.t2_range_ms,
    net: { blocks: p.network.blocks, width: p.network.width },
    loss: p.loss,
    learningRate: p.learning_rate,
    lrSchedule: p.lr_schedule,
    ...(p.ema_decay > 0 ? { emaDecay: p.ema_decay } : {}),
    steps: p.steps,
    seed: p.seed,
    slicesPerStep: p.slices_per_step,
    checkpoint: { dir: checkpointDir, every: p.checkpoint_every },
    signal: ctx.signal,
    ...(stopping.heldOut ? { heldOut: stopping.heldOut } : {}),
    checks: { every: p.stopping.check_every, fn: stopping.onCheck },
    onStep: monitor.onStep,
  });
  await monitor.finish(result);

  const elapsedMs = result.stepMs * (result.stepsDone - result.resumedFrom);
  const { maps, record } = stopping.finish({ maps: { m0: result.m0, t2: result.t2 }, step: result.stepsDone, elapsedMs });
  ctx.log(`maps of step ${record.output.step} (${record.rule_used} rule: ${record.output.reason})` +
    (record.oracle ? `; oracle-best step ${record.oracle.step} (T2 RMSE ${record.oracle.key} ${record.oracle.rmse.toFixed(1)} ms)` : ''));
  await writeMapSet(ctx.outDir, {
    m0: maps.m0, t2: maps.t2, shape: series.shape, voxelMm: series.voxelMm, method: 'Network',
    info: {
      backend: result.backend, steps: p.steps, steps_done: result.stepsDone, ema_decay: p.ema_decay, loss: p.loss,
      blocks: p.network.blocks, width: p.network.width, step_ms: result.stepMs,
      stopping: { rule: record.rule_used, step: record.output.step, elapsed_s: record.output.elapsed_s, reason: record.output.reason },
    },
  });
  await writeJsonAtomic(join(ctx.outDir, 'loss.json'), { loss: p.loss, history: result.lossHistory });
  await writeJsonAtomic(join(ctx.outDir, 'stopping.json'), record);
  await logStoppingRecord(ctx, record);
  await ctx.run.logMetrics([
    { key: 'step_ms', value: result.stepMs },
    { key: 'final_loss', value: result.lossHistory.at(-1) ?? NaN },
  ]);
  rmSync(checkpointDir, { recursive: true, force: true });
}

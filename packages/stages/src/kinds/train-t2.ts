/**
 * train-t2: the scan-specific unsupervised network (paper Fig. 1) trained on ONE subject's echoes:
 * echoes → CNN → M0, T2 → M0·exp(−TE/T2) → loss against the input echoes. No truth is used to
 * train or to stop: a stopping rule judged on the scan picks the step (common/stopping.ts); on a
 * simulation the RMSE against the truth is only logged beside it (the oracle curve).
 * Checkpoints go to the stage's work folder, keyed by params and input data, so a killed run resumes
 * (the rules then start afresh from the resumed step).
 */
import { join } from 'node:path';
import { writeJsonAtomic } from '@relaxomap/array-io';
import { echoResidual, trainT2Net, type CheckMaps } from '@relaxomap/network';
import type { StageContext } from '@relaxomap/pipeline';
import type { TrainT2Params } from '../params.js';
import { ECHO_SOURCES, echoTimesFor, readEchoSeries, requireInput, writeMapSet } from '../common/series.js';
import { planStopping, readTruth, t2Oracle } from '../common/stopping.js';
import { startBackend, trainingRun } from '../common/training.js';

export async function run(ctx: StageContext<TrainT2Params>): Promise<void> {
  const p = ctx.params;
  const input = requireInput(ctx, ECHO_SOURCES, 'echo series');
  const series = await readEchoSeries(input);
  const TE = echoTimesFor(ctx, series, input.displayDir);
  await startBackend(ctx, p.backend);

  const run = trainingRun<CheckMaps>(ctx, p);
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
    run.log,
  );
  const result = await trainT2Net({
    ...run.options(stopping),
    echoes: series.echoes,
    shape: { echoes: TE.length, ...series.shape },
    TE,
    t2Range: p.t2_range_ms,
    net: { blocks: p.network.blocks, width: p.network.width },
    loss: p.loss,
    slicesPerStep: p.slices_per_step,
    ...(stopping.heldOut ? { heldOut: stopping.heldOut } : {}),
  });

  const { maps, record } = stopping.finish({ m0: result.m0, t2: result.t2 }, result);
  await writeMapSet(ctx.outDir, {
    m0: maps.m0, t2: maps.t2, shape: series.shape, voxelMm: series.voxelMm, method: 'Network',
    ...(series.affine ? { affine: series.affine } : {}),
    info: {
      backend: result.backend, steps: p.steps, steps_done: result.stepsDone, ema_decay: p.ema_decay, loss: p.loss,
      blocks: p.network.blocks, width: p.network.width, step_ms: result.stepMs,
      stopping: { rule: record.rule_used, step: record.output.step, elapsed_s: record.output.elapsed_s, reason: record.output.reason },
    },
  });
  await writeJsonAtomic(join(ctx.outDir, 'loss.json'), { loss: p.loss, history: result.lossHistory });
  await writeJsonAtomic(join(ctx.outDir, 'stopping.json'), record);
  await run.finish(result, record);
}

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
import { echoResidual, loadTfjsWeights, trainT2Net, type CheckMaps, type NetWeights } from '@relaxomap/network';
import { PipelineError, type StageContext } from '@relaxomap/pipeline';
import type { TrainT2Params } from '../params.js';
import { ECHO_SOURCES, echoTimesFor, readEchoSeries, requireInput, writeMapSet } from '../common/series.js';
import { planStopping, readTruth, t2Oracle } from '../common/stopping.js';
import { startBackend, trainingRun } from '../common/training.js';
import { pretrainedMismatches, type PretrainedManifest } from '../common/pretrained.js';

/** Weights of the pretrain-t2 stage in needs, after checking its manifest against this scan. */
async function pretrainedWeights(ctx: StageContext<TrainT2Params>, TE: number[]): Promise<NetWeights> {
  const p = ctx.params;
  const input = requireInput(ctx, ['pretrain-t2'], 'pre-trained model (init.from: pretrained)');
  const dir = join(input.dir, 'model');
  const { weights, manifest } = await loadTfjsWeights<PretrainedManifest>(dir);
  if (!manifest) throw new PipelineError('has no relaxomap manifest (not written by pretrain-t2)', { file: join(input.displayDir, 'model', 'model.json') });
  const problems = pretrainedMismatches(manifest, { TE_ms: TE, network: p.network, t2_range_ms: p.t2_range_ms });
  if (problems.length && !p.init.force) {
    throw ctx.paramError('init.from', `the pre-trained model ${join(input.displayDir, 'model')} does not match this scan: ${problems.join('; ')} (init.force: true uses it anyway)`);
  }
  if (problems.length) ctx.log(`warning: using the pre-trained model despite: ${problems.join('; ')} (init.force)`);
  await ctx.run.setTags({ 'relaxomap.init': 'pretrained', 'relaxomap.init.model': input.displayDir, ...(problems.length ? { 'relaxomap.init.forced': problems.join('; ') } : {}) });
  ctx.log(`starting from the pre-trained model ${join(input.displayDir, 'model')}`);
  return weights;
}

export async function run(ctx: StageContext<TrainT2Params>): Promise<void> {
  const p = ctx.params;
  const input = requireInput(ctx, ECHO_SOURCES, 'echo series');
  const series = await readEchoSeries(input);
  const TE = echoTimesFor(ctx, series, input.displayDir);
  await startBackend(ctx, p.backend);
  const initialWeights = p.init.from === 'pretrained' ? await pretrainedWeights(ctx, TE) : undefined;

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
    ...(p.patch ? { patch: { size: p.patch.size, perStep: p.patch.per_step } } : {}),
    ...(initialWeights ? { initialWeights } : {}),
    inferenceThreads: p.inference_threads,
    ...(p.inference_tile ? { inferenceTile: { size: p.inference_tile.size, overlap: p.inference_tile.overlap } } : {}),
  });

  if (p.inference_threads > 1) ctx.log(`maps inferred on ${p.inference_threads} worker threads (each with its own ${result.backend} backend)`);
  const { maps, record } = stopping.finish({ m0: result.m0, t2: result.t2 }, result);
  await writeMapSet(ctx.outDir, {
    m0: maps.m0, t2: maps.t2, shape: series.shape, voxelMm: series.voxelMm, method: 'Network',
    ...(series.affine ? { affine: series.affine } : {}),
    info: {
      backend: result.backend, steps: p.steps, steps_done: result.stepsDone, ema_decay: p.ema_decay, loss: p.loss,
      blocks: p.network.blocks, width: p.network.width, step_ms: result.stepMs, init: p.init.from, patch: p.patch ?? null,
      stopping: { rule: record.rule_used, step: record.output.step, elapsed_s: record.output.elapsed_s, reason: record.output.reason },
    },
  });
  await writeJsonAtomic(join(ctx.outDir, 'loss.json'), { loss: p.loss, history: result.lossHistory });
  await writeJsonAtomic(join(ctx.outDir, 'stopping.json'), record);
  await run.finish(result, record);
}

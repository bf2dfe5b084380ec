/**
 * pretrain-t2: the paper's proposed remedy for its 12-hour training — pre-train once, fine-tune per scan.
 * The same unsupervised loss as train-t2 (echoes → CNN → M0, T2 → M0·exp(−TE/T2) vs the echoes; no truth)
 * on simulated scans: BrainWeb slices other than the studied ones, one copy per noise level, each with its
 * own texture and noise seed. Output: model/ (TensorFlow.js weights: model.json + weights.bin, with the
 * manifest that train-t2's `init: pretrained` checks against the scan).
 */
import { join } from 'node:path';
import { saveTfjsWeights, trainT2Net } from '@relaxomap/network';
import type { StageContext } from '@relaxomap/pipeline';
import { gitCommit } from '@relaxomap/tracking';
import type { PretrainT2Params } from '../params.js';
import { PRETRAINED_FORMAT, type PretrainedManifest } from '../common/pretrained.js';
import { loadBrainWeb, simulateT2Study } from '../common/t2-simulation.js';
import { startBackend, trainingRun } from '../common/training.js';

export async function run(ctx: StageContext<PretrainT2Params>): Promise<void> {
  const p = ctx.params;
  const volume = await loadBrainWeb(ctx.root);
  const studies = p.noise.variances.map((variance, i) =>
    simulateT2Study(volume, { phantom: p.phantom, tissues: p.tissues, texture: p.texture, TE_ms: p.TE_ms, noise: { variance, model: p.noise.model }, seed: p.seed + i }),
  );
  const { height, width } = studies[0]!.shape;
  const E = p.TE_ms.length;
  const perStudy = studies[0]!.shape.slices;
  const slices = perStudy * studies.length;
  const plane = height * width;
  // (echo, slice, y, x) with the studies' slices one after another.
  const echoes = new Float32Array(E * slices * plane);
  studies.forEach((study, k) => {
    for (let e = 0; e < E; e++) echoes.set(study.noisy.subarray(e * perStudy * plane, (e + 1) * perStudy * plane), (e * slices + k * perStudy) * plane);
  });
  ctx.log(`pre-training on ${slices} simulated slices of ${height}×${width} (${studies.length} noise levels: ${p.noise.variances.join(', ')}), TE ${p.TE_ms.join('/')} ms`);

  await startBackend(ctx, p.backend);
  const run = trainingRun(ctx, p);
  const result = await trainT2Net({
    ...run.options(),
    echoes,
    shape: { echoes: E, slices, height, width },
    TE: p.TE_ms,
    t2Range: p.t2_range_ms,
    net: { blocks: p.network.blocks, width: p.network.width },
    loss: p.loss,
    slicesPerStep: p.slices_per_step,
    ...(p.patch ? { patch: { size: p.patch.size, perStep: p.patch.per_step } } : {}),
    returnMaps: false,
  });
  const manifest: PretrainedManifest = {
    format: PRETRAINED_FORMAT,
    echoes: E,
    TE_ms: p.TE_ms,
    te_tolerance_ms: p.te_tolerance_ms,
    network: { blocks: p.network.blocks, width: p.network.width },
    t2_range_ms: p.t2_range_ms,
    loss: p.loss,
    training: {
      steps: result.stepsDone, slices, phantom_slices: p.phantom.slices, noise_variances: p.noise.variances, noise_model: p.noise.model, seed: p.seed,
      patch: p.patch ?? null,
    },
    commit: gitCommit(ctx.root) ?? null,
  };
  await saveTfjsWeights(join(ctx.outDir, 'model'), result.weights, manifest);
  await run.finish(result);
  ctx.log(`model: ${join(ctx.pipeline, ctx.stage, 'model')} (${result.weights.size} tensors, ${result.stepsDone} steps, ${(result.stepMs / 1000).toFixed(2)} s/step)`);
}

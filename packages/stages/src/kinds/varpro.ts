/**
 * varpro: the voxel-wise baseline. Echoes → M0, T2 by variable projection over [t2min, t2max], with
 * the signal model of the `model` param (monoexp, offset, or the noise-floor-aware rician).
 */
import { varproMonoExpParallel } from '@relaxomap/fitting';
import type { StageContext } from '@relaxomap/pipeline';
import type { VarproParams } from '../params.js';
import { ECHO_SOURCES, echoTimesFor, readEchoSeries, requireInput, seriesNoise, writeMapSet, type EchoSeries } from '../common/series.js';

export async function run(ctx: StageContext<VarproParams>): Promise<void> {
  const p = ctx.params;
  const input = requireInput(ctx, ECHO_SOURCES, 'echo series');
  const series = await readEchoSeries(input);
  const TE = echoTimesFor(ctx, series, input.displayDir);
  const [t2Min, t2Max] = p.t2_range_ms;
  const nVoxels = series.shape.slices * series.shape.height * series.shape.width;
  const noiseSigma = p.model === 'rician' ? p.noise_sigma ?? backgroundSigma(ctx, series) : undefined;
  const started = performance.now();
  // Worker threads across the cores; bit-identical to the single-thread fit (small volumes stay on one).
  const fit = await varproMonoExpParallel(series.echoes, nVoxels, TE, {
    t2Min, t2Max, model: p.model, ...(noiseSigma !== undefined ? { noiseSigma } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  await writeMapSet(ctx.outDir, {
    // The paper's baseline is 'Varpro'; other models get their own name so a study can compare them.
    m0: fit.m0, t2: fit.t2, shape: series.shape, voxelMm: series.voxelMm, method: p.model === 'monoexp' ? 'Varpro' : `Varpro (${p.model})`,
    ...(series.affine ? { affine: series.affine } : {}),
    info: { TE_ms: TE, model: p.model, ...(noiseSigma !== undefined ? { noise_sigma: noiseSigma } : {}) },
  });
  await ctx.run.setTags({ 'relaxomap.varpro.model': p.model });
  await ctx.run.logMetrics([
    { key: 'fit_seconds', value: seconds },
    { key: 'voxels_per_second', value: nVoxels / Math.max(seconds, 1e-9) },
    ...(noiseSigma !== undefined ? [{ key: 'noise.sigma', value: noiseSigma }] : []),
  ]);
  ctx.log(`Varpro (${p.model}${noiseSigma !== undefined ? `, σ ${noiseSigma.toPrecision(3)}` : ''}): ${nVoxels} voxels in ${seconds.toFixed(3)} s`);
}

/** σ of the magnitude noise (seriesNoise), or a one-line error asking for the param. */
function backgroundSigma(ctx: StageContext<VarproParams>, series: EchoSeries): number {
  const noise = seriesNoise(series);
  if (noise.sigma === undefined) throw ctx.paramError('noise_sigma', `model rician needs the noise σ and the background gives none (${noise.source}): set it`);
  ctx.log(`noise σ ${noise.sigma.toPrecision(3)} from ${noise.source}`);
  return noise.sigma;
}

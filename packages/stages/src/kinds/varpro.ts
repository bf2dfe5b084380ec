/** varpro: the voxel-wise baseline. Echoes → M0, T2 by variable projection over [t2min, t2max]. */
import { varproMonoExpParallel } from '@relaxomap/fitting';
import type { StageContext } from '@relaxomap/pipeline';
import type { VarproParams } from '../params.js';
import { echoTimesFor, readEchoSeries, requireInput, writeMapSet } from '../common/series.js';

export async function run(ctx: StageContext<VarproParams>): Promise<void> {
  const input = requireInput(ctx, ['simulate-t2'], 'echo series');
  const series = await readEchoSeries(input);
  const TE = echoTimesFor(ctx, series, input.displayDir);
  const [t2Min, t2Max] = ctx.params.t2_range_ms;
  const nVoxels = series.shape.slices * series.shape.height * series.shape.width;
  const started = performance.now();
  // Worker threads across the cores; bit-identical to the single-thread fit (small volumes stay on one).
  const { m0, t2 } = await varproMonoExpParallel(series.echoes, nVoxels, TE, { t2Min, t2Max });
  const seconds = (performance.now() - started) / 1000;
  await writeMapSet(ctx.outDir, { m0, t2, shape: series.shape, voxelMm: series.voxelMm, method: 'Varpro', info: { TE_ms: TE } });
  await ctx.run.logMetrics([
    { key: 'fit_seconds', value: seconds },
    { key: 'voxels_per_second', value: nVoxels / Math.max(seconds, 1e-9) },
  ]);
  ctx.log(`Varpro: ${nVoxels} voxels in ${seconds.toFixed(3)} s`);
}

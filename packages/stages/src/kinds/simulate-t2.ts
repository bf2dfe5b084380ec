/**
 * simulate-t2: the numerical study of the paper's Fig. 2. BrainWeb labels → M0 and T2 maps with smooth
 * within-tissue texture → spin-echo echoes M0·exp(−TE/T2) → Gaussian noise of the configured variance.
 */
import { join } from 'node:path';
import { writeNpy } from '@relaxomap/array-io';
import type { StageContext } from '@relaxomap/pipeline';
import type { SimulateT2Params } from '../params.js';
import { writeEchoSeries, writeMapSet } from '../common/series.js';
import { loadBrainWeb, simulateT2Study } from '../common/t2-simulation.js';

export async function run(ctx: StageContext<SimulateT2Params>): Promise<void> {
  const p = ctx.params;
  const study = simulateT2Study(await loadBrainWeb(ctx.root), p);
  const { shape, voxelMm } = study;
  const { slices, height, width } = shape;

  await writeEchoSeries(ctx.outDir, { echoes: study.noisy, shape, TE: p.TE_ms, voxelMm, magnitude: p.noise.model === 'rician' });
  await writeNpy(join(ctx.outDir, 'echoes_clean.npy'), { dtype: 'float32', shape: [p.TE_ms.length, slices, height, width], data: study.clean });
  await writeNpy(join(ctx.outDir, 'tissue.npy'), { dtype: 'uint8', shape: [slices, height, width], data: study.tissue });
  await writeMapSet(ctx.outDir, {
    m0: study.m0, t2: study.t2, shape, voxelMm, method: 'Reference',
    info: { tissue_labels: { 0: 'background', 1: 'CSF', 2: 'GM', 3: 'WM' }, slices_z: p.phantom.slices, noise_variance: p.noise.variance, noise_model: p.noise.model, TE_ms: p.TE_ms },
  });
  const brain = study.tissue.reduce((n, t) => n + (t > 0 ? 1 : 0), 0);
  await ctx.run.logMetrics([
    { key: 'voxels_brain', value: brain },
    { key: 'noise_variance', value: p.noise.variance },
  ]);
  ctx.log(`phantom ${slices}×${height}×${width} at ${voxelMm[0]} mm, ${brain} brain voxels, TE ${p.TE_ms.join('/')} ms, ${p.noise.model} noise variance ${p.noise.variance}`);
}

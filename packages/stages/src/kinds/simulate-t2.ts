/**
 * simulate-t2: the numerical study of the paper's Fig. 2. BrainWeb labels → M0 and T2 maps with smooth
 * within-tissue texture → spin-echo echoes M0·exp(−TE/T2) → Gaussian noise of the configured variance.
 */
import { join } from 'node:path';
import { writeNpy } from '@relaxomap/array-io';
import type { StageContext } from '@relaxomap/pipeline';
import { addGaussianNoise, addRicianNoise, axialSlices, loadBrainWeb3D, simulateT2Phantom, verifyManifest } from '@relaxomap/phantoms';
import { synthesizeEchoes } from '@relaxomap/physics';
import type { SimulateT2Params } from '../params.js';
import { writeEchoSeries, writeMapSet } from '../common/series.js';

export async function run(ctx: StageContext<SimulateT2Params>): Promise<void> {
  const p = ctx.params;
  await verifyManifest(join(ctx.root, 'data-manifests', 'brainweb.yaml'), ctx.root);
  const volume = await loadBrainWeb3D(join(ctx.root, 'data', 'phantoms', 'brainweb-3d', 'BrainModel_anatomy.npy.gz'));
  const labels = axialSlices(volume, p.phantom.slices, p.phantom.downsample);
  const voxel = labels.voxelMm;
  const phantom = simulateT2Phantom(labels.labels, labels.shape, {
    tissues: {
      WM: { T2: p.tissues.WM.T2_ms, PD: p.tissues.WM.PD },
      GM: { T2: p.tissues.GM.T2_ms, PD: p.tissues.GM.PD },
      CSF: { T2: p.tissues.CSF.T2_ms, PD: p.tissues.CSF.PD },
    },
    texture: { amplitude: p.texture.amplitude, correlationMm: p.texture.correlation_mm, voxelMm: voxel },
    seed: p.seed,
  });
  const [slices, height, width] = phantom.shape;
  const shape = { slices, height, width };
  // Through-plane size = the slice spacing when the slices are evenly spaced (so viewers place them right).
  const gaps = p.phantom.slices.slice(1).map((z, i) => Math.abs(z - p.phantom.slices[i]!));
  const spacing = gaps.length && gaps.every((g) => g === gaps[0]) ? gaps[0]! : 1;
  const voxelMm: [number, number, number] = [voxel, voxel, spacing];
  const clean = synthesizeEchoes(phantom.m0, phantom.t2, p.TE_ms);
  // Noise seed derived from the phantom seed so one `seed` param makes the whole study reproducible.
  const rician = p.noise.model === 'rician';
  const noisy = (rician ? addRicianNoise : addGaussianNoise)(clean, p.noise.variance, p.seed * 7919 + 17);

  await writeEchoSeries(ctx.outDir, { echoes: noisy, shape, TE: p.TE_ms, voxelMm, magnitude: rician });
  await writeNpy(join(ctx.outDir, 'echoes_clean.npy'), { dtype: 'float32', shape: [p.TE_ms.length, slices, height, width], data: clean });
  await writeNpy(join(ctx.outDir, 'tissue.npy'), { dtype: 'uint8', shape: [slices, height, width], data: phantom.tissue });
  await writeMapSet(ctx.outDir, {
    m0: phantom.m0, t2: phantom.t2, shape, voxelMm, method: 'Reference',
    info: { tissue_labels: { 0: 'background', 1: 'CSF', 2: 'GM', 3: 'WM' }, slices_z: p.phantom.slices, noise_variance: p.noise.variance, noise_model: p.noise.model, TE_ms: p.TE_ms },
  });
  const brain = phantom.tissue.reduce((n, t) => n + (t > 0 ? 1 : 0), 0);
  await ctx.run.logMetrics([
    { key: 'voxels_brain', value: brain },
    { key: 'noise_variance', value: p.noise.variance },
  ]);
  ctx.log(`phantom ${slices}×${height}×${width} at ${voxel} mm, ${brain} brain voxels, TE ${p.TE_ms.join('/')} ms, ${p.noise.model} noise variance ${p.noise.variance}`);
}

/**
 * simulate-mrf: the numerical MRF acquisition of the paper's Fig. 5. One BrainWeb axial slice → T1/T2/PD
 * maps with smooth texture, zero-padded to a square matrix → per-voxel EPG-FISP time series (exact EPG by
 * default) with the dictionary stage's sequence, scaled by PD → variable-density spiral k-space, TR t on
 * interleaf (t + offset) mod N: the 'reference' acquisition has `repeats` repeats with offsets
 * r·N/repeats, and the 'single' acquisition is its first repeat (offset 0) — the 1-interleaf data a
 * shortened scan would have given — with complex Gaussian noise, seeded.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic, writeNifti, writeNpy } from '@relaxomap/array-io';
import type { StageContext } from '@relaxomap/pipeline';
import { axialSlices, loadBrainWeb3D, padToSquare, simulateMrfPhantom, verifyManifest } from '@relaxomap/phantoms';
import { buildMrfDictionary } from '@relaxomap/physics';
import { planNufft, variableDensitySpiral } from '@relaxomap/recon';
import type { SimulateMrfParams } from '../params.js';
import { addComplexNoise, kspaceNoiseVariance, repeatOffsets, repeatSchedules, spiralKspace } from '../common/mrf-acquisition.js';
import { readSequence, writeMrfMapSet } from '../common/mrf-files.js';
import { requireInput } from '../common/series.js';

export async function run(ctx: StageContext<SimulateMrfParams>): Promise<void> {
  const p = ctx.params;
  const dictInput = requireInput(ctx, ['mrf-dictionary'], 'MRF dictionary (its sequence.json)');
  const { seq, B1 } = readSequence(dictInput);
  const nTR = seq.FA_deg.length;
  const timing: Record<string, number> = {};
  let started = performance.now();
  const lap = (key: string): void => {
    timing[key] = (performance.now() - started) / 1000;
    started = performance.now();
  };

  await verifyManifest(join(ctx.root, 'data-manifests', 'brainweb.yaml'), ctx.root);
  const volume = await loadBrainWeb3D(join(ctx.root, 'data', 'phantoms', 'brainweb-3d', 'BrainModel_anatomy.npy.gz'));
  const labels = axialSlices(volume, [p.phantom.slice], p.phantom.downsample);
  const [, h0, w0] = labels.shape;
  if (p.matrix < Math.max(h0, w0)) {
    throw ctx.paramError('matrix', `${p.matrix} is smaller than the slice (${h0} × ${w0} at downsample ${p.phantom.downsample})`);
  }
  const padded = padToSquare(labels.labels, labels.shape, p.matrix);
  const voxel = labels.voxelMm;
  const phantom = simulateMrfPhantom(padded.data, padded.shape, {
    tissues: {
      WM: { T1: p.tissues.WM.T1_ms, T2: p.tissues.WM.T2_ms, PD: p.tissues.WM.PD },
      GM: { T1: p.tissues.GM.T1_ms, T2: p.tissues.GM.T2_ms, PD: p.tissues.GM.PD },
      CSF: { T1: p.tissues.CSF.T1_ms, T2: p.tissues.CSF.T2_ms, PD: p.tissues.CSF.PD },
    },
    texture: { amplitude: p.texture.amplitude, correlationMm: p.texture.correlation_mm, voxelMm: voxel },
    seed: p.seed,
  });
  const S = p.matrix;
  const nPix = S * S;
  lap('phantom_seconds');

  // Per-voxel EPG: the voxels' (T1, T2) pairs as a "grid" through the (parallel, bit-identical) dictionary build;
  // signal = unit atom × its norm × PD.
  const brain: number[] = [];
  for (let v = 0; v < nPix; v++) if (phantom.tissue[v]! > 0) brain.push(v);
  const voxels = await buildMrfDictionary(
    { nAtoms: brain.length, T1: Float64Array.from(brain, (v) => phantom.t1[v]!), T2: Float64Array.from(brain, (v) => phantom.t2[v]!) },
    seq, { stateThreshold: p.state_threshold, B1, threads: availableParallelism() },
  );
  const series = new Float32Array(nTR * nPix); // (TR, y, x), real
  brain.forEach((v, j) => {
    const scale = voxels.norms[j]! * phantom.pd[v]!;
    for (let t = 0; t < nTR; t++) series[t * nPix + v] = voxels.atoms[j * nTR + t]! * scale;
  });
  lap('epg_seconds');

  const traj = variableDensitySpiral({ imageSize: S, nInterleaves: p.spiral.interleaves, readoutOversampling: p.spiral.readout_oversampling });
  const M = traj.samplesPerInterleaf;
  const plan = planNufft(traj.coords, [S, S]);
  const offsets = repeatOffsets(p.reference.repeats, traj.nInterleaves);
  const schedules = repeatSchedules(nTR, offsets, traj.nInterleaves);
  const kspace = spiralKspace(series, nTR, plan, traj, schedules);
  lap('nufft_seconds');
  const sampleVariance = kspaceNoiseVariance(p.noise.variance, traj);
  const noiseSeed = p.seed * 7919 + 17;
  addComplexNoise(kspace, sampleVariance, noiseSeed);
  const single = kspace.slice(0, 2 * nTR * M); // repeat 0 (offset 0), noise included
  lap('noise_seconds');

  const out = ctx.outDir;
  await writeNpy(join(out, 'kspace_reference.npy'), { dtype: 'complex64', shape: [offsets.length, nTR, M], data: kspace });
  await writeNpy(join(out, 'kspace_single.npy'), { dtype: 'complex64', shape: [nTR, M], data: single });
  const voxelMm: [number, number, number] = [voxel, voxel, voxel];
  await writeMrfMapSet(out, {
    t1: phantom.t1, t2: phantom.t2, pd: phantom.pd, height: S, width: S, voxelMm, method: 'Truth (phantom)', acquisition: 'truth',
    info: { tissue_labels: { 0: 'background', 1: 'CSF', 2: 'GM', 3: 'WM' }, slice_z: p.phantom.slice },
  });
  await writeNpy(join(out, 'tissue.npy'), { dtype: 'uint8', shape: [S, S], data: phantom.tissue });
  await writeNifti(join(out, 'tissue.nii.gz'), { data: Float32Array.from(phantom.tissue), shape: [S, S], voxelSizeMm: voxelMm, description: 'relaxomap tissue 0 bg 1 CSF 2 GM 3 WM' });
  const cleanMb = (series.byteLength) / 2 ** 20;
  const writeClean = cleanMb <= p.clean_series_max_mb;
  if (writeClean) await writeNpy(join(out, 'time_series_clean.npy'), { dtype: 'float32', shape: [nTR, S, S], data: series });
  await writeJsonAtomic(join(out, 'acquisition.json'), {
    matrix: S,
    voxel_mm: voxelMm,
    TRs: nTR,
    interleaves: traj.nInterleaves,
    samples_per_interleaf: M,
    spiral: traj.options,
    kspace: {
      single: { file: 'kspace_single.npy', shape: [nTR, M], dtype: 'complex64', offsets: [0], note: 'repeat 0 of the reference acquisition (same noise)' },
      reference: { file: 'kspace_reference.npy', shape: [offsets.length, nTR, M], dtype: 'complex64', offsets },
      layout: 'unnormalised NUFFT of the (TR, y, x) images x_t = PD·s_t, k in cycles/pixel, image centre at index floor(N/2)',
    },
    interleaf_of_TR: { single: Array.from(schedules[0]!), reference: schedules.map((s) => Array.from(s)) },
    noise: {
      image_variance: p.noise.variance,
      kspace_sample_variance: sampleVariance,
      seed: noiseSeed,
      definition: 'complex Gaussian, E|n|² per k-space sample = image_variance / Σw² (w: analytical spiral DCF of all interleaves), i.e. image_variance per pixel of the fully sampled density-compensated reconstruction',
    },
    signal: { model: 'EPG-FISP', state_threshold: p.state_threshold, exact: p.state_threshold === 0, B1, scaled_by: 'PD (max 1)' },
    time_series_clean: writeClean ? { file: 'time_series_clean.npy', shape: [nTR, S, S], dtype: 'float32' } : { skipped: `${cleanMb.toFixed(0)} MB > clean_series_max_mb` },
    phantom: { slice_z: p.phantom.slice, downsample: p.phantom.downsample, slice_shape: [h0, w0], tissues: p.tissues, texture: p.texture, seed: p.seed },
  });
  lap('write_seconds');

  await ctx.run.logMetrics([
    { key: 'voxels_brain', value: brain.length },
    { key: 'samples_per_interleaf', value: M },
    { key: 'noise_image_variance', value: p.noise.variance },
    { key: 'noise_kspace_variance', value: sampleVariance },
    ...Object.entries(timing).map(([key, value]) => ({ key, value })),
  ]);
  ctx.log(`phantom ${S}×${S} (slice z = ${p.phantom.slice}, ${h0}×${w0} at ${voxel} mm, padded), ${brain.length} brain voxels; ` +
    `${nTR} TRs, ${traj.nInterleaves} interleaves × ${M} samples, ${offsets.length} repeats (offsets ${offsets.join(', ')}); ` +
    `EPG ${timing.epg_seconds!.toFixed(1)} s, NUFFT ${timing.nufft_seconds!.toFixed(1)} s`);
}

/**
 * mrf-sliding-window: the standard MRF reconstruction of the paper's Fig. 5 — sliding-window gridding
 * (Cao et al. 2017, window 6) of the 1-interleaf acquisition ('single') or of all repeats together
 * ('reference', the paper's 6-interleaf reference), projection of the frames onto Φ (chunk by chunk),
 * then dictionary matching in the subspace → T1, T2, PD maps. series.npy (frame, y, x) and
 * coefficients.npy (rank, y, x) are what the scan-specific network (train-mrf) takes as input.
 */
import { join } from 'node:path';
import { writeJsonAtomic, writeNpy } from '@relaxomap/array-io';
import { PipelineError, type StageContext } from '@relaxomap/pipeline';
import { matchDictionary } from '@relaxomap/fitting';
import { spiralDcf, variableDensitySpiral, type SpiralOptions } from '@relaxomap/recon';
import type { MrfSlidingWindowParams } from '../params.js';
import { readCompressedDictionary, readJsonFile, readNpyChecked, readPhi, writeMrfMapSet } from '../common/mrf-files.js';
import { accumulateProjection, interleaveRepeats, windowFrames } from '../common/mrf-window.js';
import { requireInput } from '../common/series.js';

const METHOD = { single: 'Sliding window (1 interleaf)', reference: 'Reference' } as const;

export async function run(ctx: StageContext<MrfSlidingWindowParams>): Promise<void> {
  const p = ctx.params;
  const simInput = requireInput(ctx, ['simulate-mrf'], 'MRF acquisition');
  const dictInput = requireInput(ctx, ['mrf-dictionary'], 'MRF dictionary');
  const timing: Record<string, number> = {};
  let started = performance.now();
  const lap = (key: string): void => {
    timing[key] = (timing[key] ?? 0) + (performance.now() - started) / 1000;
    started = performance.now();
  };

  const acq = readJsonFile(simInput, 'acquisition.json') as {
    matrix: number; voxel_mm: [number, number, number]; TRs: number; spiral: SpiralOptions;
    interleaf_of_TR: { single: number[]; reference: number[][] };
  };
  const acqFile = join(simInput.displayDir, 'acquisition.json');
  if (!Number.isInteger(acq.matrix) || !acq.spiral || !acq.interleaf_of_TR) throw new PipelineError('needs matrix, spiral and interleaf_of_TR', { file: acqFile });
  const single = p.acquisition === 'single';
  const name = single ? 'kspace_single.npy' : 'kspace_reference.npy';
  const ks = await readNpyChecked(simInput, name, single ? 2 : 3, single ? '(TR, sample)' : '(repeat, TR, sample)');
  if (ks.dtype !== 'complex64') throw new PipelineError(`must be complex64 (got ${ks.dtype})`, { file: join(simInput.displayDir, name), field: 'dtype' });
  const schedules = single ? [acq.interleaf_of_TR.single] : acq.interleaf_of_TR.reference;
  const repeats = schedules.length;
  const nTR = ks.shape[single ? 0 : 1]!;
  const phi = await readPhi(dictInput);
  if (phi.nTR !== nTR) {
    throw new PipelineError(`Φ has ${phi.nTR} TRs but ${join(simInput.displayDir, name)} has ${nTR}`, { file: join(dictInput.displayDir, 'phi.npy'), field: 'shape' });
  }
  const dict = await readCompressedDictionary(dictInput);
  const traj = variableDensitySpiral(acq.spiral);
  if (ks.shape.at(-1) !== traj.samplesPerInterleaf) {
    throw new PipelineError(`${ks.shape.at(-1)} samples per TR, but the spiral in acquisition.json has ${traj.samplesPerInterleaf}`, { file: join(simInput.displayDir, name), field: 'shape' });
  }
  const S = acq.matrix;
  const nPix = S * S;
  const imageShape: [number, number] = [S, S];
  const dcfOptions = { iterations: p.dcf.iterations };
  const trajectoryDcf = spiralDcf(traj, Array.from({ length: traj.nInterleaves }, (_, i) => i), imageShape, {}, dcfOptions);
  const shots = interleaveRepeats({ kspace: ks.data as Float32Array, schedules, nTR, traj });
  lap('setup_seconds');

  // Frames chunk by chunk: each chunk is projected onto Φ at once, and kept for series.npy if it fits.
  const seriesMb = (8 * nTR * nPix) / 2 ** 20;
  const keepSeries = seriesMb <= p.series_max_mb;
  const seriesData = keepSeries ? new Float32Array(2 * nTR * nPix) : undefined;
  const coeff64 = new Float64Array(2 * phi.rank * nPix);
  const progress = ctx.progress(nTR, `sliding window (${single ? '1 interleaf' : `${repeats} repeats`}, window ${p.window})`);
  for (let first = 0; first < nTR; first += p.chunk_frames) {
    if (ctx.signal.aborted) throw new PipelineError('aborted');
    const frames = Array.from({ length: Math.min(p.chunk_frames, nTR - first) }, (_, i) => first + i);
    const images = windowFrames(shots, repeats, traj, frames, { window: p.window, dcfMode: p.dcf.mode, dcf: dcfOptions, trajectoryDcf, imageShape });
    lap('recon_seconds');
    accumulateProjection(coeff64, phi.phi, phi.rank, nTR, images, frames, nPix);
    seriesData?.set(images, 2 * first * nPix);
    lap('projection_seconds');
    progress.update(first + frames.length);
  }
  progress.finish();
  const coefficients = Float32Array.from(coeff64);

  const match = matchDictionary(dict, coefficients, nPix, { layout: 'rank-voxel' });
  lap('match_seconds');

  const out = ctx.outDir;
  if (seriesData) await writeNpy(join(out, 'series.npy'), { dtype: 'complex64', shape: [nTR, S, S], data: seriesData });
  await writeNpy(join(out, 'coefficients.npy'), { dtype: 'complex64', shape: [phi.rank, S, S], data: coefficients });
  await writeNpy(join(out, 'atom_index.npy'), { dtype: 'int32', shape: [S, S], data: match.index });
  // The paper's names; a window other than its 6 is named too, so two variants never share a label.
  const windowNote = p.window === 6 ? '' : `, window ${p.window}`;
  const method = single ? `${METHOD.single.slice(0, -1)}${windowNote})` : `${METHOD.reference} (${repeats} repeats${windowNote})`;
  await writeMrfMapSet(out, {
    t1: match.T1, t2: match.T2, pd: match.PD, height: S, width: S, voxelMm: acq.voxel_mm, method, acquisition: p.acquisition,
    info: {
      window: p.window, repeats, dcf: p.dcf, rank: phi.rank, atoms: dict.nAtoms,
      series: seriesData ? { file: 'series.npy', shape: [nTR, S, S], dtype: 'complex64', layout: '(frame, y, x); frame t = TR t' } : { skipped: `${seriesMb.toFixed(0)} MB > series_max_mb` },
      coefficients: { file: 'coefficients.npy', shape: [phi.rank, S, S], dtype: 'complex64', note: 'c_k = Σ_t Φ[k, t]·x_t' },
      pd_note: 'PD in the units of the reconstruction (the unnormalised NUFFT with area DCF ≈ identity)',
      timing_seconds: timing,
    },
  });
  await writeJsonAtomic(join(out, 'timing.json'), timing);
  await ctx.run.logMetrics(Object.entries(timing).map(([key, value]) => ({ key, value })));
  ctx.log(`${method}: ${nTR} frames ${S}×${S}, window ${p.window}; ` +
    Object.entries(timing).map(([k, v]) => `${k.replace('_seconds', '')} ${v.toFixed(2)} s`).join(', '));
}

/**
 * train-mrf: the scan-specific subspace network of the paper's MRF part, trained on ONE scan: input =
 * the real and imaginary parts of the subspace projection Φx of its 1-interleaf sliding-window series
 * x, output = complex coefficient maps c (the paper's) or, with `output: parameters`, T1, T2 and a
 * complex M0 per voxel synthesised to c = M0·a(T1, T2) from an EPG fingerprint table (no coefficient
 * vector off the fingerprint manifold); T1, T2 and PD from c by subspace dictionary matching. Data
 * term: 'image' (the paper's), L1/MSE between c·Φ and x, stopped by the T2 study's rule against the
 * σ² of the coefficient images' background; or 'kspace', ‖A(c·Φ) − y‖² against the measured spiral
 * k-space y (A: subspace NUFFT), stopped when that residual reaches τ·σ² with σ² the noise the
 * acquisition recorded (common/stopping.ts `knownNoise`). No truth is used to train or to stop; on a
 * simulation the T1/T2 RMSE against the phantom is logged beside it (the oracle curve).
 */
import { join } from 'node:path';
import { readNpy, writeJsonAtomic, writeNpy } from '@relaxomap/array-io';
import { matchDictionary } from '@relaxomap/fitting';
import { rmse } from '@relaxomap/metrics';
import { parameterSynthesis, projectSeries, trainSubspaceNet, type CoefficientMaps, type OutputSynthesis, type SubspaceShape } from '@relaxomap/network';
import { PipelineError, type StageContext, type StageInput } from '@relaxomap/pipeline';
import type { CompressedMrfDictionary } from '@relaxomap/physics';
import type { TrainMrfParams } from '../params.js';
import { readCompressedDictionary, readNpyChecked, readPhi, writeMrfMapSet, readJsonFile } from '../common/mrf-files.js';
import { dictionaryFingerprintTable, kspaceData, rmsNorm } from '../common/mrf-model.js';
import { regionMask, regionsFor } from '../common/regions.js';
import { requireInput } from '../common/series.js';
import { planStopping } from '../common/stopping.js';
import { startBackend, trainingRun } from '../common/training.js';

/** (rank, voxel) complex interleaved → (2·rank, voxel) real channels: re of each coefficient, then im. */
export function coefficientChannels(c: Float32Array, rank: number, voxels: number): Float32Array {
  const out = new Float32Array(2 * rank * voxels);
  for (let k = 0; k < rank; k++) {
    for (let i = 0; i < voxels; i++) {
      out[k * voxels + i] = c[2 * (k * voxels + i)]!;
      out[(rank + k) * voxels + i] = c[2 * (k * voxels + i) + 1]!;
    }
  }
  return out;
}

/** Mean of (c − reference)² over the (2·rank, voxel) channel samples where `mask` is 1. */
export function coefficientResidual(c: Float32Array, reference: Float32Array, rank: number, voxels: number, mask: Uint8Array): number {
  let sum = 0;
  let count = 0;
  for (let ch = 0; ch < 2 * rank; ch++) {
    const k = ch % rank;
    const part = ch < rank ? 0 : 1;
    for (let i = 0; i < voxels; i++) {
      if (!mask[ch * voxels + i]) continue;
      const d = c[2 * (k * voxels + i) + part]! - reference[ch * voxels + i]!;
      sum += d * d;
      count++;
    }
  }
  return count === 0 ? NaN : sum / count;
}

/** T1 and T2 RMSE (ms) of the matched maps per region, keys 't1.<region>' and 't2.<region>'. */
function mrfOracle(dict: CompressedMrfDictionary, voxels: number, truth: { t1: Float32Array; t2: Float32Array; tissue: Uint8Array }) {
  const regions = regionsFor(['WM', 'GM', 'CSF']).map((r) => ({ key: r.key, mask: regionMask(truth.tissue, r) }));
  const brain = Uint8Array.from(truth.tissue, (t) => (t > 0 ? 1 : 0));
  return (maps: CoefficientMaps): Record<string, number> => {
    const m = matchDictionary(dict, maps.coefficients, voxels, { layout: 'rank-voxel', mask: brain });
    const out: Record<string, number> = {};
    for (const { key, mask } of regions) {
      out[`t1.${key}`] = rmse(m.T1, truth.t1, mask);
      out[`t2.${key}`] = rmse(m.T2, truth.t2, mask);
    }
    return out;
  };
}

/**
 * The parameter output (params `output: parameters`): the EPG fingerprint table of the dictionary's
 * ranges and the synthesis c = M0·a(T1, T2) with M0 in units of the projected series' RMS norm.
 */
async function parameterOutput(
  ctx: StageContext<TrainMrfParams>, dictInput: StageInput, dict: CompressedMrfDictionary,
  phi: { rank: number; nTR: number; phi: Float64Array }, projected: Float32Array, voxels: number,
): Promise<OutputSynthesis> {
  const table = await dictionaryFingerprintTable(ctx, dictInput, dict, phi, ctx.params.table_ratio);
  return parameterSynthesis(table, rmsNorm(projected, voxels));
}

export async function run(ctx: StageContext<TrainMrfParams>): Promise<void> {
  const p = ctx.params;
  const reconInput = requireInput(ctx, ['mrf-sliding-window'], '1-interleaf sliding-window reconstruction (mrf-sliding-window)');
  const dictInput = requireInput(ctx, ['mrf-dictionary'], 'MRF dictionary');
  const simInputs = ctx.inputs.filter((i) => i.kind === 'simulate-mrf');
  if (p.stopping.held_out_fraction > 0 && p.stopping.held_out_unit !== 'voxel') {
    throw ctx.paramError('stopping.held_out_unit', "must be 'voxel' for the MRF network (its input channels are subspace coefficients, not echoes)");
  }

  const seriesArr = await readNpyChecked(reconInput, 'series.npy', 3, '(frame, y, x)');
  if (seriesArr.dtype !== 'complex64') throw new PipelineError(`must be complex64 (got ${seriesArr.dtype})`, { file: join(reconInput.displayDir, 'series.npy'), field: 'dtype' });
  const [frames, height, width] = seriesArr.shape as [number, number, number];
  const phi = await readPhi(dictInput);
  if (phi.nTR !== frames) throw new PipelineError(`Φ has ${phi.nTR} TRs but series.npy has ${frames} frames`, { file: join(dictInput.displayDir, 'phi.npy'), field: 'shape' });
  const dict = await readCompressedDictionary(dictInput);
  const estimate = readJsonFile(reconInput, 'estimate.json') as { voxel_mm?: [number, number, number] };
  const series = seriesArr.data as Float32Array;
  const voxels = height * width;
  const shape: SubspaceShape = { frames, slices: 1, height, width, rank: phi.rank };
  const phi32 = Float32Array.from(phi.phi);
  const projected = projectSeries(series, phi32, shape);
  const channels = coefficientChannels(projected, phi.rank, voxels);

  await startBackend(ctx, p.backend);

  let truth: { t1: Float32Array; t2: Float32Array; tissue: Uint8Array } | undefined;
  if (simInputs.length === 1) {
    const load = async (name: string) => (await readNpy(join(simInputs[0]!.dir, name))).data;
    truth = { t1: (await load('t1.npy')) as Float32Array, t2: (await load('t2.npy')) as Float32Array, tissue: (await load('tissue.npy')) as Uint8Array };
  }

  let kspace: Awaited<ReturnType<typeof kspaceData>> | undefined;
  if (p.data_term === 'kspace') {
    if (simInputs.length !== 1) throw ctx.paramError('data_term', "'kspace' needs the simulate-mrf stage (its k-space) in this stage's needs");
    if (height !== width) throw new PipelineError(`the k-space data term needs a square matrix, got ${height}×${width}`, { file: join(reconInput.displayDir, 'series.npy') });
    kspace = await kspaceData(simInputs[0]!, phi32, phi.rank, height, p.kspace_weighting);
  }

  const synthesis = p.output === 'parameters' ? await parameterOutput(ctx, dictInput, dict, phi, projected, voxels) : undefined;

  const run = trainingRun<CoefficientMaps>(ctx, p);
  const stopping = planStopping<CoefficientMaps>(
    ctx,
    p.stopping,
    {
      data: channels,
      shape: { channels: 2 * phi.rank, slices: 1, height, width },
      residual: (maps, mask) => coefficientResidual(maps.coefficients, channels, phi.rank, voxels, mask),
      ...(truth ? { oracle: mrfOracle(dict, voxels, truth), oracleKey: 't2.brain_no_csf' } : {}),
      seed: p.seed,
      // k-space: σ² per real value is half the recorded E|n|² per complex sample.
      ...(kspace
        ? { knownNoise: { variance: kspace.variance / 2, source: `${kspace.file} noise.kspace_sample_variance`, tau: p.stopping.kspace_tau, residual: (maps: CoefficientMaps) => kspace!.residual(maps.coefficients) } }
        : {}),
    },
    run.log,
  );
  // A voxel mask (all channels held out together): the first channel's row.
  const heldOut = stopping.heldOut?.subarray(0, voxels);

  const result = await trainSubspaceNet({
    ...run.options(stopping),
    series,
    phi: phi32,
    shape,
    net: { blocks: p.network.blocks, width: p.network.width },
    loss: p.loss,
    ...(heldOut ? { heldOut } : {}),
    ...(kspace ? { dataLoss: kspace.loss } : {}),
    channelScale: p.channel_scale,
    ...(synthesis ? { synthesis } : {}),
  });

  const { maps, record } = stopping.finish({ coefficients: result.coefficients }, result);
  const match = matchDictionary(dict, maps.coefficients, voxels, { layout: 'rank-voxel' });

  const out = ctx.outDir;
  await writeNpy(join(out, 'coefficients.npy'), { dtype: 'complex64', shape: [phi.rank, height, width], data: maps.coefficients });
  await writeMrfMapSet(out, {
    t1: match.T1, t2: match.T2, pd: match.PD, height, width, voxelMm: estimate.voxel_mm ?? [1, 1, 1], method: 'Network', acquisition: 'single',
    info: {
      backend: result.backend, steps: p.steps, steps_done: result.stepsDone, loss: p.loss, ema_decay: p.ema_decay,
      blocks: p.network.blocks, width: p.network.width, step_ms: result.stepMs, rank: phi.rank,
      data_term: p.data_term, ...(kspace ? { kspace_weighting: p.kspace_weighting } : {}), channel_scale: p.channel_scale, output: p.output, ...(synthesis ? { table_ratio: p.table_ratio } : {}),
      stopping: { rule: record.rule_used, step: record.output.step, elapsed_s: record.output.elapsed_s, reason: record.output.reason },
    },
  });
  await writeJsonAtomic(join(out, 'loss.json'), { loss: p.loss, history: result.lossHistory });
  await writeJsonAtomic(join(out, 'stopping.json'), record);
  await run.finish(result, record);
}

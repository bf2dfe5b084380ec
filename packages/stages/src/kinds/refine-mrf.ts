/**
 * refine-mrf: data-consistency refinement of an MRF estimate (the network's): the T1, T2 and complex
 * M0 maps that minimise ρ(c) + ‖u − u₀‖²/(2s²N), with ρ the 1-interleaf k-space residual relative
 * to the recorded noise, c = M0·a(T1, T2) the fingerprint synthesis, and u₀ the estimate's maps
 * (network/src/parameter-refine.ts). The network is the prior; the k-space brings back what its
 * early stop left unfitted (thin CSF), within `prior_std`. T1, T2, PD from the refined c by subspace
 * dictionary matching, as every other estimate. No truth is used.
 */
import { join } from 'node:path';
import { writeJsonAtomic, writeNpy } from '@relaxomap/array-io';
import { matchDictionary } from '@relaxomap/fitting';
import { parametersFromMaps, parameterSynthesis, refineParameters } from '@relaxomap/network';
import { PipelineError, type StageContext, type StageInput } from '@relaxomap/pipeline';
import type { RefineMrfParams } from '../params.js';
import { readCompressedDictionary, readMrfMapSet, readNpyChecked, readPhi, writeMrfMapSet } from '../common/mrf-files.js';
import { dictionaryFingerprintTable, kspaceData, rmsNorm } from '../common/mrf-model.js';
import { requireInput } from '../common/series.js';

/** The prior estimate: the stage named by `estimate`, or the one train-mrf stage in needs. */
function priorInput(ctx: StageContext<RefineMrfParams>): StageInput {
  const named = ctx.params.estimate;
  if (named !== undefined) {
    const found = ctx.inputs.find((i) => i.id === named);
    if (!found) throw ctx.paramError('estimate', `'${named}' is not in this stage's needs (${ctx.inputs.map((i) => i.id).join(', ')})`);
    return found;
  }
  return requireInput(ctx, ['train-mrf'], 'MRF network estimate (train-mrf)');
}

export async function run(ctx: StageContext<RefineMrfParams>): Promise<void> {
  const p = ctx.params;
  const estInput = priorInput(ctx);
  const dictInput = requireInput(ctx, ['mrf-dictionary'], 'MRF dictionary');
  const simInput = requireInput(ctx, ['simulate-mrf'], 'MRF acquisition (its k-space)');

  const prior = await readMrfMapSet(estInput);
  const { height, width } = prior;
  const voxels = height * width;
  const phi = await readPhi(dictInput);
  const cArr = await readNpyChecked(estInput, 'coefficients.npy', 3, '(rank, y, x)');
  const cFile = join(estInput.displayDir, 'coefficients.npy');
  if (cArr.dtype !== 'complex64') throw new PipelineError(`must be complex64 (got ${cArr.dtype})`, { file: cFile, field: 'dtype' });
  if (cArr.shape[0] !== phi.rank || cArr.shape[1] !== height || cArr.shape[2] !== width) {
    throw new PipelineError(`shape (${cArr.shape.join(', ')}) is not (rank ${phi.rank}, ${height}, ${width})`, { file: cFile, field: 'shape' });
  }
  if (height !== width) throw new PipelineError(`the k-space data term needs a square matrix, got ${height}×${width}`, { file: join(estInput.displayDir, 't1.npy') });
  const c0 = cArr.data as Float32Array;
  const dict = await readCompressedDictionary(dictInput);
  // ρ is the Gaussian likelihood of white k-space noise: unweighted samples.
  const kspace = await kspaceData(simInput, Float32Array.from(phi.phi), phi.rank, height, 'none');
  // The table the network was trained with (train-mrf records it), unless the params say otherwise.
  const tableRatio = p.table_ratio ?? (typeof prior.info?.table_ratio === 'number' ? prior.info.table_ratio : 1.04);
  const table = await dictionaryFingerprintTable(ctx, dictInput, dict, phi, tableRatio);
  const synthesis = parameterSynthesis(table, rmsNorm(c0, voxels));
  const u0 = parametersFromMaps(synthesis, table, { T1: prior.t1, T2: prior.t2, c: c0 }, voxels);

  const started = performance.now();
  const result = refineParameters({
    synthesis, prior: u0, voxels, dataTerm: kspace.rho, samples: kspace.samples,
    priorStd: p.prior_std, iterations: p.iterations, learningRate: p.learning_rate,
  });
  const seconds = (performance.now() - started) / 1000;
  const first = result.history[0]!;
  const last = result.history.at(-1)!;
  ctx.log(`refined ${voxels} voxels in ${p.iterations} iterations (${seconds.toFixed(1)} s): k-space residual ρ ${first.rho.toFixed(4)} → ${last.rho.toFixed(4)} σ², prior term ${last.prior.toFixed(4)}`);

  const match = matchDictionary(dict, result.c, voxels, { layout: 'rank-voxel' });
  const out = ctx.outDir;
  await writeNpy(join(out, 'coefficients.npy'), { dtype: 'complex64', shape: [phi.rank, height, width], data: result.c });
  await writeMrfMapSet(out, {
    t1: match.T1, t2: match.T2, pd: match.PD, height, width, voxelMm: prior.voxelMm,
    method: `${prior.method} + k-space refinement`, acquisition: prior.acquisition,
    info: {
      prior_estimate: estInput.id, prior_std: p.prior_std, iterations: p.iterations, learning_rate: p.learning_rate, table_ratio: tableRatio,
      refine: { rho_before: first.rho, rho_after: last.rho, prior_term: last.prior, seconds },
    },
  });
  await writeJsonAtomic(join(out, 'refine.json'), { objective: 'rho + |u - u0|^2 / (2 prior_std^2 N)', samples: kspace.samples, history: result.history });
  await ctx.run.logParams({ prior_estimate: estInput.id });
  await ctx.run.logMetrics([
    { key: 'rho_before', value: first.rho },
    { key: 'rho_after', value: last.rho },
    { key: 'prior_term', value: last.prior },
    { key: 'refine_seconds', value: seconds },
  ]);
}

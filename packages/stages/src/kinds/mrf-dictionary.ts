/**
 * mrf-dictionary: the MRF-FISP dictionary of the paper's Fig. 5 and its temporal subspace Φ.
 * Schedule files (fa.txt, tr.txt) → the first `points` TRs → EPG-FISP atoms of a T1 × T2 grid (T2 < T1)
 * → SVD subspace of rank chosen by Σσ (the paper's "95 % power" → 6) or Σσ² or a fixed rank → the
 * compressed dictionary the matching uses. Both cumulative curves are recorded for every rank.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic, writeNpy } from '@relaxomap/array-io';
import { PipelineError, type StageContext } from '@relaxomap/pipeline';
import { verifyManifest } from '@relaxomap/phantoms';
import {
  buildMrfDictionary, compressDictionary, mrfGrid, mrfSubspace, parseScheduleColumn, truncateSchedule,
  validateSchedule, type FispSequence, type MrfSchedule, type SubspaceRank,
} from '@relaxomap/physics';
import { writeTable } from '@relaxomap/reports';
import type { MrfDictionaryParams } from '../params.js';
import type { MrfSequenceFile } from '../common/mrf-files.js';

/** Read fa.txt and tr.txt of a schedule folder; errors name the file (and line) and field. */
export function readScheduleFiles(root: string, dir: string): { schedule: MrfSchedule; files: { FA_deg: string; TR_ms: string } } {
  const files = { FA_deg: `${dir}/fa.txt`, TR_ms: `${dir}/tr.txt` };
  const read = (file: string, field: string): number[] => {
    const abs = join(root, file);
    if (!existsSync(abs)) throw new PipelineError(`file is missing (the schedule needs ${dir}/fa.txt and ${dir}/tr.txt)`, { file });
    try {
      return parseScheduleColumn(readFileSync(abs, 'utf8'), file, field);
    } catch (err) {
      throw new PipelineError((err as Error).message); // already "<file>:<line>: <field>: …"
    }
  };
  const schedule = { FA_deg: read(files.FA_deg, 'FA'), TR_ms: read(files.TR_ms, 'TR') };
  try {
    validateSchedule(schedule, files);
  } catch (err) {
    throw new PipelineError((err as Error).message); // names both files and fields, e.g. a length mismatch
  }
  return { schedule, files };
}

export function rankChoice(rank: MrfDictionaryParams['rank']): { choice: SubspaceRank; criterion: string } {
  if ('sigma_fraction' in rank) return { choice: { sigmaFraction: rank.sigma_fraction }, criterion: `Σσ fraction ≥ ${rank.sigma_fraction}` };
  if ('energy' in rank) return { choice: { energy: rank.energy }, criterion: `Σσ² (energy) fraction ≥ ${rank.energy}` };
  return { choice: { rank: rank.rank }, criterion: `fixed rank ${rank.rank}` };
}

export async function run(ctx: StageContext<MrfDictionaryParams>): Promise<void> {
  const p = ctx.params;
  await verifyManifest(join(ctx.root, 'data-manifests', 'mrf-schedules.yaml'), ctx.root);
  const { schedule, files } = readScheduleFiles(ctx.root, p.schedule_dir.replace(/\/+$/, ''));
  if (p.points > schedule.FA_deg.length) {
    throw ctx.paramError('points', `${p.points} exceeds the ${schedule.FA_deg.length} TRs of ${files.FA_deg}`);
  }
  const truncated = truncateSchedule(schedule, p.points, files);
  const seq: FispSequence = { ...truncated, TE_ms: p.TE_ms, inversionDelay_ms: p.inversion_delay_ms };
  const tooShort = seq.TR_ms.findIndex((tr) => tr <= p.TE_ms);
  if (tooShort >= 0) throw ctx.paramError('TE_ms', `${p.TE_ms} ms must be < every TR (${files.TR_ms} line ${tooShort + 1}: ${seq.TR_ms[tooShort]} ms)`);

  let grid;
  try {
    grid = mrfGrid({ T1: p.grid.T1_ms, T2: p.grid.T2_ms });
  } catch (err) {
    throw ctx.paramError('grid', (err as Error).message);
  }
  const threads = availableParallelism();
  let started = performance.now();
  const dict = await buildMrfDictionary(grid, seq, { stateThreshold: p.state_threshold, B1: p.B1, threads });
  const buildSeconds = (performance.now() - started) / 1000;
  ctx.log(`dictionary: ${dict.nAtoms} atoms × ${dict.nTR} TRs in ${buildSeconds.toFixed(2)} s (${threads} threads, ${(dict.nAtoms / buildSeconds).toFixed(0)} atoms/s)`);

  const { choice, criterion } = rankChoice(p.rank);
  started = performance.now();
  let subspace;
  try {
    subspace = mrfSubspace(dict, choice);
  } catch (err) {
    throw ctx.paramError('rank', (err as Error).message);
  }
  const compressed = compressDictionary(dict, subspace);
  const svdSeconds = (performance.now() - started) / 1000;
  const { rank } = subspace;
  const energyAtRank = subspace.energy[rank - 1]!;
  const sigmaAtRank = subspace.sigmaFraction[rank - 1]!;
  const rankFor = (curve: Float64Array, t: number): number => curve.findIndex((v) => v >= t - 1e-12) + 1;
  ctx.log(`subspace: rank ${rank} (${criterion}) keeps ${(100 * sigmaAtRank).toFixed(2)} % of Σσ and ${(100 * energyAtRank).toFixed(3)} % of the energy Σσ²; ` +
    `95 % of Σσ needs rank ${rankFor(subspace.sigmaFraction, 0.95)}, 95 % of Σσ² rank ${rankFor(subspace.energy, 0.95)}`);

  const out = ctx.outDir;
  const sequenceFile: MrfSequenceFile = {
    FA_deg: [...seq.FA_deg], TR_ms: [...seq.TR_ms], TE_ms: p.TE_ms, inversion_delay_ms: p.inversion_delay_ms, B1: p.B1, schedule_files: files,
  };
  await writeJsonAtomic(join(out, 'sequence.json'), sequenceFile);
  await writeNpy(join(out, 'dictionary.npy'), { dtype: 'float32', shape: [dict.nAtoms, dict.nTR], data: dict.atoms });
  await writeNpy(join(out, 'norms.npy'), { dtype: 'float64', shape: [dict.nAtoms], data: dict.norms });
  const gridArr = new Float64Array(2 * dict.nAtoms);
  for (let a = 0; a < dict.nAtoms; a++) {
    gridArr[2 * a] = dict.T1[a]!;
    gridArr[2 * a + 1] = dict.T2[a]!;
  }
  await writeNpy(join(out, 'grid.npy'), { dtype: 'float64', shape: [dict.nAtoms, 2], data: gridArr });
  await writeNpy(join(out, 'phi.npy'), { dtype: 'float32', shape: [rank, dict.nTR], data: Float32Array.from(subspace.phi) });
  // FISP atoms are real, so their coefficients are too: stored as float32 (real parts of compressDictionary's complex output).
  const real = new Float32Array(dict.nAtoms * rank);
  for (let i = 0; i < real.length; i++) real[i] = compressed.coefficients[2 * i]!;
  await writeNpy(join(out, 'compressed.npy'), { dtype: 'float32', shape: [dict.nAtoms, rank], data: real });

  const perRank = Array.from({ length: dict.nTR }, (_, i) => ({
    rank: i + 1,
    singular_value: subspace.singularValues[i]!,
    energy_fraction: subspace.energy[i]!,
    sigma_fraction: subspace.sigmaFraction[i]!,
  }));
  await writeJsonAtomic(join(out, 'subspace.json'), {
    rank,
    criterion,
    energy_at_rank: energyAtRank,
    sigma_fraction_at_rank: sigmaAtRank,
    rank_for_95_percent: { sigma_fraction: rankFor(subspace.sigmaFraction, 0.95), energy: rankFor(subspace.energy, 0.95) },
    atoms: dict.nAtoms,
    TRs: dict.nTR,
    phi: { file: 'phi.npy', shape: [rank, dict.nTR], dtype: 'float32', note: 'orthonormal rows; c = Φ·x, x ≈ Φᵀ·c (ρ_TR = c × Φ)' },
    compressed: { file: 'compressed.npy', shape: [dict.nAtoms, rank], dtype: 'float32', note: 'real: FISP atoms are real (RF phase 0), so Φ·d̂ is real' },
    singular_values: Array.from(subspace.singularValues),
    energy_fraction: Array.from(subspace.energy),
    sigma_fraction: Array.from(subspace.sigmaFraction),
  });
  await writeTable(perRank.slice(0, Math.min(dict.nTR, 20)), join(out, 'energy'), {
    digits: 5,
    caption: `Cumulative fractions of the dictionary's singular values (${dict.nAtoms} atoms × ${dict.nTR} TRs): energy = Σσ², sigma = Σσ (first 20 ranks; all in subspace.json). Rank used: ${rank} (${criterion}).`,
  });
  await ctx.run.logMetrics([
    { key: 'rank', value: rank },
    { key: 'energy_at_rank', value: energyAtRank },
    { key: 'sigma_fraction_at_rank', value: sigmaAtRank },
    { key: 'atoms', value: dict.nAtoms },
    { key: 'build_seconds', value: buildSeconds },
    { key: 'atoms_per_second', value: dict.nAtoms / buildSeconds },
    { key: 'svd_seconds', value: svdSeconds },
  ]);
  // Both curves as MLflow metric histories (step = rank), the first 20 ranks.
  await ctx.run.logMetrics(perRank.slice(0, 20).flatMap((r) => [
    { key: 'curve.energy_fraction', value: r.energy_fraction, step: r.rank },
    { key: 'curve.sigma_fraction', value: r.sigma_fraction, step: r.rank },
  ]));
}

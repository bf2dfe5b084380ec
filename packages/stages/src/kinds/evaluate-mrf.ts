/**
 * evaluate-mrf: T1 and T2 RMSE (ms) of every MRF estimate in needs (sliding window, reference, the
 * network when present), per region (brain, WM, GM, CSF, brain excl. CSF), against (a) the 6-repeat
 * reference reconstruction — the paper's comparison — and (b) the phantom's truth; and the ratios
 * "1-interleaf sliding window RMSE / other method RMSE" (paper: up to 1.4× for the network).
 */
import { join } from 'node:path';
import { readNpy, writeJsonAtomic } from '@relaxomap/array-io';
import { nrmse, rmse } from '@relaxomap/metrics';
import { PipelineError, type StageContext } from '@relaxomap/pipeline';
import { writeTable } from '@relaxomap/reports';
import type { EvaluateMrfParams } from '../params.js';
import { hasMrfMapSet, readMrfMapSet, type MrfMapSet } from '../common/mrf-files.js';
import { regionMask, regionsFor } from '../common/regions.js';
import { requireInput } from '../common/series.js';

export type Against = 'reference' | 'truth';

export interface MrfEvaluationRow {
  method: string;
  stage: string;
  against: Against;
  region: string;
  voxels: number;
  rmse_t1_ms: number;
  rmse_t2_ms: number;
  nrmse_t1: number;
  nrmse_t2: number;
}

/** ratios[against][stage] = { t1: {region key: baseline RMSE / stage RMSE}, t2: {…} }. */
export type MrfRatios = Partial<Record<Against, Record<string, { t1: Record<string, number>; t2: Record<string, number> }>>>;

export interface MrfEvaluation {
  rows: MrfEvaluationRow[];
  ratios: MrfRatios;
  regions: { key: string; label: string }[];
  methods: { stage: string; method: string; acquisition: string }[];
  /** Stage id of the 1-interleaf sliding window (the ratios' numerator). */
  baseline: string;
  /** Stage id of the reference reconstruction, if any. */
  reference: string | null;
}

/**
 * Pure: RMSE of T1 and T2 of each estimate against the reference estimate and against the truth, over
 * each region of `tissue` (0 bg, 1 CSF, 2 GM, 3 WM; maps (y, x)); ratios baseline/method per region.
 *
 * @param estimates map sets with `stage` set (their ids name metrics and ratios)
 * @param baseline stage id of the 1-interleaf sliding window; reference: stage id of the reference (or null)
 */
export function evaluateMrf(
  truth: MrfMapSet, tissue: Uint8Array, estimates: readonly MrfMapSet[], tissues: EvaluateMrfParams['tissues'],
  baseline: string, reference: string | null,
): MrfEvaluation {
  const regions = regionsFor(tissues);
  const byStage = new Map(estimates.map((e) => [e.stage!, e]));
  if (!byStage.has(baseline)) throw new Error(`baseline '${baseline}' is not among the estimates (${[...byStage.keys()].join(', ')})`);
  if (reference !== null && !byStage.has(reference)) throw new Error(`reference '${reference}' is not among the estimates (${[...byStage.keys()].join(', ')})`);
  const n = truth.height * truth.width;
  for (const e of estimates) {
    if (e.t1.length !== n || tissue.length !== n) throw new Error(`${e.stage}: maps of ${e.t1.length} voxels, the truth has ${n}`);
  }
  const targets: [Against, MrfMapSet][] = [];
  if (reference !== null) targets.push(['reference', byStage.get(reference)!]);
  targets.push(['truth', truth]);
  const masks = regions.map((r) => regionMask(tissue, r));
  const rows: MrfEvaluationRow[] = [];
  for (const [against, target] of targets) {
    for (const est of estimates) {
      if (against === 'reference' && est.stage === reference) continue;
      regions.forEach((region, i) => {
        const mask = masks[i]!;
        const voxels = mask.reduce((s, m) => s + m, 0);
        if (voxels === 0) return;
        rows.push({
          method: est.method, stage: est.stage!, against, region: region.label, voxels,
          rmse_t1_ms: rmse(est.t1, target.t1, mask), rmse_t2_ms: rmse(est.t2, target.t2, mask),
          nrmse_t1: nrmse(est.t1, target.t1, mask), nrmse_t2: nrmse(est.t2, target.t2, mask),
        });
      });
    }
  }
  const find = (stage: string, against: Against, label: string): MrfEvaluationRow | undefined =>
    rows.find((r) => r.stage === stage && r.against === against && r.region === label);
  const ratios: MrfRatios = {};
  for (const [against] of targets) {
    for (const est of estimates) {
      if (est.stage === baseline || (against === 'reference' && est.stage === reference)) continue;
      const entry = { t1: {} as Record<string, number>, t2: {} as Record<string, number> };
      for (const region of regions) {
        const b = find(baseline, against, region.label);
        const m = find(est.stage!, against, region.label);
        if (!b || !m) continue;
        entry.t1[region.key] = b.rmse_t1_ms / m.rmse_t1_ms;
        entry.t2[region.key] = b.rmse_t2_ms / m.rmse_t2_ms;
      }
      (ratios[against] ??= {})[est.stage!] = entry;
    }
  }
  return {
    rows, ratios, regions: regions.map(({ key, label }) => ({ key, label })),
    methods: estimates.map((e) => ({ stage: e.stage!, method: e.method, acquisition: e.acquisition })), baseline, reference,
  };
}

/** The estimate among `sets` with `acquisition`, or the one named by the param; errors name the param. */
function pick(ctx: StageContext<EvaluateMrfParams>, sets: readonly MrfMapSet[], field: 'baseline' | 'reference', acquisition: 'single' | 'reference'): string | null {
  const named = ctx.params[field];
  if (named !== undefined) {
    if (!sets.some((s) => s.stage === named)) throw ctx.paramError(field, `'${named}' is not an estimate stage in needs (${sets.map((s) => s.stage).join(', ')})`);
    return named;
  }
  const found = sets.filter((s) => s.acquisition === acquisition && s.kind === 'mrf-sliding-window');
  if (found.length === 1) return found[0]!.stage!;
  if (found.length === 0 && field === 'reference') return null;
  throw ctx.paramError(field, `found ${found.length} sliding-window estimates of the '${acquisition}' acquisition in needs; name one`);
}

export async function run(ctx: StageContext<EvaluateMrfParams>): Promise<void> {
  const truthInput = requireInput(ctx, ['simulate-mrf'], 'MRF simulation (truth)');
  const truth = await readMrfMapSet(truthInput);
  const tissue = (await readNpy(join(truthInput.dir, 'tissue.npy'))).data as Uint8Array;
  const estimates = await Promise.all(ctx.inputs.filter((i) => i !== truthInput && hasMrfMapSet(i)).map(readMrfMapSet));
  if (estimates.length === 0) throw new PipelineError(`stage '${ctx.stage}' needs at least one MRF estimate stage (mrf-sliding-window, train-mrf) in its needs`);
  const baseline = pick(ctx, estimates, 'baseline', 'single')!;
  const reference = pick(ctx, estimates, 'reference', 'reference');
  const ev = evaluateMrf(truth, tissue, estimates, ctx.params.tissues, baseline, reference);
  await writeJsonAtomic(join(ctx.outDir, 'metrics.json'), ev);
  await writeTable(ev.rows as unknown as Record<string, unknown>[], join(ctx.outDir, 'rmse'), {
    digits: 4,
    caption: 'T1 and T2 RMSE (ms) of each MRF estimate against the 6-repeat reference reconstruction and against the phantom truth, per region.',
  });
  const metrics: { key: string; value: number }[] = [];
  for (const r of ev.rows) {
    const region = ev.regions.find((g) => g.label === r.region)!.key;
    metrics.push({ key: `rmse_t1.${r.against}.${r.stage}.${region}`, value: r.rmse_t1_ms });
    metrics.push({ key: `rmse_t2.${r.against}.${r.stage}.${region}`, value: r.rmse_t2_ms });
  }
  for (const [against, byStage] of Object.entries(ev.ratios)) {
    for (const [stage, { t1, t2 }] of Object.entries(byStage)) {
      for (const [region, v] of Object.entries(t1)) metrics.push({ key: `ratio_rmse_t1.${against}.${stage}.${region}`, value: v });
      for (const [region, v] of Object.entries(t2)) metrics.push({ key: `ratio_rmse_t2.${against}.${stage}.${region}`, value: v });
      ctx.log(`vs ${against}: ${baseline} / ${stage} RMSE — T1 brain ${t1.brain?.toFixed(2)}×, T2 brain ${t2.brain?.toFixed(2)}× (excl. CSF: ${t1.brain_no_csf?.toFixed(2)}×, ${t2.brain_no_csf?.toFixed(2)}×)`);
    }
  }
  await ctx.run.logMetrics(metrics);
  const line = (against: Against, stage: string): string => {
    const r = ev.rows.find((x) => x.stage === stage && x.against === against && x.region === 'brain');
    return r ? `T1 ${r.rmse_t1_ms.toFixed(1)} / T2 ${r.rmse_t2_ms.toFixed(1)} ms` : '—';
  };
  for (const m of ev.methods) ctx.log(`${m.method}: vs reference ${m.stage === reference ? '—' : line('reference', m.stage)}; vs truth ${line('truth', m.stage)} (brain)`);
}

/**
 * evaluate-t2: accuracy of every upstream estimate (Varpro, network, …) against the simulation's truth:
 * RMSE, nRMSE and SSIM of T2 and M0, per slice and per region; ratios against Varpro.
 */
import { join } from 'node:path';
import { readNpy, writeJsonAtomic } from '@relaxomap/array-io';
import { nrmse, rmse, ssim2d } from '@relaxomap/metrics';
import { PipelineError, type StageContext } from '@relaxomap/pipeline';
import { writeTable } from '@relaxomap/reports';
import type { EvaluateT2Params } from '../params.js';
import { hasMapSet, readMapSet, requireInput, type MapSet } from '../common/series.js';
import { regionMask, regionsFor } from '../common/regions.js';

export interface EvaluationRow {
  method: string;
  slice: string;
  region: string;
  voxels: number;
  rmse_t2_ms: number;
  nrmse_t2: number;
  rmse_m0: number;
  nrmse_m0: number;
  ssim_t2: number | null;
  ssim_m0: number | null;
}

export interface Evaluation {
  rows: EvaluationRow[];
  /** Varpro RMSE / method RMSE of T2 over all slices, per region key, for every other method. */
  ratios: Record<string, Record<string, number>>;
  regions: { key: string; label: string }[];
  methods: string[];
}

const SSIM_WINDOW = 11;

/** Pure: evaluate `estimates` against `truth` (maps (slice, y, x)) with tissue codes (0 bg, 1 CSF, 2 GM, 3 WM). */
export function evaluateT2(truth: MapSet, tissue: Uint8Array, estimates: MapSet[], tissues: EvaluateT2Params['tissues']): Evaluation {
  const { slices, height, width } = truth.shape;
  const plane = height * width;
  const regions = regionsFor(tissues);
  const rows: EvaluationRow[] = [];
  for (const est of estimates) {
    for (let s = -1; s < slices; s++) {
      const [start, end] = s < 0 ? [0, slices * plane] : [s * plane, (s + 1) * plane];
      for (const region of regions) {
        const mask = regionMask(tissue, region, start, end);
        const voxels = mask.reduce((n, m) => n + m, 0);
        if (voxels === 0) continue;
        let ssimT2: number | null = null;
        let ssimM0: number | null = null;
        // SSIM needs a slice at least as large as its 11×11 window; smaller slices report none.
        if (s >= 0 && region.key === 'brain' && width >= SSIM_WINDOW && height >= SSIM_WINDOW) {
          ssimT2 = sliceSsim(est.t2, truth.t2, mask, start, width, height);
          ssimM0 = sliceSsim(est.m0, truth.m0, mask, start, width, height);
        }
        rows.push({
          method: est.method,
          slice: s < 0 ? 'all' : String(s),
          region: region.label,
          voxels,
          rmse_t2_ms: rmse(est.t2, truth.t2, mask),
          nrmse_t2: nrmse(est.t2, truth.t2, mask),
          rmse_m0: rmse(est.m0, truth.m0, mask),
          nrmse_m0: nrmse(est.m0, truth.m0, mask),
          ssim_t2: ssimT2,
          ssim_m0: ssimM0,
        });
      }
    }
  }
  const overall = (method: string, label: string): number =>
    rows.find((r) => r.method === method && r.slice === 'all' && r.region === label)?.rmse_t2_ms ?? NaN;
  const ratios: Evaluation['ratios'] = {};
  if (estimates.some((e) => e.method === 'Varpro')) {
    for (const est of estimates.filter((e) => e.method !== 'Varpro')) {
      ratios[est.method] = Object.fromEntries(regions.map((r) => [r.key, overall('Varpro', r.label) / overall(est.method, r.label)]));
    }
  }
  return { rows, ratios, regions: regions.map(({ key, label }) => ({ key, label })), methods: estimates.map((e) => e.method) };
}

/** SSIM of one slice, both images zeroed outside the brain, data range = the truth's maximum there. */
function sliceSsim(est: Float32Array, ref: Float32Array, mask: Uint8Array, start: number, width: number, height: number): number {
  const plane = width * height;
  const a = new Float32Array(plane);
  const b = new Float32Array(plane);
  let range = 0;
  for (let i = 0; i < plane; i++) {
    if (!mask[start + i]) continue;
    a[i] = est[start + i]!;
    b[i] = ref[start + i]!;
    range = Math.max(range, b[i]!);
  }
  return ssim2d(a, b, width, height, { dataRange: range || 1 });
}

export async function run(ctx: StageContext<EvaluateT2Params>): Promise<void> {
  const truthInput = requireInput(ctx, ['simulate-t2'], 'simulation (truth)');
  const truth = await readMapSet(truthInput);
  const tissue = (await readNpy(join(truthInput.dir, 'tissue.npy'))).data as Uint8Array;
  const estimateInputs = ctx.inputs.filter((i) => i !== truthInput && hasMapSet(i));
  const estimates = await Promise.all(estimateInputs.map(readMapSet));
  if (estimates.length === 0) throw new PipelineError(`stage '${ctx.stage}' needs at least one estimate stage (varpro, train-t2) in its needs`);
  const evaluation = evaluateT2(truth, tissue, estimates, ctx.params.tissues);
  await writeJsonAtomic(join(ctx.outDir, 'metrics.json'), evaluation);
  await writeTable(evaluation.rows as unknown as Record<string, unknown>[], join(ctx.outDir, 'rmse'), {
    digits: 4,
    caption: 'T2 (ms) and M0 errors against the simulated truth; slice "all" pools the slices.',
  });
  const metrics: { key: string; value: number }[] = [];
  for (const row of evaluation.rows.filter((r) => r.slice === 'all')) {
    const region = evaluation.regions.find((r) => r.label === row.region)!.key;
    metrics.push({ key: `rmse_t2.${row.method.toLowerCase()}.${region}`, value: row.rmse_t2_ms });
    metrics.push({ key: `rmse_m0.${row.method.toLowerCase()}.${region}`, value: row.rmse_m0 });
  }
  for (const [method, byRegion] of Object.entries(evaluation.ratios)) {
    for (const [region, value] of Object.entries(byRegion)) metrics.push({ key: `ratio_rmse_t2.${method.toLowerCase()}.${region}`, value });
    ctx.log(`${method}: T2 RMSE ${Object.entries(byRegion).map(([r, v]) => `${r} ${v.toFixed(2)}×`).join(', ')} lower than Varpro`);
  }
  await ctx.run.logMetrics(metrics);
}

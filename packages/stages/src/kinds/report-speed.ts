/**
 * report-speed: does pre-training pay? The network T2 RMSE against training wall time for a run from
 * scratch and a run fine-tuned from a pre-trained model (both on the same simulated scan, so every check
 * carries the RMSE against the truth), and how much sooner the fine-tuned run reaches the from-scratch
 * run's final quality (its RMSE at the step its stopping rule chose, within `tolerance`).
 * Pre-training time is not counted: it is paid once for every scan of the protocol.
 */
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '@relaxomap/array-io';
import type { StageContext } from '@relaxomap/pipeline';
import { lineChartSpec, renderVegaLite, writeTable } from '@relaxomap/reports';
import type { ReportSpeedParams } from '../params.js';
import type { StoppingRecord } from '../common/stopping.js';
import { readJsonFile } from '../common/mrf-files.js';

export interface SpeedResult {
  region: string;
  tolerance: number;
  /** From scratch: the RMSE (ms) and training time (s) at the step its stopping rule chose. */
  scratch: { step: number; elapsed_s: number; rmse_ms: number };
  /** Fine-tuned: the same at its own rule's step, and the first check within tolerance of the scratch RMSE. */
  finetune: { step: number; elapsed_s: number; rmse_ms: number };
  reached: { step: number; elapsed_s: number; rmse_ms: number } | null;
  /** scratch.elapsed_s / reached.elapsed_s (null when never reached). */
  speedup: number | null;
  /** scratch.step / reached.step: the same in steps, which other work on the machine does not change. */
  stepRatio: number | null;
}

/** Pure: time to quality from two stopping records whose checks carry `oracle_rmse[region]`. */
export function timeToQuality(scratch: StoppingRecord, finetune: StoppingRecord, region: string, tolerance: number): SpeedResult {
  const rmseAt = (record: StoppingRecord, step: number, which: string): number => {
    const v = record.checks.find((c) => c.step === step)?.oracle_rmse?.[region];
    if (v === undefined) throw new Error(`${which}: no RMSE against the truth at step ${step} (region ${region}): was the input a simulation?`);
    return v;
  };
  const s = { step: scratch.output.step, elapsed_s: scratch.output.elapsed_s, rmse_ms: rmseAt(scratch, scratch.output.step, 'scratch') };
  const f = { step: finetune.output.step, elapsed_s: finetune.output.elapsed_s, rmse_ms: rmseAt(finetune, finetune.output.step, 'finetune') };
  const target = s.rmse_ms * (1 + tolerance);
  const hit = finetune.checks.find((c) => (c.oracle_rmse?.[region] ?? Infinity) <= target);
  const reached = hit ? { step: hit.step, elapsed_s: hit.elapsed_s, rmse_ms: hit.oracle_rmse![region]! } : null;
  return {
    region, tolerance, scratch: s, finetune: f, reached,
    speedup: reached ? s.elapsed_s / Math.max(reached.elapsed_s, 1e-9) : null,
    stepRatio: reached ? s.step / reached.step : null,
  };
}

export async function run(ctx: StageContext<ReportSpeedParams>): Promise<void> {
  const p = ctx.params;
  const byId = new Map(ctx.inputs.map((i) => [i.id, i]));
  const train = (field: 'scratch' | 'finetune') => {
    const input = byId.get(p[field]);
    if (input?.kind !== 'train-t2') throw ctx.paramError(field, `'${p[field]}' is not a train-t2 stage in this stage's needs`);
    return readJsonFile(input, 'stopping.json') as unknown as StoppingRecord;
  };
  const [scratch, finetune] = [train('scratch'), train('finetune')];
  const r = timeToQuality(scratch, finetune, p.region, p.tolerance);
  const label = { brain_no_csf: 'brain excl. CSF', brain: 'brain', wm: 'WM', gm: 'GM', csf: 'CSF' }[p.region];
  const curve = (record: StoppingRecord, series: string) => record.checks.map((c) => ({ series, x: c.elapsed_s, y: c.oracle_rmse![p.region]! }));
  const xMax = Math.max(...scratch.checks.map((c) => c.elapsed_s), ...finetune.checks.map((c) => c.elapsed_s));
  const targetSeries = `from-scratch final RMSE + ${Math.round(p.tolerance * 100)} %`;
  const spec = lineChartSpec({
    title: `Network T2 RMSE (${label}) against training time`,
    xTitle: 'training time (s; pre-training not counted)',
    yTitle: `T2 RMSE, ${label} (ms)`,
    logY: true,
    data: [
      ...curve(scratch, 'from scratch'),
      ...curve(finetune, 'fine-tuned from the pre-trained model'),
      { series: targetSeries, x: 0, y: r.scratch.rmse_ms * (1 + p.tolerance) },
      { series: targetSeries, x: xMax, y: r.scratch.rmse_ms * (1 + p.tolerance) },
    ],
  });
  const reports = ctx.reportsDir!;
  await renderVegaLite(spec, join(reports, 'speed_rmse_vs_time'));
  const rows = [
    { run: 'from scratch (stopping rule)', step: r.scratch.step, elapsed_s: r.scratch.elapsed_s, rmse_ms: r.scratch.rmse_ms },
    { run: 'fine-tuned (stopping rule)', step: r.finetune.step, elapsed_s: r.finetune.elapsed_s, rmse_ms: r.finetune.rmse_ms },
    ...(r.reached ? [{ run: `fine-tuned, first check within ${Math.round(p.tolerance * 100)} % of from-scratch`, step: r.reached.step, elapsed_s: r.reached.elapsed_s, rmse_ms: r.reached.rmse_ms }] : []),
  ];
  await writeTable(rows, join(reports, 'speed'), { digits: 4, caption: `Network T2 RMSE (${label}, ms, against the truth) and training time (s).` });
  await writeJsonAtomic(join(ctx.outDir, 'speed.json'), r);
  const verdict = r.speedup === null
    ? `The fine-tuned run never came within ${Math.round(p.tolerance * 100)} % of the from-scratch RMSE (${r.scratch.rmse_ms.toFixed(2)} ms).`
    : `Fine-tuning reached the from-scratch final RMSE (${r.scratch.rmse_ms.toFixed(2)} ms at ${r.scratch.elapsed_s.toFixed(0)} s, within ${Math.round(p.tolerance * 100)} %) after ${r.reached!.elapsed_s.toFixed(1)} s: **${r.speedup!.toFixed(1)}× sooner** (${r.stepRatio!.toFixed(1)}× fewer steps: ${r.reached!.step} against ${r.scratch.step}).`;
  await writeFileAtomic(join(reports, 'speed_summary.md'), [
    `# ${ctx.pipeline}: pre-training + fine-tuning vs training from scratch`, '',
    verdict, '',
    `Fine-tuned run, at the step its own stopping rule chose: ${r.finetune.rmse_ms.toFixed(2)} ms at ${r.finetune.elapsed_s.toFixed(1)} s (step ${r.finetune.step}). Pre-training time is not counted (paid once per protocol).`, '',
    'Figure: `speed_rmse_vs_time.svg|png`; table: `speed.csv|md`.', '',
  ].join('\n'));
  await ctx.run.logMetrics([
    { key: 'scratch.rmse_ms', value: r.scratch.rmse_ms },
    { key: 'scratch.elapsed_s', value: r.scratch.elapsed_s },
    { key: 'finetune.rmse_ms', value: r.finetune.rmse_ms },
    ...(r.reached ? [{ key: 'finetune.reached_s', value: r.reached.elapsed_s }, { key: 'speedup', value: r.speedup! }, { key: 'step_ratio', value: r.stepRatio! }] : []),
  ]);
  ctx.log(verdict.replace(/\*\*/g, ''));
}

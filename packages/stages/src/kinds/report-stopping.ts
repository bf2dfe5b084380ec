/**
 * report-stopping: how well each stopping rule picked the step, per study — the T2 RMSE against
 * training wall time (the oracle curve, simulations only) with the step each rule chose and the
 * oracle-best step marked, and a table of the per-tissue RMSE at each of those steps beside Varpro.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '@relaxomap/array-io';
import { PipelineError, type StageContext } from '@relaxomap/pipeline';
import { markedCurvesSpec, renderVegaLite, writeTable } from '@relaxomap/reports';
import type { ReportStoppingParams } from '../params.js';
import type { CheckRecord, StoppingRecord } from '../common/stopping.js';
import type { Evaluation } from './evaluate-t2.js';

/** One study as the report sees it. */
export interface StoppingStudy {
  label: string;
  record: StoppingRecord;
  /** Varpro's T2 RMSE (ms) per region key, from the study's evaluation. */
  varpro: Record<string, number>;
}

export interface StoppingRow {
  study: string;
  choice: string;
  step: number | null;
  elapsed_s: number | null;
  decided: boolean | null;
  rmse_brain_ms: number;
  rmse_wm_ms: number;
  rmse_gm_ms: number;
  rmse_csf_ms: number;
  rmse_no_csf_ms: number;
  /** RMSE excl. CSF relative to the oracle-best step's (1 = as good as the oracle). */
  vs_oracle: number | null;
  /** Varpro RMSE / this RMSE, excluding CSF and in the whole brain. */
  gain_no_csf: number;
  gain_brain: number;
}

const REGION_KEYS = ['brain', 'wm', 'gm', 'csf', 'brain_no_csf'] as const;
const CHOICE_LABEL = { discrepancy: 'discrepancy rule', heldout: 'held-out rule' } as const;

/** Pure: the table rows of the studies (needs each study's checks to carry oracle RMSEs). */
export function stoppingRows(studies: readonly StoppingStudy[]): StoppingRow[] {
  const rows: StoppingRow[] = [];
  for (const { label, record, varpro } of studies) {
    const atStep = (step: number): CheckRecord => {
      const c = record.checks.find((k) => k.step === step);
      if (c?.oracle_rmse === undefined) throw new Error(`${label}: no oracle RMSE at step ${step} (is the input a simulation?)`);
      return c;
    };
    const oracleBest = record.oracle ? atStep(record.oracle.step).oracle_rmse!.brain_no_csf! : NaN;
    const row = (choice: string, rmse: Record<string, number>, step: number | null, elapsed: number | null, decided: boolean | null): StoppingRow => ({
      study: label,
      choice,
      step,
      elapsed_s: elapsed,
      decided,
      rmse_brain_ms: rmse.brain!,
      rmse_wm_ms: rmse.wm!,
      rmse_gm_ms: rmse.gm!,
      rmse_csf_ms: rmse.csf!,
      rmse_no_csf_ms: rmse.brain_no_csf!,
      vs_oracle: Number.isFinite(oracleBest) ? rmse.brain_no_csf! / oracleBest : null,
      gain_no_csf: varpro.brain_no_csf! / rmse.brain_no_csf!,
      gain_brain: varpro.brain! / rmse.brain!,
    });
    rows.push(row('Varpro', varpro, null, null, null));
    for (const name of ['discrepancy', 'heldout'] as const) {
      const c = record.choices[name];
      if (c) rows.push(row(`${CHOICE_LABEL[name]}${record.rule_used === name ? ' (used)' : ''}`, atStep(c.step).oracle_rmse!, c.step, c.elapsed_s, c.decided));
    }
    if (record.oracle) rows.push(row('oracle best (truth)', atStep(record.oracle.step).oracle_rmse!, record.oracle.step, record.oracle.elapsed_s, null));
    const last = record.checks.at(-1)!;
    rows.push(row('last step', last.oracle_rmse!, last.step, last.elapsed_s, null));
  }
  return rows;
}

export async function run(ctx: StageContext<ReportStoppingParams>): Promise<void> {
  const reportsDir = ctx.reportsDir!;
  const byId = new Map(ctx.inputs.map((i) => [i.id, i]));
  const studies: StoppingStudy[] = ctx.params.studies.map((s, k) => {
    const train = byId.get(s.train);
    const evaluate = byId.get(s.evaluate);
    if (train?.kind !== 'train-t2') throw ctx.paramError(`studies.${k}.train`, `'${s.train}' is not a train-t2 stage in this stage's needs`);
    if (evaluate?.kind !== 'evaluate-t2') throw ctx.paramError(`studies.${k}.evaluate`, `'${s.evaluate}' is not an evaluate-t2 stage in this stage's needs`);
    const record = readJson(join(train.dir, 'stopping.json'), join(train.displayDir, 'stopping.json')) as StoppingRecord;
    if (!record.oracle) throw new PipelineError('has no oracle curve: the training input was not a simulation with a truth', { file: join(train.displayDir, 'stopping.json') });
    const evaluation = readJson(join(evaluate.dir, 'metrics.json'), join(evaluate.displayDir, 'metrics.json')) as Evaluation;
    const varpro = Object.fromEntries(
      evaluation.regions.map((g) => [g.key, evaluation.rows.find((r) => r.method === 'Varpro' && r.slice === 'all' && r.region === g.label)?.rmse_t2_ms ?? NaN]),
    );
    if (!REGION_KEYS.every((key) => Number.isFinite(varpro[key]))) {
      throw new PipelineError('lacks Varpro rows for brain, WM, GM, CSF and brain excl. CSF', { file: join(evaluate.displayDir, 'metrics.json') });
    }
    return { label: s.label, record, varpro };
  });

  const rows = stoppingRows(studies);
  await writeTable(rows as unknown as Record<string, unknown>[], join(reportsDir, 'stopping'), {
    digits: 4,
    caption: 'T2 RMSE (ms) against the truth at the step each stopping rule chose, at the oracle-best step (chosen with the truth, excl. CSF) and at the last step; gain = Varpro RMSE / RMSE.',
  });
  const region = ctx.params.region;
  const label = { brain_no_csf: 'brain excl. CSF', brain: 'brain', wm: 'WM', gm: 'GM', csf: 'CSF' }[region];
  const spec = markedCurvesSpec({
    title: `Network T2 RMSE (${label}) against training time, and the step each rule chose`,
    xTitle: 'training time (s)',
    yTitle: `T2 RMSE, ${label} (ms)`,
    logY: true,
    panels: studies.map(({ label: title, record, varpro }) => {
      const at = (step: number) => record.checks.find((c) => c.step === step)!;
      const point = (name: string, step: number) => ({ label: name, x: at(step).elapsed_s, y: at(step).oracle_rmse![region]! });
      return {
        title,
        curve: record.checks.map((c) => ({ x: c.elapsed_s, y: c.oracle_rmse![region]! })),
        references: [{ label: `Varpro ${varpro[region]!.toFixed(1)} ms`, y: varpro[region]! }],
        marks: [
          ...(record.choices.discrepancy ? [point('discrepancy rule', record.choices.discrepancy.step)] : []),
          ...(record.choices.heldout ? [point('held-out rule', record.choices.heldout.step)] : []),
          point('oracle best', record.oracle!.step),
        ],
      };
    }),
  });
  await renderVegaLite(spec, join(reportsDir, 'stopping_curves'));
  await writeFileAtomic(join(reportsDir, 'stopping_summary.md'), summary(ctx.pipeline, studies, rows));
  await writeJsonAtomic(join(ctx.outDir, 'stopping_report.json'), { rows });
  const metrics = rows
    .filter((r) => r.step !== null)
    .map((r, i) => ({ key: `vs_oracle.${slug(r.study)}.${slug(r.choice)}`, value: r.vs_oracle ?? NaN, step: i }));
  await ctx.run.logMetrics(metrics.filter((m) => Number.isFinite(m.value)));
  ctx.log(`stopping report → reports/${ctx.pipeline}/stopping_curves.{svg,png}, stopping.md`);
}

function summary(pipeline: string, studies: readonly StoppingStudy[], rows: readonly StoppingRow[]): string {
  const lines = [`# ${pipeline}: stopping without the truth`, ''];
  for (const { label, record } of studies) {
    const used = rows.find((r) => r.study === label && r.choice.endsWith('(used)'));
    const noise = record.noise.ok ? `σ² estimated ${record.noise.variance.toPrecision(3)} (${record.noise.model} background)` : `no noise estimate: ${record.noise.reason}`;
    const decided = record.choices[record.rule_used as 'discrepancy' | 'heldout']?.decided ?? false;
    const how = decided
      ? `${record.rule_used} rule stopped at step ${record.output.step} (${record.output.elapsed_s.toFixed(0)} s)`
      : `${record.rule_used} rule had not reached its target by the last step, ${record.output.step} (${record.output.elapsed_s.toFixed(0)} s; the maps are that step's)`;
    lines.push(`- **${label}** — ${noise}; ${how}: ` +
      (used ? `T2 RMSE excl. CSF ${used.rmse_no_csf_ms.toFixed(1)} ms = ${((used.vs_oracle! - 1) * 100).toFixed(1)}% above the oracle-best step ${record.oracle!.step}; ` +
        `${used.gain_no_csf.toFixed(2)}× lower than Varpro excl. CSF, ${used.gain_brain.toFixed(2)}× in the whole brain.` : record.output.reason));
  }
  lines.push('', 'Figure: `stopping_curves.svg|png`. Table: `stopping.csv`, `stopping.md`.', '');
  return lines.join('\n');
}

const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');

function readJson(absPath: string, displayPath: string): unknown {
  try {
    return JSON.parse(readFileSync(absPath, 'utf8'));
  } catch (err) {
    throw new PipelineError(`cannot read (${(err as Error).message.split('\n')[0]})`, { file: displayPath });
  }
}

/**
 * figure-t2: the paper's Fig. 2 — reference / Varpro / network T2 maps for each slice, absolute-error
 * maps with the RMSE in each panel's caption, and a bar chart of T2 RMSE per region. SVG + PNG into
 * reports/<pipeline>/, with the RMSE table and a summary that states the Varpro/network ratio.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy, writeFileAtomic, writeJsonAtomic } from '@relaxomap/array-io';
import { PipelineError, type StageContext } from '@relaxomap/pipeline';
import { barChartSpec, colormapPng, mapGridSpec, renderVegaLite, type MapGridRow } from '@relaxomap/reports';
import type { FigureT2Params } from '../params.js';
import { hasMapSet, readMapSet, requireInput, type MapSet } from '../common/series.js';
import type { Evaluation } from './evaluate-t2.js';

export async function run(ctx: StageContext<FigureT2Params>): Promise<void> {
  const reportsDir = ctx.reportsDir!;
  const prefix = ctx.params.prefix;
  const truthInput = requireInput(ctx, ['simulate-t2'], 'simulation (truth)');
  const evalInput = requireInput(ctx, ['evaluate-t2'], 'evaluation');
  const truth = await readMapSet(truthInput);
  const tissue = (await readNpy(join(truthInput.dir, 'tissue.npy'))).data as Uint8Array;
  const estimateInputs = ctx.inputs.filter((i) => i !== truthInput && i.kind !== 'evaluate-t2' && hasMapSet(i));
  const estimates = await Promise.all(estimateInputs.map(readMapSet));
  const evaluation = JSON.parse(readFileSync(join(evalInput.dir, 'metrics.json'), 'utf8')) as Evaluation;
  if (estimates.length === 0) throw new PipelineError(`stage '${ctx.stage}' needs the estimate stages in its needs`);

  const { slices, height, width } = truth.shape;
  const plane = height * width;
  const z = (truth.info?.slices_z as number[] | undefined) ?? [...Array(slices).keys()];
  const brain = Uint8Array.from(tissue, (t) => (t > 0 ? 1 : 0));
  const sliceOf = (map: Float32Array, s: number): Float32Array => map.subarray(s * plane, (s + 1) * plane);
  const maskOf = (s: number): Uint8Array => brain.subarray(s * plane, (s + 1) * plane);
  const rmseOf = (method: string, s: number): number =>
    evaluation.rows.find((r) => r.method === method && r.slice === String(s) && r.region === 'brain')?.rmse_t2_ms ?? NaN;
  const up = ctx.params.upscale;
  const t2Max = ctx.params.t2_max_ms;
  const errMax = ctx.params.error_max_ms;
  const t2Panels = (m: MapSet, captions: boolean) =>
    [...Array(slices).keys()].map((s) => ({
      png: colormapPng(sliceOf(m.t2, s), width, height, { vmin: 0, vmax: t2Max, cmap: 'viridis', upscale: up, mask: maskOf(s) }),
      caption: captions ? `RMSE ${rmseOf(m.method, s).toFixed(1)} ms` : '',
    }));
  const rows: MapGridRow[] = [
    { label: 'Reference T2', panels: t2Panels(truth, false), colorbar: { cmap: 'viridis', vmin: 0, vmax: t2Max, title: 'T2 (ms)' } },
    ...estimates.map((m) => ({ label: `${m.method} T2`, panels: t2Panels(m, true), colorbar: { cmap: 'viridis' as const, vmin: 0, vmax: t2Max, title: 'T2 (ms)' } })),
    ...estimates.map((m) => ({
      label: `|${m.method} − ref|`,
      panels: [...Array(slices).keys()].map((s) => {
        const err = new Float32Array(plane);
        const est = sliceOf(m.t2, s);
        const ref = sliceOf(truth.t2, s);
        for (let i = 0; i < plane; i++) err[i] = Math.abs(est[i]! - ref[i]!);
        return {
          png: colormapPng(err, width, height, { vmin: 0, vmax: errMax, cmap: 'magma', upscale: up, mask: maskOf(s) }),
          caption: `RMSE ${rmseOf(m.method, s).toFixed(1)} ms`,
        };
      }),
      colorbar: { cmap: 'magma' as const, vmin: 0, vmax: errMax, title: '|error| (ms)' },
    })),
  ];
  const ratioText = Object.entries(evaluation.ratios)
    .map(([method, r]) => `${method}: ${r.brain!.toFixed(1)}× lower T2 RMSE than Varpro (brain), ${r.brain_no_csf!.toFixed(1)}× excl. CSF`)
    .join('; ');
  const grid = mapGridSpec({
    title: `T2 from ${(truth.info?.TE_ms as number[] | undefined)?.length ?? ''} noisy echoes (noise variance ${truth.info?.noise_variance ?? '?'}) — ${ratioText}`,
    columns: z.map((zz) => `axial slice z = ${zz}`),
    rows,
    panelWidth: width * up,
    panelHeight: height * up,
  });
  await renderVegaLite(grid, join(reportsDir, `${prefix}_t2_maps`));

  const bars = evaluation.rows
    .filter((r) => r.slice === 'all')
    .map((r) => ({ group: r.region, series: r.method, value: r.rmse_t2_ms }));
  await renderVegaLite(barChartSpec({ title: 'T2 RMSE against the truth (all slices)', data: bars, yTitle: 'T2 RMSE (ms)', valueFormat: ',.3~r' }), join(reportsDir, `${prefix}_rmse_bars`));

  copyFileSync(join(evalInput.dir, 'rmse.csv'), join(reportsDir, 'rmse.csv'));
  copyFileSync(join(evalInput.dir, 'rmse.md'), join(reportsDir, 'rmse.md'));
  const summary = summaryMarkdown(ctx.pipeline, evaluation, estimates, prefix);
  await writeFileAtomic(join(reportsDir, 'summary.md'), summary);
  await writeJsonAtomic(join(ctx.outDir, 'figure.json'), {
    files: [`${prefix}_t2_maps.svg`, `${prefix}_t2_maps.png`, `${prefix}_rmse_bars.svg`, `${prefix}_rmse_bars.png`, 'rmse.csv', 'rmse.md', 'summary.md'].map((f) => `reports/${ctx.pipeline}/${f}`),
    ratios: evaluation.ratios,
  });
  ctx.log(`figure → reports/${ctx.pipeline}/${prefix}_t2_maps.{svg,png}; ${ratioText}`);
}

/** The report's statement of the result: RMSE per region and method, and the ratio against Varpro. */
export function summaryMarkdown(pipeline: string, evaluation: Evaluation, estimates: readonly MapSet[] = [], prefix = 'fig2'): string {
  const lines = [`# ${pipeline}: T2 RMSE against the simulated truth`, ''];
  for (const est of estimates) {
    const info = est.info ?? {};
    if (est.method === 'Network') {
      const stop = info.stopping as { rule: string; step: number; elapsed_s: number; reason: string } | undefined;
      lines.push(`Network: ${info.blocks} residual blocks, width ${info.width}, ${String(info.loss).toUpperCase()} loss` +
        `${info.ema_decay ? `, weight average (EMA ${info.ema_decay})` : ''}, TensorFlow.js backend ${info.backend} (${Number(info.step_ms).toFixed(0)} ms/step).` +
        (stop ? ` Maps of step ${stop.step} of ${info.steps_done ?? info.steps} (${stop.elapsed_s.toFixed(0)} s of training), chosen by the ${stop.rule} rule: ${stop.reason}.` : ` ${info.steps} steps.`), '');
    }
  }
  for (const [method, r] of Object.entries(evaluation.ratios)) {
    lines.push(`**${method} vs Varpro:** ${evaluation.regions.map((g) => `${g.label} ${r[g.key]!.toFixed(2)}×`).join(' · ')} lower T2 RMSE (paper: ~6×).`, '');
  }
  lines.push('| region | ' + evaluation.methods.map((m) => `${m} T2 RMSE (ms)`).join(' | ') + ' |');
  lines.push('|---|' + evaluation.methods.map(() => '---:').join('|') + '|');
  for (const g of evaluation.regions) {
    const cells = evaluation.methods.map((m) => evaluation.rows.find((r) => r.method === m && r.slice === 'all' && r.region === g.label)?.rmse_t2_ms.toFixed(1) ?? '—');
    lines.push(`| ${g.label} | ${cells.join(' | ')} |`);
  }
  lines.push('', `Figures: \`${prefix}_t2_maps.svg|png\` (maps and error maps), \`${prefix}_rmse_bars.svg|png\`. Full table: \`rmse.csv\`, \`rmse.md\`.`, '');
  return lines.join('\n');
}

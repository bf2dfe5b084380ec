/**
 * nist-spheres: T2 per sphere of the ISMRM/NIST phantom T2 plate, for every estimate in needs,
 * against the reference values. A sphere counts as "resolvable" by the echo train when its reference
 * T2 lies between the first echo time and half the last (shorter: gone by the second echo; longer:
 * barely decays over the train). Writes the table (CSV + Markdown), a measured-vs-reference figure
 * (log-log, ±tolerance band) and a summary; also checks that estimates made by the same method from
 * different inputs (the DICOM and the NIfTI copy of the scan) are identical.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '@relaxomap/array-io';
import { roiStats, sphereRoiMask } from '@relaxomap/metrics';
import { PipelineError, type StageContext, type StageInput } from '@relaxomap/pipeline';
import { renderVegaLite, writeTable } from '@relaxomap/reports';
import type { NistSpheresParams } from '../params.js';
import { ECHO_SOURCES, hasMapSet, readEchoSeries, readMapSet, requireInput, type MapSet } from '../common/series.js';

interface SphereRoi { number: number; reference_T2_ms: number; cy: number; cx: number; roi_radius_px: number }

export interface SphereRow {
  sphere: number;
  reference_ms: number;
  resolvable: boolean;
  comparison_ms: number | null;
  /** Per estimate (stage id): ROI mean and SD of T2, ms. */
  [key: string]: number | boolean | null;
}

export async function run(ctx: StageContext<NistSpheresParams>): Promise<void> {
  const p = ctx.params;
  const spheresFile = p.spheres;
  const rois = readSpheres(join(ctx.root, spheresFile), spheresFile);
  const series = await readEchoSeries(requireInput(ctx, ECHO_SOURCES, 'echo series'));
  const TE = series.TE;
  const inputs = ctx.inputs.filter((i) => hasMapSet(i));
  if (!inputs.length) throw new PipelineError(`stage '${ctx.stage}' needs the estimate stages (varpro, train-t2) in its needs`);
  const estimates = await Promise.all(inputs.map(async (i) => ({ id: i.id, maps: await readMapSet(i) })));
  const { height, width } = series.shape;
  // Sphere centres are indices of the whole scan; a cropped series starts at cropOrigin.
  const [x0, y0] = series.cropOrigin ?? [0, 0, 0];
  for (const { id, maps } of estimates) {
    if (maps.shape.height !== height || maps.shape.width !== width) throw new PipelineError(`${id}: maps are ${maps.shape.height}×${maps.shape.width}, the echo series ${height}×${width}: give every estimate the same input`);
  }
  if (p.comparison && p.comparison.T2_ms.length < rois.length) throw ctx.paramError('comparison.T2_ms', `has ${p.comparison.T2_ms.length} values for ${rois.length} spheres`);

  const [first, last] = p.acquired_te_ms ?? [TE[0]!, TE.at(-1)!];
  const lo = first;
  const hi = last / 2;
  const rows: SphereRow[] = rois.map((s, k) => {
    const mask = sphereRoiMask(height, width, { cy: s.cy - y0, cx: s.cx - x0, radius: s.roi_radius_px }, 1);
    if (!mask.some((v) => v > 0)) throw new PipelineError(`sphere ${s.number} (centre y ${s.cy}, x ${s.cx}) lies outside the echo series (cropped to ${height}×${width} from y ${y0}, x ${x0})`, { file: spheresFile, field: `spheres[${k}]` });
    const row: SphereRow = {
      sphere: s.number, reference_ms: s.reference_T2_ms, resolvable: s.reference_T2_ms >= lo && s.reference_T2_ms <= hi,
      comparison_ms: p.comparison ? p.comparison.T2_ms[k]! : null,
    };
    for (const { id, maps } of estimates) {
      const st = roiStats(maps.t2.subarray(0, height * width), mask);
      row[`${id}_mean_ms`] = st.mean;
      row[`${id}_sd_ms`] = st.sd;
      row[`${id}_ratio`] = st.mean / s.reference_T2_ms;
    }
    return row;
  });

  const within = (id: string, r: SphereRow) => Math.abs((r[`${id}_ratio`] as number) - 1) <= p.tolerance;
  const resolvable = rows.filter((r) => r.resolvable);
  const verdicts = estimates.map(({ id, maps }) => ({
    id, method: maps.method, model: String(maps.info?.model ?? (maps.method === 'Network' ? 'monoexp (network)' : 'monoexp')),
    passed: resolvable.filter((r) => within(id, r)).length,
    worst: Math.max(...resolvable.map((r) => Math.abs((r[`${id}_ratio`] as number) - 1))),
    vsComparison: p.comparison ? Math.max(...resolvable.map((r) => Math.abs((r[`${id}_mean_ms`] as number) / r.comparison_ms! - 1))) : null,
  }));
  const identical = sameMethodPairs(estimates);

  await writeTable(rows.map((r) => ({ ...r })), join(ctx.reportsDir!, 'sphere_t2'), { caption: `T2 per sphere (ROI mean ± SD, ms) against the reference; resolvable: ${lo} ≤ T2 ≤ ${hi} ms` });
  await renderVegaLite(scatterSpec(rows, estimates.map((e) => ({ id: e.id, label: `${e.maps.method} (${e.id})` })), p, lo, hi), join(ctx.reportsDir!, 'sphere_t2'));
  const summary = summaryMarkdown(ctx.pipeline, rows, verdicts, identical, p, lo, hi, estimates);
  await writeFileAtomic(join(ctx.reportsDir!, 'sphere_summary.md'), summary);
  await writeJsonAtomic(join(ctx.outDir, 'spheres.json'), { rows, verdicts, identical, resolvable_spheres: resolvable.map((r) => r.sphere), tolerance: p.tolerance });
  await ctx.run.logMetrics(verdicts.flatMap((v) => [
    { key: `spheres_within_tolerance.${v.id}`, value: v.passed },
    { key: `worst_relative_error.${v.id}`, value: v.worst },
  ]));
  ctx.log(`resolvable spheres ${resolvable.map((r) => r.sphere).join(', ')}: ${verdicts.map((v) => `${v.id} ${v.passed}/${resolvable.length} within ${100 * p.tolerance}%`).join('; ')}`);
}

function readSpheres(abs: string, shown: string): SphereRoi[] {
  let doc: { spheres?: unknown };
  try {
    doc = JSON.parse(readFileSync(abs, 'utf8')) as { spheres?: unknown };
  } catch (err) {
    throw new PipelineError(`cannot read (${(err as Error).message.split('\n')[0]})`, { file: shown });
  }
  if (!Array.isArray(doc.spheres) || !doc.spheres.length) throw new PipelineError('must be a non-empty list', { file: shown, field: 'spheres' });
  return doc.spheres.map((s: Record<string, unknown>, i: number) => {
    for (const key of ['number', 'reference_T2_ms', 'cy', 'cx', 'roi_radius_px']) {
      if (typeof s[key] !== 'number' || !Number.isFinite(s[key])) throw new PipelineError('must be a number', { file: shown, field: `spheres[${i}].${key}` });
    }
    return s as unknown as SphereRoi;
  });
}

/** Estimates of the same method (e.g. Varpro from DICOM and from NIfTI): largest |difference| of their T2 maps. */
function sameMethodPairs(estimates: { id: string; maps: MapSet }[]): { a: string; b: string; max_abs_diff_ms: number }[] {
  const out: { a: string; b: string; max_abs_diff_ms: number }[] = [];
  for (let i = 0; i < estimates.length; i++) {
    for (let j = i + 1; j < estimates.length; j++) {
      const [x, y] = [estimates[i]!, estimates[j]!];
      if (x.maps.method !== y.maps.method || x.maps.t2.length !== y.maps.t2.length || x.maps.info?.model !== y.maps.info?.model) continue;
      let d = 0;
      for (let v = 0; v < x.maps.t2.length; v++) d = Math.max(d, Math.abs(x.maps.t2[v]! - y.maps.t2[v]!));
      out.push({ a: x.id, b: y.id, max_abs_diff_ms: d });
    }
  }
  return out;
}

function scatterSpec(rows: SphereRow[], series: { id: string; label: string }[], p: NistSpheresParams, lo: number, hi: number): object {
  const points = rows.flatMap((r) => series.map((s) => ({
    reference: r.reference_ms, measured: r[`${s.id}_mean_ms`] as number, method: s.label, sphere: r.sphere, resolvable: r.resolvable ? 'resolvable' : 'outside TE range',
  })));
  if (p.comparison) points.push(...rows.map((r) => ({ reference: r.reference_ms, measured: r.comparison_ms!, method: p.comparison!.label, sphere: r.sphere, resolvable: r.resolvable ? 'resolvable' : 'outside TE range' })));
  const xs = rows.map((r) => r.reference_ms);
  const [xmin, xmax] = [Math.min(...xs) * 0.8, Math.max(...xs) * 1.25];
  const band = [xmin, xmax].map((x) => ({ x, lo: x * (1 - p.tolerance), hi: x * (1 + p.tolerance) }));
  const scale = { type: 'log', domain: [xmin, xmax] };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `NIST T2 plate: measured vs reference T2 (band ±${100 * p.tolerance}%; resolvable ${lo}–${hi} ms)`,
    width: 420, height: 420,
    layer: [
      { data: { values: band }, mark: { type: 'area', opacity: 0.15, color: '#888' }, encoding: { x: { field: 'x', type: 'quantitative', scale, title: 'reference T2 (ms)' }, y: { field: 'lo', type: 'quantitative', scale }, y2: { field: 'hi' } } },
      { data: { values: band }, mark: { type: 'line', color: '#888', strokeDash: [4, 3] }, encoding: { x: { field: 'x', type: 'quantitative', scale }, y: { field: 'x', type: 'quantitative', scale, title: 'measured T2 (ms)' } } },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x: { field: 'reference', type: 'quantitative', scale },
          y: { field: 'measured', type: 'quantitative', scale },
          color: { field: 'method', type: 'nominal', title: null },
          shape: { field: 'resolvable', type: 'nominal', title: null },
        },
      },
    ],
    config: { font: 'DejaVu Sans', legend: { orient: 'bottom', columns: 2 } },
  };
}

function summaryMarkdown(
  pipeline: string, rows: SphereRow[], verdicts: { id: string; method: string; model: string; passed: number; worst: number; vsComparison: number | null }[],
  identical: { a: string; b: string; max_abs_diff_ms: number }[], p: NistSpheresParams, lo: number, hi: number, estimates: { id: string; maps: MapSet }[],
): string {
  const resolvable = rows.filter((r) => r.resolvable);
  const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  const lines = [
    `# ${pipeline}: T2 per sphere of the NIST phantom T2 plate`, '',
    `Spheres whose reference T2 lies between the first echo time and half the last (${lo}–${hi} ms): **${resolvable.map((r) => r.sphere).join(', ')}** (${resolvable.length} of ${rows.length}).`, '',
    ...verdicts.map((v) => `- **${v.method}** (${v.id}, ${v.model}): ${v.passed}/${resolvable.length} resolvable spheres within ${100 * p.tolerance}% of the reference; worst ${(100 * v.worst).toFixed(1)}%` +
      (v.vsComparison !== null ? `; within ${(100 * v.vsComparison).toFixed(1)}% of ${p.comparison!.label} on every resolvable sphere.` : '.')),
    '',
    ...identical.map((d) => `- ${d.a} and ${d.b} (same method, different input files): largest T2 difference ${d.max_abs_diff_ms} ms${d.max_abs_diff_ms === 0 ? ' — identical maps' : ''}.`),
    '',
    `| sphere | reference (ms) | resolvable |${p.comparison ? ` ${p.comparison.label} (ms) |` : ''} ${estimates.map((e) => `${e.maps.method} ${e.id} (ms)`).join(' | ')} |`,
    `|---:|---:|:---:|${p.comparison ? '---:|' : ''}${estimates.map(() => '---:').join('|')}|`,
    ...rows.map((r) => `| ${r.sphere} | ${fmt(r.reference_ms)} | ${r.resolvable ? '✔' : ''} |${p.comparison ? ` ${fmt(r.comparison_ms!)} |` : ''} ${estimates.map((e) => {
      const m = r[`${e.id}_mean_ms`] as number;
      const ok = Math.abs(m / r.reference_ms - 1) <= p.tolerance;
      return `${fmt(m)} ± ${fmt(r[`${e.id}_sd_ms`] as number)} (${(100 * (m / r.reference_ms - 1)).toFixed(0)}%)${r.resolvable && ok ? ' ✔' : ''}`;
    }).join(' | ')} |`),
    '',
    p.comparison ? `${p.comparison.label}: ${p.comparison.source}.` : '',
    'Figure: `sphere_t2.svg|png`; table: `sphere_t2.csv|md`.', '',
  ];
  return lines.join('\n');
}

/**
 * figure-maps: maps of a scan without a truth (real scans, the paper's in-vivo Figs. 3 and 4): each
 * method's T2 (or T2*) map per slice, and its fit residual — RMS over echoes of data − M0·exp(−TE/T2),
 * in units of the noise σ from the image background — since in vivo the residual and the noise are
 * the only measures there are. SVG + PNG, a table (residual/σ², median T2, SNR) and a summary.
 */
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '@relaxomap/array-io';
import { PipelineError, type StageContext } from '@relaxomap/pipeline';
import { colormapPng, mapGridSpec, renderVegaLite, writeTable, type MapGridRow } from '@relaxomap/reports';
import type { FigureMapsParams } from '../params.js';
import { ECHO_SOURCES, hasMapSet, readEchoSeries, readMapSet, requireInput, seriesNoise, type EchoSeries, type MapSet } from '../common/series.js';

export interface MethodFit {
  method: string;
  /** Mean over object voxels and echoes of (data − model)², divided by σ². */
  residual_over_sigma2: number;
  median_t2_ms: number;
}

export async function run(ctx: StageContext<FigureMapsParams>): Promise<void> {
  const p = ctx.params;
  const reportsDir = ctx.reportsDir!;
  const seriesInput = requireInput(ctx, ECHO_SOURCES, 'echo series');
  const series = await readEchoSeries(seriesInput);
  const estimates = await Promise.all(ctx.inputs.filter((i) => i !== seriesInput && hasMapSet(i)).map(readMapSet));
  if (!estimates.length) throw new PipelineError(`stage '${ctx.stage}' needs the estimate stages (varpro, train-t2) in its needs`);
  const { slices, height, width } = series.shape;
  const plane = height * width;
  const nTE = series.TE.length;
  for (const m of estimates) {
    if (m.shape.slices !== slices || m.shape.height !== height || m.shape.width !== width) {
      throw new PipelineError(`${m.method} maps are ${m.shape.slices}×${m.shape.height}×${m.shape.width}, the echoes ${slices}×${height}×${width}`);
    }
  }
  const shown = p.slices ?? evenlySpaced(slices, 4);
  const bad = shown.find((s) => s >= slices);
  if (bad !== undefined) throw ctx.paramError('slices', `slice ${bad} is out of range (the series has ${slices})`);

  const noise = seriesNoise(series);
  const object = noise.estimate?.object ?? brightMask(series, 0.1);
  const sigma = noise.sigma;
  if (sigma === undefined) ctx.log(`no noise estimate (${noise.source}): residuals are shown in signal units`);
  const unit = sigma ?? 1;
  const hasSigma = sigma !== undefined;

  const flip = rowsPointUp(series.affine);
  const orient = (img: Float32Array | Uint8Array) => (flip ? flipRows(img, height, width) : img);
  const sliceOf = <T extends Float32Array | Uint8Array>(a: T, s: number): T => a.subarray(s * plane, (s + 1) * plane) as T;
  const fits: MethodFit[] = [];
  const rows: MapGridRow[] = [];
  const residualRows: MapGridRow[] = [];
  for (const m of estimates) {
    const rms = residualRms(series, m);
    fits.push({ method: m.method, residual_over_sigma2: meanIn(rms, object, (v) => v * v) / (unit * unit), median_t2_ms: medianIn(m.t2, object) });
    rows.push({
      label: `${m.method} ${p.quantity}`,
      panels: shown.map((s) => ({
        png: colormapPng(orient(sliceOf(m.t2, s)) as Float32Array, width, height, { vmin: 0, vmax: p.t2_max_ms, cmap: 'viridis', upscale: p.upscale, mask: orient(sliceOf(object, s)) as Uint8Array }),
        caption: `median ${medianIn(sliceOf(m.t2, s), sliceOf(object, s)).toFixed(1)} ms`,
      })),
      colorbar: { cmap: 'viridis', vmin: 0, vmax: p.t2_max_ms, title: `${p.quantity} (ms)` },
    });
    residualRows.push({
      label: `${m.method} residual`,
      panels: shown.map((s) => {
        const r = Float32Array.from(sliceOf(rms, s), (v) => v / unit);
        return {
          png: colormapPng(orient(r) as Float32Array, width, height, { vmin: 0, vmax: p.residual_max_sigma, cmap: 'magma', upscale: p.upscale, mask: orient(sliceOf(object, s)) as Uint8Array }),
          caption: `mean² ${(meanIn(sliceOf(rms, s), sliceOf(object, s), (v) => v * v) / (unit * unit)).toFixed(2)}${hasSigma ? 'σ²' : ''}`,
        };
      }),
      colorbar: { cmap: 'magma', vmin: 0, vmax: p.residual_max_sigma, title: hasSigma ? 'RMS residual (σ)' : 'RMS residual' },
    });
  }
  const firstEcho = meanIn(series.echoes.subarray(0, slices * plane), object);
  const title = `${p.quantity} maps from ${nTE} echoes (TE ${series.TE[0]}…${series.TE.at(-1)} ms)` +
    (hasSigma ? `; noise σ ${sigma.toPrecision(3)}, first-echo SNR ${(firstEcho / sigma).toFixed(0)}` : '');
  await renderVegaLite(mapGridSpec({
    title,
    columns: shown.map((s) => `slice ${s}`),
    rows: [...rows, ...residualRows],
    panelWidth: width * p.upscale,
    panelHeight: height * p.upscale,
  }), join(reportsDir, p.name));

  const tableRows = fits.map((f) => ({
    method: f.method,
    [`median ${p.quantity} (ms)`]: f.median_t2_ms,
    'residual / σ²': hasSigma ? f.residual_over_sigma2 : null,
    model: String(estimates.find((e) => e.method === f.method)?.info?.model ?? 'monoexp'),
  }));
  await writeTable(tableRows, join(reportsDir, `${p.name}_table`), { caption: title });
  const summary = [
    `# ${ctx.pipeline}: ${p.quantity} maps (no truth: fit residual and noise)`, '',
    `${title}.`, '',
    hasSigma ? `Noise σ from ${noise.source}; a fit that explains the signal leaves a residual of about σ² (a voxel-wise 2-parameter fit: σ²·(E−2)/E = ${((nTE - 2) / nTE).toFixed(2)}σ²).` : `No background to estimate the noise from (${noise.source}).`, '',
    '| method | signal model | median ' + p.quantity + ' (ms) | residual / σ² |', '|---|---|---:|---:|',
    ...tableRows.map((r) => `| ${r.method} | ${r.model} | ${(r[`median ${p.quantity} (ms)`] as number).toFixed(1)} | ${r['residual / σ²'] === null ? '—' : (r['residual / σ²'] as number).toFixed(2)} |`),
    '', `Residuals use M0·exp(−TE/${p.quantity}) for every method. Figure: \`${p.name}.svg|png\`; table: \`${p.name}_table.csv|md\`.`, '',
    ...networkNotes(estimates),
  ].join('\n');
  await writeFileAtomic(join(reportsDir, `${p.name}_summary.md`), summary);
  await writeJsonAtomic(join(ctx.outDir, 'figure.json'), { fits, noise_sigma: sigma ?? null, slices: shown, flipped_rows: flip });
  await ctx.run.logMetrics([
    ...(hasSigma ? [{ key: 'noise.sigma', value: sigma }] : []),
    ...fits.map((f) => ({ key: `residual_over_sigma2.${f.method.toLowerCase()}`, value: f.residual_over_sigma2 })),
  ]);
  ctx.log(`${p.name} → reports/${ctx.pipeline}/${p.name}.{svg,png}; ${fits.map((f) => `${f.method} residual ${f.residual_over_sigma2.toFixed(2)}σ², median ${f.median_t2_ms.toFixed(1)} ms`).join('; ')}`);
}

function networkNotes(estimates: readonly MapSet[]): string[] {
  const net = estimates.find((e) => e.method === 'Network')?.info;
  const stop = net?.stopping as { rule: string; step: number; reason: string } | undefined;
  return stop ? [`Network: ${net!.blocks} blocks, ${String(net!.loss).toUpperCase()} loss; maps of step ${stop.step}, chosen by the ${stop.rule} rule (${stop.reason}).`, ''] : [];
}

/** RMS over echoes of data − M0·exp(−TE/T2), per voxel (slice, y, x). */
export function residualRms(series: EchoSeries, maps: MapSet): Float32Array {
  const n = maps.t2.length;
  const out = new Float32Array(n);
  for (let v = 0; v < n; v++) {
    const m0 = maps.m0[v]!;
    const t2 = maps.t2[v]!;
    let ss = 0;
    for (let e = 0; e < series.TE.length; e++) {
      const model = t2 > 0 ? m0 * Math.exp(-series.TE[e]! / t2) : 0;
      const d = series.echoes[e * n + v]! - model;
      ss += d * d;
    }
    out[v] = Math.sqrt(ss / series.TE.length);
  }
  return out;
}

/** Up to `k` slice indices spread over 0 … n−1. */
function evenlySpaced(n: number, k: number): number[] {
  if (n <= k) return [...Array(n).keys()];
  return [...Array(k).keys()].map((i) => Math.round(((i + 0.5) * n) / k - 0.5));
}

/**
 * True when image rows run toward a world "up" direction (superior or anterior), so that row 0
 * would be drawn at the top upside down: DICOM→NIfTI converters store rows that way.
 */
function rowsPointUp(affine: number[][] | undefined): boolean {
  if (!affine) return false;
  const j = [affine[0]![1]!, affine[1]![1]!, affine[2]![1]!];
  const k = j.reduce((best, v, i) => (Math.abs(v) > Math.abs(j[best]!) ? i : best), 0);
  return k > 0 && j[k]! > 0;
}

function flipRows<T extends Float32Array | Uint8Array>(img: T, height: number, width: number): T {
  const out = new (img.constructor as new (n: number) => T)(img.length);
  for (let y = 0; y < height; y++) out.set(img.subarray((height - 1 - y) * width, (height - y) * width), y * width);
  return out;
}

/** Object mask when there is no background: first echo above `fraction` of its maximum. */
function brightMask(series: EchoSeries, fraction: number): Uint8Array {
  const n = series.shape.slices * series.shape.height * series.shape.width;
  let max = 0;
  for (let v = 0; v < n; v++) max = Math.max(max, series.echoes[v]!);
  return Uint8Array.from({ length: n }, (_, v) => (series.echoes[v]! > fraction * max ? 1 : 0));
}

/** Mean of f(value) over the mask (NaN when it selects nothing). */
function meanIn(a: ArrayLike<number>, mask: Uint8Array, f: (v: number) => number = (v) => v): number {
  let sum = 0, n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) { sum += f(a[i]!); n++; }
  return n ? sum / n : NaN;
}

function medianIn(a: ArrayLike<number>, mask: Uint8Array): number {
  const v: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] && Number.isFinite(a[i]!)) v.push(a[i]!);
  if (!v.length) return NaN;
  v.sort((x, y) => x - y);
  return v[Math.floor(v.length / 2)]!;
}

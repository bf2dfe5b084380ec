/**
 * load-echoes: a real multi-echo scan → the echo-series contract (echoes.npy + protocol.json +
 * echoes.nii.gz with the scan's own affine), so varpro and train-t2 run on it exactly as on a
 * simulation, and the maps they write overlay on the input in any viewer.
 * The data must have been checked by a verify-data stage (in needs) whose manifest lists them.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { IngestError, readEchoes, type EchoVolume } from '@relaxomap/ingest';
import { estimateNoise } from '@relaxomap/metrics';
import { PipelineError, type StageContext } from '@relaxomap/pipeline';
import type { LoadEchoesParams } from '../params.js';
import { requireInput, writeEchoSeries } from '../common/series.js';

export async function run(ctx: StageContext<LoadEchoesParams>): Promise<void> {
  const p = ctx.params;
  const verified = requireInput(ctx, ['verify-data'], 'verify-data');
  const listed = (JSON.parse(readFileSync(join(verified.dir, 'verified.json'), 'utf8')) as { manifest: string; files: { path: string }[] });
  const prefix = p.path.replace(/\/+$/, '');
  if (!listed.files.some((f) => f.path === prefix || f.path.startsWith(`${prefix}/`))) {
    throw ctx.paramError('path', `${p.path} is not listed in ${listed.manifest} (the manifest the verify-data stage '${verified.id}' checked)`);
  }

  let volume: EchoVolume;
  try {
    volume = await readEchoes(join(ctx.root, p.path), p.format, p.TE_ms ? { TE_ms: p.TE_ms } : {});
  } catch (err) {
    if (err instanceof IngestError) throw new PipelineError(err.message.replaceAll(`${ctx.root}/`, ''));
    throw err;
  }
  for (const w of volume.warnings) ctx.log(`note: ${w}`);
  const selected = selectEchoes(ctx, volume, p.drop_echoes);
  // The noise is measured on the whole field of view: a crop to the object may leave no background.
  const noise = estimateNoise(selected.echoes, selected.shape);
  if (noise.ok) ctx.log(`noise σ ${noise.sigma.toPrecision(3)} from ${noise.voxels} background voxels of the whole scan (${noise.model})`);
  else ctx.log(`no noise estimate on the whole scan: ${noise.reason}`);
  const cropped = cropVolume(ctx, selected, p.crop);
  const cropOrigin: [number, number, number] = [p.crop?.x?.[0] ?? 0, p.crop?.y?.[0] ?? 0, p.crop?.slice?.[0] ?? 0];
  const voxelMm = p.voxel_mm ?? cropped.voxelMm;
  const { slices, height, width } = cropped.shape;

  await writeEchoSeries(ctx.outDir, {
    echoes: cropped.echoes, shape: { slices, height, width }, TE: cropped.TE, voxelMm,
    affine: p.voxel_mm ? scaleAffine(cropped.affine, cropped.voxelMm, p.voxel_mm) : cropped.affine,
    magnitude: cropped.magnitude,
    ...(p.crop ? { cropOrigin } : {}),
    ...(noise.ok ? { noiseSigma: noise.sigma } : {}),
  });
  await ctx.run.setTags({ 'relaxomap.data.format': p.format, 'relaxomap.data.path': p.path });
  await ctx.run.logMetrics([
    { key: 'echoes', value: cropped.TE.length },
    { key: 'voxels', value: slices * height * width },
  ]);
  ctx.log(`${p.format} ${p.path}: ${cropped.TE.length} echoes (TE ${cropped.TE[0]}…${cropped.TE.at(-1)} ms), ${slices}×${height}×${width}, voxel ${voxelMm.map((v) => v.toPrecision(3)).join('×')} mm, ${cropped.magnitude ? 'magnitude' : 'real'} data`);
}

/** Leave out the echoes listed in drop_echoes (indices after sorting by TE). */
function selectEchoes(ctx: StageContext<LoadEchoesParams>, v: EchoVolume, drop: readonly number[]): EchoVolume {
  if (!drop.length) return v;
  const bad = drop.find((i) => i >= v.TE.length);
  if (bad !== undefined) throw ctx.paramError('drop_echoes', `index ${bad} is out of range (the scan has ${v.TE.length} echoes)`);
  const keep = v.TE.map((_, i) => i).filter((i) => !drop.includes(i));
  if (keep.length < 2) throw ctx.paramError('drop_echoes', `leaves ${keep.length} echo(es); a fit needs at least 2`);
  const plane = v.shape.slices * v.shape.height * v.shape.width;
  const echoes = new Float32Array(keep.length * plane);
  keep.forEach((e, k) => echoes.set(v.echoes.subarray(e * plane, (e + 1) * plane), k * plane));
  return { ...v, echoes, TE: keep.map((e) => v.TE[e]!), shape: { ...v.shape, echoes: keep.length } };
}

/** Keep [first, end) along x, y and slice; the affine's origin moves to the new first voxel. */
function cropVolume(ctx: StageContext<LoadEchoesParams>, v: EchoVolume, crop: LoadEchoesParams['crop']): EchoVolume {
  if (!crop) return v;
  const { echoes: nE, slices, height, width } = v.shape;
  const range = (r: [number, number] | undefined, n: number, axis: 'x' | 'y' | 'slice'): [number, number] => {
    if (!r) return [0, n];
    if (r[1] > n) throw ctx.paramError(`crop.${axis}`, `end ${r[1]} is beyond the scan's ${n} ${axis === 'slice' ? 'slices' : 'voxels'} along ${axis}`);
    return r;
  };
  const [x0, x1] = range(crop.x, width, 'x');
  const [y0, y1] = range(crop.y, height, 'y');
  const [z0, z1] = range(crop.slice, slices, 'slice');
  const [w, h, s] = [x1 - x0, y1 - y0, z1 - z0];
  const out = new Float32Array(nE * s * h * w);
  let o = 0;
  for (let e = 0; e < nE; e++) {
    for (let z = z0; z < z1; z++) {
      for (let y = y0; y < y1; y++) {
        const row = ((e * slices + z) * height + y) * width;
        out.set(v.echoes.subarray(row + x0, row + x1), o);
        o += w;
      }
    }
  }
  const a = v.affine;
  const origin = [0, 1, 2].map((r) => a[r]![0]! * x0 + a[r]![1]! * y0 + a[r]![2]! * z0 + a[r]![3]!);
  const affine = a.map((row, r) => (r < 3 ? [row[0]!, row[1]!, row[2]!, origin[r]!] : [...row]));
  return { ...v, echoes: out, shape: { echoes: nE, slices: s, height: h, width: w }, affine };
}

/** Rescale the affine's columns to a voxel size given by the user (files without one). */
function scaleAffine(affine: number[][], from: readonly number[], to: readonly number[]): number[][] {
  return affine.map((row, r) => (r < 3 ? row.map((v, c) => (c < 3 ? (v * to[c]!) / from[c]! : v)) : [...row]));
}


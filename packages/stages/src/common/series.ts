/**
 * The files stages hand to each other (the contract between kinds):
 *  - an echo series: echoes.npy (echo, slice, y, x) float32 + protocol.json + echoes.nii.gz
 *  - a parameter-map set: m0.npy, t2.npy (slice, y, x) float32 + NIfTI twins + estimate.json
 * NumPy for scripts, NIfTI for viewers (FSLeyes, ITK-SNAP), JSON for what the arrays mean.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertFinite, readNpy, writeJsonAtomic, writeNifti, writeNpy } from '@relaxomap/array-io';
import { estimateNoise, type NoiseEstimate } from '@relaxomap/metrics';
import { PipelineError, type StageContext, type StageInput } from '@relaxomap/pipeline';

export interface VolumeShape {
  slices: number;
  height: number;
  width: number;
}

export interface EchoSeries {
  /** Echo images, (echo, slice, y, x), C order. */
  echoes: Float32Array;
  shape: VolumeShape;
  /** Echo times, ms. */
  TE: number[];
  /** Voxel size (x, y, slice), mm. */
  voxelMm: [number, number, number];
  /** Voxel (x, y, slice) → world RAS+ mm of a real scan (NIfTI sform); absent = the default convention. */
  affine?: number[][];
  /** Magnitude images (Rician noise floor), as real scans are; simulations say false unless they simulate it. */
  magnitude?: boolean;
  /** Index (x, y, slice) of this series' first voxel in the scan it was cropped from (ROI files refer to the scan). */
  cropOrigin?: [number, number, number];
  /** Noise σ measured on the whole scan's background before any crop (a crop may leave no background). */
  noiseSigma?: number;
}

export interface MapSet {
  /** Proton density / equilibrium magnetisation, (slice, y, x). */
  m0: Float32Array;
  /** T2 (or T2*) in ms, (slice, y, x). */
  t2: Float32Array;
  shape: VolumeShape;
  voxelMm: [number, number, number];
  /** The input scan's affine: maps are written with it so they overlay on the input in any viewer. */
  affine?: number[][];
  /** Display name of the method: 'Reference', 'Varpro', 'Network'. */
  method: string;
  /** Extra facts recorded beside the maps (backend, steps, …). */
  info?: Record<string, unknown>;
}

const nVoxels = (s: VolumeShape): number => s.slices * s.height * s.width;

export async function writeEchoSeries(dir: string, series: EchoSeries, name = 'echoes'): Promise<void> {
  const { slices, height, width } = series.shape;
  const shape = [series.TE.length, slices, height, width];
  await writeNpy(join(dir, `${name}.npy`), { dtype: 'float32', shape, data: series.echoes });
  await writeNifti(join(dir, `${name}.nii.gz`), {
    data: series.echoes, shape, voxelSizeMm: series.voxelMm, description: `relaxomap ${name} (echo,slice,y,x)`,
    ...(series.affine ? { affine: series.affine } : {}),
  });
  await writeJsonAtomic(join(dir, 'protocol.json'), {
    TE_ms: series.TE, shape: series.shape, voxel_mm: series.voxelMm, layout: '(echo, slice, y, x)',
    ...(series.affine ? { affine: series.affine } : {}),
    ...(series.magnitude !== undefined ? { magnitude: series.magnitude } : {}),
    ...(series.cropOrigin ? { crop_origin: series.cropOrigin } : {}),
    ...(series.noiseSigma !== undefined ? { noise_sigma: series.noiseSigma } : {}),
  });
}

/** Read an upstream echo series, checking every file and field a user could have got wrong. */
export async function readEchoSeries(input: StageInput, name = 'echoes'): Promise<EchoSeries> {
  const protocolFile = join(input.displayDir, 'protocol.json');
  const npyFile = join(input.displayDir, `${name}.npy`);
  const protocol = readJson(join(input.dir, 'protocol.json'), protocolFile) as {
    TE_ms?: unknown; shape?: VolumeShape; voxel_mm?: [number, number, number]; affine?: number[][]; magnitude?: boolean;
    crop_origin?: [number, number, number]; noise_sigma?: number;
  };
  if (!Array.isArray(protocol.TE_ms) || !protocol.TE_ms.every((t) => typeof t === 'number' && Number.isFinite(t) && t > 0)) {
    throw new PipelineError('must be a list of positive numbers (ms)', { file: protocolFile, field: 'TE_ms' });
  }
  const arr = await readNpy(join(input.dir, `${name}.npy`));
  if (arr.shape.length !== 4) throw new PipelineError(`expected 4 dimensions (echo, slice, y, x), got shape (${arr.shape.join(', ')})`, { file: npyFile, field: 'shape' });
  const [echoCount, slices, height, width] = arr.shape as [number, number, number, number];
  if (echoCount !== protocol.TE_ms.length) {
    throw new PipelineError(`TE_ms has ${protocol.TE_ms.length} echo times but ${npyFile} holds ${echoCount} echoes`, { file: protocolFile, field: 'TE_ms' });
  }
  const echoes = arr.data instanceof Float32Array ? arr.data : Float32Array.from(arr.data as ArrayLike<number>);
  assertFinite(echoes, npyFile);
  return {
    echoes, shape: { slices, height, width }, TE: protocol.TE_ms as number[], voxelMm: protocol.voxel_mm ?? [1, 1, 1],
    ...(protocol.affine ? { affine: protocol.affine } : {}),
    ...(protocol.magnitude !== undefined ? { magnitude: protocol.magnitude } : {}),
    ...(protocol.crop_origin ? { cropOrigin: protocol.crop_origin } : {}),
    ...(typeof protocol.noise_sigma === 'number' ? { noiseSigma: protocol.noise_sigma } : {}),
  };
}

/**
 * Echo times to fit with: the stage's own TE_ms param if given (it must match the data's echo count:
 * the error points at the param in the pipeline YAML), else the ones recorded with the data.
 */
export function echoTimesFor(ctx: StageContext<{ TE_ms?: number[] }>, series: EchoSeries, inputDir: string): number[] {
  const override = ctx.params.TE_ms;
  if (!override) return series.TE;
  if (override.length !== series.TE.length) {
    throw ctx.paramError('TE_ms', `has ${override.length} echo times but the data (${join(inputDir, 'echoes.npy')}) has ${series.TE.length} echoes`);
  }
  return override;
}

export async function writeMapSet(dir: string, maps: MapSet): Promise<void> {
  const { slices, height, width } = maps.shape;
  const shape = [slices, height, width];
  for (const [key, data, unit] of [['m0', maps.m0, 'a.u.'], ['t2', maps.t2, 'ms']] as const) {
    await writeNpy(join(dir, `${key}.npy`), { dtype: 'float32', shape, data });
    await writeNifti(join(dir, `${key}.nii.gz`), {
      data, shape, voxelSizeMm: maps.voxelMm, description: `relaxomap ${maps.method} ${key.toUpperCase()} (${unit})`,
      ...(maps.affine ? { affine: maps.affine } : {}),
    });
  }
  await writeJsonAtomic(join(dir, 'estimate.json'), {
    method: maps.method, shape: maps.shape, voxel_mm: maps.voxelMm, units: { m0: 'a.u.', t2: 'ms' },
    ...(maps.affine ? { affine: maps.affine } : {}), ...maps.info,
  });
}

export async function readMapSet(input: StageInput): Promise<MapSet> {
  const info = readJson(join(input.dir, 'estimate.json'), join(input.displayDir, 'estimate.json')) as {
    method: string; shape: VolumeShape; voxel_mm: [number, number, number]; affine?: number[][];
  };
  const load = async (key: string): Promise<Float32Array> => {
    const file = join(input.displayDir, `${key}.npy`);
    const arr = await readNpy(join(input.dir, `${key}.npy`));
    if (arr.data.length !== nVoxels(info.shape)) throw new PipelineError(`holds ${arr.data.length} voxels, estimate.json says ${nVoxels(info.shape)}`, { file, field: 'shape' });
    return arr.data instanceof Float32Array ? arr.data : Float32Array.from(arr.data as ArrayLike<number>);
  };
  return {
    m0: await load('m0'), t2: await load('t2'), shape: info.shape, voxelMm: info.voxel_mm, method: info.method, info,
    ...(info.affine ? { affine: info.affine } : {}),
  };
}

export function hasMapSet(input: StageInput): boolean {
  return existsSync(join(input.dir, 'estimate.json'));
}

function readJson(absPath: string, displayPath: string): Record<string, unknown> {
  if (!existsSync(absPath)) throw new PipelineError('file is missing', { file: displayPath });
  try {
    return JSON.parse(readFileSync(absPath, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new PipelineError(`invalid JSON (${(err as Error).message})`, { file: displayPath });
  }
}

/** The noise of an echo series, as every stage that needs σ sees it. */
export interface SeriesNoise {
  /** σ of one real channel (signal units); undefined when neither source gives one. */
  sigma: number | undefined;
  /** Where σ came from, for logs and reports (or why there is none). */
  source: string;
  /** This series' own background estimate (its object mask is where signal models apply). */
  estimate: NoiseEstimate | undefined;
}

/**
 * σ of a series: the one load-echoes measured on the whole scan before any crop (a crop may leave
 * no background), else this series' background estimate.
 */
export function seriesNoise(series: EchoSeries): SeriesNoise {
  const e = estimateNoise(series.echoes, { echoes: series.TE.length, ...series.shape });
  const estimate = e.ok ? e : undefined;
  if (series.noiseSigma !== undefined) return { sigma: series.noiseSigma, source: 'the whole scan\'s background (measured before any crop)', estimate };
  if (e.ok) return { sigma: e.sigma, source: `${e.voxels} background voxels (${(100 * e.fraction).toFixed(0)}% of the image, ${e.model})`, estimate };
  return { sigma: undefined, source: e.reason, estimate };
}

/** Stage kinds whose output is an echo series (echoes.npy + protocol.json). */
export const ECHO_SOURCES = ['simulate-t2', 'load-echoes'] as const;

/** The single upstream input of one of `kinds`, or a clear error naming the pipeline's needs. */
export function requireInput(ctx: StageContext<unknown>, kinds: readonly string[], what: string): StageInput {
  const found = ctx.inputs.filter((i) => kinds.includes(i.kind));
  if (found.length !== 1) {
    throw new PipelineError(`stage '${ctx.stage}' needs exactly one ${what} stage (kind ${kinds.join(' or ')}) in its needs; found ${found.length}`);
  }
  return found[0]!;
}

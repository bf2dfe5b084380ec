/**
 * The files the MRF stages hand to each other (the contract between kinds; pipelines/mrf.yaml):
 *
 *  - mrf-dictionary → sequence.json (schedule FA/TR, TE, inversion delay, B1: what every later stage
 *    simulates or matches with), dictionary.npy (atom, TR) float32 unit-norm atoms, norms.npy (atom)
 *    float64, grid.npy (atom, 2) float64 [T1, T2] ms, phi.npy (rank, TR) float32, compressed.npy
 *    (atom, rank) float32 (FISP atoms are real; complex64 is read too), subspace.json.
 *  - simulate-mrf → acquisition.json, kspace_single.npy (TR, sample) complex64, kspace_reference.npy
 *    (repeat, TR, sample) complex64, truth t1/t2/pd.npy (y, x) float32, tissue.npy (y, x) uint8.
 *  - an MRF estimate (mrf-sliding-window, and train-mrf when it exists) → t1.npy, t2.npy, pd.npy
 *    (y, x) float32 + NIfTI twins + estimate.json {method, acquisition, shape, voxel_mm, …}.
 * NumPy for scripts, NIfTI for viewers, JSON for what the arrays mean.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertFinite, readNpy, writeJsonAtomic, writeNifti, writeNpy, type NdArray } from '@relaxomap/array-io';
import { PipelineError, type StageInput } from '@relaxomap/pipeline';
import type { CompressedMrfDictionary, FispSequence, MrfSubspace } from '@relaxomap/physics';

/** sequence.json of the dictionary stage. */
export interface MrfSequenceFile {
  FA_deg: number[];
  TR_ms: number[];
  TE_ms: number;
  inversion_delay_ms: number | null;
  B1: number;
  /** Workspace-relative schedule files the FA and TR came from. */
  schedule_files: { FA_deg: string; TR_ms: string };
}

/** A 2-D MRF map set: T1, T2 (ms) and PD, each (y, x) float32. */
export interface MrfMapSet {
  t1: Float32Array;
  t2: Float32Array;
  pd: Float32Array;
  height: number;
  width: number;
  /** In-plane voxel size (x, y) and slice thickness, mm. */
  voxelMm: [number, number, number];
  /** Display name: 'Truth (phantom)', 'Reference (6 repeats)', 'Sliding window (1 interleaf)', 'Network'. */
  method: string;
  /** The data it was estimated from: 'single' (1 interleaf per TR), 'reference' (all repeats), 'truth'. */
  acquisition: 'single' | 'reference' | 'truth';
  /** The stage that wrote it and its kind (set by readMrfMapSet). */
  stage?: string;
  kind?: string;
  info?: Record<string, unknown>;
}

export function readJsonFile(input: StageInput, name: string): Record<string, unknown> {
  const abs = join(input.dir, name);
  const display = join(input.displayDir, name);
  if (!existsSync(abs)) throw new PipelineError('file is missing', { file: display });
  try {
    return JSON.parse(readFileSync(abs, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new PipelineError(`invalid JSON (${(err as Error).message})`, { file: display });
  }
}

/** An upstream .npy with its dimension count checked; the error names the file. */
export async function readNpyChecked(input: StageInput, name: string, dims: number, what: string): Promise<NdArray> {
  const display = join(input.displayDir, name);
  if (!existsSync(join(input.dir, name))) throw new PipelineError('file is missing', { file: display });
  const arr = await readNpy(join(input.dir, name));
  if (arr.shape.length !== dims) {
    throw new PipelineError(`expected ${dims} dimensions ${what}, got shape (${arr.shape.join(', ')})`, { file: display, field: 'shape' });
  }
  if (arr.dtype !== 'uint8') assertFinite(arr.data as ArrayLike<number>, display);
  return arr;
}

/** The FISP sequence the dictionary stage used (sequence.json). */
export function readSequence(input: StageInput): { seq: FispSequence; B1: number; file: MrfSequenceFile } {
  const raw = readJsonFile(input, 'sequence.json') as unknown as MrfSequenceFile;
  const display = join(input.displayDir, 'sequence.json');
  const isList = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  for (const field of ['FA_deg', 'TR_ms'] as const) {
    if (!isList(raw[field])) throw new PipelineError('must be a non-empty list of numbers', { file: display, field });
  }
  if (typeof raw.TE_ms !== 'number') throw new PipelineError('must be a number (ms)', { file: display, field: 'TE_ms' });
  const seq: FispSequence = { FA_deg: raw.FA_deg, TR_ms: raw.TR_ms, TE_ms: raw.TE_ms, inversionDelay_ms: raw.inversion_delay_ms ?? null };
  return { seq, B1: typeof raw.B1 === 'number' ? raw.B1 : 1, file: raw };
}

/** Φ from phi.npy (rank, TR), as the MrfSubspace the physics/fitting functions take (spectrum not included). */
export async function readPhi(input: StageInput): Promise<Pick<MrfSubspace, 'rank' | 'nTR' | 'phi'>> {
  const arr = await readNpyChecked(input, 'phi.npy', 2, '(rank, TR)');
  const [rank, nTR] = arr.shape as [number, number];
  return { rank, nTR, phi: Float64Array.from(arr.data as Float32Array) };
}

/** The compressed dictionary for matching: compressed.npy (atom, rank), norms.npy, grid.npy (atom, 2). */
export async function readCompressedDictionary(input: StageInput): Promise<CompressedMrfDictionary> {
  const c = await readNpyChecked(input, 'compressed.npy', 2, '(atom, rank)');
  const norms = await readNpyChecked(input, 'norms.npy', 1, '(atom)');
  const grid = await readNpyChecked(input, 'grid.npy', 2, '(atom, 2: T1, T2)');
  const [nAtoms, rank] = c.shape as [number, number];
  if (norms.shape[0] !== nAtoms || grid.shape[0] !== nAtoms || grid.shape[1] !== 2) {
    throw new PipelineError(`norms.npy (${norms.shape.join(', ')}) and grid.npy (${grid.shape.join(', ')}) must have ${nAtoms} atoms like compressed.npy`, { file: input.displayDir });
  }
  let coefficients: Float32Array;
  if (c.dtype === 'complex64') {
    coefficients = c.data as Float32Array;
  } else {
    coefficients = new Float32Array(2 * nAtoms * rank);
    const real = c.data as ArrayLike<number>;
    for (let i = 0; i < nAtoms * rank; i++) coefficients[2 * i] = real[i]!;
  }
  const g = grid.data as ArrayLike<number>;
  const T1 = new Float64Array(nAtoms);
  const T2 = new Float64Array(nAtoms);
  for (let a = 0; a < nAtoms; a++) {
    T1[a] = g[2 * a]!;
    T2[a] = g[2 * a + 1]!;
  }
  return { nAtoms, rank, coefficients, norms: Float64Array.from(norms.data as ArrayLike<number>), T1, T2 };
}

/** Write an MRF map set: t1/t2/pd .npy (y, x) float32, .nii.gz twins, estimate.json. */
export async function writeMrfMapSet(dir: string, maps: MrfMapSet): Promise<void> {
  const shape = [maps.height, maps.width];
  for (const [key, data, unit] of [['t1', maps.t1, 'ms'], ['t2', maps.t2, 'ms'], ['pd', maps.pd, 'a.u.']] as const) {
    await writeNpy(join(dir, `${key}.npy`), { dtype: 'float32', shape, data });
    await writeNifti(join(dir, `${key}.nii.gz`), { data, shape, voxelSizeMm: maps.voxelMm, description: `relaxomap ${maps.method} ${key.toUpperCase()} (${unit})` });
  }
  await writeJsonAtomic(join(dir, 'estimate.json'), {
    method: maps.method,
    acquisition: maps.acquisition,
    shape: { height: maps.height, width: maps.width },
    layout: '(y, x)',
    voxel_mm: maps.voxelMm,
    units: { t1: 'ms', t2: 'ms', pd: 'a.u.' },
    ...maps.info,
  });
}

export function hasMrfMapSet(input: StageInput): boolean {
  return existsSync(join(input.dir, 'estimate.json')) && existsSync(join(input.dir, 't1.npy'));
}

export async function readMrfMapSet(input: StageInput): Promise<MrfMapSet> {
  const info = readJsonFile(input, 'estimate.json') as {
    method?: string; acquisition?: MrfMapSet['acquisition']; shape?: { height: number; width: number }; voxel_mm?: [number, number, number];
  };
  const display = join(input.displayDir, 'estimate.json');
  if (typeof info.method !== 'string') throw new PipelineError('must be a string', { file: display, field: 'method' });
  if (!info.shape || !Number.isInteger(info.shape.height) || !Number.isInteger(info.shape.width)) {
    throw new PipelineError('must be {height, width}', { file: display, field: 'shape' });
  }
  const { height, width } = info.shape;
  const load = async (key: string): Promise<Float32Array> => {
    const arr = await readNpyChecked(input, `${key}.npy`, 2, '(y, x)');
    if (arr.shape[0] !== height || arr.shape[1] !== width) {
      throw new PipelineError(`shape (${arr.shape.join(', ')}) differs from estimate.json's (${height}, ${width})`, { file: join(input.displayDir, `${key}.npy`), field: 'shape' });
    }
    return arr.data instanceof Float32Array ? arr.data : Float32Array.from(arr.data as ArrayLike<number>);
  };
  return {
    t1: await load('t1'), t2: await load('t2'), pd: await load('pd'), height, width,
    voxelMm: info.voxel_mm ?? [1, 1, 1], method: info.method, acquisition: info.acquisition ?? 'single', stage: input.id, kind: input.kind, info,
  };
}

/**
 * Training checkpoints: network variables + Adam state + step + loss history, one `.npy` per array
 * and a JSON index.
 *
 * Layout of a checkpoint folder `dir`:
 *   dir/latest.json                 {"step": 200, "folder": "step-000000200"}  (written atomically)
 *   dir/step-000000200/checkpoint.json
 *   dir/step-000000200/<variable>.npy, adam-m.<variable>.npy, adam-v.<variable>.npy
 *                      (+ ema.<variable>.npy when a weight average is kept)
 * A step folder is built under a hidden temp name and renamed into place before latest.json points
 * at it, so a crash at any moment leaves the previous checkpoint readable.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { decodeNpy, encodeNpy, writeFileAtomic } from '@relaxomap/array-io';

/** Identifies the file format. */
export const CHECKPOINT_FORMAT = 'relaxomap-t2net-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** One named float32 array. */
export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

/** Everything needed to resume training. */
export interface CheckpointData {
  /** Number of completed optimisation steps. */
  step: number;
  /** Hash of the training configuration and data; a checkpoint resumes only the same config. */
  configHash: string;
  /** The configuration itself, for people reading the JSON. */
  config: unknown;
  /** Network variables by local name, in the network's order. */
  variables: Map<string, NamedArray>;
  /** Adam hyper-parameters and step count. */
  optimizer: { name: 'adam'; step: number; learningRate: number; beta1: number; beta2: number; epsilon: number };
  /** Adam first and second moments by variable name. */
  adamM: Map<string, Float32Array>;
  adamV: Map<string, Float32Array>;
  /** Exponential moving average of the weights (un-normalised shadow), when training keeps one. */
  ema?: Map<string, Float32Array>;
  /** Loss after every step so far (length = step). */
  lossHistory: number[];
}

interface CheckpointJson {
  format: string;
  version: number;
  step: number;
  configHash: string;
  config: unknown;
  optimizer: CheckpointData['optimizer'];
  /** Variable name → file names of its value and Adam moments. */
  variables: Array<{ name: string; shape: number[]; file: string; adamM: string; adamV: string; ema?: string }>;
  lossHistory: number[];
}

/** A variable name such as 'block0/conv1' as a file-name stem. */
function fileStem(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '.');
}

function stepFolder(step: number): string {
  return `step-${String(step).padStart(9, '0')}`;
}

/**
 * Write a checkpoint into `dir` (created if needed) and drop older step folders.
 */
export async function saveCheckpoint(dir: string, ckpt: CheckpointData): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  const folder = stepFolder(ckpt.step);
  const tmp = path.join(dir, `.tmp-${folder}-${process.pid}`);
  await fsp.rm(tmp, { recursive: true, force: true });
  await fsp.mkdir(tmp);
  try {
    const entries: CheckpointJson['variables'] = [];
    for (const [name, arr] of ckpt.variables) {
      const stem = fileStem(name);
      const m = ckpt.adamM.get(name);
      const v = ckpt.adamV.get(name);
      if (m === undefined || v === undefined) throw new Error(`checkpoint: no Adam moments for variable ${name}`);
      const entry: CheckpointJson['variables'][number] = { name, shape: arr.shape, file: `${stem}.npy`, adamM: `adam-m.${stem}.npy`, adamV: `adam-v.${stem}.npy` };
      const write = (file: string, data: Float32Array) =>
        fsp.writeFile(path.join(tmp, file), encodeNpy({ dtype: 'float32', shape: arr.shape, data }));
      await write(entry.file, arr.data);
      await write(entry.adamM, m);
      await write(entry.adamV, v);
      if (ckpt.ema !== undefined) {
        const e = ckpt.ema.get(name);
        if (e === undefined) throw new Error(`checkpoint: no moving average for variable ${name}`);
        entry.ema = `ema.${stem}.npy`;
        await write(entry.ema, e);
      }
      entries.push(entry);
    }
    const json: CheckpointJson = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      step: ckpt.step,
      configHash: ckpt.configHash,
      config: ckpt.config,
      optimizer: ckpt.optimizer,
      variables: entries,
      lossHistory: ckpt.lossHistory,
    };
    await fsp.writeFile(path.join(tmp, 'checkpoint.json'), JSON.stringify(json, null, 1) + '\n');
    const final = path.join(dir, folder);
    await fsp.rm(final, { recursive: true, force: true }); // a stale folder of the same step (not referenced)
    await fsp.rename(tmp, final);
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await writeFileAtomic(path.join(dir, 'latest.json'), JSON.stringify({ step: ckpt.step, folder }) + '\n');
  for (const name of await fsp.readdir(dir)) {
    if (name.startsWith('step-') && name !== folder) await fsp.rm(path.join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Read the latest checkpoint in `dir`; undefined if there is none. Throws (naming the file) if one
 * is referenced but unreadable.
 */
export async function loadCheckpoint(dir: string): Promise<CheckpointData | undefined> {
  let latest: { step: number; folder: string };
  const latestPath = path.join(dir, 'latest.json');
  try {
    latest = JSON.parse(await fsp.readFile(latestPath, 'utf8')) as { step: number; folder: string };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${latestPath}: unreadable (${(err as Error).message})`);
  }
  if (typeof latest.folder !== 'string' || !/^step-\d+$/.test(latest.folder)) {
    throw new Error(`${latestPath}: folder: expected step-<n>, got ${JSON.stringify(latest.folder)}`);
  }
  const folder = path.join(dir, latest.folder);
  const jsonPath = path.join(folder, 'checkpoint.json');
  const json = JSON.parse(await fsp.readFile(jsonPath, 'utf8')) as CheckpointJson;
  if (json.format !== CHECKPOINT_FORMAT || json.version !== CHECKPOINT_VERSION) {
    throw new Error(`${jsonPath}: format: expected ${CHECKPOINT_FORMAT} v${CHECKPOINT_VERSION}, got ${json.format} v${json.version}`);
  }
  const read = async (file: string, shape: number[]): Promise<Float32Array> => {
    const p = path.join(folder, file);
    const arr = decodeNpy(await fsp.readFile(p), p);
    if (arr.dtype !== 'float32' || arr.shape.join() !== shape.join()) {
      throw new Error(`${p}: expected float32 (${shape.join(', ')}), got ${arr.dtype} (${arr.shape.join(', ')})`);
    }
    return arr.data as Float32Array;
  };
  const variables = new Map<string, NamedArray>();
  const adamM = new Map<string, Float32Array>();
  const adamV = new Map<string, Float32Array>();
  const ema = new Map<string, Float32Array>();
  for (const v of json.variables) {
    variables.set(v.name, { shape: v.shape, data: await read(v.file, v.shape) });
    adamM.set(v.name, await read(v.adamM, v.shape));
    adamV.set(v.name, await read(v.adamV, v.shape));
    if (v.ema !== undefined) ema.set(v.name, await read(v.ema, v.shape));
  }
  return {
    step: json.step,
    configHash: json.configHash,
    config: json.config,
    variables,
    optimizer: json.optimizer,
    adamM,
    adamV,
    ema: ema.size > 0 ? ema : undefined,
    lossHistory: json.lossHistory,
  };
}

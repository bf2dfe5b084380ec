/**
 * Network weights on disk in the TensorFlow.js weights format, so any TensorFlow.js tool can read
 * them (`tf.io.decodeWeights`, `tf.io.getModelArtifactsForJSON`):
 *
 *   dir/model.json   { "format": "relaxomap-weights", "generatedBy": ...,
 *                      "weightsManifest": [{ "paths": ["weights.bin"],
 *                                            "weights": [{ "name", "shape", "dtype": "float32" }, ...] }],
 *                      "relaxomap": <the caller's manifest: architecture, echo count, TE range, ...> }
 *   dir/weights.bin  the float32 values of every weight, little-endian, C order, concatenated in
 *                    manifest order with no padding (what tf.io.encodeWeights produces).
 *
 * There is no `modelTopology`: the architecture is this package's code ({@link createT2Net}), named
 * by the manifest. Written atomically (temp folder + rename): a reader sees the old model or the
 * complete new one.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { withAtomicDir } from '@relaxomap/array-io';
import type { NamedArray } from './checkpoint.js';
import type { NetWeights } from './weights.js';

/** `format` field of the model.json written by {@link saveTfjsWeights}. */
export const TFJS_WEIGHTS_FORMAT = 'relaxomap-weights';
/** File names inside a weights folder. */
export const TFJS_MODEL_JSON = 'model.json';
export const TFJS_WEIGHTS_BIN = 'weights.bin';

/** One entry of a tfjs weights manifest group. */
interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** What {@link loadTfjsWeights} returns. */
export interface LoadedTfjsWeights<M> {
  /** By name, in manifest order. */
  weights: Map<string, NamedArray>;
  /** The `relaxomap` block of model.json; undefined when the file has none (not written by relaxomap). */
  manifest: M | undefined;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Write `weights` and `manifest` to `dir` (model.json + weights.bin, see the module comment). The
 * folder is replaced as a whole: it holds the model and nothing else.
 *
 * @param weights - by name; each float32, `data.length` = product of `shape`
 * @param manifest - any JSON-serialisable object describing the model (stored as `relaxomap`)
 */
export async function saveTfjsWeights(dir: string, weights: NetWeights, manifest: object): Promise<void> {
  if (weights.size === 0) throw new Error('weights: empty');
  const specs: WeightSpec[] = [];
  let bytes = 0;
  for (const [name, w] of weights) {
    if (!(w.data instanceof Float32Array)) throw new Error(`weights: ${name}: data must be a Float32Array`);
    if (!w.shape.every((d) => Number.isInteger(d) && d >= 0) || w.data.length !== size(w.shape)) {
      throw new Error(`weights: ${name}: ${w.data.length} values do not fill shape (${w.shape.join(', ')})`);
    }
    specs.push({ name, shape: w.shape.slice(), dtype: 'float32' });
    bytes += w.data.byteLength;
  }
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) throw new Error('manifest: must be an object');
  const bin = new Uint8Array(bytes);
  let offset = 0;
  for (const w of weights.values()) {
    // Float32Array bytes are host order; every platform Node runs on here is little-endian, as tfjs assumes.
    bin.set(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), offset);
    offset += w.data.byteLength;
  }
  const json = {
    format: TFJS_WEIGHTS_FORMAT,
    generatedBy: `@relaxomap/network (TensorFlow.js ${tf.version_core} weights format)`,
    weightsManifest: [{ paths: [TFJS_WEIGHTS_BIN], weights: specs }],
    relaxomap: manifest,
  };
  const text = JSON.stringify(json, null, 1) + '\n';
  await withAtomicDir(dir, async (tmp) => {
    await fsp.writeFile(path.join(tmp, TFJS_WEIGHTS_BIN), bin);
    await fsp.writeFile(path.join(tmp, TFJS_MODEL_JSON), text);
  });
}

function fail(file: string, field: string, why: string): never {
  throw new Error(`${file}: ${field}: ${why}`);
}

/** Validated weight groups of a model.json; throws naming the file and field. */
function parseManifest(file: string, json: unknown): Array<{ paths: string[]; weights: WeightSpec[] }> {
  if (json === null || typeof json !== 'object') fail(file, 'root', 'expected a JSON object');
  const groups = (json as { weightsManifest?: unknown }).weightsManifest;
  if (!Array.isArray(groups) || groups.length === 0) fail(file, 'weightsManifest', 'expected a non-empty array of { paths, weights }');
  const seen = new Set<string>();
  return groups.map((g: unknown, gi) => {
    const at = `weightsManifest[${gi}]`;
    const { paths, weights } = (g ?? {}) as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(paths) || paths.length === 0) fail(file, `${at}.paths`, 'expected a non-empty array of file names');
    paths.forEach((p: unknown, pi) => {
      // Plain file names beside model.json only: no folders, no way out of the model folder.
      if (typeof p !== 'string' || p === '' || p === '.' || p === '..' || /[\\/]/.test(p)) {
        fail(file, `${at}.paths[${pi}]`, `expected a file name beside model.json, got ${JSON.stringify(p)}`);
      }
    });
    if (!Array.isArray(weights)) fail(file, `${at}.weights`, 'expected an array of { name, shape, dtype }');
    const specs = weights.map((w: unknown, wi): WeightSpec => {
      const f = `${at}.weights[${wi}]`;
      const { name, shape, dtype, quantization } = (w ?? {}) as Record<string, unknown>;
      if (typeof name !== 'string' || name === '') fail(file, `${f}.name`, 'expected a non-empty string');
      if (seen.has(name)) fail(file, `${f}.name`, `duplicate weight ${name}`);
      seen.add(name);
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) fail(file, `${f}.shape`, `expected non-negative integers, got ${JSON.stringify(shape)}`);
      if (dtype !== undefined && dtype !== 'float32') fail(file, `${f}.dtype`, `only float32 is supported, got ${JSON.stringify(dtype)}`);
      if (quantization !== undefined) fail(file, `${f}.quantization`, 'quantised weights are not supported');
      return { name, shape: shape as number[], dtype: 'float32' };
    });
    return { paths: paths as string[], weights: specs };
  });
}

/**
 * Read a folder written by {@link saveTfjsWeights} (or any TensorFlow.js model.json whose weights
 * are all float32, unquantised, possibly sharded over several files per group). Throws a one-line
 * error naming the file (and field): missing model.json or weights file, invalid JSON, bad
 * manifest entry, weights file size not matching the manifest.
 */
export async function loadTfjsWeights<M = Record<string, unknown>>(dir: string): Promise<LoadedTfjsWeights<M>> {
  const jsonPath = path.join(dir, TFJS_MODEL_JSON);
  let text: string;
  try {
    text = await fsp.readFile(jsonPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${jsonPath}: ${code === 'ENOENT' ? 'missing (no TensorFlow.js model here)' : `unreadable (${code ?? (err as Error).message})`}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${jsonPath}: invalid JSON (${(err as Error).message.split('\n')[0]})`);
  }
  const groups = parseManifest(jsonPath, json);
  const weights = new Map<string, NamedArray>();
  for (const [gi, g] of groups.entries()) {
    const parts: Buffer[] = [];
    for (const p of g.paths) {
      const binPath = path.join(dir, p);
      try {
        parts.push(await fsp.readFile(binPath));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new Error(`${binPath}: ${code === 'ENOENT' ? `missing (named by weightsManifest[${gi}].paths in ${jsonPath})` : `unreadable (${code})`}`);
      }
    }
    const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const expected = g.weights.reduce((a, w) => a + 4 * size(w.shape), 0);
    if (buf.byteLength !== expected) {
      const files = g.paths.map((p) => path.join(dir, p)).join(' + ');
      throw new Error(`${files}: size ${buf.byteLength} bytes, weightsManifest[${gi}] in ${jsonPath} expects ${expected}`);
    }
    let offset = 0;
    for (const w of g.weights) {
      const n = size(w.shape);
      // Copy into a fresh, aligned buffer (a Buffer's offset need not be a multiple of 4).
      const data = new Float32Array(n);
      new Uint8Array(data.buffer).set(buf.subarray(offset, offset + 4 * n));
      weights.set(w.name, { shape: w.shape, data });
      offset += 4 * n;
    }
  }
  const block = (json as { relaxomap?: unknown }).relaxomap;
  if (block !== undefined && (block === null || typeof block !== 'object' || Array.isArray(block))) {
    fail(jsonPath, 'relaxomap', 'expected an object');
  }
  return { weights, manifest: block as M | undefined };
}

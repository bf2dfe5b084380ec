/**
 * Network weights as plain data: read from and written into a network's variables by local name
 * (e.g. 'block0/conv1'), so that a trained network can be saved, loaded and fine-tuned.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import type { NamedArray } from './checkpoint.js';

/** Weights by local variable name, in the network's order; float32, C order. */
export type NetWeights = ReadonlyMap<string, NamedArray>;

const shapeText = (s: readonly number[]): string => `(${s.join(', ')})`;

/** Copy every variable's current value out (in the map's order). */
export async function getWeights(variables: ReadonlyMap<string, tf.Variable>): Promise<Map<string, NamedArray>> {
  const out = new Map<string, NamedArray>();
  for (const [name, v] of variables) out.set(name, { shape: v.shape.slice(), data: Float32Array.from((await v.data()) as Float32Array) });
  return out;
}

/**
 * Throws, naming `what` (e.g. 'initialWeights') and the first offending variable, unless `weights`
 * holds exactly the names of `expected` with the same shapes and float32 data of the right length.
 */
export function checkWeights(expected: ReadonlyMap<string, readonly number[]>, weights: NetWeights, what = 'weights'): void {
  for (const [name, shape] of expected) {
    const w = weights.get(name);
    if (w === undefined) throw new Error(`${what}: missing variable ${name} ${shapeText(shape)}`);
    if (w.shape.join() !== shape.join()) {
      throw new Error(`${what}: variable ${name} has shape ${shapeText(w.shape)}, the network expects ${shapeText(shape)}`);
    }
    const n = shape.reduce((a, b) => a * b, 1);
    if (!(w.data instanceof Float32Array) || w.data.length !== n) {
      throw new Error(`${what}: variable ${name} must hold ${n} float32 values, got ${w.data?.length}`);
    }
  }
  for (const name of weights.keys()) {
    if (!expected.has(name)) throw new Error(`${what}: variable ${name} is not in the network (another architecture?)`);
  }
}

/**
 * Assign `weights` to `variables` by name, after {@link checkWeights} (so on a mismatch nothing is
 * changed and the error names `what` and the variable).
 */
export function setWeights(variables: ReadonlyMap<string, tf.Variable>, weights: NetWeights, what = 'weights'): void {
  checkWeights(new Map([...variables].map(([name, v]) => [name, v.shape])), weights, what);
  for (const [name, v] of variables) {
    const w = weights.get(name) as NamedArray;
    tf.tidy(() => v.assign(tf.tensor(w.data, v.shape)));
  }
}

/** Hex SHA-256 over (name, shape, float32 bytes) of every weight in order: identifies a weight set. */
export function weightsHash(weights: NetWeights): string {
  const h = createHash('sha256');
  for (const [name, w] of weights) {
    h.update(`${name}:${w.shape.join('x')};`);
    h.update(Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength));
  }
  return h.digest('hex');
}

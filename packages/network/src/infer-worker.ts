/**
 * Worker of {@link predictT2Parallel}: its own TensorFlow.js backend and copy of the network;
 * receives one input slice at a time, answers with that slice's maps (buffers transferred).
 *
 * Messages in:  { slice, x: Float32Array (H·W·echoes) } | { done: true }
 * Messages out: { ready: true, backend } | { slice, m0, t2 } | { error: string }
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendPreference } from './backend.js';
import type { NamedArray } from './checkpoint.js';
import { predictSlice, predictSliceTiled, t2NetWithWeights, type T2NetSpec, type TileOptions } from './predict.js';

/** What the parent passes as `workerData`. */
export interface InferWorkerData {
  weights: Array<[string, NamedArray]>;
  net: T2NetSpec;
  height: number;
  width: number;
  scale: number;
  backend: BackendPreference;
  tile?: TileOptions;
}

const port = parentPort;
if (port === null) throw new Error('infer-worker: must run as a worker thread');

const data = workerData as InferWorkerData;
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

try {
  const info = await initBackend(data.backend);
  const net = t2NetWithWeights(data.net, new Map(data.weights));
  const { height: H, width: W, scale } = data;
  // Messages are handled one at a time, in order: the parent never has more than one in flight here.
  let queue = Promise.resolve();
  port.on('message', (msg: { slice: number; x: Float32Array } | { done: true }) => {
    queue = queue.then(async () => {
      if ('done' in msg) {
        net.dispose();
        port.close();
        return;
      }
      try {
        const x = tf.tensor4d(msg.x, [1, H, W, data.net.echoes]);
        try {
          const r = data.tile === undefined ? await predictSlice(net, x, scale) : await predictSliceTiled(net, x, scale, data.tile);
          // Own copies: a backend may hand out views of its storage, which must not be transferred away.
          const m0 = r.m0.slice();
          const t2 = r.t2.slice();
          port.postMessage({ slice: msg.slice, m0, t2 }, [m0.buffer as ArrayBuffer, t2.buffer as ArrayBuffer]);
        } finally {
          x.dispose();
        }
      } catch (e) {
        port.postMessage({ error: `slice ${msg.slice}: ${errorText(e)}` });
      }
    });
  });
  port.postMessage({ ready: true, backend: info.name });
} catch (e) {
  port.postMessage({ error: errorText(e) });
}

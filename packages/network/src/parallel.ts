/**
 * Whole-volume inference across CPU cores: TensorFlow.js wasm runs one thread per Node process
 * (setThreadsCount has no effect on Node), so slices are spread over worker threads, each with its
 * own backend and copy of the network. Same kernels, same inputs: the maps equal those of
 * {@link predictT2} in one thread bit for bit.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { InferWorkerData } from './infer-worker.js';
import { sliceInput, validatePredict, type PredictT2Options, type PredictT2Result } from './predict.js';
import { checkWeights } from './weights.js';
import { t2NetShapes } from './model.js';

/** Options of {@link predictT2Parallel}. */
export interface PredictT2ParallelOptions extends PredictT2Options {
  /** Worker threads; default: the number of cores (os.availableParallelism()); capped at the slice count. */
  threads?: number;
}

type WorkerReply = { ready: true; backend: string } | { slice: number; m0: Float32Array; t2: Float32Array } | { error: string };

/**
 * {@link predictT2} spread over `threads` worker threads (node:worker_threads, each running
 * `infer-worker.js` with its own backend from `backend`, default 'auto'). Slices are handed out one
 * at a time to whichever worker is free, so memory stays bounded: the main thread builds the input
 * of a slice only when a worker takes it (sliceInput), and each worker holds the network plus one
 * slice's activations; results come back as transferred buffers into the output maps.
 *
 * @returns m0 (data units) and t2 (ms), (slice, y, x) C order; `threads` = workers used
 */
export async function predictT2Parallel(opts: PredictT2ParallelOptions): Promise<PredictT2Result> {
  const scale = validatePredict(opts);
  const { slices: S, height: H, width: W } = opts.shape;
  const requested = opts.threads ?? os.availableParallelism();
  if (!Number.isInteger(requested) || requested < 1) throw new Error(`threads: must be a positive integer, got ${requested}`);
  const threads = Math.min(requested, S);
  // Validate the weights here, in this thread: a mismatch then throws once, naming the variable.
  checkWeights(t2NetShapes(opts.net), opts.weights, 'weights');

  const m0 = new Float32Array(S * H * W);
  const t2 = new Float32Array(S * H * W);
  const workerData: InferWorkerData = {
    weights: [...opts.weights.entries()],
    net: { echoes: opts.net.echoes, width: opts.net.width, blocks: opts.net.blocks, t2Range: [opts.net.t2Range[0], opts.net.t2Range[1]] },
    height: H,
    width: W,
    scale,
    backend: opts.backend ?? 'auto',
    ...(opts.tile !== undefined ? { tile: { ...opts.tile } } : {}),
  };
  const url = new URL('./infer-worker.js', import.meta.url);
  const workers: Worker[] = [];
  let backend = '';
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let done = 0;
      let failed = false;
      const fail = (err: Error): void => {
        if (failed) return;
        failed = true;
        reject(err);
      };
      const released = new Set<Worker>();
      const feed = (w: Worker): void => {
        if (next >= S) {
          released.add(w); // nothing left for it: it may exit
          w.postMessage({ done: true });
          return;
        }
        const s = next++;
        const x = sliceInput(opts.echoes, opts.shape, s, scale);
        w.postMessage({ slice: s, x }, [x.buffer as ArrayBuffer]);
      };
      for (let k = 0; k < threads; k++) {
        const w = new Worker(url, { workerData });
        workers.push(w);
        w.on('message', (msg: WorkerReply) => {
          if ('error' in msg) return fail(new Error(`predictT2Parallel: worker ${k}: ${msg.error}`));
          if ('ready' in msg) {
            backend = msg.backend;
            return feed(w);
          }
          m0.set(msg.m0, msg.slice * H * W);
          t2.set(msg.t2, msg.slice * H * W);
          if (++done === S) resolve();
          else feed(w);
        });
        w.on('error', (err) => fail(new Error(`predictT2Parallel: worker ${k}: ${err.message.split('\n')[0]}`)));
        w.on('exit', (code) => {
          if (!released.has(w) && done < S) fail(new Error(`predictT2Parallel: worker ${k} exited (code ${code}) before all slices were done`));
        });
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { m0, t2, scale, threads, backend };
}

/**
 * Varpro across CPU cores with worker_threads.
 *
 * The voxels are split into contiguous ranges; the calling thread fits the first range itself while
 * `threads − 1` workers (dist/varproWorker.js) fit the others. Each worker receives a compact copy
 * of its echoes, shape (echo, chunk), by transfer (no SharedArrayBuffer needed) and returns its maps
 * by transfer. The result is bit-identical to `varproMonoExp`.
 *
 * The worker script is resolved next to this module (`new URL('./varproWorker.js', import.meta.url)`),
 * so it must run from the compiled dist/ folder (not from src/ through a TypeScript loader).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fitModelRange } from './fitRange.js';
import { makeVarproPlan, MODEL_OFFSET, validateVarproInputs, type VarproOptions, type VarproPlan } from './plan.js';
import { fitOnThisThread, nonFiniteEchoError, type VarproResult } from './varpro.js';

/** Below this many voxels per thread a worker's start-up (~30-50 ms) outweighs its work. */
export const MIN_VOXELS_PER_THREAD = 50_000;

/** What a worker receives (internal). */
export interface VarproWorkerInput {
  plan: VarproPlan;
  /** The chunk's echoes, shape (echo, end − start). */
  echoes: Float32Array;
  /** Global voxel range [start, end). */
  start: number;
  end: number;
  mask: Uint8Array | undefined;
}

/** What a worker sends back (internal). */
export interface VarproWorkerOutput {
  /** Global index of the first voxel with a non-finite echo, or −1. */
  bad: number;
  m0: Float32Array;
  t2: Float32Array;
  /** Offset model only. */
  offset: Float32Array | undefined;
}

function runWorker(input: VarproWorkerInput): Promise<VarproWorkerOutput> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./varproWorker.js', import.meta.url), {
      workerData: input,
      transferList: [input.echoes.buffer as ArrayBuffer],
    });
    let settled = false;
    worker.once('message', (out: VarproWorkerOutput) => {
      settled = true;
      resolve(out);
    });
    worker.once('error', (err) => {
      settled = true;
      reject(new Error(`varpro worker for voxels ${input.start}..${input.end - 1} failed: ${err.message}`));
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`varpro worker for voxels ${input.start}..${input.end - 1} exited with code ${code}`));
    });
  });
}

/**
 * Same fit as {@link varproMonoExp} (any `opts.model`: 'monoexp', 'offset' or 'rician'; same outputs
 * bit for bit) spread over `opts.threads` threads: the calling thread plus `threads − 1` worker threads.
 *
 * Inputs with fewer than 50 000 voxels per thread use fewer threads (a worker costs ~30-50 ms to
 * start). The echoes of the worker ranges are copied once (compact (echo, chunk) blocks).
 *
 * @param echoes - shape (echo, voxel), echo-major C order, Float32Array
 * @param nVoxels - voxels per echo; echoes.length = TE.length × nVoxels
 * @param TE - echo times (ms): finite, > 0, strictly increasing, at least 2
 * @param opts - as for varproMonoExp; `threads` defaults to `os.availableParallelism()`
 * @returns maps m0 and T2 (ms), each (voxel) Float32Array; plus offset (voxel) for model 'offset'
 * @throws (rejects) the same one-line errors as varproMonoExp, for the lowest bad voxel
 */
export async function varproMonoExpParallel(
  echoes: Float32Array,
  nVoxels: number,
  TE: readonly number[],
  opts: VarproOptions,
): Promise<VarproResult> {
  validateVarproInputs(echoes, nVoxels, TE, opts);
  const requested = opts.threads ?? availableParallelism();
  const threads = Math.max(1, Math.min(requested, Math.floor(nVoxels / MIN_VOXELS_PER_THREAD)));
  if (threads === 1) return fitOnThisThread(echoes, nVoxels, TE, opts);

  const plan = makeVarproPlan(TE, opts);
  const nTE = TE.length;
  const bounds = Array.from({ length: threads + 1 }, (_, i) => Math.round((i * nVoxels) / threads));
  const jobs: Promise<VarproWorkerOutput>[] = [];
  for (let w = 1; w < threads; w++) {
    const start = bounds[w];
    const end = bounds[w + 1];
    const len = end - start;
    const chunk = new Float32Array(nTE * len);
    for (let k = 0; k < nTE; k++) chunk.set(echoes.subarray(k * nVoxels + start, k * nVoxels + end), k * len);
    const mask = opts.mask?.slice(start, end);
    jobs.push(runWorker({ plan, echoes: chunk, start, end, mask }));
  }
  // Avoid an unhandled rejection while this thread is busy with its own range.
  const settled = Promise.allSettled(jobs);

  const m0 = new Float32Array(nVoxels);
  const t2 = new Float32Array(nVoxels);
  const offset = plan.model === MODEL_OFFSET ? new Float32Array(nVoxels) : undefined;
  const badHere = fitModelRange(plan, echoes, nVoxels, 0, bounds[1], opts.mask, m0, t2, offset);
  const results = await settled;
  if (badHere >= 0) throw nonFiniteEchoError(echoes, nVoxels, nTE, badHere);
  let firstBad = -1;
  for (let w = 1; w < threads; w++) {
    const r = results[w - 1];
    if (r.status === 'rejected') throw r.reason as Error;
    const out = r.value;
    if (out.bad >= 0) {
      if (firstBad < 0) firstBad = out.bad;
      continue;
    }
    m0.set(out.m0, bounds[w]);
    t2.set(out.t2, bounds[w]);
    if (offset !== undefined && out.offset !== undefined) offset.set(out.offset, bounds[w]);
  }
  if (firstBad >= 0) throw nonFiniteEchoError(echoes, nVoxels, nTE, firstBad);
  return offset === undefined ? { m0, t2 } : { m0, t2, offset };
}

/**
 * Worker-thread entry for `varproMonoExpParallel` (loaded from the compiled dist/varproWorker.js).
 * Fits one contiguous voxel range whose echoes arrive as a compact (echo, chunk) copy, with the plan's
 * signal model, and sends the chunk's maps back by transfer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fitModelRange } from './fitRange.js';
import type { VarproWorkerInput, VarproWorkerOutput } from './parallel.js';
import { MODEL_OFFSET } from './plan.js';

const input = workerData as VarproWorkerInput;
const len = input.end - input.start;
const m0 = new Float32Array(len);
const t2 = new Float32Array(len);
const offset = input.plan.model === MODEL_OFFSET ? new Float32Array(len) : undefined;
const bad = fitModelRange(input.plan, input.echoes, len, 0, len, input.mask, m0, t2, offset);
const output: VarproWorkerOutput = { bad: bad >= 0 ? input.start + bad : -1, m0, t2, offset };
const transfer = offset === undefined ? [m0.buffer, t2.buffer] : [m0.buffer, t2.buffer, offset.buffer];
parentPort?.postMessage(output, transfer);

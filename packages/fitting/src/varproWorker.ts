/**
 * Worker-thread entry for `varproMonoExpParallel` (loaded from the compiled dist/varproWorker.js).
 * Fits one contiguous voxel range whose echoes arrive as a compact (echo, chunk) copy, and sends the
 * chunk's maps back by transfer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fitVoxelRange } from './kernel.js';
import type { VarproWorkerInput, VarproWorkerOutput } from './parallel.js';

const input = workerData as VarproWorkerInput;
const len = input.end - input.start;
const m0 = new Float32Array(len);
const t2 = new Float32Array(len);
const bad = fitVoxelRange(input.plan, input.echoes, len, 0, len, input.mask, m0, t2);
const output: VarproWorkerOutput = { bad: bad >= 0 ? input.start + bad : -1, m0, t2 };
parentPort?.postMessage(output, [m0.buffer, t2.buffer]);

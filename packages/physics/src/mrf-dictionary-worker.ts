/**
 * Worker-thread entry for `buildMrfDictionary` (loaded from the compiled dist/mrf-dictionary-worker.js):
 * simulates its share of the atoms with the same kernel as the calling thread and sends the
 * normalised atoms (share, TR) and their norms back by transfer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fillAtoms, type DictionaryWorkerInput, type DictionaryWorkerOutput } from './mrf-dictionary.js';
import { makeFispSimulator } from './mrf-fisp.js';

const input = workerData as DictionaryWorkerInput;
const sim = makeFispSimulator(input.seq, input.fisp);
const count = input.T1.length;
const atoms = new Float32Array(count * sim.nTR);
const norms = new Float64Array(count);
fillAtoms(sim, input.T1, input.T2, 0, count, atoms, norms);
const output: DictionaryWorkerOutput = { atoms, norms };
parentPort?.postMessage(output, [atoms.buffer, norms.buffer]);

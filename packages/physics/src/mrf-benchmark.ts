/**
 * Throughput benchmark of the MRF dictionary build: the fast parallel build beside the naive EPG
 * baseline (complex objects, no truncation: mrf-reference.ts), timed in the same process.
 */
import { availableParallelism } from 'node:os';
import { buildMrfDictionary, DEFAULT_MRF_GRID, MIN_ATOMS_PER_THREAD, mrfGrid, type MrfGridSpec } from './mrf-dictionary.js';
import { DEFAULT_STATE_THRESHOLD, makeFispSimulator, type FispOptions, type FispSequence } from './mrf-fisp.js';
import { simulateFispNaive } from './mrf-reference.js';

/** Options of benchmarkDictionary. */
export interface DictionaryBenchmarkOptions extends Omit<FispOptions, 'B1'> {
  /** Grid (default DEFAULT_MRF_GRID, ~10.6k atoms). */
  grid?: MrfGridSpec;
  /** Threads of the fast build (default os.availableParallelism()). */
  threads?: number;
  /** Atoms simulated by the naive baseline, spread evenly over the grid (default 20). */
  baselineAtoms?: number;
}

/** Timings (wall clock, seconds) of the fast build and of the naive baseline. */
export interface DictionaryBenchmark {
  atoms: number;
  nTR: number;
  /** Kept-order cap and state threshold of the fast build. */
  nStates: number;
  stateThreshold: number;
  /** Threads actually used by the fast build (calling thread included). */
  threads: number;
  /** Fast build of the whole grid, worker start-up included. */
  seconds: number;
  atomsPerSecond: number;
  baseline: { atoms: number; seconds: number; atomsPerSecond: number };
  /** atomsPerSecond / baseline.atomsPerSecond. */
  speedup: number;
}

/**
 * Time `buildMrfDictionary` on a grid and the naive EPG on a subset of the same atoms. A warm-up of
 * 50 atoms on the calling thread (fast kernel) and 1 atom (naive) runs first, outside the timings.
 *
 * @param seq - schedule, TE and inversion delay (e.g. the first 600 points of Jiang 2015)
 */
export async function benchmarkDictionary(seq: FispSequence, opts: DictionaryBenchmarkOptions = {}): Promise<DictionaryBenchmark> {
  const grid = mrfGrid(opts.grid ?? DEFAULT_MRF_GRID);
  const fisp = { nStates: opts.nStates, stateThreshold: opts.stateThreshold };
  const threads = opts.threads ?? availableParallelism();
  const baselineAtoms = opts.baselineAtoms ?? 20;
  if (!Number.isInteger(baselineAtoms) || baselineAtoms < 1) {
    throw new Error(`baselineAtoms must be an integer >= 1 (got ${String(baselineAtoms)})`);
  }
  const sim = makeFispSimulator(seq, fisp);
  const scratch = new Float64Array(sim.nTR);
  for (let a = 0; a < Math.min(50, grid.nAtoms); a++) sim.simulate(grid.T1[a], grid.T2[a], scratch);
  simulateFispNaive(seq, grid.T1[0], grid.T2[0]);

  let t0 = performance.now();
  await buildMrfDictionary(grid, seq, { ...fisp, threads });
  const seconds = (performance.now() - t0) / 1000;

  const nBase = Math.min(baselineAtoms, grid.nAtoms);
  t0 = performance.now();
  for (let j = 0; j < nBase; j++) {
    const a = Math.floor((j * grid.nAtoms) / nBase);
    simulateFispNaive(seq, grid.T1[a], grid.T2[a]);
  }
  const baseSeconds = (performance.now() - t0) / 1000;
  const used = Math.max(1, Math.min(threads, Math.floor(grid.nAtoms / MIN_ATOMS_PER_THREAD)));
  const atomsPerSecond = grid.nAtoms / seconds;
  const baseRate = nBase / baseSeconds;
  return {
    atoms: grid.nAtoms,
    nTR: sim.nTR,
    nStates: sim.nStates,
    stateThreshold: opts.stateThreshold ?? DEFAULT_STATE_THRESHOLD,
    threads: used,
    seconds,
    atomsPerSecond,
    baseline: { atoms: nBase, seconds: baseSeconds, atomsPerSecond: baseRate },
    speedup: atomsPerSecond / baseRate,
  };
}

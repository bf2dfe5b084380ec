/**
 * MRF dictionary: the FISP signal (mrf-fisp.ts) of every (T1, T2) pair of a grid with T2 < T1,
 * normalised to unit L2 norm, built on the calling thread or across CPU cores with worker_threads.
 *
 * Storage: atoms are REAL, shape (atom, TR), Float32Array — the FISP signal with RF phase 0 has a
 * constant phase, and the stored value is s_n = i·F+_0(TE) (see mrf-fisp.ts). Complex data
 * (reconstructed coefficients, time series) are matched against it through the complex APIs of
 * subspace.ts and @relaxomap/fitting's matchDictionary.
 *
 * The parallel build deals the atoms out to the threads in turn; each worker runs the same kernel
 * code on the same inputs, so the result is bit-identical to the single-thread build. The worker
 * script is resolved next to this module (dist/mrf-dictionary-worker.js).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { makeFispSimulator, resolveFispOptions, validateFispSequence, type FispOptions, type FispSequence, type FispSimulator } from './mrf-fisp.js';

/** Geometric range: values min·ratio^j (j = 0, 1, …) up to max (inclusive, to 1e-9 relative). */
export interface GeometricRange {
  min: number;
  max: number;
  ratio: number;
}

/** Explicit list of values (ms). */
export interface ValueList {
  list: readonly number[];
}

/** T1 and T2 axes of a dictionary grid (ms); only pairs with T2 < T1 become atoms. */
export interface MrfGridSpec {
  T1: GeometricRange | ValueList;
  T2: GeometricRange | ValueList;
}

/**
 * Default grid: T1 100-5000 ms and T2 10-2000 ms in 4% geometric steps, T2 < T1: 10 597 atoms
 * (100 T1 × 136 T2 values before the T2 < T1 cut).
 */
export const DEFAULT_MRF_GRID: MrfGridSpec = {
  T1: { min: 100, max: 5000, ratio: 1.04 },
  T2: { min: 10, max: 2000, ratio: 1.04 },
};

/** Atom parameters in dictionary order (T1-major, T2 increasing within each T1), each (atom). */
export interface MrfGrid {
  nAtoms: number;
  /** T1 (ms) per atom, Float64Array (atom). */
  T1: Float64Array;
  /** T2 (ms) per atom, Float64Array (atom). */
  T2: Float64Array;
}

/** A normalised dictionary with its parameters. */
export interface MrfDictionary extends MrfGrid {
  nTR: number;
  /** Unit-norm real atoms d̂ = s/‖s‖, shape (atom, TR), C order, Float32Array. */
  atoms: Float32Array;
  /** ‖s‖₂ of each atom's M0 = 1 signal before normalisation, Float64Array (atom): PD = |⟨d̂, x⟩| / norm. */
  norms: Float64Array;
}

/** Build options: the simulation's nStates, stateThreshold and B1, and threads for the parallel build. */
export interface MrfDictionaryOptions extends FispOptions {
  /** Threads (calling thread included), integer ≥ 1; default os.availableParallelism(). */
  threads?: number;
}

/** Below this many atoms per thread a worker's start-up (~40 ms) outweighs its work. */
export const MIN_ATOMS_PER_THREAD = 200;

function axisValues(axis: GeometricRange | ValueList | undefined, field: 'T1' | 'T2'): number[] {
  if (axis === null || typeof axis !== 'object') throw new Error(`${field} must be {min, max, ratio} or {list}`);
  if ('list' in axis) {
    if (!Array.isArray(axis.list) || axis.list.length === 0) throw new Error(`${field}.list must be a non-empty array`);
    axis.list.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
        throw new Error(`${field}.list[${i}] must be a finite number > 0 ms (got ${String(v)})`);
      }
    });
    return [...axis.list];
  }
  const { min, max, ratio } = axis;
  for (const [key, v] of [['min', min], ['max', max], ['ratio', ratio]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new Error(`${field}.${key} must be a finite number > 0 (got ${String(v)})`);
    }
  }
  if (max < min) throw new Error(`${field}.max must be >= ${field}.min (got ${max} < ${min})`);
  if (ratio <= 1) throw new Error(`${field}.ratio must be > 1 (got ${ratio})`);
  const count = Math.floor(Math.log(max / min) / Math.log(ratio) + 1e-9) + 1;
  if (count > 1e6) throw new Error(`${field}: ${count} values is too many (ratio ${ratio})`);
  return Array.from({ length: count }, (_, j) => min * ratio ** j);
}

/**
 * Atoms of a T1 × T2 grid with T2 < T1 (T1-major order, T2 increasing within each T1).
 *
 * @throws Error naming the field on a bad axis, or `"T2: every T2 is >= T1 …"` when no pair has
 *   T2 < T1 (the dictionary would be empty)
 */
export function mrfGrid(spec: MrfGridSpec = DEFAULT_MRF_GRID): MrfGrid {
  if (spec === null || typeof spec !== 'object') throw new Error('grid must be an object with T1 and T2');
  const t1 = axisValues(spec.T1, 'T1');
  const t2 = axisValues(spec.T2, 'T2');
  const T1: number[] = [];
  const T2: number[] = [];
  for (const a of t1) for (const b of t2) if (b < a) { T1.push(a); T2.push(b); }
  if (T1.length === 0) {
    throw new Error(
      `T2: every T2 is >= T1 (T2 from ${Math.min(...t2)} ms, T1 up to ${Math.max(...t1)} ms): the dictionary would be empty`,
    );
  }
  return { nAtoms: T1.length, T1: Float64Array.from(T1), T2: Float64Array.from(T2) };
}

/**
 * Simulate and normalise atoms [start, end) of a grid: atoms[(a − start)·nTR + n] = s_n/‖s‖
 * (float64 maths, then float32), norms[a − start] = ‖s‖. Internal: shared by both builds.
 */
export function fillAtoms(
  sim: FispSimulator,
  T1: ArrayLike<number>,
  T2: ArrayLike<number>,
  start: number,
  end: number,
  atoms: Float32Array,
  norms: Float64Array,
): void {
  const nTR = sim.nTR;
  const scratch = new Float64Array(nTR);
  for (let a = start; a < end; a++) {
    const sumSq = sim.simulate(T1[a], T2[a], scratch);
    const norm = Math.sqrt(sumSq);
    const inv = norm > 0 ? 1 / norm : 0;
    const base = (a - start) * nTR;
    for (let n = 0; n < nTR; n++) atoms[base + n] = scratch[n] * inv;
    norms[a - start] = norm;
  }
}

function checkInputs(grid: MrfGrid, seq: FispSequence, opts: MrfDictionaryOptions): Required<FispOptions> {
  validateFispSequence(seq);
  const resolved = resolveFispOptions(opts, seq.FA_deg.length);
  if (grid === null || typeof grid !== 'object' || !(grid.T1 instanceof Float64Array) || !(grid.T2 instanceof Float64Array)) {
    throw new Error('grid must come from mrfGrid (T1 and T2 Float64Arrays)');
  }
  if (grid.T1.length !== grid.nAtoms || grid.T2.length !== grid.nAtoms || grid.nAtoms < 1) {
    throw new Error(`grid: T1 (${grid.T1.length}) and T2 (${grid.T2.length}) must both hold nAtoms = ${grid.nAtoms} >= 1 values`);
  }
  for (let a = 0; a < grid.nAtoms; a++) {
    for (const [field, v] of [['T1', grid.T1[a]], ['T2', grid.T2[a]]] as const) {
      if (!Number.isFinite(v) || v <= 0) throw new Error(`grid.${field}[${a}] must be a finite number > 0 ms (got ${v})`);
    }
  }
  if (seq.FA_deg.every((fa) => resolved.B1 * fa === 0)) {
    throw new Error(resolved.B1 === 0 ? 'B1 is 0: every atom would be zero' : 'FA_deg: every flip angle is 0: every atom would be zero');
  }
  if (opts.threads !== undefined && (!Number.isInteger(opts.threads) || opts.threads < 1)) {
    throw new Error(`threads must be an integer >= 1 (got ${String(opts.threads)})`);
  }
  return resolved;
}

/**
 * Build the normalised MRF-FISP dictionary on the calling thread.
 *
 * d̂_a = s(T1_a, T2_a)/‖s‖₂ with s from makeFispSimulator (M0 = 1, real, s_n = i·F+_0(TE)).
 *
 * @param grid - atoms' (T1, T2) from mrfGrid
 * @param seq - schedule (FA in degrees, TR in ms), TE (ms), inversion delay (ms or null)
 * @param opts - nStates, stateThreshold, B1 (threads is ignored here)
 * @returns atoms (atom, TR) Float32Array and norms (atom), with the grid
 */
export function buildMrfDictionarySync(grid: MrfGrid, seq: FispSequence, opts: MrfDictionaryOptions = {}): MrfDictionary {
  const resolved = checkInputs(grid, seq, opts);
  const sim = makeFispSimulator(seq, resolved);
  const nTR = sim.nTR;
  const atoms = new Float32Array(grid.nAtoms * nTR);
  const norms = new Float64Array(grid.nAtoms);
  fillAtoms(sim, grid.T1, grid.T2, 0, grid.nAtoms, atoms, norms);
  return { nAtoms: grid.nAtoms, nTR, T1: grid.T1, T2: grid.T2, atoms, norms };
}

/** What a dictionary worker receives (internal). */
export interface DictionaryWorkerInput {
  seq: FispSequence;
  fisp: Required<FispOptions>;
  T1: Float64Array;
  T2: Float64Array;
}

/** What a dictionary worker sends back (internal). */
export interface DictionaryWorkerOutput {
  atoms: Float32Array;
  norms: Float64Array;
}

function runWorker(input: DictionaryWorkerInput, label: string): Promise<DictionaryWorkerOutput> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./mrf-dictionary-worker.js', import.meta.url), { workerData: input });
    let settled = false;
    worker.once('message', (out: DictionaryWorkerOutput) => {
      settled = true;
      resolve(out);
    });
    worker.once('error', (err) => {
      settled = true;
      reject(new Error(`dictionary worker for atoms ${label} failed: ${err.message}`));
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`dictionary worker for atoms ${label} exited with code ${code}`));
    });
  });
}

/**
 * Same dictionary as {@link buildMrfDictionarySync}, bit for bit, built by `opts.threads` threads:
 * the calling thread plus threads − 1 workers, thread w simulating atoms w, w + threads, … (an
 * even mix of cheap and costly atoms). Fewer threads are used when there are fewer than
 * MIN_ATOMS_PER_THREAD atoms per thread.
 *
 * @param opts - nStates, stateThreshold, B1, threads (default os.availableParallelism())
 */
export async function buildMrfDictionary(grid: MrfGrid, seq: FispSequence, opts: MrfDictionaryOptions = {}): Promise<MrfDictionary> {
  const fisp = checkInputs(grid, seq, opts);
  const requested = opts.threads ?? availableParallelism();
  const threads = Math.max(1, Math.min(requested, Math.floor(grid.nAtoms / MIN_ATOMS_PER_THREAD)));
  if (threads === 1) return buildMrfDictionarySync(grid, seq, fisp);
  const sim = makeFispSimulator(seq, fisp);
  const nTR = sim.nTR;
  const nAtoms = grid.nAtoms;
  // Thread w takes atoms w, w + threads, w + 2·threads, …: every thread gets the same mix of cheap
  // (short T2) and costly (long T2) atoms, which contiguous ranges of the T1-major order do not.
  const share = (w: number, values: Float64Array): Float64Array =>
    Float64Array.from({ length: Math.ceil((nAtoms - w) / threads) }, (_, j) => values[w + j * threads]);
  const plainSeq: FispSequence = {
    FA_deg: Array.from(seq.FA_deg),
    TR_ms: Array.from(seq.TR_ms),
    TE_ms: seq.TE_ms,
    inversionDelay_ms: seq.inversionDelay_ms,
  };
  const jobs: Promise<DictionaryWorkerOutput>[] = [];
  for (let w = 1; w < threads; w++) {
    jobs.push(runWorker({ seq: plainSeq, fisp, T1: share(w, grid.T1), T2: share(w, grid.T2) }, `${w}, ${w + threads}, …`));
  }
  const settled = Promise.allSettled(jobs); // no unhandled rejection while this thread works
  const T1here = share(0, grid.T1);
  const own: DictionaryWorkerOutput = { atoms: new Float32Array(T1here.length * nTR), norms: new Float64Array(T1here.length) };
  fillAtoms(sim, T1here, share(0, grid.T2), 0, T1here.length, own.atoms, own.norms);
  const results = await settled;
  const atoms = new Float32Array(nAtoms * nTR);
  const norms = new Float64Array(nAtoms);
  for (let w = 0; w < threads; w++) {
    let part = own;
    if (w > 0) {
      const r = results[w - 1];
      if (r.status === 'rejected') throw r.reason as Error;
      part = r.value;
    }
    for (let j = 0, a = w; a < nAtoms; j++, a += threads) {
      atoms.set(part.atoms.subarray(j * nTR, (j + 1) * nTR), a * nTR);
      norms[a] = part.norms[j];
    }
  }
  return { nAtoms, nTR, T1: grid.T1, T2: grid.T2, atoms, norms };
}

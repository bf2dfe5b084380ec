/**
 * Throughput benchmark of the Varpro fit on a synthetic volume (used by the project's `npm run bench`).
 */
import { availableParallelism } from 'node:os';
import { createRng, synthesizeEchoes } from '@relaxomap/physics';
import { MIN_VOXELS_PER_THREAD, varproMonoExpParallel } from './parallel.js';

/** Volume and echo count; defaults: the paper's T2* scan, 224×210×58 with 10 echoes. */
export interface BenchmarkShape {
  nx: number;
  ny: number;
  nz: number;
  echoes: number;
}

export interface VarproBenchmark {
  /** nx·ny·nz. */
  voxels: number;
  /** Wall-clock seconds of the fit (worker start-up and copies included, data synthesis excluded). */
  seconds: number;
  voxelsPerSecond: number;
  /** Threads used (calling thread included). */
  threads: number;
}

/**
 * Time `varproMonoExpParallel` on a synthetic volume: TE = 6, 12, … ms (TE1 = ΔTE = 6 ms, the paper's
 * T2* protocol), M0 uniform in [0.5, 1], T2 log-uniform in [20, 300] ms, Gaussian noise σ = 0.01,
 * bounds [1, 3000] ms, no mask (every voxel is fitted: the worst case; background voxels are cheaper).
 * A 20 000-voxel warm-up on the calling thread runs first, outside the timing.
 *
 * @param shape - volume and echo count (default { nx: 224, ny: 210, nz: 58, echoes: 10 })
 * @param opts - threads (default os.availableParallelism()), seed of the synthetic data (default 1)
 */
export async function benchmarkVarpro(
  shape: BenchmarkShape = { nx: 224, ny: 210, nz: 58, echoes: 10 },
  opts: { threads?: number; seed?: number } = {},
): Promise<VarproBenchmark> {
  for (const key of ['nx', 'ny', 'nz', 'echoes'] as const) {
    if (!Number.isInteger(shape[key]) || shape[key] < 1) {
      throw new Error(`shape.${key} must be an integer >= 1 (got ${String(shape[key])})`);
    }
  }
  if (shape.echoes < 2) throw new Error(`shape.echoes must be >= 2 (got ${shape.echoes})`);
  const voxels = shape.nx * shape.ny * shape.nz;
  const TE = Array.from({ length: shape.echoes }, (_, k) => 6 * (k + 1));
  // Seeded: the same volume on every run.
  const rng = createRng(opts.seed ?? 1);
  const rand = rng.uniform;
  const m0 = new Float32Array(voxels);
  const t2 = new Float32Array(voxels);
  for (let v = 0; v < voxels; v++) {
    m0[v] = 0.5 + 0.5 * rand();
    t2[v] = 20 * Math.pow(15, rand());
  }
  const echoes = synthesizeEchoes(m0, t2, TE);
  for (let i = 0; i < echoes.length; i++) echoes[i] += 0.01 * rng.normal();
  const fitOpts = { t2Min: 1, t2Max: 3000 };
  const threads = opts.threads ?? availableParallelism();

  const warm = Math.min(voxels, 20_000);
  const warmEchoes = new Float32Array(warm * shape.echoes);
  for (let k = 0; k < shape.echoes; k++) warmEchoes.set(echoes.subarray(k * voxels, k * voxels + warm), k * warm);
  await varproMonoExpParallel(warmEchoes, warm, TE, { ...fitOpts, threads: 1 });

  const t0 = performance.now();
  await varproMonoExpParallel(echoes, voxels, TE, { ...fitOpts, threads });
  const seconds = (performance.now() - t0) / 1000;
  const used = Math.max(1, Math.min(threads, Math.floor(voxels / MIN_VOXELS_PER_THREAD)));
  return { voxels, seconds, voxelsPerSecond: voxels / seconds, threads: used };
}

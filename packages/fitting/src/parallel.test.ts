import { test } from 'node:test';
import assert from 'node:assert/strict';
import { echoTimes } from '@relaxomap/physics';
import { benchmarkVarpro, MIN_VOXELS_PER_THREAD, varproMonoExp, varproMonoExpParallel } from './index.js';
import { noisyEchoes, uniform } from './testData.js';

const TE = echoTimes({ TE1: 6, dTE: 6, count: 10 });
const n = 2 * MIN_VOXELS_PER_THREAD + 1234;

function volume(seed: number): Float32Array {
  const rand = uniform(seed);
  const m0 = new Float32Array(n).map((_, v) => (v % 7 === 0 ? 0 : 0.5 + rand()));
  const t2 = new Float32Array(n).map(() => 10 * Math.pow(100, rand()));
  return noisyEchoes(m0, t2, TE, 0.02, seed + 1);
}

test('2 worker threads give bit-identical maps to the synchronous fit (with a mask)', async () => {
  const echoes = volume(1);
  const mask = new Uint8Array(n).map((_, v) => (v % 5 === 0 ? 0 : 1));
  const opts = { t2Min: 1, t2Max: 3000, mask };
  const sync = varproMonoExp(echoes, n, TE, opts);
  const par = await varproMonoExpParallel(echoes, n, TE, { ...opts, threads: 2 });
  assert.deepEqual(par.m0, sync.m0);
  assert.deepEqual(par.t2, sync.t2);
  assert.equal(par.t2[5], 0);
  assert.ok(par.t2[1] > 0);
  // The caller's echoes are left intact (workers receive copies).
  assert.deepEqual(echoes, volume(1));
});

test('a NaN in a worker range is reported with its voxel and echo; small inputs stay on one thread', async () => {
  const echoes = volume(2);
  const v = n - 10; // in the second (worker) range
  echoes[3 * n + v] = NaN;
  await assert.rejects(varproMonoExpParallel(echoes, n, TE, { t2Min: 1, t2Max: 3000, threads: 2 }), {
    message: `echoes contain NaN at voxel ${v}, echo 3`,
  });
  echoes[3 * n + 5] = Infinity; // an earlier voxel, calling thread's range: reported first
  await assert.rejects(varproMonoExpParallel(echoes, n, TE, { t2Min: 1, t2Max: 3000, threads: 2 }), {
    message: 'echoes contain Inf at voxel 5, echo 3',
  });
  const small = new Float32Array(TE.length * 10).fill(1);
  const fit = await varproMonoExpParallel(small, 10, TE, { t2Min: 1, t2Max: 3000, threads: 8 });
  assert.equal(fit.t2[0], 3000);
  await assert.rejects(varproMonoExpParallel(small, 10, TE, { t2Min: 1, t2Max: 3000, threads: 0 }), /opts.threads must be an integer >= 1/);
});

test('benchmarkVarpro reports consistent numbers (no timing assertion)', async () => {
  const r = await benchmarkVarpro({ nx: 20, ny: 10, nz: 5, echoes: 4 }, { threads: 2 });
  assert.equal(r.voxels, 1000);
  assert.equal(r.threads, 1); // 1000 voxels are below the per-thread minimum
  assert.ok(r.seconds > 0);
  assert.ok(Math.abs(r.voxelsPerSecond - r.voxels / r.seconds) <= 1e-9 * r.voxelsPerSecond);
  await assert.rejects(benchmarkVarpro({ nx: 0, ny: 1, nz: 1, echoes: 4 }), /shape.nx must be an integer >= 1/);
});

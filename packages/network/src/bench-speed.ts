/**
 * Speed benchmark of patch training and (parallel) inference, 224×210 slices, 10 echoes, width 32,
 * 4 residual blocks (timing only: random data and seeded initial weights). Build, then:
 *
 *   node packages/network/dist/bench-speed.js step   [steps=6]            step time: 64² patches vs whole slice
 *   node packages/network/dist/bench-speed.js infer  [slices=6]           inference per slice, 1 and 2 threads, whole slices and tiles
 *   node packages/network/dist/bench-speed.js volume [threads=2] [slices=58] [tile=0]  whole-volume inference + peak RSS
 *                                                         (tile > 0: tiles of that size overlapping by half)
 *
 * Prints one JSON line per measurement. For the peak memory of the whole process (worker threads
 * included) run the volume mode under `/usr/bin/time -v` (Maximum resident set size).
 */
import os from 'node:os';
import { mulberry32 } from '@relaxomap/physics';
import { createT2Net } from './model.js';
import { initBackend } from './backend.js';
import { getWeights } from './weights.js';
import { trainT2Net } from './train.js';
import { predictT2 } from './predict.js';
import { predictT2Parallel } from './parallel.js';

const [H, W, E] = [224, 210, 10];
const NET = { blocks: 4, width: 32 };
const TE = Array.from({ length: E }, (_, e) => 6 + 6 * e);
const T2_RANGE: [number, number] = [1, 3000];

/** Random (echo, slice, y, x) echoes with a plausible decay (timing does not depend on the values). */
function volume(slices: number): Float32Array {
  const u = mulberry32(1);
  const n = slices * H * W;
  const out = new Float32Array(E * n);
  for (let i = 0; i < n; i++) {
    const m0 = u();
    const t2 = 20 + 80 * u();
    for (let e = 0; e < E; e++) out[e * n + i] = m0 * Math.exp(-TE[e]! / t2) + 0.01 * u();
  }
  return out;
}

async function weights() {
  await initBackend('wasm');
  const net = createT2Net({ echoes: E, ...NET, seed: 1, t2Range: T2_RANGE });
  const w = await getWeights(net.variables);
  net.dispose();
  return w;
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const mib = (b: number): number => Math.round(b / 2 ** 20);

async function step(steps: number): Promise<void> {
  const S = 2;
  const echoes = volume(S);
  const shape = { echoes: E, slices: S, height: H, width: W };
  const base = { echoes, shape, TE, t2Range: T2_RANGE, net: NET, loss: 'mse' as const, learningRate: 3e-4, steps, seed: 1, backend: 'wasm' as const, returnMaps: false };
  for (const [label, extra] of [
    ['patch 64² ×1', { patch: { size: 64, perStep: 1 } }],
    ['patch 64² ×4', { patch: { size: 64, perStep: 4 } }],
    ['patch 128² ×1', { patch: { size: 128, perStep: 1 } }],
    ['whole 224×210 slice', {}],
  ] as const) {
    const r = await trainT2Net({ ...base, ...extra });
    console.log(JSON.stringify({ mode: 'step', label, steps, stepMs: Math.round(r.stepMs), rssMiB: mib(process.memoryUsage().rss) }));
  }
}

async function infer(slices: number): Promise<void> {
  const echoes = volume(slices);
  const shape = { echoes: E, slices, height: H, width: W };
  const w = await weights();
  const net = { echoes: E, ...NET, t2Range: T2_RANGE };
  let t = performance.now();
  await predictT2({ weights: w, net, echoes, shape, backend: 'wasm' });
  const serial = performance.now() - t;
  console.log(JSON.stringify({ mode: 'infer', threads: 1, where: 'this thread', slices, msPerSlice: Math.round(serial / slices), totalMs: Math.round(serial) }));
  for (const tile of [undefined, { size: 128, overlap: 64 }, { size: 64, overlap: 32 }]) {
    for (const threads of [1, 2]) {
      t = performance.now();
      await predictT2Parallel({ weights: w, net, echoes, shape, backend: 'wasm', threads, tile });
      const ms = performance.now() - t;
      const tiles = tile === undefined ? 'whole slices' : `tiles ${tile.size}/${tile.overlap}`;
      console.log(JSON.stringify({ mode: 'infer', threads, where: 'workers', tiles, slices, msPerSlice: Math.round(ms / slices), totalMs: Math.round(ms), cores: os.availableParallelism() }));
    }
  }
}

async function wholeVolume(threads: number, slices: number, tileSize: number): Promise<void> {
  const echoes = volume(slices);
  const shape = { echoes: E, slices, height: H, width: W };
  const w = await weights();
  const t = performance.now();
  const tile = tileSize > 0 ? { size: tileSize, overlap: tileSize / 2 } : undefined;
  const r = await predictT2Parallel({ weights: w, net: { echoes: E, ...NET, t2Range: T2_RANGE }, echoes, shape, backend: 'wasm', threads, tile });
  const ms = performance.now() - t;
  console.log(JSON.stringify({ mode: 'volume', shape: [E, slices, H, W], threads: r.threads, tile: tile ?? 'whole slices', totalMs: Math.round(ms), msPerSlice: Math.round(ms / slices), peakRssMiB: mib(peakRss) }));
}

const [mode = 'all', a, b, c] = process.argv.slice(2);
try {
  if (mode === 'step' || mode === 'all') await step(Number(a ?? 6));
  if (mode === 'infer' || mode === 'all') await infer(Number(mode === 'infer' ? (a ?? 6) : 6));
  if (mode === 'volume' || mode === 'all') await wholeVolume(Number(mode === 'volume' ? (a ?? 2) : 2), Number(mode === 'volume' ? (b ?? 58) : 58), Number(mode === 'volume' ? (c ?? 0) : 0));
  if (!['step', 'infer', 'volume', 'all'].includes(mode)) throw new Error(`mode: expected step | infer | volume | all, got ${mode}`);
} finally {
  clearInterval(sampler);
}

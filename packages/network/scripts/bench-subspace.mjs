// Step time of trainSubspaceNet (wasm): node packages/network/scripts/bench-subspace.mjs [slices=2] [steps=8] [loss=l1] [frames=600]
// 112×112, rank 6, 4 blocks × width 32, one slice per step, random series (timing only). Build first.
import { mulberry32 } from '@relaxomap/physics';
import { trainSubspaceNet } from '../dist/index.js';
import { orthonormalPhi } from '../dist/fixtures.js';

const [S, steps, loss, F] = [+(process.argv[2] ?? 2), +(process.argv[3] ?? 8), process.argv[4] ?? 'l1', +(process.argv[5] ?? 600)];
const [H, W, R] = [112, 112, 6];
const u = mulberry32(1);
const phi = orthonormalPhi(R, F, 1);
const series = new Float32Array(2 * F * S * H * W);
for (let i = 0; i < series.length; i++) series[i] = u() - 0.5;
const t0 = performance.now();
const perStep = [];
let last = 0;
const res = await trainSubspaceNet({
  series, phi, shape: { frames: F, slices: S, height: H, width: W, rank: R }, net: { blocks: 4, width: 32 },
  loss, learningRate: 3e-4, steps, seed: 1, slicesPerStep: 1, backend: 'wasm',
  onStep: ({ elapsedMs }) => { perStep.push(Math.round(elapsedMs - last)); last = elapsedMs; },
});
console.log(JSON.stringify({ backend: res.backend, slices: S, frames: F, loss, steps, stepMs: Math.round(res.stepMs), perStep, totalMs: Math.round(performance.now() - t0) }));

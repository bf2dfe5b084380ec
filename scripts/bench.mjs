#!/usr/bin/env zx
// Benchmarks (not timed tests): Varpro throughput on the paper's T2* volume, and the time of one
// training step (forward + backward + Adam) of the default network on every TensorFlow.js backend
// that loads here. Ratios are against baselines measured in this same run.
import { availableParallelism } from 'node:os';
import { chalk } from 'zx';
import { benchmarkVarpro } from '@relaxomap/fitting';
import { initBackend, trainT2Net } from '@relaxomap/network';

const quick = process.argv.includes('--quick');
const rows = [];
const notes = [];

console.log(chalk.bold('Varpro (mono-exponential), 224×210×58 voxels × 10 echoes (TE 6…60 ms)'));
const shape = quick ? { nx: 224, ny: 210, nz: 4, echoes: 10 } : { nx: 224, ny: 210, nz: 58, echoes: 10 };
const one = await benchmarkVarpro(shape, { threads: 1 });
const all = await benchmarkVarpro(shape, { threads: availableParallelism() });
for (const r of [one, all]) {
  rows.push({ bench: `varpro ${shape.nx}×${shape.ny}×${shape.nz}×${shape.echoes}`, setting: `${r.threads} thread(s)`,
    value: `${(r.voxelsPerSecond / 1e6).toFixed(2)} M voxels/s`, seconds: r.seconds.toFixed(3), ratio: `${(r.voxelsPerSecond / one.voxelsPerSecond).toFixed(2)}×` });
}

console.log(chalk.bold('Training step, default network (9 residual blocks, width 32, 4 echoes, SSIM loss)'));
const stepsFor = (backend) => (quick || backend === 'cpu' ? 2 : 4);
let baseline;
for (const backend of ['tensorflow', 'wasm', 'cpu']) {
  let info;
  try {
    info = await initBackend(backend);
  } catch (err) {
    rows.push({ bench: 'train step', setting: backend, value: 'not available', seconds: '', ratio: '' });
    notes.push(`${backend}: ${String(err.message).split('\n')[0]}`);
    continue;
  }
  for (const size of [64, 128]) {
    if (backend === 'cpu' && size === 128 && quick) continue;
    const echoes = new Float32Array(4 * size * size).map((_, i) => 0.5 + 0.5 * Math.sin(i * 0.37));
    const result = await trainT2Net({
      echoes, shape: { echoes: 4, slices: 1, height: size, width: size }, TE: [43, 67, 91, 115], t2Range: [1, 3000],
      net: { blocks: 9, width: 32 }, loss: 'ssim', learningRate: 3e-4, steps: stepsFor(backend) + 1, seed: 1, backend,
    });
    const key = `${size}²`;
    baseline ??= {};
    baseline[key] ??= result.stepMs;
    rows.push({ bench: `train step ${key}`, setting: `${info.name}${info.gpu ? ' (GPU)' : ''}`, value: `${result.stepMs.toFixed(0)} ms/step`,
      seconds: (result.stepMs / 1000).toFixed(3), ratio: `${(baseline[key] / result.stepMs).toFixed(2)}× vs first backend` });
  }
}
console.log('');
console.table(rows);
for (const note of notes) console.log(`note — ${note}`);

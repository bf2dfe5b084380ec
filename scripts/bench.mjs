#!/usr/bin/env zx
// Benchmarks (not timed tests): Varpro throughput on the paper's T2* volume, the time of one
// training step (forward + backward + Adam) of the paper's network on every TensorFlow.js backend
// that loads here, and the MRF building blocks: dictionary atoms/s (EPG-FISP, 600 TRs) and NUFFT
// adjoint frames/s at 220×220, each beside its naive baseline. Ratios are against baselines measured
// in this same run.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { $, chalk } from 'zx';
import { benchmarkVarpro } from '@relaxomap/fitting';
import { initBackend, trainT2Net } from '@relaxomap/network';
import { benchmarkDictionary, DEFAULT_FISP_TIMING, parseScheduleColumn, truncateSchedule } from '@relaxomap/physics';
import { benchmarkNufftAdjoint } from '@relaxomap/recon';

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

console.log(chalk.bold("Training step, the paper's network (9 residual blocks, width 32, 4 echoes, SSIM loss; the T2 study uses 4 blocks + MSE)"));
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
console.log(chalk.bold('MRF dictionary: EPG-FISP atoms (Jiang 2015 schedule, first 600 TRs, TE 2 ms, inversion 20 ms), default grid'));
const column = (file, field) => parseScheduleColumn(readFileSync(`data/mrf/jiang2015-fisp/${file}`, 'utf8'), file, field);
const seq = { ...truncateSchedule({ FA_deg: column('fa.txt', 'FA'), TR_ms: column('tr.txt', 'TR') }, 600), ...DEFAULT_FISP_TIMING };
// --quick: a coarse grid (~470 atoms, 10 % steps) instead of the default 10 597 atoms.
const grid = quick ? { T1: { min: 100, max: 5000, ratio: 1.1 }, T2: { min: 10, max: 2000, ratio: 1.1 } } : undefined;
for (const threads of [...new Set([1, Math.min(2, availableParallelism())])]) {
  const d = await benchmarkDictionary(seq, { grid, threads, baselineAtoms: quick ? 5 : 20 });
  if (threads === 1) {
    rows.push({ bench: `dictionary ${d.atoms} atoms × ${d.nTR} TRs`, setting: 'naive EPG (complex, untruncated)',
      value: `${d.baseline.atomsPerSecond.toFixed(1)} atoms/s`, seconds: (d.atoms / d.baseline.atomsPerSecond).toFixed(1) + ' (extrapolated)', ratio: '1.00×' });
  }
  rows.push({ bench: `dictionary ${d.atoms} atoms × ${d.nTR} TRs`, setting: `fast EPG, ${d.threads} thread(s)`,
    value: `${d.atomsPerSecond.toFixed(0)} atoms/s`, seconds: d.seconds.toFixed(2), ratio: `${d.speedup.toFixed(1)}× vs naive` });
}

console.log(chalk.bold('NUFFT adjoint of one MRF frame at 220×220 (48-interleaf variable-density spiral)'));
for (const perFrame of [1, 6]) {
  const b = benchmarkNufftAdjoint({ imageSize: 220, interleavesPerFrame: perFrame, minMs: quick ? 300 : 1000, directRows: quick ? 8 : 32 });
  const base = `NUFFT adjoint 220², ${perFrame} interleaf(s)/frame`;
  rows.push({ bench: base, setting: 'direct NUDFT (naive)', value: `${b.directNudft.framesPerSecond.toFixed(2)} frames/s`,
    seconds: (b.directNudft.msPerFrame / 1000).toFixed(3), ratio: '1.00×' });
  rows.push({ bench: base, setting: 'unplanned gridding', value: `${b.unplannedGridding.framesPerSecond.toFixed(1)} frames/s`,
    seconds: (b.unplannedGridding.msPerFrame / 1000).toFixed(4), ratio: `${(b.unplannedGridding.framesPerSecond / b.directNudft.framesPerSecond).toFixed(1)}× vs NUDFT` });
  rows.push({ bench: base, setting: `planned NUFFT (W ${b.width}, α ${b.oversampling})`, value: `${b.planned.framesPerSecond.toFixed(1)} frames/s`,
    seconds: (b.planned.msPerFrame / 1000).toFixed(4), ratio: `${(b.planned.framesPerSecond / b.directNudft.framesPerSecond).toFixed(0)}× vs NUDFT, ${(b.planned.framesPerSecond / b.unplannedGridding.framesPerSecond).toFixed(1)}× vs unplanned` });
}

// Training speed (issue 6): patch steps and inference (1 vs 2 worker threads) at the paper's T2* matrix,
// measured here beside the whole-slice baseline; then time to quality from pipelines/training-speed.yaml
// (run through Nx: a cache hit once it has run; its two trainings are timed in the same run).
console.log(chalk.bold('Patch training and parallel inference, 224×210 slices × 10 echoes (width 32, 4 blocks, wasm)'));
const speedLines = async (args) => (await $`node packages/network/dist/bench-speed.js ${args}`.quiet()).stdout.trim().split('\n').map((l) => JSON.parse(l));
for (const m of await speedLines(['step', quick ? '2' : '6'])) {
  rows.push({ bench: 'train step 224×210×10', setting: m.label, value: `${m.stepMs} ms/step`, seconds: (m.stepMs / 1000).toFixed(3), ratio: '' });
}
const infer = await speedLines(['infer', quick ? '2' : '6']);
const single = infer.find((m) => m.threads === 1)?.msPerSlice;
for (const m of infer) {
  rows.push({ bench: 'inference 224×210×10 per slice', setting: `${m.threads} thread(s), ${m.where}${m.tiles && m.tiles !== 'whole slices' ? `, tiles ${m.tiles}` : ', whole slices'}`, value: `${m.msPerSlice} ms/slice`,
    seconds: (m.msPerSlice / 1000).toFixed(3), ratio: single ? `${(single / m.msPerSlice).toFixed(2)}× vs 1 thread, whole slices` : '' });
}
if (!quick) {
  console.log(chalk.bold('Time to quality: fine-tuned from a pre-trained model vs from scratch (pipelines/training-speed.yaml)'));
  await $`node packages/stages/dist/cli.js run training-speed --parallel 2`.quiet();
  const speed = JSON.parse(readFileSync('artifacts/training-speed/speed/speed.json', 'utf8'));
  rows.push({ bench: 'T2 simulation, time to the from-scratch RMSE', setting: 'from scratch (stopping rule)', value: `${speed.scratch.rmse_ms.toFixed(2)} ms at step ${speed.scratch.step}`,
    seconds: speed.scratch.elapsed_s.toFixed(1), ratio: '1.00×' });
  if (speed.reached) {
    rows.push({ bench: 'T2 simulation, time to the from-scratch RMSE', setting: `fine-tuned, within ${Math.round(speed.tolerance * 100)} %`, value: `${speed.reached.rmse_ms.toFixed(2)} ms at step ${speed.reached.step}`,
      seconds: speed.reached.elapsed_s.toFixed(1), ratio: `${speed.speedup.toFixed(1)}× sooner (${speed.stepRatio.toFixed(1)}× fewer steps)` });
  }
}

console.log('');
console.table(rows);
for (const note of notes) console.log(`note — ${note}`);

#!/usr/bin/env node
// Calibration of the stopping rules (packages/network/STOPPING.md): trains the T2 network on the
// simulation of pipelines/t2-simulation.yaml at one noise level and writes, every `every` steps, the
// RMSE against the truth per tissue (the oracle curve), the echo residual / σ² (discrepancy rule) and
// the held-out error / σ², one JSON line per check — the data the dof = 0.6 choice was read from.
// usage: node scripts/stopping-calibration.mjs <out.jsonl> <noise variance> <blocks> <lr> <ema> <steps> <every> <held-out fraction> <loss> [echo|voxel]
// e.g.   node scripts/stopping-calibration.mjs /tmp/c.jsonl 0.001 4 1e-3 0.99 1400 25 0.1 mse echo   (~10 min)
import { appendFileSync, writeFileSync } from 'node:fs';
import { addGaussianNoise, axialSlices, loadBrainWeb3D, simulateT2Phantom } from '@relaxomap/phantoms';
import { synthesizeEchoes } from '@relaxomap/physics';
import { varproMonoExp } from '@relaxomap/fitting';
import { estimateNoise, rmse } from '@relaxomap/metrics';
import { trainT2Net, echoResidual, heldOutMask } from '@relaxomap/network';

const [out, variance, blocks, lr, ema, steps, every, heldFrac, loss, unit = 'echo'] = process.argv.slice(2);
const v = Number(variance);
writeFileSync(out, '');
const log = (o) => appendFileSync(out, JSON.stringify(o) + '\n');
const vol = await loadBrainWeb3D(new URL('../data/phantoms/brainweb-3d/BrainModel_anatomy.npy.gz', import.meta.url).pathname);
const labels = axialSlices(vol, [80, 90, 100], 2);
const ph = simulateT2Phantom(labels.labels, labels.shape, {
  tissues: { WM: { T2: 80, PD: 0.7 }, GM: { T2: 110, PD: 0.8 }, CSF: { T2: 1000, PD: 1 } },
  texture: { amplitude: 0.1, correlationMm: 8, voxelMm: labels.voxelMm }, seed: 1,
});
const TE = [43, 67, 91, 115];
const [S, H, W] = ph.shape;
const n = S * H * W;
const clean = synthesizeEchoes(ph.m0, ph.t2, TE);
const noisy = addGaussianNoise(clean, v, 1 * 7919 + 17);
const shape = { echoes: 4, slices: S, height: H, width: W };
const noise = estimateNoise(noisy, shape);
const mk = (f) => Uint8Array.from(ph.tissue, f);
const masks = { brain: mk((t) => t > 0 ? 1 : 0), nocsf: mk((t) => t >= 2 ? 1 : 0), wm: mk((t) => t === 3 ? 1 : 0), gm: mk((t) => t === 2 ? 1 : 0), csf: mk((t) => t === 1 ? 1 : 0) };
const vp = varproMonoExp(noisy, n, TE, { t2Min: 1, t2Max: 3000 });
const errs = (t2) => Object.fromEntries(Object.entries(masks).map(([k, m]) => [k, rmse(t2, ph.t2, m)]));
const held = Number(heldFrac) > 0 ? heldOutMask({ voxels: n, echoes: 4, fraction: Number(heldFrac), seed: 12345, unit, within: noise.object }) : undefined;
const fg = Uint8Array.from(noise.object);
const trueRes = echoResidual({ m0: ph.m0, t2: ph.t2 }, noisy, TE, fg);
log({ kind: 'setup', variance: v, noise: { ok: noise.ok, variance: noise.variance, model: noise.model, voxels: noise.voxels }, varpro: errs(vp.t2), varproRes: echoResidual({ m0: vp.m0, t2: vp.t2 }, noisy, TE, fg), trueRes });
const res = await trainT2Net({
  echoes: noisy, shape, TE, t2Range: [1, 3000], net: { blocks: Number(blocks), width: 32 }, loss, learningRate: Number(lr),
  steps: Number(steps), seed: 1, slicesPerStep: 1, ...(Number(ema) > 0 ? { emaDecay: Number(ema) } : {}), backend: 'wasm',
  ...(held ? { heldOut: held } : {}),
  checks: { every: Number(every), fn: (c) => {
    log({ kind: 'check', step: c.step, t: c.elapsedMs / 1000, loss: c.loss, rmse: errs(c.maps.t2),
      res: echoResidual(c.maps, noisy, TE, fg) / noise.variance,
      held: c.blindMaps ? echoResidual(c.blindMaps, noisy, TE, held) / noise.variance : null,
      heldClean: c.blindMaps ? echoResidual(c.blindMaps, clean, TE, held) / noise.variance : null });
  } },
});
log({ kind: 'done', stepMs: res.stepMs });

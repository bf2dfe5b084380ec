#!/usr/bin/env zx
// Exports what the PyTorch prototype needs from a finished `relaxomap run mrf` into mrfx/ (≈ 6 MB):
// the spiral trajectory and DCF, the 1-interleaf k-space and schedule, Φ and the compressed
// dictionary, the sliding-window and reference coefficients and maps, the truth, 40 clean frames.
import { fs } from 'zx';
import { analyticSpiralDcf, variableDensitySpiral } from '@relaxomap/recon';
import { readNpy, writeNpy } from '@relaxomap/array-io';

const A = 'artifacts/mrf';
const out = 'mrfx';
await fs.mkdirp(out);
const acq = JSON.parse(await fs.readFile(`${A}/simulate/acquisition.json`, 'utf8'));
const traj = variableDensitySpiral({ imageSize: acq.matrix, nInterleaves: acq.interleaves, readoutOversampling: acq.spiral.readoutOversampling });
await writeNpy(`${out}/coords.npy`, { dtype: 'float32', shape: [acq.interleaves, traj.samplesPerInterleaf, 2], data: traj.coords });
await writeNpy(`${out}/dcf.npy`, { dtype: 'float32', shape: [traj.samplesPerInterleaf], data: analyticSpiralDcf(traj) });
await writeNpy(`${out}/schedule.npy`, { dtype: 'int32', shape: [acq.TRs], data: Int32Array.from(acq.interleaf_of_TR.single) });
const copies = {
  'dictionary/phi.npy': 'phi.npy', 'dictionary/compressed.npy': 'dict.npy', 'dictionary/grid.npy': 'grid.npy', 'dictionary/norms.npy': 'norms.npy',
  'simulate/kspace_single.npy': 'ksingle.npy', 'simulate/tissue.npy': 'tissue.npy', 'simulate/t1.npy': 't1_true.npy', 'simulate/t2.npy': 't2_true.npy',
  'recon-single/coefficients.npy': 'c_sw.npy', 'recon-single/t1.npy': 't1_sw.npy', 'recon-single/t2.npy': 't2_sw.npy',
  'recon-reference/coefficients.npy': 'c_ref.npy', 'recon-reference/t1.npy': 't1_ref.npy', 'recon-reference/t2.npy': 't2_ref.npy',
};
for (const [from, to] of Object.entries(copies)) await fs.copyFile(`${A}/${from}`, `${out}/${to}`);
const clean = await readNpy(`${A}/simulate/time_series_clean.npy`);
const frame = clean.shape[1] * clean.shape[2];
await writeNpy(`${out}/clean40.npy`, { dtype: 'float32', shape: [40, clean.shape[1], clean.shape[2]], data: clean.data.subarray(0, 40 * frame) });
console.log(`wrote ${out}/`);

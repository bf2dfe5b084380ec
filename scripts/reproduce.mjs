#!/usr/bin/env zx
// Regenerates every paper figure on the embedded defaults (local MLflow file store ./mlruns, no server).
// Each pipeline runs through Nx: stages whose code, params and inputs are unchanged come from the cache.
// Figs. 3/4 run on the paper's in-vivo scans when they were downloaded (data-manifests/gao2023-invivo-*.yaml),
// else on simulated multi-slice volumes with the paper's protocols.
import { $, chalk, fs } from 'zx';
import { missingManifestFiles } from '@relaxomap/phantoms';

$.verbose = true;
const invivo = async (scan) => (await missingManifestFiles(`data-manifests/gao2023-invivo-${scan}.yaml`, process.cwd())).length === 0;
const [invivoT2, invivoT2star] = [await invivo('t2'), await invivo('t2star')];
const pipelines = [
  't2-simulation', 'mrf',
  invivoT2 ? 'fig3-t2-invivo' : 'fig3-t2',
  invivoT2star ? 'fig4-t2star-invivo' : 'fig4-t2star',
  'nist-t2-plate', 'qmrlab-cpmg', 'rat-t2star',
  'training-speed',
];
if (!invivoT2 || !invivoT2star) console.log(chalk.dim(`Figs. 3/4 on simulated stand-ins where the paper's in-vivo scans are not in data/external/ (data-manifests/gao2023-invivo-*.yaml say where to get them).`));
const started = Date.now();
for (const name of pipelines) {
  console.log(chalk.bold(`\n=== ${name} ===`));
  // Two stages side by side: each training uses one core fully (wasm is single-threaded in Node).
  await $`node packages/stages/dist/cli.js run ${name} --parallel 2`;
}
// Ablation (loss × residual blocks), noise, and the MRF network's gain over simulation and network
// seeds and over noise levels: one cached target per point, compared in reports/<sweep>/.
const sweeps = ['ablation', 'noise', 'mrf-seeds', 'mrf-noise'];
for (const name of sweeps) {
  console.log(chalk.bold(`\n=== sweep ${name} ===`));
  await $`node packages/stages/dist/cli.js sweep ${name} --parallel 2`;
}
const minutes = ((Date.now() - started) / 60000).toFixed(1);
console.log(chalk.bold(`\nDone in ${minutes} min. Every figure, table and comparison: reports/index.html. Runs: mlflow ui --backend-store-uri ./mlruns`));
for (const name of [...pipelines, ...sweeps]) {
  const dir = `reports/${name}`;
  if (!(await fs.pathExists(dir))) continue;
  for (const file of (await fs.readdir(dir)).filter((f) => f.endsWith('summary.md')).sort()) {
    console.log(`\n${await fs.readFile(`${dir}/${file}`, 'utf8')}`);
  }
}

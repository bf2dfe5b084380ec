#!/usr/bin/env zx
// Regenerates every paper figure on the embedded defaults (local MLflow file store ./mlruns, no server).
// Each pipeline runs through Nx: stages whose code, params and inputs are unchanged come from the cache.
import { $, chalk, fs } from 'zx';

$.verbose = true;
const pipelines = ['t2-simulation', 'mrf'];
const started = Date.now();
for (const name of pipelines) {
  console.log(chalk.bold(`\n=== ${name} ===`));
  // Two stages side by side: each training uses one core fully (wasm is single-threaded in Node).
  await $`node packages/stages/dist/cli.js run ${name} --parallel 2`;
}
const minutes = ((Date.now() - started) / 60000).toFixed(1);
console.log(chalk.bold(`\nDone in ${minutes} min. Figures and tables: reports/. Runs: mlflow ui --backend-store-uri ./mlruns`));
for (const name of pipelines) {
  for (const file of ['summary.md', 'stopping_summary.md']) {
    const summary = `reports/${name}/${file}`;
    if (await fs.pathExists(summary)) console.log(`\n${await fs.readFile(summary, 'utf8')}`);
  }
}

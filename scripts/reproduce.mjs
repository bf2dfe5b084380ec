#!/usr/bin/env zx
// Regenerates every paper figure on the embedded defaults (local MLflow file store ./mlruns, no server).
// Each pipeline runs through Nx: stages whose code, params and inputs are unchanged come from the cache.
import { $, chalk, fs } from 'zx';

$.verbose = true;
const pipelines = ['t2-simulation'];
const started = Date.now();
for (const name of pipelines) {
  console.log(chalk.bold(`\n=== ${name} ===`));
  await $`node packages/stages/dist/cli.js run ${name}`;
}
const minutes = ((Date.now() - started) / 60000).toFixed(1);
console.log(chalk.bold(`\nDone in ${minutes} min. Figures and tables: reports/. Runs: mlflow ui --backend-store-uri ./mlruns`));
for (const name of pipelines) {
  const summary = `reports/${name}/summary.md`;
  if (await fs.pathExists(summary)) console.log(`\n${await fs.readFile(summary, 'utf8')}`);
}

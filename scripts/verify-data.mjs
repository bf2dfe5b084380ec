#!/usr/bin/env zx
// Checks every data manifest (data-manifests/*.yaml): each listed file is present with the listed size
// and sha256. Exit code 1 with a one-line message naming the file and manifest on the first problem.
import { chalk, fs, glob } from 'zx';
import { verifyManifest } from '@relaxomap/phantoms';

const root = process.cwd();
const manifests = (await glob('data-manifests/*.yaml')).sort();
let failed = 0;
for (const manifest of manifests) {
  try {
    const m = await verifyManifest(manifest, root);
    console.log(`${chalk.green('✔')} ${manifest}: ${m.files.length} file(s) verified`);
  } catch (err) {
    failed++;
    console.error(`${chalk.red('✖')} ${String(err.message).split('\n')[0]}`);
  }
}
if (!manifests.length) console.error('no manifests in data-manifests/');
process.exit(failed || !manifests.length ? 1 : 0);

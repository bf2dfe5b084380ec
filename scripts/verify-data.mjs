#!/usr/bin/env zx
// Checks every data manifest (data-manifests/*.yaml): each listed file is present with the listed size
// and sha256. Exit code 1 with a one-line message naming the file and manifest on the first problem.
// Manifests of data the user downloads (bundled: false, e.g. the paper's in-vivo scans) are checked
// only when their files are there; otherwise the line says where to get them.
import { chalk, glob } from 'zx';
import { missingManifestFiles, readManifest, verifyManifest } from '@relaxomap/phantoms';

const root = process.cwd();
const manifests = (await glob('data-manifests/*.yaml')).sort();
let failed = 0;
for (const manifest of manifests) {
  try {
    const info = await readManifest(manifest);
    const missing = await missingManifestFiles(manifest, root);
    if (!info.bundled && missing.length === info.files.length) {
      console.log(`${chalk.dim('–')} ${manifest}: not downloaded (optional; get it from ${info.source.join(' or ')})`);
      continue;
    }
    const m = await verifyManifest(manifest, root);
    console.log(`${chalk.green('✔')} ${manifest}: ${m.files.length} file(s) verified`);
  } catch (err) {
    failed++;
    console.error(`${chalk.red('✖')} ${String(err.message).split('\n')[0]}`);
  }
}
if (!manifests.length) console.error('no manifests in data-manifests/');
process.exit(failed || !manifests.length ? 1 : 0);

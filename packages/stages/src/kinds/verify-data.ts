/**
 * verify-data: checks every file of a data manifest (present, size, SHA-256) before any stage reads
 * the data. A missing file stops the run saying where to get it and where to put it; a changed one
 * names the file. Writes verified.json: the manifest's id, files and protocol, for the stages after.
 */
import { join } from 'node:path';
import { statSync } from 'node:fs';
import { sha256File, writeJsonAtomic } from '@relaxomap/array-io';
import { PipelineError, type StageContext } from '@relaxomap/pipeline';
import { verifyManifest } from '@relaxomap/phantoms';
import type { VerifyDataParams } from '../params.js';

export async function run(ctx: StageContext<VerifyDataParams>): Promise<void> {
  const manifestPath = ctx.params.manifest;
  let manifest;
  try {
    manifest = await verifyManifest(join(ctx.root, manifestPath), ctx.root);
  } catch (err) {
    // verifyManifest's messages already name the file and the manifest; keep them as they are.
    throw new PipelineError((err as Error).message);
  }
  const unchecked = manifest.files.filter((f) => f.sha256 === undefined).map((f) => f.path);
  if (unchecked.length) ctx.log(`${unchecked.length} file(s) of ${manifestPath} have no recorded checksum (downloaded data): checked for presence only`);
  await writeJsonAtomic(join(ctx.outDir, 'verified.json'), {
    manifest: manifestPath,
    id: manifest.id,
    bundled: manifest.bundled,
    // Files without a recorded checksum (downloads) get the one measured now: it is what tells the
    // stages after this one (through Nx's hash of this output) that the data changed.
    files: await Promise.all(manifest.files.map(async (f) => ({
      path: f.path,
      sha256: f.sha256 ?? (await sha256File(join(ctx.root, f.path))),
      size: f.size ?? statSync(join(ctx.root, f.path)).size,
      recorded: f.sha256 !== undefined,
    }))),
    ...(manifest.protocol !== undefined ? { protocol: manifest.protocol } : {}),
    ...(manifest.reference !== undefined ? { reference: manifest.reference } : {}),
  });
  await ctx.run.setTags({ 'relaxomap.data.manifest': manifestPath, 'relaxomap.data.id': manifest.id });
  await ctx.run.logMetrics([{ key: 'files_verified', value: manifest.files.length - unchecked.length }]);
  ctx.log(`${manifest.id}: ${manifest.files.length} file(s) verified against ${manifestPath}`);
}


/**
 * reports/<pipeline>/ is a published view: the union of the `reports/` folders that the pipeline's
 * report stages wrote into their own outputs (artifacts/<pipeline>/<stage>/reports/, which Nx caches
 * and restores). Rebuilding it from those copies — after a stage runs, and after `relaxomap run`,
 * when Nx may have restored stages from its cache without running them — means two report stages
 * of one pipeline never overwrite each other's files.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { withAtomicDir } from '@relaxomap/array-io';
import { PipelineError } from './errors.js';

/** Folder of a report stage's output that holds its reports. */
export const REPORTS_SUBDIR = 'reports';

/**
 * Rebuild reports/<pipeline>/ (atomically) from the reports of the given stages that have run.
 * Two stages writing the same file name is a pipeline error naming both.
 *
 * @returns the published file names, sorted
 */
export async function publishReports(root: string, pipeline: string, stageIds: readonly string[]): Promise<string[]> {
  const owner = new Map<string, string>();
  const sources: [string, string][] = [];
  for (const id of [...stageIds].sort()) {
    const dir = join(root, 'artifacts', pipeline, id, REPORTS_SUBDIR);
    if (!existsSync(dir)) continue;
    for (const rel of listFiles(dir)) {
      const other = owner.get(rel);
      if (other) throw new PipelineError(`stages '${other}' and '${id}' both write reports/${pipeline}/${rel}: give one of them another file name`);
      owner.set(rel, id);
      sources.push([join(dir, rel), rel]);
    }
  }
  if (!sources.length) return [];
  await withAtomicDir(join(root, 'reports', pipeline), async (tmp) => {
    for (const [from, rel] of sources) {
      mkdirSync(join(tmp, rel, '..'), { recursive: true });
      copyFileSync(from, join(tmp, rel));
    }
  });
  return [...owner.keys()].sort();
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]);
}

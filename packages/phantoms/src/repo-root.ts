import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The repository root: the nearest folder at or above `startDir` that holds `nx.json`.
 * Lets code and tests find committed data (data/, data-manifests/) from wherever they run.
 */
export function findRepoRoot(startDir: string): string {
  let dir = startDir;
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no nx.json found at or above ${startDir}`);
    dir = up;
  }
}

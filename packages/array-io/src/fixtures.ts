/**
 * Test support shared by the array-io tests (not exported from the package): where the repository and
 * the shared real-data folder are, and whether Debian's Python has a module for cross-checks.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(): string | null {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

const repoRoot = findRepoRoot();

/** The shared data folder sits beside (or inside) the checkout, depending on the machine; '/nonexistent' if absent. */
export const sharedData =
  (repoRoot ? ['shared/data', '../shared/data', '../../shared/data'].map((p) => resolve(repoRoot, p)) : []).find((p) => existsSync(p)) ?? '/nonexistent';

/** Debian's Python (the pyenv shim on PATH may not see Debian's packages). */
export const PY = '/usr/bin/python3';

/** Whether {@link PY} can import `module`. */
export function pythonHas(module: string): boolean {
  return existsSync(PY) && spawnSync(PY, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Facts about the checkout a command runs in: where its Nx cache is, and which tracking store the tasks
 * must share with it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileStorePath } from '@relaxomap/tracking';
import type { ClusterSettings } from './config.js';

/** The checkout's own Nx cache folder: NX_CACHE_DIRECTORY, else nx.json's cacheDirectory, else .nx/cache. */
export function localNxCacheDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.NX_CACHE_DIRECTORY) return resolve(root, env.NX_CACHE_DIRECTORY);
  try {
    const nx = JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8')) as { cacheDirectory?: string };
    if (nx.cacheDirectory) return resolve(root, nx.cacheDirectory);
  } catch {
    // no nx.json: Nx itself will complain
  }
  return join(root, '.nx', 'cache');
}

/**
 * The tracking environment every task gets, so that all of them (and this command) log to one place:
 * an MLflow server named by MLFLOW_TRACKING_URI (with the local mirror store on the shared filesystem),
 * a file store named by it (made absolute), or else the settings' shared file store.
 */
export function trackingEnv(root: string, settings: ClusterSettings, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const uri = env.MLFLOW_TRACKING_URI?.trim();
  if (uri && /^https?:\/\//i.test(uri)) {
    const local = env.RELAXOMAP_LOCAL_MLRUNS?.trim();
    return { MLFLOW_TRACKING_URI: uri, RELAXOMAP_LOCAL_MLRUNS: local ? fileStorePath(local, root) : settings.trackingStore };
  }
  return { MLFLOW_TRACKING_URI: uri ? fileStorePath(uri, root) : settings.trackingStore };
}

/** True when `dir` looks like a relaxomap workspace root. */
export function isWorkspaceRoot(dir: string): boolean {
  return existsSync(join(dir, 'nx.json')) && existsSync(join(dir, 'pipelines'));
}

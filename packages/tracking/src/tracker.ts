/**
 * Pick a tracking store from a URI the way MLflow does: `http(s)://…` → tracking server (REST API
 * 2.0); `file:…`, a plain path, or nothing → the local file store (default `./mlruns` under cwd).
 * The URI comes from the option, else `MLFLOW_TRACKING_URI`.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileStoreTracker } from './file-store.js';
import { RestTracker } from './rest-tracker.js';
import type { Tracker } from './types.js';

export interface CreateTrackerOptions {
  /** `http(s)://host:port`, `file:///abs/mlruns`, `file:rel/dir` or a path. Default: MLFLOW_TRACKING_URI, else `./mlruns`. */
  trackingUri?: string;
  /** Base for relative store paths and for the git commit tag (default process.cwd()). */
  cwd?: string;
  /** Environment to read MLFLOW_* variables from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** REST only: per-request timeout in ms (default MLFLOW_HTTP_REQUEST_TIMEOUT s, else 30 000). */
  timeoutMs?: number;
}

/** Resolve a `file:` URI or plain path to an absolute folder. */
export function fileStorePath(uri: string, cwd: string): string {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (uri.startsWith('file:')) return path.resolve(cwd, decodeURIComponent(uri.slice('file:'.length)));
  return path.resolve(cwd, uri);
}

/** A Tracker for the resolved tracking URI (see module doc). Throws for schemes it cannot serve. */
export function createTracker(opts: CreateTrackerOptions = {}): Tracker {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const env = opts.env ?? process.env;
  const uri = (opts.trackingUri ?? env.MLFLOW_TRACKING_URI ?? '').trim();
  if (uri === '') return new FileStoreTracker(path.join(cwd, 'mlruns'), { cwd });
  if (/^https?:\/\//i.test(uri)) return new RestTracker({ baseUrl: uri, cwd, env, ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) });
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1];
  if (scheme && scheme.toLowerCase() !== 'file' && !/^[A-Za-z]$/.test(scheme)) {
    throw new Error(`tracking URI '${uri}': scheme '${scheme}' is not supported (use http(s)://, file: or a folder path)`);
  }
  return new FileStoreTracker(fileStorePath(uri, cwd), { cwd });
}

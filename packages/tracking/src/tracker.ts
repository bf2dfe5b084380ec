/**
 * Pick a tracking store from a URI the way MLflow does: `http(s)://…` → tracking server (REST API
 * 2.0); `file:…`, a plain path, or nothing → the local file store (default `./mlruns` under cwd).
 * The URI comes from the option, else `MLFLOW_TRACKING_URI`.
 *
 * A tracking server never loses a run: for an http(s) URI the tracker is a {@link MirroredTracker}
 * that writes every call to a local file store first (`RELAXOMAP_LOCAL_MLRUNS`, else
 * `<cwd>/mlruns`) and then to the server, best-effort. When the server is down at the start or goes
 * down in the middle, one warning line is printed and the run goes on locally; `syncFileStore`
 * (`relaxomap sync`) uploads it later. File-store URIs behave as before (one store, no mirror).
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileStoreTracker } from './file-store.js';
import { MirroredTracker } from './mirror-tracker.js';
import { RestTracker } from './rest-tracker.js';
import type { Tracker } from './types.js';

export interface CreateTrackerOptions {
  /** `http(s)://host:port`, `file:///abs/mlruns`, `file:rel/dir` or a path. Default: MLFLOW_TRACKING_URI, else `./mlruns`. */
  trackingUri?: string;
  /** Base for relative store paths and for the git commit tag (default process.cwd()). */
  cwd?: string;
  /** Environment to read MLFLOW_* and RELAXOMAP_LOCAL_MLRUNS from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** REST only: per-request timeout in ms (default MLFLOW_HTTP_REQUEST_TIMEOUT s, else 30 000). */
  timeoutMs?: number;
  /** http(s) only: the local store every run is also written to; see {@link localStorePath}. */
  localStore?: string;
  /** http(s) only: receives the one warning line when the server is unreachable (default stderr). */
  warn?: (line: string) => void;
}

/** Resolve a `file:` URI or plain path to an absolute folder. */
export function fileStorePath(uri: string, cwd: string): string {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (uri.startsWith('file:')) return path.resolve(cwd, decodeURIComponent(uri.slice('file:'.length)));
  return path.resolve(cwd, uri);
}

/**
 * The local file store that backs a tracking server (and that `relaxomap sync` uploads from): the
 * option, else `RELAXOMAP_LOCAL_MLRUNS` (a folder or `file:` URI, relative to cwd), else
 * `<cwd>/mlruns` — the same folder a run without a tracking URI writes to.
 */
export function localStorePath(opts: { localStore?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const given = (opts.localStore ?? (opts.env ?? process.env).RELAXOMAP_LOCAL_MLRUNS ?? '').trim();
  return given === '' ? path.join(cwd, 'mlruns') : fileStorePath(given, cwd);
}

/** A Tracker for the resolved tracking URI (see module doc). Throws for schemes it cannot serve. */
export function createTracker(opts: CreateTrackerOptions = {}): Tracker {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const env = opts.env ?? process.env;
  const uri = (opts.trackingUri ?? env.MLFLOW_TRACKING_URI ?? '').trim();
  if (uri === '') return new FileStoreTracker(path.join(cwd, 'mlruns'), { cwd });
  if (/^https?:\/\//i.test(uri)) {
    const server = new RestTracker({ baseUrl: uri, cwd, env, ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) });
    const local = new FileStoreTracker(localStorePath({ cwd, env, ...(opts.localStore !== undefined ? { localStore: opts.localStore } : {}) }), { cwd });
    return new MirroredTracker({ local, server, cwd, ...(opts.warn ? { warn: opts.warn } : {}) });
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1];
  if (scheme && scheme.toLowerCase() !== 'file' && !/^[A-Za-z]$/.test(scheme)) {
    throw new Error(`tracking URI '${uri}': scheme '${scheme}' is not supported (use http(s)://, file: or a folder path)`);
  }
  return new FileStoreTracker(fileStorePath(uri, cwd), { cwd });
}

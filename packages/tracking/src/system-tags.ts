/**
 * The tags MLflow's fluent `start_run` adds from its context providers, so runs written here look
 * like runs started from Python: mlflow.user, mlflow.source.name, mlflow.source.type,
 * mlflow.source.git.commit, mlflow.runName.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { CreateRunOptions } from './types.js';

/** `getpass.getuser()`: LOGNAME, USER, LNAME, USERNAME, then the password database. */
export function currentUser(): string {
  for (const v of ['LOGNAME', 'USER', 'LNAME', 'USERNAME']) {
    const u = process.env[v];
    if (u) return u;
  }
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** The default `mlflow.source.name`: the entry script, like Python's sys.argv[0]. */
export function defaultSourceName(): string {
  const script = process.argv[1];
  return script ? path.resolve(script) : '';
}

/**
 * Tags for a new run: system tags first, the caller's tags over them (as mlflow.start_run merges).
 * Throws when the caller's `mlflow.runName` tag contradicts `runName` (MLflow rejects that too).
 */
export function runTags(opts: CreateRunOptions, user: string, commit: string | undefined): Record<string, string> {
  const given = opts.tags ?? {};
  const tagName = given['mlflow.runName'];
  if (tagName !== undefined && opts.runName && tagName !== opts.runName) {
    throw new Error(`createRun: runName '${opts.runName}' and tag mlflow.runName '${tagName}' differ`);
  }
  const tags: Record<string, string> = {
    'mlflow.user': user,
    'mlflow.source.name': opts.sourceName ?? defaultSourceName(),
    'mlflow.source.type': 'LOCAL',
  };
  if (commit) tags['mlflow.source.git.commit'] = commit;
  return { ...tags, ...given };
}

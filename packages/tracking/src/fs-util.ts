/**
 * File helpers for the MLflow file store: atomic writes (one torn meta.yaml breaks MLflow's search
 * for a whole experiment) and a cross-process lock built on exclusive file creation.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Write `data` to `file` atomically: write + fsync a sibling temp file, then rename over the target.
 * Readers see either the old or the new content, never a partial file. Synchronous so it can run
 * inside an exit/signal handler.
 */
export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, 'wx');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock file is stale when its owner process is gone or it is older than `staleMs`. */
function isStale(lockPath: string, staleMs: number): boolean {
  try {
    const st = fs.statSync(lockPath);
    if (Date.now() - st.mtimeMs > staleMs) return true;
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8').split(/\s/)[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid);
  } catch {
    return false; // vanished meanwhile: not stale, just retry
  }
}

/**
 * Run `fn` while holding `lockPath` (created with O_EXCL, holding `<pid> <time>`). Waits with
 * jittered polling up to `timeoutMs`; steals a lock whose owner died or that is older than
 * `staleMs`.
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T> | T,
  { timeoutMs = 15_000, staleMs = 30_000 }: { timeoutMs?: number; staleMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      fs.writeSync(fd, `${process.pid} ${Date.now()}\n`);
      fs.closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (isStale(lockPath, staleMs)) {
        fs.rmSync(lockPath, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`lock ${lockPath}: still held by another process after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockPath, { force: true });
  }
}

/** Reject artifact sub-paths that would escape the artifact root (`..`, absolute paths). */
export function checkArtifactSubpath(artifactPath: string | undefined): string {
  if (artifactPath === undefined || artifactPath === '' || artifactPath === '.') return '';
  const p = artifactPath.replace(/\\/g, '/');
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.split('/').some((s) => s === '..')) {
    throw new Error(`artifactPath '${artifactPath}' must be a relative path inside the run's artifacts`);
  }
  return p.split('/').filter((s) => s !== '' && s !== '.').join('/');
}

/** Every file under `dir` as posix relative paths, sorted. */
export function listFilesRecursive(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string): void => {
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      const a = path.join(abs, entry.name);
      const r = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(a, r);
      else if (entry.isFile() || (entry.isSymbolicLink() && fs.statSync(a).isFile())) out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

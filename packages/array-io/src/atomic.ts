import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A temp name beside `target`, hidden, unique per process and call. */
function siblingTemp(target: string, tag: string): string {
  const suffix = `${process.pid}-${randomBytes(6).toString('hex')}`;
  return join(dirname(target), `.${basename(target)}.${tag}-${suffix}`);
}

/** fsync a directory so a rename inside it survives a crash; some filesystems refuse, which is harmless. */
async function syncDir(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // Directory fsync is best effort (EISDIR/EINVAL on some platforms).
  } finally {
    await handle?.close();
  }
}

/**
 * Write a file so that readers see either the old content or the complete new content, never a
 * partial file: write a temp file in the same directory, fsync it, then rename it over `path`.
 * The temp file is removed if anything fails. Missing parent directories are created.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await fsp.mkdir(dirname(path), { recursive: true });
  const tmp = siblingTemp(path, 'tmp');
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(tmp, 'wx');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(tmp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dirname(path));
}

/** {@link writeFileAtomic} of `JSON.stringify(value, null, 2)` plus a trailing newline. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Build a directory atomically: `build` fills a fresh sibling temp directory; only when it resolves
 * is the temp renamed to `finalDir` (an existing `finalDir` is swapped out and deleted). If `build`
 * throws, the temp directory is removed, `finalDir` is left untouched and the error is rethrown.
 * Missing parent directories of `finalDir` are created.
 *
 * @returns whatever `build` returns.
 */
export async function withAtomicDir<T>(finalDir: string, build: (tmpDir: string) => Promise<T>): Promise<T> {
  const tmp = siblingTemp(finalDir, 'building');
  await fsp.mkdir(dirname(finalDir), { recursive: true });
  await fsp.mkdir(tmp);
  let result: T;
  try {
    result = await build(tmp);
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  // rename() cannot replace a non-empty directory, so move the old one aside first.
  const old = siblingTemp(finalDir, 'old');
  let movedOld = false;
  try {
    await fsp.rename(finalDir, old);
    movedOld = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      await fsp.rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }
  try {
    await fsp.rename(tmp, finalDir);
  } catch (err) {
    if (movedOld) await fsp.rename(old, finalDir).catch(() => undefined);
    await fsp.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await syncDir(dirname(finalDir));
  if (movedOld) await fsp.rm(old, { recursive: true, force: true });
  return result;
}

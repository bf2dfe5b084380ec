/**
 * Workspace mirrors. A submission takes a snapshot of the checkout (small files copied, so editing or
 * rebuilding the checkout while jobs wait in the queue changes nothing they run); every task then runs
 * in its own hard-linked mirror of that snapshot, with its own artifacts/ folder.
 *
 * Why a folder per task and not the checkout itself: Nx restores a cached task by deleting its output
 * folder and copying the cached files back. Two tasks of one array restoring the shared stages into
 * one artifacts/ folder would delete files the other is reading (or hashing). Per-task folders make that
 * impossible; results travel through the shared Nx cache instead.
 *
 * What keeps Nx's cache keys identical between the checkout and a mirror: the same tracked and untracked
 * files at the same relative paths, real files where the checkout has real files (Nx does not follow
 * symbolic links when it hashes inputs) and symbolic links where the checkout has them. Folders Nx never
 * hashes (node_modules, .git) become links; node_modules is mirrored one level deep so that the
 * workspace's own packages (`@relaxomap/*`, relative links into packages/) resolve inside the mirror.
 */
import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, symlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

export interface MirrorOptions {
  /** `copy`: copy files (hard-link those of at least `linkAtBytes`); `link`: hard-link every file. */
  readonly mode: 'copy' | 'link';
  /** copy mode: files this big or bigger are hard-linked instead (data, not code). Default 1 MiB. */
  readonly linkAtBytes?: number;
  /** Absolute paths left out (outputs, caches, stores, the submissions folder). */
  readonly skip?: readonly string[];
}

export interface MirrorStats {
  files: number;
  hardLinks: number;
  symlinks: number;
}

/** Top-level folders of a workspace that hold outputs or state, never inputs. */
export const OUTPUT_FOLDERS = ['.nx', 'artifacts', 'mlruns', 'reports', '.relaxomap', '.tmp'];

const inside = (path: string, root: string): boolean => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/**
 * Mirror `src` into `dest` (created; must not exist). The result always has a `.git`: a link to the
 * source's git folder, or an empty folder — a repository root stops Nx (and git) from applying ignore
 * files of the folders above it, e.g. of the checkout the mirror lives in.
 */
export function mirrorWorkspace(src: string, dest: string, opts: MirrorOptions): MirrorStats {
  const root = realpathSync(src);
  const skip = new Set([...OUTPUT_FOLDERS.map((f) => join(root, f)), ...(opts.skip ?? []).map((p) => resolve(p))]);
  const stats: MirrorStats = { files: 0, hardLinks: 0, symlinks: 0 };
  mkdirSync(dirname(dest), { recursive: true });
  mkdirSync(dest);
  const linkAt = opts.mode === 'link' ? 0 : (opts.linkAtBytes ?? 1024 * 1024);

  const link = (from: string, to: string): void => {
    const target = readlinkSync(from);
    const resolved = resolve(dirname(from), target);
    // A relative link that stays inside the tree keeps pointing inside the mirror; any other points where the source's pointed.
    symlinkSync(!isAbsolute(target) && inside(resolved, root) ? target : resolved, to);
    stats.symlinks++;
  };
  const file = (from: string, to: string, size: number): void => {
    if (size >= linkAt) {
      try {
        linkSync(from, to);
        stats.hardLinks++;
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EMLINK') throw err;
      }
    }
    copyFileSync(from, to);
    stats.files++;
  };
  /** node_modules: its entries become links (relative ones kept, so workspace packages resolve in the mirror). */
  const shallow = (from: string, to: string, depth: number): void => {
    mkdirSync(to);
    for (const e of readdirSync(from, { withFileTypes: true })) {
      const f = join(from, e.name);
      const t = join(to, e.name);
      if (e.isSymbolicLink()) link(f, t);
      else if (e.isDirectory() && e.name.startsWith('@') && depth === 0) shallow(f, t, 1);
      else {
        symlinkSync(realpathSync(f), t);
        stats.symlinks++;
      }
    }
  };
  const walk = (from: string, to: string, top: boolean): void => {
    for (const e of readdirSync(from, { withFileTypes: true })) {
      const f = join(from, e.name);
      const t = join(to, e.name);
      if (skip.has(f)) continue;
      if (top && e.name === '.git') {
        symlinkSync(realpathSync(f), t);
        stats.symlinks++;
      } else if (e.isSymbolicLink()) link(f, t);
      else if (e.isDirectory()) {
        if (e.name === 'node_modules') shallow(f, t, 0);
        else {
          mkdirSync(t);
          walk(f, t, false);
        }
      } else if (e.isFile()) file(f, t, lstatSync(f).size);
      // sockets, fifos, devices: not part of a workspace
    }
  };
  walk(root, dest, true);
  if (!existsSync(join(dest, '.git'))) mkdirSync(join(dest, '.git'));
  return stats;
}

/**
 * The current git commit, for the `mlflow.source.git.commit` tag. Reads `.git` directly (HEAD, loose
 * refs, packed-refs, worktree `gitdir:` files) and only spawns `git rev-parse HEAD` when that fails.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SHA_RE = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The git dir for `start` (walking up), following a `.git` file's `gitdir:` pointer. */
function findGitDir(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    const dotGit = path.join(dir, '.git');
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(dotGit);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) return dotGit;
    if (st?.isFile()) {
      const m = /^gitdir:\s*(.+?)\s*$/m.exec(readText(dotGit) ?? '');
      if (m) return path.resolve(dir, m[1]!);
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function resolveRef(gitDir: string, ref: string): string | undefined {
  const common = readText(path.join(gitDir, 'commondir'))?.trim();
  const dirs = common ? [gitDir, path.resolve(gitDir, common)] : [gitDir];
  for (const d of dirs) {
    const loose = readText(path.join(d, ref))?.trim();
    if (loose && SHA_RE.test(loose)) return loose;
    if (loose?.startsWith('ref:')) return resolveRef(gitDir, loose.slice(4).trim());
  }
  for (const d of dirs) {
    const packed = readText(path.join(d, 'packed-refs'));
    if (!packed) continue;
    for (const line of packed.split('\n')) {
      const [sha, name] = line.trim().split(/\s+/);
      if (name === ref && sha && SHA_RE.test(sha)) return sha;
    }
  }
  return undefined;
}

/** Commit hash of HEAD for the repository containing `cwd`; undefined outside a repository. */
export function gitCommit(cwd: string = process.cwd()): string | undefined {
  const gitDir = findGitDir(cwd);
  if (!gitDir) return undefined;
  const head = readText(path.join(gitDir, 'HEAD'))?.trim();
  if (head && SHA_RE.test(head)) return head;
  if (head?.startsWith('ref:')) {
    const sha = resolveRef(gitDir, head.slice(4).trim());
    if (sha) return sha;
  }
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    return SHA_RE.test(out) ? out : undefined;
  } catch {
    return undefined; // unborn branch, or git missing
  }
}

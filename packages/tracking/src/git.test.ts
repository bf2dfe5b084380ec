import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gitCommit } from './git.js';

const SHA1 = '0123456789abcdef0123456789abcdef01234567';
const SHA2 = 'fedcba9876543210fedcba9876543210fedcba98';

function withTmp(fn: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracking-git-'));
  try {
    fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('gitCommit', () => {
  it('reads HEAD → loose ref, packed ref, detached HEAD from a sub-folder', () => {
    withTmp((dir) => {
      const git = path.join(dir, '.git');
      fs.mkdirSync(path.join(git, 'refs', 'heads'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
      fs.writeFileSync(path.join(git, 'HEAD'), 'ref: refs/heads/main\n');
      fs.writeFileSync(path.join(git, 'refs', 'heads', 'main'), `${SHA1}\n`);
      assert.equal(gitCommit(path.join(dir, 'a', 'b')), SHA1);
      fs.rmSync(path.join(git, 'refs', 'heads', 'main'));
      fs.writeFileSync(path.join(git, 'packed-refs'), `# pack-refs with: peeled fully-peeled sorted\n${SHA2} refs/heads/main\n`);
      assert.equal(gitCommit(dir), SHA2);
      fs.writeFileSync(path.join(git, 'HEAD'), `${SHA1}\n`);
      assert.equal(gitCommit(dir), SHA1);
    });
  });

  it('follows a worktree .git file to its gitdir and commondir', () => {
    withTmp((dir) => {
      const main = path.join(dir, 'main', '.git');
      const wt = path.join(main, 'worktrees', 'wt1');
      fs.mkdirSync(path.join(main, 'refs', 'heads'), { recursive: true });
      fs.mkdirSync(wt, { recursive: true });
      fs.writeFileSync(path.join(main, 'refs', 'heads', 'feature'), `${SHA2}\n`);
      fs.writeFileSync(path.join(wt, 'HEAD'), 'ref: refs/heads/feature\n');
      fs.writeFileSync(path.join(wt, 'commondir'), '../..\n');
      fs.mkdirSync(path.join(dir, 'checkout'));
      fs.writeFileSync(path.join(dir, 'checkout', '.git'), `gitdir: ${wt}\n`);
      assert.equal(gitCommit(path.join(dir, 'checkout')), SHA2);
    });
  });

  it('is undefined outside a repository', () => {
    withTmp((dir) => assert.equal(gitCommit(dir), undefined));
  });

  it('agrees with `git rev-parse HEAD` on this checkout (skipped without git or commits)', (t) => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    let expected: string;
    try {
      expected = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return t.skip('git or commits unavailable');
    }
    assert.equal(gitCommit(here), expected);
  });
});

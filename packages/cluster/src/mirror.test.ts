import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mirrorWorkspace } from './mirror.js';

/** A small workspace: code, data, a workspace package linked from node_modules, outputs that must not travel. */
function workspace(): { root: string; outside: string } {
  const root = mkdtempSync(join(tmpdir(), 'relaxomap-mirror-src-'));
  const outside = mkdtempSync(join(tmpdir(), 'relaxomap-mirror-outside-'));
  const write = (p: string, text: string | Buffer): void => {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  };
  write('nx.json', '{}');
  write('packages/util/package.json', '{"name":"@ws/util","type":"module","main":"index.js"}');
  write('packages/util/index.js', 'export const where = import.meta.url;');
  write('data/big.bin', Buffer.alloc(4096, 7));
  write('artifacts/tiny/simulate/echoes.npy', 'output');
  write('.nx/cache/run.json', '{}');
  writeFileSync(join(outside, 'shared.txt'), 'outside');
  mkdirSync(join(root, 'node_modules/@ws'), { recursive: true });
  mkdirSync(join(root, 'node_modules/left-pad'), { recursive: true });
  writeFileSync(join(root, 'node_modules/left-pad/index.js'), '');
  symlinkSync('../../packages/util', join(root, 'node_modules/@ws/util'));
  symlinkSync(join(outside, 'shared.txt'), join(root, 'data/linked.txt'));
  return { root, outside };
}

test('snapshot (copy): small files copied, big ones hard-linked, outputs left out, links kept, a .git that stops parent ignore files', () => {
  const { root, outside } = workspace();
  const dest = join(mkdtempSync(join(tmpdir(), 'relaxomap-mirror-dest-')), 'snapshot');
  const stats = mirrorWorkspace(root, dest, { mode: 'copy', linkAtBytes: 1024 });
  assert.equal(readFileSync(join(dest, 'packages/util/index.js'), 'utf8'), 'export const where = import.meta.url;');
  assert.notEqual(statSync(join(dest, 'packages/util/index.js')).ino, statSync(join(root, 'packages/util/index.js')).ino, 'code is copied: editing the checkout later changes nothing queued');
  assert.equal(statSync(join(dest, 'data/big.bin')).ino, statSync(join(root, 'data/big.bin')).ino, 'big files are hard-linked');
  assert.equal(existsSync(join(dest, 'artifacts')), false);
  assert.equal(existsSync(join(dest, '.nx')), false);
  assert.equal(readlinkSync(join(dest, 'data/linked.txt')), realpathSync(join(outside, 'shared.txt')), 'a link out of the tree points where it pointed');
  assert.equal(readlinkSync(join(dest, 'node_modules/@ws/util')), '../../packages/util', 'workspace packages stay relative: they resolve inside the mirror');
  assert.equal(readlinkSync(join(dest, 'node_modules/left-pad')), realpathSync(join(root, 'node_modules/left-pad')));
  assert.ok(lstatSync(join(dest, '.git')).isDirectory());
  assert.deepEqual(stats, { files: 3, hardLinks: 1, symlinks: 3 });
});

test('task workspace (link): every file hard-linked, and its workspace packages are its own', () => {
  const { root } = workspace();
  const base = mkdtempSync(join(tmpdir(), 'relaxomap-mirror-dest-'));
  mirrorWorkspace(root, join(base, 'snapshot'), { mode: 'copy' });
  const ws = join(base, 'ws', 'points-0');
  mirrorWorkspace(join(base, 'snapshot'), ws, { mode: 'link' });
  assert.equal(statSync(join(ws, 'packages/util/index.js')).ino, statSync(join(base, 'snapshot/packages/util/index.js')).ino);
  const where = execFileSync(process.execPath, ['--input-type=module', '-e', "import('@ws/util').then((m) => console.log(m.where))"], { cwd: ws, encoding: 'utf8' }).trim();
  assert.equal(where, `file://${realpathSync(ws)}/packages/util/index.js`);
});

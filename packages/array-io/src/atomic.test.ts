import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { withAtomicDir, writeFileAtomic, writeJsonAtomic } from './atomic.js';
import { assertFinite, sha256File } from './checks.js';

const tmp = mkdtempSync(join(tmpdir(), 'atomic-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('writeFileAtomic / writeJsonAtomic', () => {
  it('replaces the content and leaves no temp file behind', async () => {
    const dir = join(tmp, 'files');
    mkdirSync(dir);
    const path = join(dir, 'a.txt');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'new content');
    assert.equal(readFileSync(path, 'utf8'), 'new content');
    await writeJsonAtomic(join(dir, 'b.json'), { x: [1, 2] });
    assert.equal(readFileSync(join(dir, 'b.json'), 'utf8'), '{\n  "x": [\n    1,\n    2\n  ]\n}\n');
    assert.deepEqual(readdirSync(dir).sort(), ['a.txt', 'b.json']);
  });
  it('creates missing parent directories', async () => {
    await writeFileAtomic(join(tmp, 'missing', 'deeper', 'x.bin'), new Uint8Array([1, 2]));
    assert.deepEqual([...readFileSync(join(tmp, 'missing', 'deeper', 'x.bin'))], [1, 2]);
    assert.deepEqual(readdirSync(join(tmp, 'missing', 'deeper')), ['x.bin']);
  });
});

describe('withAtomicDir', () => {
  it('builds into a temp sibling and swaps it in, replacing an existing directory', async () => {
    const parent = join(tmp, 'dirs');
    const final = join(parent, 'out');
    mkdirSync(final, { recursive: true });
    writeFileSync(join(final, 'stale.txt'), 'stale');
    let seen = '';
    const result = await withAtomicDir(final, async (t) => {
      seen = t;
      assert.notEqual(t, final);
      assert.equal(readFileSync(join(final, 'stale.txt'), 'utf8'), 'stale'); // untouched while building
      writeFileSync(join(t, 'new.txt'), 'fresh');
      return 42;
    });
    assert.equal(result, 42);
    assert.deepEqual(readdirSync(final), ['new.txt']);
    assert.equal(existsSync(seen), false);
    assert.deepEqual(readdirSync(parent), ['out']);
  });
  it('on failure removes the temp, keeps the old directory and rethrows', async () => {
    const parent = join(tmp, 'dirs2');
    const final = join(parent, 'out');
    mkdirSync(final, { recursive: true });
    writeFileSync(join(final, 'keep.txt'), 'keep');
    await assert.rejects(
      withAtomicDir(final, async (t) => {
        writeFileSync(join(t, 'half.txt'), 'half');
        throw new Error('stage failed');
      }),
      /stage failed/,
    );
    assert.deepEqual(readdirSync(parent), ['out']);
    assert.deepEqual(readdirSync(final), ['keep.txt']);
  });
  it('creates the directory (and missing parents) when it did not exist', async () => {
    const final = join(tmp, 'new-parent', 'fresh-dir');
    await withAtomicDir(final, async (t) => writeFileSync(join(t, 'a'), 'a'));
    assert.deepEqual(readdirSync(final), ['a']);
  });
});

describe('sha256File / assertFinite', () => {
  it('hashes a file (known answer for "abc")', async () => {
    const path = join(tmp, 'abc.txt');
    writeFileSync(path, 'abc');
    assert.equal(await sha256File(path), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
  it('names the first non-finite value and its index', () => {
    assert.doesNotThrow(() => assertFinite(new Float32Array([0, -1, 3e38]), 'T2 map'));
    assert.throws(() => assertFinite(new Float32Array([0, 1, NaN, Infinity]), 'T2 map'), { message: 'T2 map contains NaN at index 2' });
    assert.throws(() => assertFinite([1, -Infinity], 'M0'), { message: 'M0 contains -Infinity at index 1' });
    assert.throws(() => assertFinite(new Float64Array([Infinity]), 'x'), { message: 'x contains Infinity at index 0' });
  });
});

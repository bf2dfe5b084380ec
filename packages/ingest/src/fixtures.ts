/** Shared helpers of this package's tests (not exported from the package). */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import dicomParser from 'dicom-parser';
import { IngestError } from './errors.js';

/** The repository root: the nearest folder at or above `startDir` holding `nx.json`. */
export function findRepoRoot(startDir: string): string {
  let dir = startDir;
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no nx.json found at or above ${startDir}`);
    dir = up;
  }
}

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const NIST = join(repoRoot, 'data/real/nist-t2-plate4');
export const MET2 = join(repoRoot, 'data/real/qmrlab-met2-cpmg32/MET2data.npy.gz');
export const RAT = join(repoRoot, 'data/real/rat-mge15-kspace/rat6w_mge_kspace.npy.gz');

/** A fresh temporary folder for one test file's fixtures. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ingest-${prefix}-`));
}

/** Awaits `p` and checks it throws an IngestError naming `file` and `field`, one line, matching `what`. */
export async function rejectsIngest(p: Promise<unknown>, file: string, field: string | undefined, what: RegExp): Promise<IngestError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof IngestError, `expected an IngestError, got ${String(e)}`);
    assert.equal(e.file, file);
    assert.equal(e.field, field);
    assert.ok(!e.message.includes('\n'), `message must be one line: ${e.message}`);
    assert.ok(e.message.startsWith(field === undefined ? `${file}: ` : `${file}: ${field}: `), e.message);
    assert.match(e.message, what);
    return e;
  }
  assert.fail(`expected an IngestError naming ${file} ${field ?? ''}`);
}

/** Overwrites a DICOM element's value in place with a string of the same length (tests damage real files this way). */
export function patchDicomString(buf: Buffer, tag: string, value: string): void {
  const ds = dicomParser.parseDicom(new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
  const el = ds.elements[tag];
  if (!el) throw new Error(`no ${tag}`);
  if (value.length > el.length) throw new Error(`${value} longer than ${tag} (${el.length})`);
  buf.write(value.padEnd(el.length, ' '), el.dataOffset, 'latin1');
}

/** Byte offset and length of a DICOM element's value. */
export function dicomElement(buf: Buffer, tag: string): { offset: number; length: number } {
  const ds = dicomParser.parseDicom(new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
  const el = ds.elements[tag];
  if (!el) throw new Error(`no ${tag}`);
  return { offset: el.dataOffset, length: el.length };
}

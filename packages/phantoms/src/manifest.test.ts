import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { missingManifestFiles, readManifest, verifyManifest } from './manifest.js';
import { findRepoRoot } from './repo-root.js';

const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const manifestRel = 'data-manifests/brainweb.yaml';
const tmp = mkdtempSync(join(tmpdir(), 'manifest-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the manifest and its files in a fresh fake repository root. */
async function copyRepo(name: string): Promise<string> {
  const root = join(tmp, name);
  const manifest = await readManifest(join(repoRoot, manifestRel));
  for (const rel of [manifestRel, ...manifest.files.map((f) => f.path)]) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    copyFileSync(join(repoRoot, rel), join(root, rel));
  }
  return root;
}

describe('verifyManifest on data-manifests/brainweb.yaml', () => {
  it('passes on the committed data and returns the manifest', async () => {
    const m = await verifyManifest(join(repoRoot, manifestRel), repoRoot);
    assert.equal(m.id, 'brainweb');
    assert.deepEqual(m.used_by, ['t2-simulation']);
    const vol = m.files.find((f) => f.path.endsWith('BrainModel_anatomy.npy.gz'))!;
    assert.deepEqual(vol.shape, [216, 180, 180]);
    assert.equal(vol.dtype, 'uint8');
    assert.ok(vol.size! < 5 * 1024 * 1024);
    assert.ok(m.source.includes('leoliuf/MRiLab@5cdcf1f7:Resources/BrainModel.mat'));
  });

  it('names the file and the manifest when a byte changed (same size)', async () => {
    const root = await copyRepo('tampered');
    const rel = 'data/phantoms/brainweb-3d/BrainModel_anatomy.npy.gz';
    const bytes = readFileSync(join(root, rel));
    bytes[1000] = bytes[1000]! ^ 0xff;
    writeFileSync(join(root, rel), bytes);
    await assert.rejects(verifyManifest(join(root, manifestRel), root), {
      message: 'data/phantoms/brainweb-3d/BrainModel_anatomy.npy.gz: sha256 mismatch (manifest data-manifests/brainweb.yaml)',
    });
  });

  it('reports a size change', async () => {
    const root = await copyRepo('grown');
    appendFileSync(join(root, 'data/phantoms/brainweb-2d/brain2D_axial_labels.json'), '\n');
    await assert.rejects(verifyManifest(join(root, manifestRel), root), {
      message: 'data/phantoms/brainweb-2d/brain2D_axial_labels.json: size 1205 bytes, expected 1204 (manifest data-manifests/brainweb.yaml)',
    });
  });

  it('says where to get a missing file and where to put it', async () => {
    const root = await copyRepo('missing');
    const rel = 'data/phantoms/brainweb-3d/BrainModel_anatomy.npy.gz';
    rmSync(join(root, rel));
    await assert.rejects(verifyManifest(join(root, manifestRel), root), (err: Error) => {
      assert.match(err.message, /^missing: data\/phantoms\/brainweb-3d\/BrainModel_anatomy\.npy\.gz \(manifest data-manifests\/brainweb\.yaml\): get it from leoliuf\/MRiLab@5cdcf1f7:Resources\/BrainModel\.mat .* and put it at /);
      assert.ok(err.message.endsWith(join(root, rel)));
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  });

  it('rejects a malformed manifest naming the field', async () => {
    const path = join(tmp, 'bad.yaml');
    writeFileSync(path, 'id: x\ndescription: d\nlicence: l\ncitation: c\nsource: [a]\nused_by: [t]\nfiles:\n  - path: ../etc/passwd\n    sha256: 00\n    size: 1\n    format: raw\n');
    await assert.rejects(readManifest(path), { message: `${path}: files[0].path must be relative to the repository root without '..' (got ../etc/passwd)` });
  });
});

describe('manifests of downloadable (not bundled) data', () => {
  it('parse without checksums, and a missing file says where to get it and where to put it', async () => {
    const manifest = join(repoRoot, 'data-manifests', 'gao2023-invivo-t2.yaml');
    const m = await readManifest(manifest);
    assert.equal(m.bundled, false);
    assert.equal(m.files[0]!.sha256, undefined);
    const root = mkdtempSync(join(tmp, 'unbundled-'));
    assert.deepEqual(await missingManifestFiles(manifest, root), m.files.map((f) => f.path));
    await assert.rejects(verifyManifest(manifest, root), (err: Error) => {
      assert.match(err.message, /^missing: data\/external\/gao2023\/t2\/echoes\.nii\.gz \(manifest .*gao2023-invivo-t2\.yaml\): get it from https:\/\/cloud\.tsinghua\.edu\.cn\/.* and put it at .*data\/external\/gao2023\/t2\/echoes\.nii\.gz$/);
      return true;
    });
  });

  it('a bundled manifest still requires every checksum', async () => {
    const root = join(tmp, 'bundled-no-sha');
    mkdirSync(join(root, 'data-manifests'), { recursive: true });
    const text = readFileSync(join(repoRoot, manifestRel), 'utf8').replace(/^ {4}sha256: .*\n/m, '');
    writeFileSync(join(root, manifestRel), text);
    await assert.rejects(readManifest(join(root, manifestRel)), /files\[0\]\.sha256 must be a non-empty string/);
  });

  it('every committed manifest verifies', async () => {
    for (const name of ['nist-t2-plate4', 'qmrlab-met2-cpmg32', 'rat-mge15-kspace', 'mrf-schedules']) {
      const m = await verifyManifest(join(repoRoot, 'data-manifests', `${name}.yaml`), repoRoot);
      assert.ok(m.bundled && m.files.every((f) => f.sha256 && f.size !== undefined), name);
    }
  });
});

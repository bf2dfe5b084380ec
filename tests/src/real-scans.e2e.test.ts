/**
 * Real scans end to end (the committed data, so these run in CI): the NIST T2 plate read from its
 * DICOM files and from their dcm2niix NIfTI gives identical echoes and maps; maps keep the input
 * NIfTI's affine (header compared, and re-read by nibabel where it is installed); the per-sphere
 * table agrees with hazen's independent analysis of the same scan; and bad data fail one stage
 * with a one-line error naming the file, a FAILED run and no output.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeNifti, readNifti, readNpy, sha256File } from '@relaxomap/array-io';
import { readFileStore } from '@relaxomap/tracking';
import { REPO, createWorkspace } from './workspace.js';

const NIST = 'data/real/nist-t2-plate4';

function statuses(root: string, experiment: string): string[] {
  if (!existsSync(join(root, 'mlruns'))) return [];
  return readFileStore(join(root, 'mlruns')).experiments.filter((e) => e.name === experiment)
    .flatMap((e) => e.runs.map((r) => `${r.runName}:${r.status}`)).sort();
}

const nistPipeline = `description: NIST plate, tiny network
stages:
  - id: verify
    kind: verify-data
    params: { manifest: data-manifests/nist-t2-plate4.yaml }
  - id: load-dicom
    kind: load-echoes
    needs: [verify]
    params: { format: dicom, path: ${NIST}/dicom, drop_echoes: [0] }
  - id: load-nifti
    kind: load-echoes
    needs: [verify]
    params: { format: nifti, path: ${NIST}/nifti, drop_echoes: [0] }
  - id: load-crop
    kind: load-echoes
    needs: [verify]
    params: { format: nifti, path: ${NIST}/nifti, drop_echoes: [0], crop: { x: [10, 60], y: [20, 90] } }
  - id: varpro-dicom
    kind: varpro
    needs: [load-dicom]
    params: { model: rician }
  - id: varpro
    kind: varpro
    needs: [load-nifti]
    params: { model: rician }
  - id: train
    kind: train-t2
    needs: [load-nifti]
    params: { network: { blocks: 1, width: 4 }, steps: 4, stopping: { rule: none } }
  - id: spheres
    kind: nist-spheres
    needs: [load-nifti, varpro, varpro-dicom, train]
    params: configs/real/nist-spheres.yaml
  - id: maps
    kind: figure-maps
    needs: [load-nifti, varpro, train]
    params: { name: nist_t2_maps, t2_max_ms: 600, upscale: 1 }
`;

test('NIST T2 plate: DICOM = NIfTI, maps keep the affine, sphere table agrees with hazen', { timeout: 600_000 }, async () => {
  const ws = createWorkspace({ 'pipelines/nist.yaml': nistPipeline, 'configs/real/nist-spheres.yaml': readFileSync(join(REPO, 'configs/real/nist-spheres.yaml'), 'utf8') });
  const r = ws.cli(['run', 'nist']);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.deepEqual(statuses(ws.root, 'nist'), ['load-crop', 'load-dicom', 'load-nifti', 'maps', 'spheres', 'train', 'varpro', 'varpro-dicom', 'verify'].map((s) => `${s}:FINISHED`).sort());
  const art = (p: string) => join(ws.root, 'artifacts/nist', p);

  // The two copies of the scan give the same echoes, bit for bit, and the same maps.
  assert.equal(await sha256File(art('load-dicom/echoes.npy')), await sha256File(art('load-nifti/echoes.npy')));
  assert.equal(await sha256File(art('varpro-dicom/t2.npy')), await sha256File(art('varpro/t2.npy')));

  // A crop is the sub-block, and its affine's origin is the whole scan's voxel (x 10, y 20).
  const whole = await readNpy(art('load-nifti/echoes.npy'));
  const crop = await readNpy(art('load-crop/echoes.npy'));
  assert.deepEqual(crop.shape, [31, 1, 70, 50]);
  for (const [e, y, x] of [[0, 0, 0], [5, 33, 17], [30, 69, 49]] as const) {
    assert.equal((crop.data as Float32Array)[(e * 70 + y) * 50 + x], (whole.data as Float32Array)[(e * 192 + y + 20) * 192 + x + 10]);
  }
  const cropProtocol = JSON.parse(readFileSync(art('load-crop/protocol.json'), 'utf8'));
  const wholeAffine = JSON.parse(readFileSync(art('load-nifti/protocol.json'), 'utf8')).affine as number[][];
  for (let r = 0; r < 3; r++) {
    const a = wholeAffine[r]!;
    assert.ok(Math.abs(cropProtocol.affine[r][3] - (a[0]! * 10 + a[1]! * 20 + a[3]!)) < 1e-9, `origin row ${r}`);
  }
  assert.deepEqual(cropProtocol.crop_origin, [10, 20, 0]);
  assert.ok(Math.abs(cropProtocol.noise_sigma - JSON.parse(readFileSync(art('load-nifti/protocol.json'), 'utf8')).noise_sigma) < 1e-12, 'σ of the whole scan');

  // Maps written from NIfTI input carry the input's orientation: same sform/qform as the scan's NIfTI.
  const input = await readNifti(join(REPO, NIST, 'nifti/nist_t2_se32_e2.nii.gz'));
  for (const map of ['varpro/t2.nii.gz', 'varpro/m0.nii.gz', 'train/t2.nii.gz']) {
    const out = await readNifti(art(map));
    assert.deepEqual(out.shape, input.shape, map);
    assert.equal(out.header.sformCode, input.header.sformCode === 0 ? 1 : input.header.sformCode, `${map} sform_code`);
    assert.ok(out.header.qformCode > 0, `${map} qform_code`);
    const close = (a: readonly number[], b: readonly number[], what: string) =>
      a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-4, `${map} ${what}[${i}]: ${v} vs ${b[i]}`));
    out.header.srow.forEach((row, r) => close(row, input.header.srow[r]!, `srow[${r}]`));
    close(out.header.quatern, input.header.quatern, 'quatern');
    close(out.header.qoffset, input.header.qoffset, 'qoffset');
    close(out.voxelSizeMm, input.voxelSizeMm, 'pixdim');
    // Same numbers as the .npy twin.
    const npy = await readNpy(art(map.replace('.nii.gz', '.npy')));
    assert.deepEqual(Array.from(out.data.subarray(0, 1000)), Array.from((npy.data as Float32Array).subarray(0, 1000)));
  }
  // Any NIfTI reader: nibabel (where installed) reads the same affine and values.
  const nibabelPython = ['/usr/bin/python3', 'python3'].find((exe) => spawnSync(exe, ['-c', 'import nibabel'], { stdio: 'ignore' }).status === 0);
  const py = spawnSync(nibabelPython ?? 'python3', ['-c', `
import nibabel as nib, numpy as np, sys
m = nib.load(sys.argv[1]); i = nib.load(sys.argv[2]); t2 = np.load(sys.argv[3])
assert np.allclose(m.affine, i.affine, atol=1e-4), (m.affine, i.affine)
assert nib.aff2axcodes(m.affine) == nib.aff2axcodes(i.affine)
assert np.array_equal(np.asarray(m.dataobj)[..., 0].T, t2[0]), 'values'
print('nibabel ok', nib.aff2axcodes(m.affine))`, art('varpro/t2.nii.gz'), join(REPO, NIST, 'nifti/nist_t2_se32_e2.nii.gz'), art('varpro/t2.npy')], { encoding: 'utf8' });
  if (nibabelPython) assert.equal(py.status, 0, py.stderr + py.stdout);

  // Sphere table: the resolvable spheres (12.7 ≤ T2 ≤ 406.4/2 ms, the acquired train), and
  // Varpro's ROI means against hazen's own fit of this scan.
  const spheres = JSON.parse(readFileSync(art('spheres/spheres.json'), 'utf8'));
  assert.deepEqual(spheres.resolvable_spheres, [5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(spheres.identical, [{ a: 'varpro', b: 'varpro-dicom', max_abs_diff_ms: 0 }]);
  for (const row of spheres.rows) {
    if (!row.resolvable) continue;
    const rel = Math.abs(row.varpro_mean_ms / row.comparison_ms - 1);
    assert.ok(rel < 0.05, `sphere ${row.sphere}: Varpro ${row.varpro_mean_ms} ms vs hazen ${row.comparison_ms} ms`);
  }
  for (const f of ['sphere_t2.svg', 'sphere_t2.png', 'sphere_t2.csv', 'sphere_t2.md', 'sphere_summary.md', 'nist_t2_maps.svg', 'nist_t2_maps.png', 'nist_t2_maps_summary.md']) {
    assert.ok(existsSync(join(ws.root, 'reports/nist', f)), f);
  }
});

function assertOneLineError(r: { status: number | null; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.status, 0);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('relaxomap: error:'));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0]!, pattern);
}

/** A manifest over every file of `dir` (their real checksums), so verify-data passes and the reader meets the damage. */
async function manifestFor(root: string, id: string, dir: string): Promise<string> {
  const files = readdirSync(join(root, dir)).sort();
  const entries = await Promise.all(files.map(async (f) => {
    const abs = join(root, dir, f);
    return `  - path: ${dir}/${f}\n    sha256: ${await sha256File(abs)}\n    size: ${readFileSync(abs).length}\n    format: x\n`;
  }));
  return `id: ${id}\ndescription: test data\nlicence: test\ncitation: test\nsource: [test]\nused_by: [test]\nfiles:\n${entries.join('')}`;
}

test('bad real data: checksum mismatch, cut DICOM, sidecar without EchoTime, duplicate TEs, mixed matrix — one-line error naming the file, FAILED, nothing written', { timeout: 300_000 }, async () => {
  const ws = createWorkspace({}, { ownData: true });
  const nifti = join(REPO, NIST, 'nifti');
  const cases: { id: string; format: string; prepare(dir: string): void; error: RegExp }[] = [
    { id: 'cut-dicom', format: 'dicom', prepare: (dir) => {
      for (const f of readdirSync(join(REPO, NIST, 'dicom')).slice(0, 3)) copyFileSync(join(REPO, NIST, 'dicom', f), join(dir, f));
      truncateSync(join(dir, readdirSync(dir).sort()[1]!), 5000);
    }, error: /data\/bad\/cut-dicom\/\d+: .*(truncated|cut|end of|short|corrupt|incomplete)/i },
    { id: 'no-echotime', format: 'nifti', prepare: (dir) => {
      for (const e of [1, 2, 3]) { copyFileSync(join(nifti, `nist_t2_se32_e${e}.nii.gz`), join(dir, `e${e}.nii.gz`)); copyFileSync(join(nifti, `nist_t2_se32_e${e}.json`), join(dir, `e${e}.json`)); }
      const side = JSON.parse(readFileSync(join(dir, 'e2.json'), 'utf8'));
      delete side.EchoTime;
      writeFileSync(join(dir, 'e2.json'), JSON.stringify(side));
    }, error: /data\/bad\/no-echotime\/e2\.json: EchoTime/ },
    { id: 'duplicate-te', format: 'nifti', prepare: (dir) => {
      for (const e of [1, 2]) copyFileSync(join(nifti, `nist_t2_se32_e${e}.nii.gz`), join(dir, `e${e}.nii.gz`));
      copyFileSync(join(nifti, 'nist_t2_se32_e1.json'), join(dir, 'e1.json'));
      copyFileSync(join(nifti, 'nist_t2_se32_e1.json'), join(dir, 'e2.json'));
    }, error: /data\/bad\/duplicate-te\/e[12]\.(nii\.gz|json).*(duplicate|same).*e[12]/i },
    { id: 'mixed-matrix', format: 'nifti', prepare: (dir) => {
      for (const e of [1, 2]) { copyFileSync(join(nifti, `nist_t2_se32_e${e}.nii.gz`), join(dir, `e${e}.nii.gz`)); copyFileSync(join(nifti, `nist_t2_se32_e${e}.json`), join(dir, `e${e}.json`)); }
      writeFileSync(join(dir, 'e3.nii.gz'), encodeNifti({ data: new Float32Array(16).fill(1), shape: [1, 4, 4], voxelSizeMm: [1, 1, 1] }));
      writeFileSync(join(dir, 'e3.json'), JSON.stringify({ EchoTime: 0.0381 }));
    }, error: /data\/bad\/mixed-matrix\/e3\.nii\.gz: .*(matrix|dim|size|shape)/i },
  ];
  for (const c of cases) {
    const dir = join(ws.root, 'data/bad', c.id);
    mkdirSync(dir, { recursive: true });
    c.prepare(dir);
    ws.write(`data-manifests/${c.id}.yaml`, await manifestFor(ws.root, c.id, `data/bad/${c.id}`));
    ws.write(`pipelines/${c.id}.yaml`, `description: bad data
stages:
  - { id: verify, kind: verify-data, params: { manifest: data-manifests/${c.id}.yaml } }
  - { id: load, kind: load-echoes, needs: [verify], params: { format: ${c.format}, path: data/bad/${c.id} } }
`);
    assert.equal(ws.cli(['stage', `pipelines/${c.id}.yaml`, 'verify']).status, 0, c.id);
    assertOneLineError(ws.cli(['stage', `pipelines/${c.id}.yaml`, 'load']), c.error);
    assert.ok(!existsSync(join(ws.root, 'artifacts', c.id, 'load')), `${c.id}: no partial artifact`);
    assert.deepEqual(statuses(ws.root, c.id), ['load:FAILED', 'verify:FINISHED'], c.id);
  }

  // A changed byte after the manifest was written: verify-data stops the run before anything reads it.
  const victim = join(ws.root, 'data/bad/no-echotime/e1.json');
  writeFileSync(victim, readFileSync(victim, 'utf8').replace('"MR"', '"XX"'));
  rmSync(join(ws.root, 'artifacts/no-echotime/verify'), { recursive: true });
  assertOneLineError(ws.cli(['stage', 'pipelines/no-echotime.yaml', 'verify']), /data\/bad\/no-echotime\/e1\.json: sha256 mismatch \(manifest data-manifests\/no-echotime\.yaml\)/);
  assert.ok(!existsSync(join(ws.root, 'artifacts/no-echotime/verify')));
});

test("the paper's in-vivo pipeline runs unchanged on a user's download (a 4-D NIfTI + BIDS sidecar in data/external/)", { timeout: 300_000 }, async () => {
  const ws = createWorkspace({
    'pipelines/fig3-t2-invivo.yaml': readFileSync(join(REPO, 'pipelines/fig3-t2-invivo.yaml'), 'utf8'),
    'configs/real/train.yaml': readFileSync(join(REPO, 'configs/real/train.yaml'), 'utf8').replace(/^steps: \d+/m, 'steps: 60'),
    // data/external/ is gitignored, as in a clone: Nx does not hash what .gitignore lists.
    '.gitignore': readFileSync(join(REPO, '.gitignore'), 'utf8'),
  }, { ownData: true });
  // A small stand-in scan: 2 slices of 16×20, a T2 gradient from 60 to 140 ms on a dark border, 4 echoes.
  const TE = [43, 67, 91, 115];
  const [slices, height, width] = [2, 16, 20];
  const plane = slices * height * width;
  const echoes = new Float32Array(TE.length * plane);
  for (let v = 0; v < plane; v++) {
    const x = v % width;
    const y = Math.floor(v / width) % height;
    const inside = x >= 3 && x < width - 3 && y >= 3 && y < height - 3;
    const t2 = 60 + (80 * x) / width;
    TE.forEach((te, e) => { echoes[e * plane + v] = (inside ? 1000 * Math.exp(-te / t2) : 0) + 2 * Math.abs(Math.sin(7.3 * v + e)); });
  }
  const affine = [[-2, 0, 0, 30], [0, 2, 0, -40], [0, 0, 4, 10], [0, 0, 0, 1]];
  ws.write('data/external/gao2023/t2/echoes.json', JSON.stringify({ EchoTime: TE.map((t) => t / 1000) }));
  writeFileSync(join(ws.root, 'data/external/gao2023/t2/echoes.nii.gz'), encodeNifti({ data: echoes, shape: [TE.length, slices, height, width], voxelSizeMm: [2, 2, 4], affine }));

  const r = ws.cli(['run', 'fig3-t2-invivo']);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.deepEqual(statuses(ws.root, 'fig3-t2-invivo'), ['load', 'maps', 'train', 'varpro', 'verify'].map((s) => `${s}:FINISHED`));
  const t2 = await readNifti(join(ws.root, 'artifacts/fig3-t2-invivo/varpro/t2.nii.gz'));
  assert.deepEqual(t2.shape, [slices, height, width]);
  assert.deepEqual(t2.affine, affine, 'maps keep the scan affine');
  // Noise-free inside up to the small ripple: Varpro recovers the T2 gradient.
  const v = (1 * height + 8) * width + 10;
  assert.ok(Math.abs(t2.data[v]! - 100) < 3, `T2 ${t2.data[v]} at x = 10 (truth 100 ms)`);
  assert.ok(existsSync(join(ws.root, 'reports/fig3-t2-invivo/fig3_t2_maps.png')));

  // A new download in the gitignored data/external/ (which Nx cannot hash) is still seen: verify runs
  // every time for a not-bundled manifest, and the stages after it rerun on the new data.
  for (let i = 0; i < echoes.length; i++) echoes[i] = echoes[i]! * 2;
  writeFileSync(join(ws.root, 'data/external/gao2023/t2/echoes.nii.gz'), encodeNifti({ data: echoes, shape: [TE.length, slices, height, width], voxelSizeMm: [2, 2, 4], affine }));
  const again = ws.cli(['run', 'fig3-t2-invivo']);
  assert.equal(again.status, 0, again.stderr + again.stdout);
  const m0 = await readNifti(join(ws.root, 'artifacts/fig3-t2-invivo/varpro/m0.nii.gz'));
  assert.ok(Math.abs(m0.data[v]! / 1000 - 2) < 0.05, `M0 ${m0.data[v]} after the data doubled`);
});

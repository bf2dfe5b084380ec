/**
 * End to end, MR fingerprinting (paper Fig. 5) at toy size: a tiny mrf pipeline (200 TRs, 32×32 matrix,
 * 8 interleaves, a ~500-atom grid, window 6) through `relaxomap run` — every stage an MLflow run
 * FINISHED, the contract files between stages in place, the figure written — and bad input (a schedule
 * with a non-number, FA/TR of different lengths, rank > TRs, an empty grid) failing with a one-line
 * error naming the file:line or the param, a non-zero exit and no partial artifact.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readNpy } from '@relaxomap/array-io';
import { readFileStore } from '@relaxomap/tracking';
import { createWorkspace, REPO, type Workspace } from './workspace.js';

const STAGES = ['dictionary', 'simulate', 'recon-single', 'recon-reference', 'train', 'train-image', 'refine', 'evaluate', 'figure'];

function tinyMrf(opts: { scheduleDir?: string; rank?: string; grid?: string; dataTerm?: string; loss?: string; output?: string } = {}): string {
  return `description: tiny MRF study for tests
stages:
  - id: dictionary
    kind: mrf-dictionary
    params:
      schedule_dir: ${opts.scheduleDir ?? 'data/mrf/jiang2015-fisp'}
      points: 200
      grid: ${opts.grid ?? '{ T1_ms: { min: 100, max: 5000, ratio: 1.2 }, T2_ms: { min: 10, max: 2000, ratio: 1.2 } }'}
      rank: ${opts.rank ?? '{ sigma_fraction: 0.95 }'}
  - id: simulate
    kind: simulate-mrf
    needs: [dictionary]
    params:
      phantom: { slice: 90, downsample: 7 }
      matrix: 32
      spiral: { interleaves: 8 }
      reference: { repeats: 4 }
      noise: { variance: 0.0001 }
      seed: 2
  - id: recon-single
    kind: mrf-sliding-window
    needs: [simulate, dictionary]
    params: { acquisition: single, window: 6, chunk_frames: 64 }
  - id: recon-reference
    kind: mrf-sliding-window
    needs: [simulate, dictionary]
    params: { acquisition: reference, window: 6 }
  - id: train
    kind: train-mrf
    needs: [recon-single, dictionary, simulate]
    params:
      network: { blocks: 1, width: 8 }
      data_term: ${opts.dataTerm ?? 'kspace'}
      loss: ${opts.loss ?? 'mse'}
      channel_scale: per-coefficient
      output: ${opts.output ?? 'parameters'}
      table_ratio: 1.2
      steps: 12
      checkpoint_every: 5
      stopping: { check_every: 5, held_out_fraction: 0 }
  - id: train-image
    kind: train-mrf
    needs: [recon-single, dictionary, simulate]
    params: { network: { blocks: 1, width: 8 }, data_term: image, loss: l1, steps: 6, stopping: { check_every: 3 } }
  - id: refine
    kind: refine-mrf
    needs: [train, dictionary, simulate]
    params: { iterations: 20 }
  - id: evaluate
    kind: evaluate-mrf
    needs: [simulate, recon-single, recon-reference, train, refine]
  - id: figure
    kind: figure-mrf
    needs: [simulate, dictionary, recon-single, recon-reference, train, refine, evaluate]
    params: { upscale: 2 }
`;
}

/** A workspace whose data/mrf is a real folder (the shipped schedule linked in) so tests can add bad schedules. */
function mrfWorkspace(): Workspace {
  const ws = createWorkspace({ 'pipelines/tiny-mrf.yaml': tinyMrf() });
  rmSync(join(ws.root, 'data'));
  mkdirSync(join(ws.root, 'data', 'mrf'), { recursive: true });
  symlinkSync(join(REPO, 'data', 'phantoms'), join(ws.root, 'data', 'phantoms'));
  symlinkSync(join(REPO, 'data', 'mrf', 'jiang2015-fisp'), join(ws.root, 'data', 'mrf', 'jiang2015-fisp'));
  return ws;
}

function statuses(root: string): string[] {
  if (!existsSync(join(root, 'mlruns'))) return [];
  return readFileStore(join(root, 'mlruns')).experiments.flatMap((e) => e.runs.map((r) => `${r.runName}:${r.status}`)).sort();
}

function assertOneLineError(r: { status: number | null; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.status, 0);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('relaxomap: error:'));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0]!, pattern);
}

test('tiny MRF pipeline through Nx: every stage FINISHED, contract files, figure', { timeout: 300_000 }, async () => {
  const ws = mrfWorkspace();
  const r = ws.cli(['run', 'tiny-mrf']);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const store = readFileStore(join(ws.root, 'mlruns'));
  assert.deepEqual(store.warnings, []);
  const runs = store.experiments.filter((e) => e.name === 'tiny-mrf').flatMap((e) => e.runs);
  assert.deepEqual(runs.map((x) => x.runName).sort(), [...STAGES].sort());
  for (const run of runs) assert.equal(run.status, 'FINISHED', run.runName);

  const art = (f: string): string => join(ws.root, 'artifacts/tiny-mrf', f);
  const subspace = JSON.parse(readFileSync(art('dictionary/subspace.json'), 'utf8'));
  const dictRun = runs.find((x) => x.runName === 'dictionary')!;
  assert.equal(dictRun.metrics.rank?.[0]?.value, subspace.rank);
  assert.ok(subspace.rank >= 2 && subspace.rank <= 10, `rank ${subspace.rank}`);
  assert.ok(subspace.sigma_fraction_at_rank >= 0.95 && subspace.sigma_fraction[subspace.rank - 2] < 0.95, 'smallest rank with Σσ ≥ 95 %');
  assert.equal(dictRun.metrics['curve.energy_fraction']?.length, 20, 'energy curve per rank');
  const atoms = subspace.atoms;
  assert.ok(atoms > 300 && atoms < 700, `${atoms} atoms`);
  assert.deepEqual((await readNpy(art('dictionary/dictionary.npy'))).shape, [atoms, 200]);
  assert.deepEqual((await readNpy(art('dictionary/phi.npy'))).shape, [subspace.rank, 200]);
  assert.deepEqual((await readNpy(art('dictionary/grid.npy'))).shape, [atoms, 2]);
  const seqFile = JSON.parse(readFileSync(art('dictionary/sequence.json'), 'utf8'));
  assert.equal(seqFile.FA_deg.length, 200);
  assert.equal(seqFile.TE_ms, 2);

  const acq = JSON.parse(readFileSync(art('simulate/acquisition.json'), 'utf8'));
  assert.deepEqual(acq.kspace.reference.offsets, [0, 2, 4, 6]);
  assert.deepEqual(acq.interleaf_of_TR.single.slice(0, 10), [0, 1, 2, 3, 4, 5, 6, 7, 0, 1]);
  const M = acq.samples_per_interleaf;
  const ref = await readNpy(art('simulate/kspace_reference.npy'));
  assert.equal(ref.dtype, 'complex64');
  assert.deepEqual(ref.shape, [4, 200, M]);
  const single = await readNpy(art('simulate/kspace_single.npy'));
  assert.deepEqual(single.shape, [200, M]);
  assert.deepEqual(single.data, (ref.data as Float32Array).subarray(0, 2 * 200 * M), 'single = repeat 0 of the reference');
  for (const f of ['simulate/t1.nii.gz', 'simulate/tissue.npy', 'simulate/time_series_clean.npy', 'recon-single/t1.nii.gz', 'recon-reference/t2.npy', 'evaluate/rmse.csv', 'evaluate/rmse.md']) {
    assert.ok(existsSync(art(f)), f);
  }
  const series = await readNpy(art('recon-single/series.npy'));
  assert.equal(series.dtype, 'complex64');
  assert.deepEqual(series.shape, [200, 32, 32]);
  assert.deepEqual((await readNpy(art('recon-single/coefficients.npy'))).shape, [subspace.rank, 32, 32]);
  assert.equal(JSON.parse(readFileSync(art('recon-reference/estimate.json'), 'utf8')).method, 'Reference (4 repeats)');

  // The reference's maps are near the truth in WM (7 mm voxels: partial volume, so a loose bound on the median).
  const tissue = (await readNpy(art('simulate/tissue.npy'))).data as Uint8Array;
  const t1ref = (await readNpy(art('recon-reference/t1.npy'))).data as Float32Array;
  const t1true = (await readNpy(art('simulate/t1.npy'))).data as Float32Array;
  const rel = [...tissue.keys()].filter((i) => tissue[i] === 3).map((i) => Math.abs(t1ref[i]! / t1true[i]! - 1)).sort((a, b) => a - b);
  assert.ok(rel[rel.length >> 1]! < 0.25, `median |T1 error| in WM ${rel[rel.length >> 1]}`);

  // The network: trained on the 1-interleaf k-space, judged against the acquisition's recorded noise.
  const trainRun = runs.find((x) => x.runName === 'train')!;
  assert.equal(trainRun.metrics.loss?.length !== undefined && trainRun.metrics.loss.length <= 12, true);
  const stopping = JSON.parse(readFileSync(art('train/stopping.json'), 'utf8'));
  assert.equal(stopping.rule, 'discrepancy');
  assert.equal(stopping.noise.model, 'known');
  assert.equal(stopping.noise.variance, acq.noise.kspace_sample_variance / 2, 'σ² per real value = half E|n|² per sample');
  assert.equal(stopping.discrepancy_target_ratio, 1.05);
  assert.ok(stopping.checks.every((c: { residual_ratio: number }) => c.residual_ratio > 0.5), 'k-space residual / σ² logged at every check');
  assert.equal(trainRun.tags['relaxomap.stopping.rule'], stopping.rule_used);
  assert.ok(Number.isFinite(stopping.checks[0].oracle_rmse['t2.brain']), 'oracle T2 RMSE logged (a simulation)');
  const estimate = JSON.parse(readFileSync(art('train/estimate.json'), 'utf8'));
  assert.equal(estimate.method, 'Network');
  assert.equal(estimate.output, 'parameters', 'T1, T2, M0 output (c on the fingerprint manifold)');
  // The paper's image-domain term (L1 between c·Φ and the sliding-window series) still runs, with the background σ.
  const imageStopping = JSON.parse(readFileSync(art('train-image/stopping.json'), 'utf8'));
  assert.equal(imageStopping.noise.model !== 'known' || !imageStopping.noise.ok, true);
  assert.equal(JSON.parse(readFileSync(art('train-image/estimate.json'), 'utf8')).data_term, 'image');
  assert.deepEqual((await readNpy(art('train/coefficients.npy'))).shape, [subspace.rank, 32, 32]);

  // The refinement: the network's maps as the prior, fitted to the same k-space; the data residual falls.
  const refined = JSON.parse(readFileSync(art('refine/estimate.json'), 'utf8'));
  assert.equal(refined.method, 'Network + k-space refinement');
  assert.equal(refined.prior_estimate, 'train');
  assert.equal(refined.table_ratio, 1.2, 'the table the network was trained with');
  assert.ok(refined.refine.rho_after < refined.refine.rho_before, `ρ ${refined.refine.rho_before} → ${refined.refine.rho_after}`);
  const refineRun = runs.find((x) => x.runName === 'refine')!;
  assert.equal(refineRun.metrics.rho_after?.[0]?.value, refined.refine.rho_after);
  assert.equal(JSON.parse(readFileSync(art('refine/refine.json'), 'utf8')).history.at(-1).iteration, 20);
  assert.deepEqual((await readNpy(art('refine/coefficients.npy'))).shape, [subspace.rank, 32, 32]);

  const evaluate = runs.find((x) => x.runName === 'evaluate')!;
  const metrics = JSON.parse(readFileSync(art('evaluate/metrics.json'), 'utf8'));
  assert.equal(metrics.baseline, 'recon-single');
  assert.equal(metrics.reference, 'recon-reference');
  const row = metrics.rows.find((x: { stage: string; against: string; region: string }) => x.stage === 'recon-single' && x.against === 'truth' && x.region === 'WM');
  assert.equal(evaluate.metrics['rmse_t1.truth.recon-single.wm']?.[0]?.value, row.rmse_t1_ms);
  assert.ok(Number.isFinite(evaluate.metrics['ratio_rmse_t2.truth.recon-reference.brain']?.[0]?.value));
  assert.ok(Number.isFinite(evaluate.metrics['ratio_rmse_t1.reference.refine.brain']?.[0]?.value), 'the refinement is evaluated');
  for (const f of ['fig5_mrf_maps.svg', 'fig5_mrf_maps.png', 'fig5_subspace_energy.png', 'rmse.md', 'summary.md']) {
    assert.ok(existsSync(join(ws.root, 'reports/tiny-mrf', f)), f);
  }
  const summary = readFileSync(join(ws.root, 'reports/tiny-mrf/summary.md'), 'utf8');
  assert.match(summary, new RegExp(`rank ${subspace.rank} \\(Σσ fraction ≥ 0.95\\)`));
  assert.match(summary, /outputs T1, T2 and M0/);
});

test('bad MRF input: one-line errors naming file:line and field or the param, no partial artifact', () => {
  const ws = mrfWorkspace();
  // A schedule with a non-number on line 17, and one whose TR list is one line short.
  const fa = readFileSync(join(REPO, 'data/mrf/jiang2015-fisp/fa.txt'), 'utf8').split('\n');
  const tr = readFileSync(join(REPO, 'data/mrf/jiang2015-fisp/tr.txt'), 'utf8').split('\n');
  ws.write('data/mrf/bad-number/fa.txt', fa.map((v, i) => (i === 16 ? '7.1x' : v)).join('\n'));
  ws.write('data/mrf/bad-number/tr.txt', tr.join('\n'));
  ws.write('data/mrf/bad-length/fa.txt', fa.join('\n'));
  ws.write('data/mrf/bad-length/tr.txt', tr.slice(0, -1).join('\n'));

  ws.write('pipelines/tiny-mrf.yaml', tinyMrf({ scheduleDir: 'data/mrf/bad-number' }));
  assertOneLineError(ws.cli(['stage', 'pipelines/tiny-mrf.yaml', 'dictionary']), /data\/mrf\/bad-number\/fa\.txt:17: FA: not a number \("7\.1x"\)/);
  ws.write('pipelines/tiny-mrf.yaml', tinyMrf({ scheduleDir: 'data/mrf/bad-length' }));
  assertOneLineError(ws.cli(['stage', 'pipelines/tiny-mrf.yaml', 'dictionary']), /FA_deg \(data\/mrf\/bad-length\/fa\.txt\) has 1000 points but TR_ms \(data\/mrf\/bad-length\/tr\.txt\) has 999/);
  assert.ok(!existsSync(join(ws.root, 'artifacts/tiny-mrf/dictionary')), 'no partial artifact');
  assert.deepEqual(statuses(ws.root), ['dictionary:FAILED', 'dictionary:FAILED']);
  // Through Nx too: the run exits non-zero and writes nothing.
  assert.notEqual(ws.cli(['run', 'tiny-mrf']).status, 0);
  assert.ok(!existsSync(join(ws.root, 'artifacts/tiny-mrf/dictionary')));

  // Param errors are caught before anything runs, naming the file, line and param.
  const cases: [string, RegExp][] = [
    [tinyMrf({ rank: '{ rank: 300 }' }), /pipelines\/tiny-mrf\.yaml:\d+: stages\[0\]\.params\.rank\.rank: 300 exceeds the number of TRs \(points = 200\)/],
    [tinyMrf({ grid: '{ T1_ms: { min: 100, max: 500, ratio: 1.2 }, T2_ms: { min: 600, max: 2000, ratio: 1.2 } }' }), /stages\[0\]\.params\.grid\.T2_ms\.min: every T2 \(from 600 ms\) is ≥ every T1 \(up to 500 ms\)/],
    [tinyMrf().replace('window: 6, chunk', 'window: 0, chunk'), /stages\[2\]\.params\.window: .*>=1/],
    [tinyMrf({ loss: 'l1' }), /stages\[4\]\.params\.loss: must be 'mse' with data_term 'kspace'/],
    [tinyMrf({ dataTerm: 'image', loss: 'l1' }), /stages\[4\]\.params\.output: 'parameters' needs data_term 'kspace'/],
    [tinyMrf().replace('iterations: 20 }', 'iterations: 20, prior_std: 0 }'), /stages\[6\]\.params\.prior_std: .*>0/],
  ];
  rmSync(join(ws.root, 'mlruns'), { recursive: true, force: true });
  for (const [text, pattern] of cases) {
    ws.write('pipelines/tiny-mrf.yaml', text);
    for (const args of [['validate', 'tiny-mrf'], ['run', 'tiny-mrf']]) assertOneLineError(ws.cli(args), pattern);
  }
  assert.deepEqual(statuses(ws.root), [], 'no MLflow run was started');
  // (the failed dictionary runs above left only the runner's scratch folder .work/)
  assert.deepEqual(readdirSync(join(ws.root, 'artifacts/tiny-mrf')).filter((d) => !d.startsWith('.')), [], 'no stage output written');
});

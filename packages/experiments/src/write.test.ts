import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ContractServer, createTracker, RestTracker, startMlflowContractServer, type Tracker } from '@relaxomap/tracking';
import { collectSweepRuns } from './collect.js';
import { compareRuns, type CompareTable } from './compare.js';
import { KEYS, logAblationSweep, networkRmse } from './sweep-fixture.js';
import { compareSweeps, writeComparison } from './write.js';

let tmp: string;
let server: ContractServer;
let file: Tracker;
let rest: Tracker;
let parentB: string;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'experiments-'));
  server = await startMlflowContractServer();
  file = createTracker({ trackingUri: path.join(tmp, 'mlruns'), cwd: tmp, env: {} });
  // A plain RestTracker: createTracker(http…) mirrors into <cwd>/mlruns and reads from there.
  rest = new RestTracker({ baseUrl: server.url, cwd: tmp });
  // The same sweep, logged the same way, into both stores.
  await logAblationSweep(file);
  await logAblationSweep(rest);
  parentB = await logAblationSweep(file, { name: 'ablation-b', shift: 1, t0: 1_800_000_000_000 });
});
after(async () => {
  await server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The table without run ids (which differ between stores). */
const withoutIds = (t: CompareTable) => ({ ...t, rows: t.rows.map(({ runIds, ...r }) => ({ ...r, runs: runIds.length })) });
const names = (files: string[]) => files.map((f) => path.basename(f));

describe('writeComparison', () => {
  it('writes the same table, CSV, Markdown and figures from a file store and from a tracking server', async () => {
    const outFile = path.join(tmp, 'out-file');
    const outRest = path.join(tmp, 'out-rest');
    const a = await writeComparison(file, 'ablation', { outDir: outFile, render: { scale: 1 } });
    const b = await writeComparison(rest, 'ablation', { outDir: outRest, render: { scale: 1 } });

    const expected = [
      'compare.csv', 'compare.md',
      'rmse_t2.network.brain_vs_train.network.blocks.svg', 'rmse_t2.network.brain_vs_train.network.blocks.png',
      'metrics_vs_train.network.blocks.svg', 'metrics_vs_train.network.blocks.png',
      'loss_curves.svg', 'loss_curves.png',
    ];
    assert.deepEqual(names(a.files), expected);
    assert.deepEqual(names(b.files), expected);
    assert.deepEqual(a.files, expected.map((n) => path.join(outFile, n)));
    assert.deepEqual(withoutIds(a.table), withoutIds(b.table));
    for (const n of expected) {
      assert.ok(fs.readFileSync(path.join(outFile, n)).equals(fs.readFileSync(path.join(outRest, n))), `${n} differs between the stores`);
    }
    assert.deepEqual(fs.readdirSync(outFile).sort(), [...expected].sort(), 'no temporary files left');

    // Known answers: keys from the sweep_keys tag, seed aggregated, the superseded/failed/running/shared runs ignored.
    const t = a.table;
    assert.deepEqual([t.keys, t.seedKeys, t.metrics, t.primary], [['train.loss', 'train.network.blocks'], ['train.seed'], ['rmse_t2.network.brain', 'rmse_t2.varpro.brain'], 'rmse_t2.network.brain']);
    assert.deepEqual(t.rows.map((r) => [r.keys['train.loss'], r.keys['train.network.blocks'], r.metrics['rmse_t2.network.brain']!.mean, r.metrics['rmse_t2.network.brain']!.n, r.best]), [
      ['mse', '0', 22, 2, false], ['mse', '3', 19, 2, false], ['mse', '10', 12, 2, false],
      ['ssim', '0', 20, 2, false], ['ssim', '3', 17, 2, false], ['ssim', '10', 10, 2, true],
    ]);
    for (const r of t.rows) {
      assert.ok(Math.abs(r.metrics['rmse_t2.network.brain']!.sd! - Math.SQRT1_2) < 1e-12);
      assert.equal(r.metrics['rmse_t2.varpro.brain']!.mean, 15.375);
      assert.ok(Math.abs(r.metrics['rmse_t2.varpro.brain']!.sd! - 0.25 / Math.SQRT2) < 1e-12);
    }

    const csv = fs.readFileSync(path.join(outFile, 'compare.csv'), 'utf8').split('\n');
    assert.equal(csv[0], 'train.loss,train.network.blocks,runs,rmse_t2.network.brain.mean,rmse_t2.network.brain.sd,rmse_t2.network.brain.n,rmse_t2.varpro.brain.mean,rmse_t2.varpro.brain.sd,rmse_t2.varpro.brain.n,best');
    assert.match(csv[6]!, /^ssim,10,2,10,0\.70710678118654\d*,2,15\.375,0\.176776695296636\d*,2,true$/);
    const md = fs.readFileSync(path.join(outFile, 'compare.md'), 'utf8');
    assert.ok(md.startsWith("Sweep 'ablation'. Mean ± sample sd over train.seed"), md);
    assert.ok(md.includes('|ssim|10|2|**10.0 ± 0.7** ★|15.4 ± 0.2|'), md);

    const svg = fs.readFileSync(path.join(outFile, 'rmse_t2.network.brain_vs_train.network.blocks.svg'), 'utf8');
    for (const s of ['>loss=mse<', '>loss=ssim<']) assert.ok(svg.includes(s), s);
    const loss = fs.readFileSync(path.join(outFile, 'loss_curves.svg'), 'utf8');
    assert.equal((loss.match(/aria-roledescription="line mark"/g) ?? []).length, 12);
    for (const s of ['>p00: loss=ssim, blocks=0, seed=1<', '>p11: loss=mse, blocks=10, seed=2<']) assert.ok(loss.includes(s), s);
  });

  it('applies an MLflow filter with dotted keys, bare or in backticks, on both stores', async () => {
    // The FAILED (0.1) and RUNNING (p00, ssim, 0.2) runs match the filter too; compareRuns drops them.
    const expectedRuns = [networkRmse('ssim', '10', '1'), networkRmse('ssim', '10', '2'), 0.1, 0.2];
    for (const tracker of [file, rest]) {
      for (const filter of ["params.train.loss = 'ssim' and metrics.rmse_t2.network.brain < 12", "params.`train.loss` = 'ssim' and metrics.`rmse_t2.network.brain` < 12"]) {
        const runs = await collectSweepRuns(tracker, 'ablation', { filter });
        assert.deepEqual(runs.map((r) => r.metrics['rmse_t2.network.brain']).sort((x, y) => x! - y!), [...expectedRuns].sort((x, y) => x - y), `${tracker.uri}: ${filter}`);
        const t = compareRuns(runs, { keys: KEYS, metrics: [], primary: 'rmse_t2.network.brain' });
        assert.deepEqual(t.rows.map((r) => [r.keys, r.metrics['rmse_t2.network.brain']!.mean]), [[{ 'train.loss': 'ssim', 'train.network.blocks': '10' }, 10]]);
      }
      const out = path.join(tmp, `filtered-${tracker === file ? 'file' : 'rest'}`);
      const r = await writeComparison(tracker, 'ablation', { outDir: out, filter: "params.train.loss = 'ssim' and metrics.rmse_t2.network.brain < 12", metrics: [], plot: false, render: { scale: 1 } });
      assert.deepEqual(names(r.files), ['compare.csv', 'compare.md', 'loss_curves.svg', 'loss_curves.png']);
      // Loss curves of the two compared points only (p04, p05), though the filter excludes train runs.
      const loss = fs.readFileSync(path.join(out, 'loss_curves.svg'), 'utf8');
      assert.equal((loss.match(/aria-roledescription="line mark"/g) ?? []).length, 2);
      assert.ok(loss.includes('>p04: loss=ssim, blocks=10, seed=1<') && loss.includes('>p05: loss=ssim, blocks=10, seed=2<'));
    }
  });

  it('fails in one line naming what is missing, and never creates an experiment', async () => {
    const before = server.state.experiments.size;
    await assert.rejects(collectSweepRuns(rest, 'nope'), (e: Error) => e.message === `experiment 'nope' not found on ${server.url}`);
    assert.equal(server.state.experiments.size, before);
    await assert.rejects(writeComparison(file, 'nope', { outDir: path.join(tmp, 'x') }), /^Error: experiment 'nope' not found on file:\/\/\/.*mlruns$/);
    assert.equal(fs.existsSync(path.join(tmp, 'x')), false);
    const z = path.join(tmp, 'z');
    await assert.rejects(writeComparison(file, 'ablation', { outDir: z, plot: { x: 'train.seed' } }), /^Error: x: 'train.seed' is not a grouping key/);
    assert.equal(fs.existsSync(z), false, 'a bad plot option writes nothing');
    for (const tracker of [file, rest]) {
      await assert.rejects(collectSweepRuns(tracker, 'ablation', { filter: "params.train.loss = ssim" }), /^Error: filter: .*\(experiment 'ablation' on /);
      await assert.rejects(writeComparison(tracker, 'ablation', { outDir: path.join(tmp, 'y'), primary: 'nope' }), /no FINISHED run carries metric nope$/);
    }
  });
});

describe('compareSweeps', () => {
  it('compares two sweeps named by experiment and by parent run id', async () => {
    const outFile = path.join(tmp, 'diff', 'ablation-vs-b.md');
    const byName = await compareSweeps(file, 'ablation', 'ablation-b', { outFile });
    const byParent = await compareSweeps(file, 'ablation', parentB);
    assert.deepEqual(withoutIds(byName.b), withoutIds(byParent.b));
    const d = byName.diff;
    assert.deepEqual([d.bestA?.keys, d.bestB?.keys], [{ 'train.loss': 'ssim', 'train.network.blocks': '10' }, { 'train.loss': 'ssim', 'train.network.blocks': '10' }]);
    assert.deepEqual(d.best.find((m) => m.key === 'rmse_t2.network.brain'), { key: 'rmse_t2.network.brain', a: 10, b: 11, diff: 1, ratio: 1.1 });
    assert.ok(d.rows.every((r) => r.metrics[0]!.diff === 1), 'every row shifted by 1 ms');
    assert.equal(fs.readFileSync(outFile, 'utf8'), byName.markdown);
    assert.ok(byName.markdown.includes('|rmse_t2.network.brain|10.00 ± 0.71|11.00 ± 0.71|1|1.100|'), byName.markdown);
    assert.ok(byParent.markdown.startsWith(`## A = ablation, B = ablation-b (${parentB})`));
    await assert.rejects(compareSweeps(file, 'ablation', 'nothing'), /^Error: sweep 'nothing': no experiment of that name and no run with that id on file:/);
  });
});

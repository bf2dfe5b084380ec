/**
 * What tasks of one array do at the same moment on a shared store: several processes create the same
 * experiment and log runs to it. One experiment, every run, nothing malformed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readFileStore } from '@relaxomap/tracking';

test('eight processes creating the same experiment on one file store at once: one experiment, eight runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relaxomap-shared-store-'));
  const store = join(dir, 'mlruns');
  const script = join(dir, 'task.mjs');
  const tracking = fileURLToPath(import.meta.resolve('@relaxomap/tracking'));
  writeFileSync(script, `
    import { createTracker } from ${JSON.stringify(tracking)};
    const start = Number(process.argv[2]);
    while (Date.now() < start) {}  // line up, so the lookups and creations overlap
    const tracker = createTracker({ trackingUri: process.argv[3], cwd: process.argv[4] });
    const id = await tracker.getOrCreateExperiment('grid');
    const run = await tracker.createRun(id, { runName: 'task ' + process.argv[5], tags: { 'slurm.array_task_id': process.argv[5] } });
    await run.end('FINISHED');
  `);
  mkdirSync(join(dir, 'cwd'));
  const start = Date.now() + 1500;
  const codes = await Promise.all(Array.from({ length: 8 }, (_, i) => new Promise<number | null>((ok) => {
    spawn(process.execPath, [script, String(start), store, join(dir, 'cwd'), String(i)], { stdio: 'inherit' }).on('close', ok);
  })));
  assert.deepEqual(codes, Array(8).fill(0));
  const read = readFileStore(store);
  assert.deepEqual(read.warnings, []);
  const grids = read.experiments.filter((e) => e.name === 'grid');
  assert.equal(grids.length, 1, 'not duplicated');
  assert.deepEqual(grids[0]!.runs.map((r) => r.tags['slurm.array_task_id']).sort(), ['0', '1', '2', '3', '4', '5', '6', '7']);
  assert.ok(grids[0]!.runs.every((r) => r.status === 'FINISHED'));
});

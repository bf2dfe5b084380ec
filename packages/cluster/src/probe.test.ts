import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PROBE_EXIT_CODE, isCacheHit, readRunSummary } from './nx.js';

const hook = new URL('./probe-hook.js', import.meta.url).href;

test('probe hook: a stage command exits at once (code 86) under RELAXOMAP_PROBE=1, and only a stage command', () => {
  const root = mkdtempSync(join(tmpdir(), 'relaxomap-probe-'));
  mkdirSync(join(root, 'packages/stages/dist'), { recursive: true });
  const cli = join(root, 'packages/stages/dist/cli.js');
  writeFileSync(cli, "console.log('worked');");
  const run = (args: string[], probe: boolean) => spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: `--import=${JSON.stringify(hook)}`, ...(probe ? { RELAXOMAP_PROBE: '1' } : {}) },
  });
  const probed = run(['stage', 'pipelines/tiny.yaml', 'train', '--params-hash', 'x'], true);
  assert.equal(probed.status, PROBE_EXIT_CODE);
  assert.equal(probed.stdout, '', 'the stage did not run');
  assert.match(probed.stderr, /relaxomap probe: train is not cached/);
  assert.equal(run(['stage', 'pipelines/tiny.yaml', 'train'], false).stdout, 'worked\n', 'without the variable: unchanged');
  assert.equal(run(['sweep', 'grid'], true).stdout, 'worked\n', 'other commands: unchanged');
});

test("Nx's run summary: hash and cache status per project, ignored when older than the run", () => {
  const dir = mkdtempSync(join(tmpdir(), 'relaxomap-probe-'));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({
    run: { command: 'nx run-many', startTime: '2026-11-25T23:29:02.554Z' },
    tasks: [
      { taskId: 'grid.simulate:run', target: 'run', projectName: 'grid.simulate', hash: '64317', cacheStatus: 'remote-cache-hit', status: 0 },
      { taskId: 'grid.varpro:run', target: 'run', projectName: 'grid.varpro', hash: '38179', cacheStatus: 'cache-miss', status: 1 },
    ],
  }));
  const tasks = readRunSummary(dir, Date.parse('2026-11-25T23:29:02Z'));
  assert.deepEqual([...tasks.keys()], ['grid.simulate', 'grid.varpro']);
  assert.equal(isCacheHit(tasks.get('grid.simulate')), true);
  assert.equal(isCacheHit(tasks.get('grid.varpro')), false);
  assert.equal(isCacheHit(undefined), false, 'a task Nx skipped is not done');
  assert.equal(readRunSummary(dir, Date.parse('2026-11-25T23:40:00Z')).size, 0, 'a summary from an earlier run says nothing');
});

/**
 * A tracking server that is down loses nothing: a sweep logged while the server is unreachable finishes
 * in the local store, `relaxomap sync` uploads it (a second sync uploads nothing), and `compare` gives the
 * same table from the local file store and from the server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { startMlflowContractServer } from '@relaxomap/tracking';
import { REPO, createWorkspace, tinyPipeline } from './workspace.js';

/** Run the CLI without blocking the event loop (the contract server lives in this process). */
function cli(root: string, args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'packages/stages/dist/cli.js'), ...args], {
      cwd: root, env: { ...process.env, CI: 'true', NX_TUI: 'false', NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const SWEEP = `pipeline: tiny
targets: [evaluate]
set: { train.steps: 8 }
matrix:
  train.loss: [mse, l1]
`;

test('server down: the sweep finishes locally; sync uploads it once; compare reads the same table from both stores', { timeout: 600_000 }, async () => {
  const ws = createWorkspace({ 'pipelines/tiny.yaml': tinyPipeline(), 'pipelines/sweeps/grid.yaml': SWEEP });
  const down = `http://127.0.0.1:${await closedPort()}`;
  const run = await cli(ws.root, ['sweep', 'grid'], { MLFLOW_TRACKING_URI: down, MLFLOW_HTTP_REQUEST_TIMEOUT: '2' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /warning: MLflow tracking server http:\/\/127\.0\.0\.1:\d+ is unreachable .*relaxomap sync/);

  const server = await startMlflowContractServer();
  try {
    const first = await cli(ws.root, ['sync', '--to', server.url]);
    assert.equal(first.status, 0, first.stderr);
    const summary = JSON.parse(first.stdout.trim().split('\n').at(-1)!);
    assert.equal(summary.runsCreated, 1 + 2 + 2 * 2, 'the parent, the shared stages and two stages per point');
    const runsOnServer = [...server.state.runs.values()].length;
    assert.equal(runsOnServer, 7);
    const again = await cli(ws.root, ['sync', '--to', server.url]);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout.trim().split('\n').at(-1)!).runsCreated, 0);
    assert.equal([...server.state.runs.values()].length, 7, 'syncing twice creates no duplicates');

    const local = await cli(ws.root, ['compare', 'grid', '--out', join(ws.root, 'from-files')], { MLFLOW_TRACKING_URI: '' });
    assert.equal(local.status, 0, local.stderr);
    const remote = await cli(ws.root, ['compare', 'grid', '--tracking-uri', server.url, '--out', join(ws.root, 'from-server')]);
    assert.equal(remote.status, 0, remote.stderr);
    for (const f of ['compare.csv', 'compare.md']) {
      assert.equal(readFileSync(join(ws.root, 'from-server', f), 'utf8'), readFileSync(join(ws.root, 'from-files', f), 'utf8'), f);
    }
    assert.equal(readFileSync(join(ws.root, 'from-files', 'compare.csv'), 'utf8').trim().split('\n').length, 3);
  } finally {
    await server.close();
  }
});

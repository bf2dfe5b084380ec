/**
 * The same stages against an MLflow tracking SERVER (MLFLOW_TRACKING_URI=http://…): here the contract
 * server that follows MLflow's REST API 2.0 request/response shapes. The local file store ./mlruns keeps a copy (what `relaxomap sync` uploads if the server was down).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { startMlflowContractServer } from '@relaxomap/tracking';
import { REPO, createWorkspace, tinyPipeline } from './workspace.js';

function cliAsync(root: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  // Async: the contract server lives in this process and must keep answering while the stage runs.
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'packages/stages/dist/cli.js'), ...args], { cwd: root, env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

test('stages log runs, params, metrics and artifacts to a tracking server over REST', async () => {
  const server = await startMlflowContractServer();
  try {
    const ws = createWorkspace({ 'pipelines/tiny.yaml': tinyPipeline() });
    const env = { MLFLOW_TRACKING_URI: server.url };
    for (const stage of ['simulate', 'varpro']) {
      const r = await cliAsync(ws.root, ['stage', 'pipelines/tiny.yaml', stage], env);
      assert.equal(r.code, 0, r.stderr);
    }
    const experiment = [...server.state.experiments.values()].find((e) => e.name === 'tiny');
    assert.ok(experiment, 'experiment created by name');
    const runs = [...server.state.runs.values()].filter((r) => r.info.experiment_id === experiment.experiment_id);
    assert.deepEqual(runs.map((r) => [r.info.run_name, r.info.status]).sort(), [['simulate', 'FINISHED'], ['varpro', 'FINISHED']]);
    const varpro = runs.find((r) => r.info.run_name === 'varpro')!;
    assert.equal(varpro.params.get('t2_range_ms'), '[1,3000]');
    assert.ok(varpro.metrics.get('voxels_per_second')?.length === 1);
    assert.match(varpro.tags.get('relaxomap.params_hash') ?? '', /^[0-9a-f]{16}$/);
    const uploaded = [...server.state.artifacts.keys()].filter((k) => k.includes(varpro.info.run_id));
    assert.ok(uploaded.some((k) => k.endsWith('/t2.nii.gz')), `artifacts: ${uploaded.join(', ')}`);
    assert.ok(existsSync(join(ws.root, 'mlruns')), 'the local file store keeps a copy of every run');

    // A failing stage ends its server-side run FAILED.
    ws.write('pipelines/tiny.yaml', tinyPipeline({ varproTE: '[1, 2, 3]' }));
    const bad = await cliAsync(ws.root, ['stage', 'pipelines/tiny.yaml', 'varpro'], env);
    assert.notEqual(bad.code, 0);
    const statuses = [...server.state.runs.values()].filter((r) => r.info.run_name === 'varpro').map((r) => r.info.status).sort();
    assert.deepEqual(statuses, ['FAILED', 'FINISHED']);
  } finally {
    await server.close();
  }
});

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type ContractServer, startMlflowContractServer } from './contract-server.js';
import { FileStoreTracker } from './file-store.js';
import { readFileStore } from './file-store-reader.js';
import { MirroredTracker } from './mirror-tracker.js';
import { SYNC_TAGS } from './sync-tags.js';
import { createTracker, localStorePath } from './tracker.js';

let dir: string;
let server: ContractServer;
let warnings: string[];
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracking-mirror-'));
  server = await startMlflowContractServer();
  warnings = [];
});
afterEach(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const mirrored = (uri: string, env: NodeJS.ProcessEnv = {}): MirroredTracker => {
  const t = createTracker({ trackingUri: uri, cwd: dir, env, warn: (line) => warnings.push(line) });
  assert.ok(t instanceof MirroredTracker);
  return t;
};

/** A URL where nothing listens: connections are refused. */
async function deadUrl(): Promise<string> {
  const s = await startMlflowContractServer();
  await s.close();
  return s.url;
}

const localRun = (runId: string) => {
  const store = readFileStore(path.join(dir, 'mlruns'));
  const run = store.experiments.flatMap((e) => e.runs).find((r) => r.runId === runId);
  assert.ok(run, `run ${runId} in the local store`);
  return run;
};

describe('mirrored tracker (http(s) tracking URI)', () => {
  it('writes every call to both stores under one run id when the server is up; reads come from the local store', async () => {
    const tracker = mirrored(`${server.url}/`);
    assert.equal(tracker.uri, server.url, 'uri = the server (normalized)');
    const expId = await tracker.getOrCreateExperiment('tiny');
    const run = await tracker.createRun(expId, { runName: 'varpro', startTime: 1_700_000_000_000, tags: { stage: 'varpro' }, gitCommit: 'c'.repeat(40), sourceName: 'relaxomap' });
    await run.logParams({ te_ms: 10, echoes: 8 });
    await run.logMetric('loss', 0.5, 0, 1_700_000_000_010);
    await run.logMetrics([{ key: 'loss', value: 0.25, step: 1, timestamp: 1_700_000_000_020 }, { key: 'nrmse', value: NaN, step: 1 }]);
    await run.setTags({ note: 'ok' });
    const src = path.join(dir, 'out');
    fs.mkdirSync(path.join(src, 'maps'), { recursive: true });
    fs.writeFileSync(path.join(src, 'maps', 't2.bin'), Buffer.from([1, 2, 3]));
    await run.logArtifacts(src);
    await run.end('FINISHED');

    const remote = server.state.runs.get(run.runId);
    assert.ok(remote, 'the server run has the same id as the local run');
    const local = localRun(run.runId);
    assert.equal(remote.info.status, 'FINISHED');
    assert.equal(local.status, 'FINISHED');
    assert.equal(remote.info.end_time, local.endTime, 'one end time for both copies');
    assert.equal(remote.info.start_time, 1_700_000_000_000);
    assert.deepEqual(Object.fromEntries(remote.params), { te_ms: '10', echoes: '8' });
    assert.deepEqual(local.params, { te_ms: '10', echoes: '8' });
    assert.deepEqual(remote.metrics.get('loss')!.map((m) => [m.timestamp, m.step, m.value]), [[1_700_000_000_010, 0, 0.5], [1_700_000_000_020, 1, 0.25]]);
    assert.deepEqual(local.metrics.loss!.map((m) => [m.timestamp, m.step, m.value]), [[1_700_000_000_010, 0, 0.5], [1_700_000_000_020, 1, 0.25]]);
    assert.equal(remote.metrics.get('nrmse')![0]!.timestamp, local.metrics.nrmse![0]!.timestamp, 'a defaulted timestamp is the same in both copies');
    assert.deepEqual([...server.state.artifacts.get(`${remote.info.experiment_id}/${run.runId}/artifacts/maps/t2.bin`)!], [1, 2, 3]);
    assert.deepEqual([...fs.readFileSync(path.join(dir, 'mlruns', expId, run.runId, 'artifacts', 'maps', 't2.bin'))], [1, 2, 3]);

    // Bookkeeping: local-only tags on the local run, the source tag on the server run.
    assert.equal(local.tags[SYNC_TAGS.uri], server.url);
    assert.equal(local.tags[SYNC_TAGS.serverRunId], run.runId);
    assert.equal(local.tags[SYNC_TAGS.state], 'complete');
    assert.equal(remote.tags.get(SYNC_TAGS.sourceRunId), run.runId);
    assert.ok(![...remote.tags.keys()].some((k) => k === SYNC_TAGS.uri || k === SYNC_TAGS.serverRunId || k === SYNC_TAGS.state));
    const { [SYNC_TAGS.uri]: _u, [SYNC_TAGS.serverRunId]: _s, [SYNC_TAGS.state]: _st, ...sharedLocal } = local.tags;
    const { [SYNC_TAGS.sourceRunId]: _src, ...sharedRemote } = Object.fromEntries(remote.tags);
    assert.deepEqual(sharedRemote, sharedLocal, 'same tags in both stores');

    // Reads: local store (the server is not asked).
    const before = server.state.calls.length;
    assert.equal((await tracker.getRun(run.runId)).params.te_ms, '10');
    assert.equal((await tracker.searchRuns([expId])).length, 1);
    assert.equal(await tracker.findExperiment('tiny'), expId);
    assert.equal((await tracker.getMetricHistory(run.runId, 'loss')).length, 2);
    assert.equal(server.state.calls.length, before);
    assert.deepEqual(warnings, []);
  });

  it('server down at the start: the run completes locally, one warning, nothing thrown', async () => {
    const url = await deadUrl();
    const tracker = mirrored(url);
    const expId = await tracker.getOrCreateExperiment('tiny');
    const run = await tracker.createRun(expId, { runName: 'simulate', gitCommit: '' });
    await run.logParams({ snr: 50 });
    await run.logMetrics(Array.from({ length: 5 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), step: i, timestamp: 1000 + i })));
    await run.setTags({ k: 'v' });
    await run.end('FINISHED');
    await tracker.endRun(run.runId, 'FINISHED');

    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.ok(warnings[0]!.includes(url) && warnings[0]!.includes('relaxomap sync') && warnings[0]!.includes(path.join(dir, 'mlruns')), warnings[0]);
    assert.match(warnings[0]!, /ECONNREFUSED/);
    assert.ok(!warnings[0]!.includes('\n'));
    assert.equal(tracker.serverDownReason !== undefined, true);
    const local = localRun(run.runId);
    assert.equal(local.status, 'FINISHED');
    assert.deepEqual(local.params, { snr: '50' });
    assert.equal(local.metrics.loss!.length, 5);
    assert.equal(local.tags[SYNC_TAGS.uri], url, 'the run records the server it was meant for');
    assert.equal(local.tags[SYNC_TAGS.serverRunId], undefined);
    assert.equal(local.tags[SYNC_TAGS.state], undefined);
  });

  it('server dies mid-run: everything is still in the local store; the server copy keeps what came before', async () => {
    const tracker = mirrored(server.url);
    const expId = await tracker.getOrCreateExperiment('tiny');
    const run = await tracker.createRun(expId, { runName: 'train', gitCommit: '' });
    await run.logParams({ lr: 0.001 });
    await run.logMetric('loss', 1, 0, 5000);
    server.faults.failAfter = 0; // every later request: connection closed, no answer
    await run.logMetric('loss', 0.5, 1, 5001);
    await run.logParams({ epochs: 3 });
    await run.logMetrics([{ key: 'loss', value: 0.25, step: 2, timestamp: 5002 }]);
    await run.end('FINISHED');
    const callsWhenDown = server.state.calls.length;
    delete server.faults.failAfter;
    await run.setTags({ after: 'x' });
    assert.equal(server.state.calls.length, callsWhenDown, 'a server given up is not asked again by this tracker');

    assert.equal(warnings.length, 1);
    assert.ok(warnings[0]!.includes(server.url));
    const local = localRun(run.runId);
    assert.equal(local.status, 'FINISHED');
    assert.deepEqual(local.params, { lr: '0.001', epochs: '3' });
    assert.deepEqual(local.metrics.loss!.map((m) => m.value), [1, 0.5, 0.25]);
    assert.equal(local.tags.after, 'x');
    assert.equal(local.tags[SYNC_TAGS.serverRunId], run.runId);
    assert.equal(local.tags[SYNC_TAGS.state], undefined, 'not complete: sync must look at it');
    const remote = server.state.runs.get(run.runId)!;
    assert.equal(remote.info.status, 'RUNNING');
    assert.deepEqual(remote.metrics.get('loss')!.map((m) => m.value), [1]);
  });

  it('a server that does not answer in time is given up after one timeout (MLFLOW_HTTP_REQUEST_TIMEOUT)', async () => {
    const hung = http.createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
      const tracker = mirrored(url, { MLFLOW_HTTP_REQUEST_TIMEOUT: '0.2' });
      const t0 = Date.now();
      const run = await tracker.createRun(await tracker.getOrCreateExperiment('tiny'), { runName: 'r', gitCommit: '' });
      await run.logParams({ a: 1 });
      await run.end('FINISHED');
      assert.ok(Date.now() - t0 < 2000, `one timeout, not one per call (${Date.now() - t0} ms)`);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /no response within 200 ms/);
      assert.equal(localRun(run.runId).status, 'FINISHED');
    } finally {
      hung.closeAllConnections();
      await new Promise((r) => hung.close(r));
    }
  });

  it('4xx answers are real errors: thrown, no warning', async () => {
    const locked = await startMlflowContractServer({ auth: { token: 'secret' } });
    try {
      await assert.rejects(mirrored(locked.url).getOrCreateExperiment('tiny'), /HTTP 401/);
    } finally {
      await locked.close();
    }
    const tracker = mirrored(server.url);
    const run = await tracker.createRun(await tracker.getOrCreateExperiment('tiny'), { runName: 'r', gitCommit: '' });
    await run.logParams({ lr: 1 });
    await assert.rejects(run.logParams({ lr: 2 }), /already logged/);
    // The server refuses what the local store takes (its copy was deleted): reported, kept locally.
    await tracker.server.client.deleteRun(run.runId);
    await assert.rejects(run.logParams({ epochs: 3 }), /HTTP 400 INVALID_STATE/);
    assert.equal(localRun(run.runId).params.epochs, '3');
    assert.deepEqual(warnings, []);
  });

  it('ends an orphaned run in both stores by id, and keeps file-store URIs as they were', async () => {
    const tracker = mirrored(server.url);
    const expId = await tracker.getOrCreateExperiment('tiny');
    const run = await tracker.createRun(expId, { runName: 'killed', gitCommit: '' });
    // Another process (a fresh tracker) finds it RUNNING and ends it.
    const later = mirrored(server.url);
    const running = await later.searchRuns([expId], { filter: "attributes.status = 'RUNNING'" });
    assert.deepEqual(running.map((r) => r.runId), [run.runId]);
    await later.endRun(run.runId, 'KILLED');
    assert.equal(localRun(run.runId).status, 'KILLED');
    assert.equal(server.state.runs.get(run.runId)!.info.status, 'KILLED');
    assert.equal(server.state.runs.get(run.runId)!.info.end_time, localRun(run.runId).endTime);
    assert.equal(localRun(run.runId).tags[SYNC_TAGS.state], undefined, 'an orphan is not known complete');

    assert.ok(createTracker({ trackingUri: path.join(dir, 'elsewhere'), cwd: dir, env: {} }) instanceof FileStoreTracker);
    assert.ok(createTracker({ cwd: dir, env: {} }) instanceof FileStoreTracker);
  });

  it('resolves the local store: option, RELAXOMAP_LOCAL_MLRUNS (path or file: URI), else <cwd>/mlruns', () => {
    assert.equal(localStorePath({ cwd: '/w', env: {} }), '/w/mlruns');
    assert.equal(localStorePath({ cwd: '/w', env: { RELAXOMAP_LOCAL_MLRUNS: 'runs/local' } }), '/w/runs/local');
    assert.equal(localStorePath({ cwd: '/w', env: { RELAXOMAP_LOCAL_MLRUNS: 'file:///abs/ml' } }), '/abs/ml');
    assert.equal(localStorePath({ cwd: '/w', env: { RELAXOMAP_LOCAL_MLRUNS: 'x' }, localStore: '/opt' }), '/opt');
    const t = createTracker({ trackingUri: server.url, cwd: dir, env: { RELAXOMAP_LOCAL_MLRUNS: 'store' } });
    assert.ok(t instanceof MirroredTracker);
    assert.equal(t.local.root, path.join(dir, 'store'));
  });
});

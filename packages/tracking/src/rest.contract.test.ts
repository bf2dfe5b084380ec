import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { type ContractServer, startMlflowContractServer } from './contract-server.js';
import { MlflowRestClient, MlflowRestError } from './rest-client.js';
import { RestTracker } from './rest-tracker.js';

let server: ContractServer;
before(async () => {
  server = await startMlflowContractServer();
});
after(async () => {
  await server.close();
});

/** Raw call to the contract server, to test its validation without the client's own checks. */
async function raw(method: string, endpoint: string, body?: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${endpoint}`, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('REST client against the MLflow contract server', () => {
  it('round-trips experiment, run, params, tags, >1000 metrics, artifacts, end and search', async () => {
    const tracker = new RestTracker({ baseUrl: server.url, env: {} });
    const expId = await tracker.getOrCreateExperiment('mrf-cnn');
    assert.equal(await tracker.getOrCreateExperiment('mrf-cnn'), expId);
    assert.equal(server.state.experiments.get(expId)?.name, 'mrf-cnn');

    const run = await tracker.createRun(expId, { runName: 'seed-1', startTime: 1_700_000_000_000, tags: { stage: 'train' }, gitCommit: 'b'.repeat(40), sourceName: 'train.js' });
    assert.equal(run.artifactUri, `mlflow-artifacts:/${expId}/${run.runId}/artifacts`);
    await run.logParams({ lr: 0.001, epochs: 3, 'net/blocks': 9 });
    await run.setTags({ note: 'x'.repeat(6000) });

    const before = server.state.calls.length;
    const samples = Array.from({ length: 2500 }, (_, i) => ({ key: i % 2 ? 'loss' : 'ssim', value: i === 7 ? NaN : 1 / (i + 1), step: i, timestamp: 1_700_000_000_000 + i }));
    await run.logMetrics(samples);
    const batches = server.state.calls.slice(before).filter((c) => c.path.endsWith('/runs/log-batch'));
    assert.deepEqual(batches.map((c) => ((c.body as { metrics: unknown[] }).metrics).length), [1000, 1000, 500]);
    assert.ok(batches.every((c) => c.status === 200));
    await run.logMetric('final', 0.125, 10, 1_700_000_001_000);
    assert.deepEqual(await tracker.client.getMetricHistory(run.runId, 'final'), [{ key: 'final', value: 0.125, timestamp: 1_700_000_001_000, step: 10 }]);

    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'tracking-rest-'));
    try {
      fs.mkdirSync(path.join(src, 'maps'));
      fs.writeFileSync(path.join(src, 'report.json'), '{"ok":true}');
      fs.writeFileSync(path.join(src, 'maps', 't2 map.bin'), Buffer.from([0, 255, 7]));
      await run.logArtifact(path.join(src, 'report.json'), 'reports');
      await run.logArtifacts(src, 'all');
    } finally {
      fs.rmSync(src, { recursive: true, force: true });
    }
    const prefix = `${expId}/${run.runId}/artifacts`;
    assert.equal(server.state.artifacts.get(`${prefix}/reports/report.json`)?.toString(), '{"ok":true}');
    assert.deepEqual([...server.state.artifacts.get(`${prefix}/all/maps/t2 map.bin`)!], [0, 255, 7]);
    assert.ok(server.state.artifacts.has(`${prefix}/all/report.json`));

    await run.end('FAILED');

    const info = await tracker.getRun(run.runId);
    assert.equal(info.status, 'FAILED');
    assert.equal(info.runName, 'seed-1');
    assert.equal(info.startTime, 1_700_000_000_000);
    assert.ok(info.endTime !== null && info.endTime >= 1_700_000_000_000);
    assert.deepEqual(info.params, { lr: '0.001', epochs: '3', 'net/blocks': '9' });
    assert.equal(info.tags['mlflow.runName'], 'seed-1');
    assert.equal(info.tags['mlflow.source.git.commit'], 'b'.repeat(40));
    assert.equal(info.tags['mlflow.source.type'], 'LOCAL');
    assert.equal(info.tags.note!.length, 5000, 'tag values truncated to MLflow 2.x limit');
    assert.equal(info.metrics.loss, 1 / 2500, 'latest loss = step 2499');
    assert.equal(info.metrics.final, 0.125);
    const stored = server.state.runs.get(run.runId)!;
    assert.equal(stored.metrics.get('loss')!.length, 1250);
    assert.ok(Number.isNaN(stored.metrics.get('loss')!.find((m) => m.step === 7)!.value), 'NaN travels as "NaN"');

    const other = await tracker.createRun(expId, { runName: 'seed-2', startTime: 1_700_000_100_000 });
    await other.logParams({ lr: 0.01 });
    await other.logMetric('loss', 0.9, 0);
    await other.end('FINISHED');
    const names = async (filter?: string): Promise<string[]> => (await tracker.searchRuns([expId], filter ? { filter } : {})).map((r) => r.runName);
    assert.deepEqual(await names(), ['seed-2', 'seed-1']);
    assert.deepEqual(await names("params.lr = '0.001'"), ['seed-1']);
    assert.deepEqual(await names("attributes.status = 'FINISHED'"), ['seed-2']);
    assert.deepEqual(await names('metrics.loss > 0.5'), ['seed-2']);
    assert.deepEqual((await tracker.searchRuns([expId], { maxResults: 1 })).map((r) => r.runName), ['seed-2']);
    await assert.rejects(tracker.searchRuns([expId], { filter: 'metrics.loss > "a"' }), /HTTP 400 INVALID_PARAMETER_VALUE: .*numeric/);
  });

  it('pages through runs/search with next_page_token', async () => {
    const tracker = new RestTracker({ baseUrl: server.url, env: {} });
    const expId = await tracker.getOrCreateExperiment('paging');
    for (let i = 0; i < 5; i++) await tracker.createRun(expId, { runName: `r${i}`, startTime: 1000 + i });
    const client = new MlflowRestClient({ baseUrl: server.url, env: {} });
    const first = await client.searchRuns({ experiment_ids: [expId], max_results: 2 });
    assert.equal(first.runs.length, 2);
    assert.ok(first.next_page_token);
    const all = await tracker.searchRuns([expId], { maxResults: 5 });
    assert.deepEqual(all.map((r) => r.runName), ['r4', 'r3', 'r2', 'r1', 'r0']);
  });

  it('creates one experiment for concurrent callers (RESOURCE_ALREADY_EXISTS → get-by-name)', async () => {
    const trackers = Array.from({ length: 6 }, () => new RestTracker({ baseUrl: server.url, env: {} }));
    const ids = await Promise.all(trackers.map((t) => t.getOrCreateExperiment('contended')));
    assert.equal(new Set(ids).size, 1);
    assert.equal([...server.state.experiments.values()].filter((e) => e.name === 'contended').length, 1);
    assert.ok(server.state.calls.some((c) => c.path.endsWith('/experiments/create') && c.status === 400), 'the race really happened');
  });

  it('reports a param re-logged with another value as one line with endpoint, status and error code', async () => {
    const tracker = new RestTracker({ baseUrl: server.url, env: {} });
    const run = await tracker.createRun(await tracker.getOrCreateExperiment('immutable'), { runName: 'r' });
    await run.logParams({ lr: 1 });
    await run.logParams({ lr: 1 });
    const err = await run.logParams({ lr: 2 }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof MlflowRestError);
    assert.equal(err.status, 400);
    assert.equal(err.errorCode, 'INVALID_PARAMETER_VALUE');
    assert.equal(err.endpoint, '/api/2.0/mlflow/runs/log-batch');
    assert.match(err.message, /^MLflow POST \/api\/2\.0\/mlflow\/runs\/log-batch failed: HTTP 400 INVALID_PARAMETER_VALUE: Changing param values is not allowed/);
    assert.ok(!err.message.includes('\n'));
    await assert.rejects(tracker.getRun('0123456789abcdef0123456789abcdef'), /HTTP 404 RESOURCE_DOES_NOT_EXIST: Run with id=0123456789abcdef0123456789abcdef not found/);
  });

  it('sends Basic and Bearer credentials from MLFLOW_TRACKING_* variables', async () => {
    const basic = await startMlflowContractServer({ auth: { username: 'u', password: 'p' } });
    const bearer = await startMlflowContractServer({ auth: { token: 'tok' } });
    try {
      assert.match(await new RestTracker({ baseUrl: basic.url, env: { MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' } }).getOrCreateExperiment('a'), /^\d+$/);
      assert.match(await new RestTracker({ baseUrl: bearer.url, env: { MLFLOW_TRACKING_TOKEN: 'tok' } }).getOrCreateExperiment('a'), /^\d+$/);
      await assert.rejects(new RestTracker({ baseUrl: basic.url, env: {} }).getOrCreateExperiment('a'), /HTTP 401: You are not authenticated/);
    } finally {
      await basic.close();
      await bearer.close();
    }
  });
});

describe('contract server validates like MLflow', () => {
  let runId: string;
  before(async () => {
    const exp = await raw('POST', '/api/2.0/mlflow/experiments/create', { name: 'validation' });
    const run = await raw('POST', '/api/2.0/mlflow/runs/create', { experiment_id: exp.json.experiment_id, start_time: 5 });
    runId = (run.json.run as { info: { run_id: string } }).info.run_id;
  });

  it('answers MLflow error shapes for names, missing fields and bad types', async () => {
    assert.deepEqual(await raw('POST', '/api/2.0/mlflow/experiments/create', { name: 'validation' }), {
      status: 400,
      json: { error_code: 'RESOURCE_ALREADY_EXISTS', message: 'Experiment(name=validation) already exists. Error: (raised as a result of Query-invoked autoflush)' },
    });
    const missing = await raw('GET', '/api/2.0/mlflow/experiments/get-by-name?experiment_name=nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error_code, 'RESOURCE_DOES_NOT_EXIST');
    const noKey = await raw('POST', '/api/2.0/mlflow/runs/log-metric', { run_id: runId, value: 1, timestamp: 1 });
    assert.equal(noKey.status, 400);
    assert.equal(noKey.json.message, "Missing value for required parameter 'key'. See the API docs for more information about request parameters.");
    for (const bad of [
      { value: 'abc', timestamp: 1 },
      { value: true, timestamp: 1 },
      { value: 1, timestamp: 1.5 },
      { value: 1, timestamp: -1 },
      { value: 1, timestamp: 1, step: 'x' },
    ]) {
      const r = await raw('POST', '/api/2.0/mlflow/runs/log-metric', { run_id: runId, key: 'k', ...bad });
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(r.json.error_code, 'INVALID_PARAMETER_VALUE');
    }
    assert.equal((await raw('POST', '/api/2.0/mlflow/runs/log-metric', { run_id: runId, key: 'k', value: 'NaN', timestamp: '7' })).status, 200);
    assert.equal((await raw('POST', '/api/2.0/mlflow/runs/log-parameter', { run_id: runId, key: 'p', value: 5 })).status, 400, 'param value must be a JSON string');
    assert.equal((await raw('POST', '/api/2.0/mlflow/runs/log-parameter', { run_id: runId, key: '../p', value: '5' })).status, 400, 'key resolving to another path');
    assert.equal((await raw('POST', '/api/2.0/mlflow/runs/log-parameter', { run_id: runId, key: 'p', value: 'x'.repeat(6001) })).status, 400);
    assert.equal((await raw('POST', '/api/2.0/mlflow/runs/set-tag', { run_id: runId, key: 'bad:key', value: 'v' })).status, 400);
    assert.equal((await raw('POST', '/api/2.0/mlflow/runs/update', { run_id: runId, status: 'DONE' })).status, 400);
    // fetch labels a string body text/plain; a byte body goes without Content-Type
    assert.equal((await raw('POST', '/api/2.0/mlflow/runs/log-metric', '{"run_id":"x"}', {})).json.message, "Bad Request. Content-Type must be one of ['application/json'].");
    const bare = await fetch(`${server.url}/api/2.0/mlflow/runs/log-metric`, { method: 'POST', body: Buffer.from('{}') });
    assert.equal(bare.status, 400);
    assert.equal(((await bare.json()) as { message: string }).message, 'Bad Request. Content-Type header is missing.');
  });

  it('enforces log-batch limits and rejects a bad batch without writing any of it', async () => {
    const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: i }));
    const tooMany = await raw('POST', '/api/2.0/mlflow/runs/log-batch', { run_id: runId, metrics });
    assert.equal(tooMany.status, 400);
    assert.match(String(tooMany.json.message), /at most 1000 metrics\. Got 1001 metrics/);
    const dup = await raw('POST', '/api/2.0/mlflow/runs/log-batch', { run_id: runId, params: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] });
    assert.match(String(dup.json.message), /Duplicate parameter keys have been submitted: \["a"\]/);
    const partial = await raw('POST', '/api/2.0/mlflow/runs/log-batch', { run_id: runId, metrics: [{ key: 'ok', value: 1, timestamp: 1 }, { key: 'ok', value: 2 }] });
    assert.equal(partial.status, 400);
    assert.match(String(partial.json.message), /'metrics\[1\]\.timestamp'/);
    assert.equal(server.state.runs.get(runId)!.metrics.has('ok'), false);
  });
});

describe('REST client failure modes', () => {
  it('fails fast with a clear error when nothing listens', async () => {
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    const t0 = Date.now();
    const err = await new RestTracker({ baseUrl: `http://127.0.0.1:${port}`, env: {}, timeoutMs: 2000 }).getOrCreateExperiment('x').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof MlflowRestError);
    assert.equal(err.status, 0);
    assert.match(err.message, new RegExp(`^MLflow GET /api/2\\.0/mlflow/experiments/get-by-name failed: cannot reach http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)$`));
    assert.ok(Date.now() - t0 < 2000);
  });

  it('gives up on a hung server after the timeout', async () => {
    const hung = http.createServer(() => {
      /* never answers */
    });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', () => r()));
    const { port } = hung.address() as AddressInfo;
    try {
      const t0 = Date.now();
      await assert.rejects(
        new RestTracker({ baseUrl: `http://127.0.0.1:${port}`, env: { MLFLOW_HTTP_REQUEST_TIMEOUT: '0.3' } }).getRun('abc'),
        /^MlflowRestError: MLflow GET \/api\/2\.0\/mlflow\/runs\/get failed: no response within 300 ms$/,
      );
      const elapsed = Date.now() - t0;
      assert.ok(elapsed >= 250 && elapsed < 3000, `elapsed ${elapsed} ms`);
    } finally {
      hung.closeAllConnections();
      await new Promise<void>((r) => hung.close(() => r()));
    }
  });
});

test('REST: findExperiment never creates; getMetricHistory returns every logged value', async () => {
  const server = await startMlflowContractServer();
  try {
    const tracker = new RestTracker({ baseUrl: server.url, cwd: process.cwd(), env: {} });
    assert.equal(await tracker.findExperiment('absent'), undefined);
    const id = await tracker.getOrCreateExperiment('present');
    assert.equal(await tracker.findExperiment('present'), id);
    const run = await tracker.createRun(id, { runName: 'r', gitCommit: '' });
    await run.logMetrics([{ key: 'loss', value: 3, step: 0, timestamp: 10 }, { key: 'loss', value: 2, step: 1, timestamp: 11 }]);
    assert.deepEqual((await tracker.getMetricHistory(run.runId, 'loss')).map((m) => [m.step, m.value]), [[0, 3], [1, 2]]);
  } finally {
    await server.close();
  }
});

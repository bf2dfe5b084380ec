import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { type ContractServer, startMlflowContractServer } from './contract-server.js';
import { FileStoreTracker } from './file-store.js';
import { readFileStore, type StoredRun } from './file-store-reader.js';
import { MirroredTracker } from './mirror-tracker.js';
import { LOCAL_ONLY_TAGS, SYNC_TAGS } from './sync-tags.js';
import { syncFileStore, SyncInterruptedError, type SyncSummary } from './sync.js';
import { createTracker } from './tracker.js';

let tmp: string;
let pristine: string;
const T0 = 1_700_000_000_000;

/**
 * A local store with two experiments: a FINISHED run with 2 500 metric points over 3 keys (NaN,
 * ±Infinity, an exact duplicate point), nested artifacts; a FAILED run; a sweep parent and its child
 * (the child started first, so only the parent-first ordering links it); a run still RUNNING.
 */
async function buildStore(root: string): Promise<void> {
  const t = new FileStoreTracker(root, { cwd: root });
  const tiny = await t.getOrCreateExperiment('tiny');
  const sweep = await t.getOrCreateExperiment('sweep');
  const common = { gitCommit: 'c'.repeat(40), sourceName: 'relaxomap' };
  const sim = await t.createRun(tiny, { runName: 'simulate', startTime: T0, tags: { 'relaxomap.stage': 'simulate' }, ...common });
  await sim.logParams({ snr: 50, 'phantom/shape': '[64,64]', long: 'x'.repeat(6000) });
  await sim.logMetrics(Array.from({ length: 2500 }, (_, i) => ({ key: ['loss', 'val/nrmse', 'lr'][i % 3]!, value: i === 3 ? NaN : i === 4 ? -Infinity : 1 / (i + 1), step: Math.floor(i / 3), timestamp: T0 + i })));
  await sim.logMetric('dup', 0.5, 1, T0 + 7);
  await sim.logMetric('dup', 0.5, 1, T0 + 7);
  const src = path.join(root, '..', `src-${path.basename(root)}`);
  fs.mkdirSync(path.join(src, 'maps', 'deep'), { recursive: true });
  fs.writeFileSync(path.join(src, 'report.json'), '{"ok":true}');
  fs.writeFileSync(path.join(src, 'maps', 'deep', 't2 map.bin'), Buffer.from([0, 255, 7, 9]));
  await sim.logArtifacts(src);
  fs.rmSync(src, { recursive: true });
  sim.endSync('FINISHED', T0 + 60_000);
  const fit = await t.createRun(tiny, { runName: 'varpro', startTime: T0 + 100, ...common });
  await fit.logParams({ te_ms: 10 });
  await fit.logMetric('voxels_per_second', 1234.5, 0, T0 + 200);
  fit.endSync('FAILED', T0 + 300);
  const child = await t.createRun(sweep, { runName: 'point-1', startTime: T0 + 1000, ...common, tags: {} });
  const parent = await t.createRun(sweep, { runName: 'sweep parent', startTime: T0 + 2000, ...common, tags: { 'relaxomap.sweep_role': 'parent' } });
  await child.setTags({ 'mlflow.parentRunId': parent.runId });
  await child.logMetric('loss', 0.1, 0, T0 + 1001);
  child.endSync('FINISHED', T0 + 1500);
  parent.endSync('FINISHED', T0 + 3000);
  await t.createRun(tiny, { runName: 'still running', startTime: T0 + 5000, ...common });
}

interface Shape {
  source: string;
  experiment: string;
  name: string;
  status: string;
  start: number;
  end: number | null;
  user: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, [number, number, number][]>;
  artifacts: Record<string, string>;
}

const sorted = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

/** What the server holds, one entry per active run, parents named by their local id. */
function serverShape(server: ContractServer): Shape[] {
  const runs = [...server.state.runs.values()].filter((r) => r.info.lifecycle_stage === 'active');
  const sourceOf = new Map(runs.map((r) => [r.info.run_id, r.tags.get(SYNC_TAGS.sourceRunId) ?? `?${r.info.run_id}`]));
  return runs
    .map((r) => {
      const tags = Object.fromEntries(r.tags);
      delete tags[SYNC_TAGS.sourceRunId];
      if (tags['mlflow.parentRunId']) tags['mlflow.parentRunId'] = sourceOf.get(tags['mlflow.parentRunId']) ?? `dangling ${tags['mlflow.parentRunId']}`;
      const prefix = `${r.info.experiment_id}/${r.info.run_id}/artifacts/`;
      const artifacts: Record<string, string> = {};
      for (const [p, data] of server.state.artifacts) if (p.startsWith(prefix)) artifacts[p.slice(prefix.length)] = data.toString('base64');
      return {
        source: sourceOf.get(r.info.run_id)!,
        experiment: server.state.experiments.get(r.info.experiment_id)!.name,
        name: r.info.run_name,
        status: r.info.status,
        start: r.info.start_time,
        end: r.info.end_time,
        user: r.info.user_id,
        params: sorted(Object.fromEntries(r.params)),
        tags: sorted(tags),
        metrics: sorted(Object.fromEntries([...r.metrics].map(([k, h]) => [k, h.map((m): [number, number, number] => [m.timestamp, m.step, m.value])]))),
        artifacts: sorted(artifacts),
      };
    })
    .sort((a, b) => (a.source < b.source ? -1 : 1));
}

/** What the server must hold: every finished local run, bookkeeping tags left out. */
function expectedShape(root: string): Shape[] {
  const out: Shape[] = [];
  for (const exp of readFileStore(root).experiments) {
    for (const r of exp.runs.filter((x: StoredRun) => x.status !== 'RUNNING')) {
      const tags = Object.fromEntries(Object.entries(r.tags).filter(([k]) => !LOCAL_ONLY_TAGS.has(k)));
      const artDir = path.join(root, exp.experimentId, r.runId, 'artifacts');
      const artifacts: Record<string, string> = {};
      const walk = (d: string, rel: string): void => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const r2 = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) walk(path.join(d, e.name), r2);
          else artifacts[r2] = fs.readFileSync(path.join(d, e.name)).toString('base64');
        }
      };
      walk(artDir, '');
      out.push({
        source: r.runId, experiment: exp.name, name: r.runName, status: r.status, start: r.startTime, end: r.endTime, user: r.userId,
        params: sorted(r.params), tags: sorted(tags),
        metrics: sorted(Object.fromEntries(Object.entries(r.metrics).map(([k, h]) => [k, h.map((m): [number, number, number] => [m.timestamp, m.step, m.value])]))),
        artifacts: sorted(artifacts),
      });
    }
  }
  return out.sort((a, b) => (a.source < b.source ? -1 : 1));
}

/** Remove the sync bookkeeping tags from every run of a local store. */
function forgetSyncs(root: string): void {
  for (const exp of readFileStore(root).experiments) {
    for (const r of exp.runs) for (const tag of LOCAL_ONLY_TAGS) fs.rmSync(path.join(root, exp.experimentId, r.runId, 'tags', tag), { force: true });
  }
}

const points = (server: ContractServer): number => [...server.state.runs.values()].reduce((n, r) => n + [...r.metrics.values()].reduce((m, h) => m + h.length, 0), 0);

let server: ContractServer;
let store: string;
let logs: string[];
const sync = (extra: { experiments?: string[] } = {}): Promise<SyncSummary> =>
  syncFileStore({ from: store, to: server.url, env: {}, log: (l) => logs.push(l), ...extra });

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tracking-sync-'));
  pristine = path.join(tmp, 'pristine');
  await buildStore(pristine);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
beforeEach(async () => {
  server = await startMlflowContractServer();
  store = path.join(tmp, `store-${n++}`);
  fs.cpSync(pristine, store, { recursive: true });
  logs = [];
});
afterEach(async () => {
  await server.close();
});

describe('syncFileStore', () => {
  it('uploads exactly the finished local runs: params, tags, full metric histories, artifacts, status, times; parents remapped', async () => {
    const summary = await sync();
    assert.deepEqual(summary, { experiments: 2, runsCreated: 4, runsCompleted: 0, runsSkipped: 1, runsFailed: 0 });
    const want = expectedShape(store);
    assert.equal(want.length, 4);
    assert.deepEqual(serverShape(server), want);
    assert.equal(server.state.runs.size, 4, 'no extra (or deleted) runs');
    assert.equal(points(server), 2500 + 2 + 1 + 1, 'every point, the duplicate included');
    assert.ok(logs.some((l) => /'still running' \(tiny\) is still RUNNING locally: not uploaded/.test(l)), logs.join('\n'));

    // The child's parent is the parent's SERVER id; the parent was created first.
    const local = readFileStore(store).experiments.flatMap((e) => e.runs);
    const parentLocal = local.find((r) => r.runName === 'sweep parent')!;
    const childLocal = local.find((r) => r.runName === 'point-1')!;
    const parentServerId = parentLocal.tags[SYNC_TAGS.serverRunId]!;
    assert.notEqual(parentServerId, parentLocal.runId);
    assert.equal(server.state.runs.get(childLocal.tags[SYNC_TAGS.serverRunId]!)!.tags.get('mlflow.parentRunId'), parentServerId);
    const creates = server.state.calls.filter((c) => c.path.endsWith('/runs/create')).map((c) => (c.body as { run_name: string }).run_name);
    assert.ok(creates.indexOf('sweep parent') < creates.indexOf('point-1'));
    // Local bookkeeping: every uploaded run knows its copy and is complete; the RUNNING one is untouched.
    for (const r of local) {
      if (r.status === 'RUNNING') assert.equal(r.tags[SYNC_TAGS.uri], undefined);
      else assert.deepEqual([r.tags[SYNC_TAGS.uri], r.tags[SYNC_TAGS.state], server.state.runs.has(r.tags[SYNC_TAGS.serverRunId]!)], [server.url, 'complete', true]);
    }
  });

  it('syncing twice changes nothing: no request at all, same runs and metric points', async () => {
    await sync();
    const runs = server.state.runs.size;
    const pts = points(server);
    const calls = server.state.calls.length;
    const again = await sync();
    assert.deepEqual(again, { experiments: 2, runsCreated: 0, runsCompleted: 0, runsSkipped: 5, runsFailed: 0 });
    assert.equal(server.state.calls.length, calls, 'complete runs are skipped from their local tags');
    assert.equal(server.state.runs.size, runs);
    assert.equal(points(server), pts);
    // Without the local "complete" marks (e.g. the store copied elsewhere), the source tags still prevent duplicates.
    for (const r of readFileStore(store).experiments.flatMap((e) => e.runs)) fs.rmSync(path.join(store, r.experimentId, r.runId, 'tags', SYNC_TAGS.state), { force: true });
    const verified = await sync();
    assert.deepEqual(verified, { experiments: 2, runsCreated: 0, runsCompleted: 0, runsSkipped: 5, runsFailed: 0 });
    assert.equal(server.state.runs.size, runs);
    assert.equal(points(server), pts);
    assert.ok(!server.state.calls.slice(calls).some((c) => c.method !== 'GET' && !c.path.endsWith('/runs/search')), 'verification only reads');
  });

  it('an interrupted sync resumed later completes every run without duplicates, wherever it was cut (refused or reply lost)', async () => {
    await sync();
    const total = server.state.calls.length;
    const reference = serverShape(server);
    const referencePoints = points(server);
    assert.ok(total > 15, `${total} requests`);
    // Every request of the reference sync is cut once; the two ways alternate, so each kind of
    // request (experiment/run create, log-batch, artifact PUT, update) is cut both ways.
    let cuts = 0;
    const st = path.join(tmp, 'cut');
    fs.cpSync(pristine, st, { recursive: true });
    for (let k = 0; k < total; k++) {
      const mode = k % 2 === 0 ? 'refuse' : 'lose-reply';
      {
        const s = await startMlflowContractServer();
        forgetSyncs(st); // back to the pristine store: sync writes nothing else locally
        try {
          s.faults.failAfter = k;
          s.faults.mode = mode;
          const first = await syncFileStore({ from: st, to: s.url, env: {}, log: () => undefined }).then(() => undefined, (e: unknown) => e);
          assert.ok(first instanceof SyncInterruptedError, `cut at request ${k} (${mode}): ${String(first)}`);
          assert.match(first.message, /interrupted .*run sync again to resume/);
          delete s.faults.failAfter;
          const second = await syncFileStore({ from: st, to: s.url, env: {}, log: () => undefined });
          assert.equal(second.runsFailed, 0);
          const shape = serverShape(s);
          // Server ids differ per server; compare what the runs hold.
          assert.deepEqual(shape, reference, `cut at request ${k} (${mode})`);
          assert.equal(points(s), referencePoints, `cut at ${k} (${mode}): metric points`);
          assert.equal(s.state.runs.size, 4, `cut at ${k} (${mode}): no duplicate or deleted runs`);
          const calls = s.state.calls.length;
          assert.equal((await syncFileStore({ from: st, to: s.url, env: {}, log: () => undefined })).runsCreated, 0);
          assert.equal(s.state.calls.length, calls, 'and then nothing left to do');
          cuts++;
        } finally {
          await s.close();
        }
      }
    }
    assert.equal(cuts, total);
  });

  it('completes in place a run whose mirror was cut when the server died mid-run', async () => {
    const ws = path.join(tmp, `ws-${n++}`);
    const warnings: string[] = [];
    const tracker = createTracker({ trackingUri: server.url, cwd: ws, env: {}, warn: (l) => warnings.push(l) }) as MirroredTracker;
    const expId = await tracker.getOrCreateExperiment('train');
    const run = await tracker.createRun(expId, { runName: 'cnn', gitCommit: '', startTime: T0 });
    await run.logParams({ lr: 0.001 });
    await run.logMetrics(Array.from({ length: 1500 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), step: i, timestamp: T0 + i })));
    server.faults.failAfter = 1; // the next request is answered, then the server is gone
    await run.logMetrics(Array.from({ length: 1500 }, (_, i) => ({ key: 'loss', value: -i, step: 1500 + i, timestamp: T0 + 1500 + i })));
    await run.logParams({ epochs: 3 });
    await run.end('FINISHED');
    assert.equal(warnings.length, 1);
    delete server.faults.failAfter;
    assert.equal(server.state.runs.get(run.runId)!.metrics.get('loss')!.length, 2500, 'the server got 2 of 3 batches');

    const summary = await syncFileStore({ from: path.join(ws, 'mlruns'), to: server.url, env: {}, log: (l) => logs.push(l) });
    assert.deepEqual(summary, { experiments: 1, runsCreated: 0, runsCompleted: 1, runsSkipped: 0, runsFailed: 0 });
    assert.equal(server.state.runs.size, 1, 'the same server run, completed');
    const remote = server.state.runs.get(run.runId)!;
    assert.equal(remote.info.status, 'FINISHED');
    assert.deepEqual(remote.metrics.get('loss')!.map((m) => m.step), Array.from({ length: 3000 }, (_, i) => i));
    assert.deepEqual(Object.fromEntries(remote.params), { lr: '0.001', epochs: '3' });
    assert.ok(logs.some((l) => /completed \(1 params, 500 metric points, 0 artifacts\)/.test(l)), logs.join('\n'));
    assert.deepEqual(await syncFileStore({ from: path.join(ws, 'mlruns'), to: server.url, env: {}, log: () => undefined }), { experiments: 1, runsCreated: 0, runsCompleted: 0, runsSkipped: 1, runsFailed: 0 });
  });

  it('uploads runs logged while the server was down, and links a child mirrored while its parent was local-only', async () => {
    const ws = path.join(tmp, `ws-${n++}`);
    const open = (): MirroredTracker => createTracker({ trackingUri: server.url, cwd: ws, env: {}, warn: () => undefined }) as MirroredTracker;
    server.faults.failAfter = 0;
    const offline = open();
    const expId = await offline.getOrCreateExperiment('sweep');
    const parent = await offline.createRun(expId, { runName: 'parent', gitCommit: '' });
    delete server.faults.failAfter;
    const online = open(); // another process, once the server is back
    const child = await online.createRun(await online.getOrCreateExperiment('sweep'), { runName: 'child', gitCommit: '', tags: { 'mlflow.parentRunId': parent.runId } });
    await child.logMetric('loss', 1, 0, T0);
    await child.end('FINISHED');
    assert.equal(server.state.runs.get(child.runId)!.tags.get('mlflow.parentRunId'), undefined, 'no dangling local id on the server');
    const mlruns = path.join(ws, 'mlruns');
    // While the parent is still RUNNING it is not uploaded, so the child cannot be linked yet.
    const early = await syncFileStore({ from: mlruns, to: server.url, env: {}, log: (l) => logs.push(l) });
    assert.deepEqual(early, { experiments: 1, runsCreated: 0, runsCompleted: 0, runsSkipped: 2, runsFailed: 0 });
    assert.ok(logs.some((l) => l.includes(`its parent run ${parent.runId} has no copy on ${server.url} yet`)), logs.join('\n'));
    await online.endRun(parent.runId, 'FINISHED');
    assert.equal(server.state.runs.size, 1);

    const summary = await syncFileStore({ from: mlruns, to: server.url, env: {}, log: () => undefined });
    assert.deepEqual(summary, { experiments: 1, runsCreated: 1, runsCompleted: 1, runsSkipped: 0, runsFailed: 0 });
    const parentCopy = [...server.state.runs.values()].find((r) => r.info.run_name === 'parent')!;
    assert.equal(parentCopy.tags.get(SYNC_TAGS.sourceRunId), parent.runId);
    assert.equal(parentCopy.info.status, 'FINISHED');
    assert.equal(server.state.runs.get(child.runId)!.tags.get('mlflow.parentRunId'), parentCopy.info.run_id);
  });

  it('replaces a server copy that contradicts the local run (delete, upload again)', async () => {
    await sync();
    const local = readFileStore(store).experiments.flatMap((e) => e.runs).find((r) => r.runName === 'varpro')!;
    const oldId = local.tags[SYNC_TAGS.serverRunId]!;
    server.state.runs.get(oldId)!.metrics.get('voxels_per_second')!.push({ key: 'voxels_per_second', value: 1, timestamp: 1, step: 9 });
    fs.rmSync(path.join(store, local.experimentId, local.runId, 'tags', SYNC_TAGS.state));
    const summary = await sync();
    assert.deepEqual(summary, { experiments: 2, runsCreated: 1, runsCompleted: 0, runsSkipped: 4, runsFailed: 0 });
    assert.ok(logs.some((l) => l.includes(`server run ${oldId} contradicts it (metric 'voxels_per_second' has 1 point(s) there that are not here)`)), logs.join('\n'));
    assert.equal(server.state.runs.get(oldId)!.info.lifecycle_stage, 'deleted');
    server.state.runs.delete(oldId);
    assert.deepEqual(serverShape(server), expectedShape(store));
  });

  it('syncs only the named experiments, and names an unknown one', async () => {
    const summary = await sync({ experiments: ['sweep'] });
    assert.deepEqual(summary, { experiments: 1, runsCreated: 2, runsCompleted: 0, runsSkipped: 0, runsFailed: 0 });
    assert.deepEqual([...server.state.runs.values()].map((r) => r.info.run_name).sort(), ['point-1', 'sweep parent']);
    await assert.rejects(sync({ experiments: ['nope', 'tiny'] }), /^Error: sync: no experiment 'nope' in .* \(it has: /);
    await assert.rejects(syncFileStore({ from: path.join(tmp, 'missing'), to: server.url, env: {} }), /local store '.*missing' is not a folder/);
  });

  it('two syncs at once do not duplicate runs', async () => {
    const results = await Promise.allSettled([sync(), sync()]);
    assert.ok(results.some((r) => r.status === 'fulfilled'));
    for (const r of results) if (r.status === 'rejected') assert.match(String(r.reason), /lock .*still held/);
    assert.equal(server.state.runs.size, 4);
    assert.deepEqual(serverShape(server), expectedShape(store));
  });
});

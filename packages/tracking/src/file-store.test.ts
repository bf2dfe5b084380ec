import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { FileStoreTracker } from './file-store.js';
import { readFileStore } from './file-store-reader.js';
import { createTracker } from './tracker.js';

const execFileP = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracking-fs-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('file store layout', () => {
  it('writes the mlruns layout MLflow reads, with known values', async () => {
    const tracker = createTracker({ cwd: dir, env: {} });
    assert.ok(tracker instanceof FileStoreTracker);
    const root = path.join(dir, 'mlruns');
    assert.equal(tracker.uri, pathToFileURL(root).href);
    const expId = await tracker.getOrCreateExperiment('t2-mapping');
    assert.match(expId, /^[1-9]\d{17}$/, 'experiment id: 18 digits like MLflow _generate_unique_integer_id');
    const run = await tracker.createRun(expId, { runName: 'cnn-seed1', startTime: 1_700_000_000_000, tags: { stage: 'train' }, sourceName: '/x/train.js', gitCommit: 'a'.repeat(40) });
    assert.match(run.runId, /^[0-9a-f]{32}$/);
    await run.logParams({ lr: 0.001, 'net/blocks': 9, 'weird key!': 'v' });
    await run.logMetric('loss', 1, 0, 1_700_000_000_100);
    await run.logMetrics([
      { key: 'loss', value: 0.25, step: 1, timestamp: 1_700_000_000_200 },
      { key: 'val/nrmse', value: NaN, step: 1, timestamp: 1_700_000_000_200 },
      { key: 'inf', value: -Infinity, timestamp: 1_700_000_000_300 },
    ]);
    await run.end('FINISHED');

    // Default experiment 0, and the .trash folder MLflow's FileStore creates.
    const zeroMeta = fs.readFileSync(path.join(root, '0', 'meta.yaml'), 'utf8');
    assert.match(zeroMeta, /^experiment_id: '0'$/m);
    assert.match(zeroMeta, /^name: Default$/m);
    assert.ok(fs.statSync(path.join(root, '.trash')).isDirectory());

    const expMeta = fs.readFileSync(path.join(root, expId, 'meta.yaml'), 'utf8');
    assert.deepEqual(expMeta.split('\n').map((l) => l.split(':')[0]).filter(Boolean),
      ['artifact_location', 'creation_time', 'experiment_id', 'last_update_time', 'lifecycle_stage', 'name']);
    assert.match(expMeta, new RegExp(`^artifact_location: '${pathToFileURL(root).href}/${expId}'$`, 'm'));

    const runDir = path.join(root, expId, run.runId);
    const meta = fs.readFileSync(path.join(runDir, 'meta.yaml'), 'utf8');
    assert.match(meta, /^status: 3$/m);
    assert.match(meta, /^source_type: 4$/m);
    assert.match(meta, /^start_time: 1700000000000$/m);
    assert.match(meta, /^end_time: \d{13}$/m);
    assert.match(meta, /^tags: \[\]$/m);
    assert.match(meta, new RegExp(`^run_uuid: '?${run.runId}'?$`, 'm'));
    assert.match(meta, new RegExp(`^run_id: '?${run.runId}'?$`, 'm'));
    assert.match(meta, new RegExp(`^experiment_id: '${expId}'$`, 'm'));
    assert.equal(run.artifactUri, `${pathToFileURL(root).href}/${expId}/${run.runId}/artifacts`);
    assert.ok(fs.statSync(path.join(runDir, 'artifacts')).isDirectory());

    // metrics/<key>: "<ts> <python float> <step>\n"
    assert.equal(fs.readFileSync(path.join(runDir, 'metrics', 'loss'), 'utf8'), '1700000000100 1.0 0\n1700000000200 0.25 1\n');
    assert.equal(fs.readFileSync(path.join(runDir, 'metrics', 'val', 'nrmse'), 'utf8'), '1700000000200 nan 1\n');
    assert.equal(fs.readFileSync(path.join(runDir, 'metrics', 'inf'), 'utf8'), '1700000000300 -inf 0\n');
    // params/tags: the value, no trailing newline; keys keep '/' and sanitize the rest
    assert.equal(fs.readFileSync(path.join(runDir, 'params', 'lr'), 'utf8'), '0.001');
    assert.equal(fs.readFileSync(path.join(runDir, 'params', 'net', 'blocks'), 'utf8'), '9');
    assert.equal(fs.readFileSync(path.join(runDir, 'params', 'weird key_'), 'utf8'), 'v');
    assert.equal(fs.readFileSync(path.join(runDir, 'tags', 'mlflow.runName'), 'utf8'), 'cnn-seed1');
    assert.equal(fs.readFileSync(path.join(runDir, 'tags', 'mlflow.source.type'), 'utf8'), 'LOCAL');
    assert.equal(fs.readFileSync(path.join(runDir, 'tags', 'mlflow.source.name'), 'utf8'), '/x/train.js');
    assert.equal(fs.readFileSync(path.join(runDir, 'tags', 'mlflow.source.git.commit'), 'utf8'), 'a'.repeat(40));
    assert.equal(fs.readFileSync(path.join(runDir, 'tags', 'stage'), 'utf8'), 'train');

    // Read back as MLflow's FileStore would.
    const store = readFileStore(root);
    assert.deepEqual(store.warnings, []);
    assert.deepEqual(store.experiments.map((e) => e.name).sort(), ['Default', 't2-mapping']);
    const stored = store.experiments.find((e) => e.experimentId === expId)!.runs;
    assert.equal(stored.length, 1);
    const r = stored[0]!;
    assert.equal(r.runUuid, run.runId);
    assert.equal(r.experimentId, expId);
    assert.equal(r.statusCode, 3);
    assert.equal(r.status, 'FINISHED');
    assert.equal(r.runName, 'cnn-seed1');
    assert.deepEqual(r.params, { lr: '0.001', 'net/blocks': '9', 'weird key_': 'v' });
    assert.deepEqual(r.metrics.loss, [{ timestamp: 1_700_000_000_100, value: 1, step: 0 }, { timestamp: 1_700_000_000_200, value: 0.25, step: 1 }]);
    assert.ok(Number.isNaN(r.metrics['val/nrmse']![0]!.value));
    assert.equal(r.metrics.inf![0]!.value, -Infinity);

    const info = await tracker.getRun(run.runId);
    assert.equal(info.status, 'FINISHED');
    assert.equal(info.metrics.loss, 0.25, 'latest = highest step');
    assert.equal(info.tags['mlflow.user'], r.userId);
  });

  it('marks a run ended FAILED with status 4 (and KILLED 5) via the sync path too', async () => {
    const tracker = new FileStoreTracker(path.join(dir, 'mlruns'));
    const expId = await tracker.getOrCreateExperiment('e');
    const failed = await tracker.createRun(expId, { runName: 'a' });
    await failed.end('FAILED');
    const killed = await tracker.createRun(expId, { runName: 'b' });
    killed.endSync!('KILLED');
    const runs = readFileStore(path.join(dir, 'mlruns')).experiments.find((e) => e.experimentId === expId)!.runs;
    const byName = Object.fromEntries(runs.map((r) => [r.runName, r.statusCode]));
    assert.deepEqual(byName, { a: 4, b: 5 });
    assert.throws(() => failed.endSync!('RUNNING' as never), /FINISHED, FAILED or KILLED/);
  });

  it('ends a run left RUNNING by id (endRun), keeping its params and name', async () => {
    const tracker = new FileStoreTracker(path.join(dir, 'mlruns'));
    const expId = await tracker.getOrCreateExperiment('e');
    const orphan = await tracker.createRun(expId, { runName: 'orphan' });
    await orphan.logParams({ p: 1 });
    assert.equal((await tracker.getRun(orphan.runId)).status, 'RUNNING');
    await tracker.endRun(orphan.runId, 'KILLED');
    const info = await tracker.getRun(orphan.runId);
    assert.equal(info.status, 'KILLED');
    assert.equal(info.runName, 'orphan');
    assert.deepEqual(info.params, { p: '1' });
    assert.ok(info.endTime !== null && info.endTime >= info.startTime);
  });

  it('endSync works from a process exit handler', async () => {
    const index = pathToFileURL(path.join(here, 'index.js')).href;
    const root = path.join(dir, 'mlruns');
    const script = `
      const { FileStoreTracker } = await import(${JSON.stringify(index)});
      const t = new FileStoreTracker(${JSON.stringify(root)});
      const run = await t.createRun(await t.getOrCreateExperiment('exit'), { runName: 'dies' });
      process.on('exit', () => run.endSync('KILLED'));
      process.exit(3);`;
    await assert.rejects(execFileP(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 }), (err: { code?: number }) => err.code === 3);
    const runs = readFileStore(root).experiments.find((e) => e.name === 'exit')!.runs;
    assert.deepEqual(runs.map((r) => [r.runName, r.status, r.statusCode]), [['dies', 'KILLED', 5]]);
    assert.ok(runs[0]!.endTime !== null);
  });

  it('keeps params immutable like MLflow, truncates long values, tolerates re-logging the same value', async () => {
    const tracker = new FileStoreTracker(path.join(dir, 'mlruns'));
    const run = await tracker.createRun(await tracker.getOrCreateExperiment('e'), { runName: 'r' });
    await run.logParams({ lr: 0.1 });
    await run.logParams({ lr: '0.1' });
    await assert.rejects(run.logParams({ lr: 0.2 }), /param 'lr' was already logged with value '0.1'.*immutable/);
    await run.logParams({ long: 'x'.repeat(7000) });
    assert.equal((await tracker.getRun(run.runId)).params.long!.length, 6000);
    await assert.rejects(run.logMetric('m', 1, 0.5), /step must be an integer/);
    await assert.rejects(run.logMetric('m', 1, 0, -1), /timestamp must be a nonnegative integer/);
    await assert.rejects(run.logMetric('m', '1' as unknown as number), /value must be a number/);
  });

  it('copies artifacts into artifacts/<artifactPath>', async () => {
    const tracker = new FileStoreTracker(path.join(dir, 'mlruns'));
    const run = await tracker.createRun(await tracker.getOrCreateExperiment('e'), { runName: 'r' });
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, 'maps'), { recursive: true });
    fs.writeFileSync(path.join(src, 'report.json'), '{"a":1}');
    fs.writeFileSync(path.join(src, 'maps', 't2.npy'), Buffer.from([1, 2, 3]));
    await run.logArtifact(path.join(src, 'report.json'));
    await run.logArtifact(path.join(src, 'report.json'), 'reports/final');
    await run.logArtifacts(src, 'all');
    const art = fileURLToPath(run.artifactUri);
    assert.equal(fs.readFileSync(path.join(art, 'report.json'), 'utf8'), '{"a":1}');
    assert.equal(fs.readFileSync(path.join(art, 'reports', 'final', 'report.json'), 'utf8'), '{"a":1}');
    assert.deepEqual([...fs.readFileSync(path.join(art, 'all', 'maps', 't2.npy'))], [1, 2, 3]);
    await assert.rejects(run.logArtifact(path.join(src, 'report.json'), '../escape'), /relative path inside/);
    await assert.rejects(run.logArtifact(path.join(src, 'nope')), /is not a file/);
  });

  it('searches runs with params/tags/metrics/attributes filters, newest first', async () => {
    const tracker = new FileStoreTracker(path.join(dir, 'mlruns'));
    const exp = await tracker.getOrCreateExperiment('search');
    const mk = async (name: string, lr: string, loss: number, start: number, status: 'FINISHED' | 'FAILED'): Promise<string> => {
      const r = await tracker.createRun(exp, { runName: name, startTime: start, tags: { family: name.startsWith('cnn') ? 'cnn' : 'varpro' } });
      await r.logParams({ lr });
      await r.logMetric('loss', loss, 0, start);
      await r.end(status);
      return r.runId;
    };
    const a = await mk('cnn-a', '0.01', 0.5, 1000, 'FINISHED');
    const b = await mk('cnn-b', '0.001', 0.2, 2000, 'FAILED');
    const c = await mk('varpro', '0.01', 0.1, 3000, 'FINISHED');
    const ids = async (filter?: string, maxResults?: number): Promise<string[]> =>
      (await tracker.searchRuns([exp], { ...(filter ? { filter } : {}), ...(maxResults ? { maxResults } : {}) })).map((r) => r.runId);
    assert.deepEqual(await ids(), [c, b, a]);
    assert.deepEqual(await ids("params.lr = '0.01'"), [c, a]);
    assert.deepEqual(await ids('metrics.loss < 0.3'), [c, b]);
    assert.deepEqual(await ids('metrics.loss > 0.15 and tags.family = "cnn"'), [b, a]);
    assert.deepEqual(await ids("attributes.status = 'FINISHED'"), [c, a]);
    assert.deepEqual(await ids("tags.`mlflow.runName` LIKE 'cnn-%'"), [b, a]);
    assert.deepEqual(await ids("params.missing = 'x'"), []);
    assert.deepEqual(await ids(undefined, 1), [c]);
    await assert.rejects(tracker.searchRuns([exp], { filter: 'metrics.loss < 0.3 or params.lr = 1' }), /only AND/);
  });
});

describe('file store experiments', () => {
  it('returns one experiment to many concurrent async callers', async () => {
    const tracker = new FileStoreTracker(path.join(dir, 'mlruns'));
    const ids = await Promise.all(Array.from({ length: 12 }, () => tracker.getOrCreateExperiment('shared')));
    assert.equal(new Set(ids).size, 1);
    const named = readFileStore(path.join(dir, 'mlruns')).experiments.filter((e) => e.name === 'shared');
    assert.equal(named.length, 1);
    // two trackers on the same folder, as two stages would have
    const other = new FileStoreTracker(path.join(dir, 'mlruns'));
    assert.equal(await other.getOrCreateExperiment('shared'), ids[0]);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'mlruns')).filter((f) => f.endsWith('.lock')), [], 'no lock left behind');
  });

  it('returns one experiment to two child processes racing on the same names', async () => {
    const index = pathToFileURL(path.join(here, 'index.js')).href;
    const root = path.join(dir, 'mlruns');
    const start = Date.now() + 400;
    const script = `
      const { FileStoreTracker } = await import(${JSON.stringify(index)});
      const t = new FileStoreTracker(${JSON.stringify(root)});
      while (Date.now() < ${start}) {}
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(await t.getOrCreateExperiment('race-' + i));
      console.log(JSON.stringify(ids));`;
    const runChild = () => execFileP(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
    const [one, two] = await Promise.all([runChild(), runChild()]);
    assert.deepEqual(JSON.parse(one.stdout), JSON.parse(two.stdout));
    const names = readFileStore(root).experiments.map((e) => e.name).filter((n) => n.startsWith('race-'));
    assert.equal(names.length, 5, `one folder per name, got ${names.join(',')}`);
  });

  it('refuses a name that exists in deleted state, and bad names', async () => {
    const tracker = new FileStoreTracker(path.join(dir, 'mlruns'));
    const id = await tracker.getOrCreateExperiment('gone');
    fs.renameSync(path.join(dir, 'mlruns', id), path.join(dir, 'mlruns', '.trash', id));
    await assert.rejects(tracker.getOrCreateExperiment('gone'), /deleted state/);
    await assert.rejects(tracker.getOrCreateExperiment(''), /non-empty/);
    await assert.rejects(tracker.createRun('123', { runName: 'x' }), /does not exist/);
    await assert.rejects(tracker.getRun('../etc'), /not a valid MLflow run id/);
  });
});

describe('file store reader strictness', () => {
  it('fails where MLflow fails: string status, wrong run_uuid; skips what MLflow skips', async () => {
    const tracker = new FileStoreTracker(path.join(dir, 'mlruns'));
    const exp = await tracker.getOrCreateExperiment('e');
    const run = await tracker.createRun(exp, { runName: 'r' });
    const metaPath = path.join(dir, 'mlruns', exp, run.runId, 'meta.yaml');
    const good = fs.readFileSync(metaPath, 'utf8');
    fs.writeFileSync(metaPath, good.replace(/^status: 1$/m, 'status: FINISHED'));
    assert.throws(() => readFileStore(path.join(dir, 'mlruns')), /status' must be an integer/);
    fs.writeFileSync(metaPath, good.replace(/^run_uuid: .*$/m, "run_uuid: 'abc'"));
    assert.throws(() => readFileStore(path.join(dir, 'mlruns')), /differs from its folder name/);
    fs.writeFileSync(metaPath, good);
    fs.mkdirSync(path.join(dir, 'mlruns', exp, 'not-a-run'));
    fs.writeFileSync(path.join(dir, 'mlruns', exp, run.runId, 'metrics', 'bad'), '1 2 3 4\n');
    assert.throws(() => readFileStore(path.join(dir, 'mlruns')), /4 fields, expected 2 or 3/);
    fs.rmSync(path.join(dir, 'mlruns', exp, run.runId, 'metrics', 'bad'));
    const store = readFileStore(path.join(dir, 'mlruns'));
    assert.equal(store.warnings.length, 1);
    assert.match(store.warnings[0]!, /not-a-run/);
  });
});

describe('createTracker', () => {
  it('picks the store from the URI', () => {
    assert.equal(createTracker({ cwd: dir, trackingUri: 'file:store' }).uri, pathToFileURL(path.join(dir, 'store')).href);
    assert.equal(createTracker({ cwd: dir, trackingUri: pathToFileURL(path.join(dir, 'abs')).href }).uri, pathToFileURL(path.join(dir, 'abs')).href);
    assert.equal(createTracker({ cwd: dir, trackingUri: 'rel/runs' }).uri, pathToFileURL(path.join(dir, 'rel', 'runs')).href);
    assert.equal(createTracker({ cwd: dir, env: { MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000/' } }).uri, 'http://127.0.0.1:5000');
    assert.equal(createTracker({ cwd: dir, env: { MLFLOW_TRACKING_URI: 'http://x:1' }, trackingUri: 'file:o' }).uri, pathToFileURL(path.join(dir, 'o')).href);
    assert.throws(() => createTracker({ trackingUri: 'databricks://profile' }), /scheme 'databricks' is not supported/);
  });
});

/** A Python that can import mlflow, found once (node 20 skips afterEach for a test that calls t.skip()). */
const mlflowPython = ['/usr/bin/python3', 'python3'].find((exe) => spawnSync(exe, ['-c', 'import mlflow'], { stdio: 'ignore' }).status === 0);

describe('cross-check with real MLflow', () => {
  it('MLflow FileStore reads the runs this writer wrote (skipped unless python3 can import mlflow)', { skip: mlflowPython ? false : 'mlflow not importable' }, async () => {
    const py = mlflowPython!;
    const tracker = new FileStoreTracker(path.join(dir, 'mlruns'));
    const exp = await tracker.getOrCreateExperiment('xcheck');
    const run = await tracker.createRun(exp, { runName: 'r', startTime: 1_700_000_000_000 });
    await run.logParams({ lr: 0.01, 'a/b': 'c' });
    await run.logMetrics([{ key: 'loss', value: 0.5, step: 0, timestamp: 1 }, { key: 'loss', value: 0.25, step: 1, timestamp: 2 }]);
    await run.end('FAILED');
    const script = [
      'import sys, json',
      'from mlflow.store.tracking.file_store import FileStore',
      'from mlflow.entities import ViewType',
      's = FileStore(sys.argv[1])',
      'e = s.get_experiment_by_name("xcheck")',
      'runs = s.search_runs([e.experiment_id], "params.lr = \'0.01\'", ViewType.ALL)',
      'r = s.get_run(runs[0].info.run_id)',
      'h = [[m.timestamp, m.value, m.step] for m in s.get_metric_history(r.info.run_id, "loss")]',
      'print(json.dumps({"exp": e.experiment_id, "n": len(runs), "id": r.info.run_id, "status": r.info.status, "name": r.info.run_name,',
      '  "params": r.data.params, "metrics": r.data.metrics, "history": h, "default": s.get_experiment("0").name}))',
    ].join('\n');
    const { stdout } = await execFileP(py, ['-c', script, path.join(dir, 'mlruns')], { env: { ...process.env, MLFLOW_ALLOW_FILE_STORE: 'true' } });
    assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop()!), {
      exp, n: 1, id: run.runId, status: 'FAILED', name: 'r', params: { lr: '0.01', 'a/b': 'c' }, metrics: { loss: 0.25 },
      history: [[1, 0.5, 0], [2, 0.25, 1]], default: 'Default',
    });
  });
});

test('findExperiment never creates; getMetricHistory returns every logged value in order', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaxomap-find-'));
  const tracker = new FileStoreTracker(path.join(dir, 'mlruns'), { cwd: dir });
  assert.equal(await tracker.findExperiment('absent'), undefined);
  assert.equal(fs.existsSync(path.join(dir, 'mlruns')), false);
  const id = await tracker.getOrCreateExperiment('present');
  assert.equal(await tracker.findExperiment('present'), id);
  const run = await tracker.createRun(id, { runName: 'r', gitCommit: '' });
  await run.logMetrics([{ key: 'loss', value: 3, step: 0, timestamp: 10 }, { key: 'loss', value: 2, step: 1, timestamp: 11 }, { key: 'loss', value: 0.5, step: 2, timestamp: 12 }]);
  assert.deepEqual((await tracker.getMetricHistory(run.runId, 'loss')).map((m) => [m.step, m.value]), [[0, 3], [1, 2], [2, 0.5]]);
  assert.deepEqual(await tracker.getMetricHistory(run.runId, 'absent'), []);
});

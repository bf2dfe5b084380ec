import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkSettingsLayer, formatSlurmTime, jobResources, loadClusterSettings, parseMemory, parseSlurmTime, resolveSettings, resourceArgs } from './config.js';

test('SLURM time limits: every form sbatch takes, to seconds and back', () => {
  assert.equal(parseSlurmTime(90), 90 * 60, 'a bare number is minutes');
  assert.equal(parseSlurmTime('30'), 1800);
  assert.equal(parseSlurmTime('10:30'), 630, 'MM:SS');
  assert.equal(parseSlurmTime('02:00:00'), 7200);
  assert.equal(parseSlurmTime('1-12'), 36 * 3600, 'D-HH');
  assert.equal(parseSlurmTime('2-01:30'), 2 * 86400 + 3600 + 1800, 'D-HH:MM');
  assert.equal(parseSlurmTime('1-00:00:30'), 86430);
  assert.throws(() => parseSlurmTime('1h'), /'1h' is not a SLURM time/);
  assert.equal(formatSlurmTime(7200), '02:00:00');
  assert.equal(formatSlurmTime(86400 + 61), '1-00:01:01');
  assert.equal(formatSlurmTime(5), '00:01:00', 'at least a minute');
});

test('memory sizes to MB', () => {
  assert.equal(parseMemory('512M'), 512);
  assert.equal(parseMemory('8G'), 8192);
  assert.equal(parseMemory('1.5g'), 1536);
  assert.equal(parseMemory(4000), 4000, 'a bare number is MB, as for --mem');
  assert.equal(parseMemory('1T'), 1024 * 1024);
  assert.throws(() => parseMemory('lots'), /'lots' is not a memory size/);
});

test('settings errors name the file, line and key', () => {
  const where = { file: 'configs/cluster/slurm.yaml', lineOf: () => 7 };
  assert.throws(() => checkSettingsLayer({ partiton: 'gpu' }, where), /^PipelineError: configs\/cluster\/slurm\.yaml:7: partiton: unknown setting 'partiton'/);
  assert.throws(() => checkSettingsLayer({ concurrency: 0 }, where), /concurrency: expected an integer ≥ 1/);
  assert.throws(() => checkSettingsLayer({ resources: { train: { time: '4h' } } }, where), /resources\.train\.time: '4h' is not a SLURM time/);
  assert.throws(() => checkSettingsLayer({ resources: { train: { gpu: 1 } } }, where), /resources\.train\.gpu: unknown resource 'gpu'/);
  assert.throws(() => checkSettingsLayer({ shared: 'maybe' }, where), /shared: expected 'job' or 'local'/);
  assert.throws(() => checkSettingsLayer({ cpus: 2 }, { file: 'pipelines/sweeps/a.yaml', prefix: ['executor'] }), /pipelines\/sweeps\/a\.yaml: executor\.cpus: unknown setting/);
  assert.deepEqual(checkSettingsLayer({ executor: 'slurm', concurrency: 3 }, where), { executor: 'slurm', concurrency: 3 });
});

test('a job asks for the most cpus, memory and GPUs of its stages and the sum of their times', () => {
  const settings = resolveSettings('/ws', [{
    partition: 'compute', account: 'lab',
    resources: { default: { cpus: 1, memory: '2G', time: '00:30:00' }, train: { cpus: 4, memory: '8G', time: '02:00:00', gpus: 1 } },
  }]);
  const r = jobResources(settings, ['train', 'evaluate']);
  assert.deepEqual(r, { cpus: 4, memoryMb: 8192, timeSeconds: 2.5 * 3600, gpus: 1, partition: 'compute' });
  assert.deepEqual(resourceArgs(settings, r), ['--cpus-per-task=4', '--mem=8192M', '--time=02:30:00', '--gres=gpu:1', '--partition=compute', '--account=lab']);
  assert.deepEqual(jobResources(settings, ['simulate', 'varpro']), { cpus: 1, memoryMb: 2048, timeSeconds: 3600, gpus: 0, partition: 'compute' });
  const split = resolveSettings('/ws', [{ resources: { train: { partition: 'gpu' }, evaluate: { partition: 'cpu' } } }]);
  assert.throws(() => jobResources(split, ['train', 'evaluate']), /stages 'train' \(partition gpu\) and 'evaluate' \(partition cpu\) run in one job/);
  assert.equal(jobResources(split, ['train']).partition, 'gpu');
});

test('settings layers: the site file, then the sweep, then the command line; paths resolved against the workspace', () => {
  const root = mkdtempSync(join(tmpdir(), 'relaxomap-cluster-config-'));
  mkdirSync(join(root, 'configs/cluster'), { recursive: true });
  writeFileSync(join(root, 'configs/cluster/slurm.yaml'), 'partition: cpu\nconcurrency: 8\ncache: /shared/nx-cache\nresources:\n  train: { cpus: 4, gpus: 1 }\n');
  const s = loadClusterSettings(root, { executor: { type: 'slurm', concurrency: 4, resources: { train: { time: '03:00:00' } } }, overrides: { concurrency: 2 } });
  assert.equal(s.partition, 'cpu');
  assert.equal(s.concurrency, 2, 'the command line wins');
  assert.equal(s.cacheDir, '/shared/nx-cache');
  assert.equal(s.workDir, join(root, '.relaxomap/slurm'));
  assert.equal(s.trackingStore, join(root, 'mlruns'));
  assert.deepEqual(s.resources.train, { cpus: 4, gpus: 1, timeSeconds: 3 * 3600 }, 'resources merge per stage, field by field');
  assert.equal(s.shared, 'job');
  const bare = loadClusterSettings(mkdtempSync(join(tmpdir(), 'relaxomap-cluster-config-')));
  assert.equal(bare.concurrency, undefined, 'no settings file: no cap');
  assert.throws(() => loadClusterSettings(root, { file: 'configs/cluster/missing.yaml' }), /configs\/cluster\/missing\.yaml: no such cluster settings file/);
});

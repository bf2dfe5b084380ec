/**
 * Pre-training + fine-tuning end to end: pretrain-t2 writes a TensorFlow.js model with its manifest,
 * train-t2 `init: pretrained` starts from it, report-speed compares it with a run from scratch; a model
 * whose manifest does not match the scan (other TEs) is refused with one line naming the param, unless forced.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readFileStore } from '@relaxomap/tracking';
import { createWorkspace } from './workspace.js';

const pipeline = (scanTE: string, init = '{ from: pretrained }'): string => `stages:
  - id: simulate
    kind: simulate-t2
    params: { phantom: { slices: [95], downsample: 6 }, TE_ms: ${scanTE}, seed: 3 }
  - id: pretrain
    kind: pretrain-t2
    params:
      phantom: { slices: [70, 120], downsample: 6 }
      TE_ms: [43, 67, 91, 115]
      noise: { variances: [0.001, 0.003] }
      network: { blocks: 1, width: 8 }
      steps: 12
      patch: { size: 24, per_step: 2 }
  - id: train
    kind: train-t2
    needs: [simulate]
    params: { network: { blocks: 1, width: 8 }, steps: 20, stopping: { check_every: 5 } }
  - id: finetune
    kind: train-t2
    needs: [simulate, pretrain]
    params: { network: { blocks: 1, width: 8 }, steps: 10, stopping: { check_every: 5 }, init: ${init} }
  - id: speed
    kind: report-speed
    needs: [train, finetune]
`;

test('pre-train, fine-tune from the saved model, compare with from scratch; a mismatching model is refused unless forced', { timeout: 600_000 }, () => {
  const ws = createWorkspace({ 'pipelines/speed.yaml': pipeline('[43, 67, 91, 115]') });
  const r = ws.cli(['run', 'speed']);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const model = join(ws.root, 'artifacts/speed/pretrain/model');
  const json = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
  assert.equal(json.relaxomap.format, 'relaxomap-t2-pretrained/1');
  assert.deepEqual(json.relaxomap.TE_ms, [43, 67, 91, 115]);
  assert.equal(json.relaxomap.training.slices, 4, '2 phantom slices × 2 noise levels');
  // TensorFlow.js's weights format (tf.io.decodeWeights reads it back: packages/network tests): float32 in manifest order.
  const values = json.weightsManifest[0].weights.reduce((n: number, w: { shape: number[] }) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  assert.equal(readFileSync(join(model, 'weights.bin')).length, 4 * values);
  const runs = readFileStore(join(ws.root, 'mlruns')).experiments.find((e) => e.name === 'speed')!.runs;
  const finetune = runs.find((x) => x.runName === 'finetune')!;
  assert.equal(finetune.tags['relaxomap.init'], 'pretrained');
  assert.equal(runs.find((x) => x.runName === 'train')!.tags['relaxomap.init'], undefined);
  assert.ok(existsSync(join(ws.root, 'reports/speed/speed_rmse_vs_time.svg')));
  assert.match(readFileSync(join(ws.root, 'reports/speed/speed_summary.md'), 'utf8'), /from-scratch final RMSE|never came within/);

  // The scan's TEs are 3 ms off the trained ones: refused, nothing written for the stage.
  ws.write('pipelines/speed.yaml', pipeline('[40, 64, 88, 112]'));
  const refused = ws.cli(['run', 'speed']);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stdout + refused.stderr, /relaxomap: error: pipelines\/speed\.yaml:\d+: stages\[3\]\.params\.init\.from: the pre-trained model artifacts\/speed\/pretrain\/model does not match this scan: scan TE 40\/64\/88\/112 ms is outside the trained TE 43\/67\/91\/115 ms ± 1 ms \(off by 3 ms\) \(init\.force: true uses it anyway\)/);
  const failed = readFileStore(join(ws.root, 'mlruns')).experiments.find((e) => e.name === 'speed')!.runs.filter((x) => x.runName === 'finetune' && x.status === 'FAILED');
  assert.equal(failed.length, 1);

  ws.write('pipelines/speed.yaml', pipeline('[40, 64, 88, 112]', '{ from: pretrained, force: true }'));
  const forced = ws.cli(['run', 'speed']);
  assert.equal(forced.status, 0, forced.stderr + forced.stdout);
  const last = readFileStore(join(ws.root, 'mlruns')).experiments.find((e) => e.name === 'speed')!.runs.filter((x) => x.runName === 'finetune').sort((a, b) => b.startTime - a.startTime)[0]!;
  assert.match(last.tags['relaxomap.init.forced'] ?? '', /outside the trained TE/);
});

/**
 * Test fixture (not exported): logs a small ablation sweep into any Tracker exactly as the sweep
 * runtime does (tags, params, metrics; see the package doc), with known answers:
 *
 * - points: loss ∈ {ssim, mse} × blocks ∈ {0, 3, 10} × seed ∈ {1, 2} → p00 … p11;
 * - evaluate-t2 runs: rmse_t2.network.brain = 20 − blocks + (mse ? 2 : 0) + (seed 1 ? −0.5 : +0.5) + shift,
 *   so per (loss, blocks) the mean is 20 − blocks + (mse ? 2 : 0) + shift and the sd is √0.5;
 *   rmse_t2.varpro.brain = 15 + 0.25·seed (mean 15.375, sd 0.25/√2); ratio_rmse_t2.network.brain = network / varpro;
 * - train-t2 runs: loss history 8·2^−step for steps 0…4 (×2 for mse), final_loss = last value;
 * - noise: an older FINISHED evaluate run of p04 (ssim, 10, 1) with network RMSE 99 (superseded by a
 *   re-run), a newer FAILED one with 0.1, a RUNNING evaluate run of p00 with 0.2, and a shared stage
 *   run carrying rmse_t2.network.brain = 1 (not a point: never a row).
 */
import type { RunInfo, Tracker } from '@relaxomap/tracking';

export const LOSSES = ['ssim', 'mse'] as const;
export const BLOCKS = ['0', '3', '10'] as const;
export const SEEDS = ['1', '2'] as const;
export const KEYS = ['train.loss', 'train.network.blocks', 'train.seed'];

export interface FixtureOptions {
  name?: string;
  /** Added to every network RMSE. */
  shift?: number;
  /** Base start time, ms. */
  t0?: number;
}

/** Network RMSE of one evaluate run of the fixture. */
export function networkRmse(loss: string, blocks: string, seed: string, shift = 0): number {
  return 20 - Number(blocks) + (loss === 'mse' ? 2 : 0) + (seed === '1' ? -0.5 : 0.5) + shift;
}

/** Logs the sweep; returns the parent run id. */
export async function logAblationSweep(tracker: Tracker, opts: FixtureOptions = {}): Promise<string> {
  const name = opts.name ?? 'ablation';
  const shift = opts.shift ?? 0;
  let t = opts.t0 ?? 1_700_000_000_000;
  const common = { gitCommit: 'c'.repeat(40), sourceName: 'sweep.js' };
  const exp = await tracker.getOrCreateExperiment(name);
  const sweepTags = { 'relaxomap.sweep': name, 'relaxomap.sweep_keys': JSON.stringify(KEYS) };
  const parent = await tracker.createRun(exp, { ...common, runName: name, startTime: t++, tags: { ...sweepTags, 'relaxomap.sweep_role': 'parent' } });

  const shared = await tracker.createRun(exp, {
    ...common, runName: 'simulate', startTime: t++,
    tags: { ...sweepTags, 'relaxomap.sweep_role': 'shared', 'relaxomap.stage': 'simulate', 'relaxomap.kind': 'simulate-t2', 'mlflow.parentRunId': parent.runId },
  });
  await shared.logMetric('rmse_t2.network.brain', 1);
  await shared.end('FINISHED');

  let i = 0;
  const points: { point: string; loss: string; blocks: string; seed: string }[] = [];
  for (const loss of LOSSES) for (const blocks of BLOCKS) for (const seed of SEEDS) points.push({ point: `p${String(i++).padStart(2, '0')}`, loss, blocks, seed });

  const stageRun = async (p: (typeof points)[number], kind: 'train-t2' | 'evaluate-t2', startTime: number) => {
    const stage = `${kind.split('-')[0]}-${p.point}`;
    const run = await tracker.createRun(exp, {
      ...common, runName: stage, startTime,
      tags: { ...sweepTags, 'relaxomap.sweep_role': 'point', 'relaxomap.sweep_point': p.point, 'relaxomap.stage': stage, 'relaxomap.kind': kind, 'mlflow.parentRunId': parent.runId },
    });
    await run.logParams({ 'train.loss': p.loss, 'train.network.blocks': p.blocks, 'train.seed': p.seed, ...(kind === 'train-t2' ? { 'train.steps': 5 } : { 'evaluate.mask': 'brain' }) });
    return run;
  };
  const evaluate = async (p: (typeof points)[number], startTime: number, network: number, status: 'FINISHED' | 'FAILED' | 'RUNNING') => {
    const run = await stageRun(p, 'evaluate-t2', startTime);
    const varpro = 15 + 0.25 * Number(p.seed);
    await run.logMetrics([
      { key: 'rmse_t2.network.brain', value: network, timestamp: startTime },
      { key: 'rmse_t2.varpro.brain', value: varpro, timestamp: startTime },
      { key: 'ratio_rmse_t2.network.brain', value: network / varpro, timestamp: startTime },
    ]);
    if (status !== 'RUNNING') await run.end(status);
  };

  const p04 = points[4]!; // ssim, blocks 10, seed 1
  await evaluate(p04, t++, 99, 'FINISHED'); // superseded by the re-run below
  for (const p of points) {
    const train = await stageRun(p, 'train-t2', t++);
    const scale = p.loss === 'mse' ? 2 : 1;
    const steps = [0, 1, 2, 3, 4].map((s) => ({ key: 'loss', value: scale * 8 * 2 ** -s, step: s, timestamp: t }));
    await train.logMetrics(steps);
    await train.logMetric('final_loss', steps[4]!.value, 4, t);
    await train.end('FINISHED');
    await evaluate(p, t++, networkRmse(p.loss, p.blocks, p.seed, shift), 'FINISHED');
  }
  await evaluate(p04, t++, 0.1, 'FAILED');
  await evaluate(points[0]!, t++, 0.2, 'RUNNING');
  await parent.end('FINISHED');
  return parent.runId;
}

let next = 0;
/** A RunInfo with defaults; `id` defaults to a fresh r<N>. */
export function run(over: Partial<RunInfo> & { params?: Record<string, string>; metrics?: Record<string, number> }): RunInfo {
  const id = over.runId ?? `r${String(next++).padStart(3, '0')}`;
  return {
    runId: id, experimentId: '1', runName: id, status: 'FINISHED', startTime: 1000, endTime: 2000, artifactUri: '', userId: 'me',
    lifecycleStage: 'active', params: {}, tags: {}, metrics: {}, ...over,
  };
}

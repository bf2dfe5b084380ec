/**
 * What every training stage (train-t2, train-mrf) does the same way around its trainer: the loop
 * options built from the params both kinds name alike, the checkpoint folder, the loss metrics and
 * progress bar, and the MLflow record of the stopping rule afterwards.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, type TrainingOptions, type TrainingRunInfo } from '@relaxomap/network';
import type { StageContext } from '@relaxomap/pipeline';
import type { StoppingParams } from '../params.js';
import type { StoppingPlan, StoppingRecord } from './stopping.js';

/** The params train-t2, train-mrf and pretrain-t2 share (same names, same meaning). */
export interface TrainingStageParams {
  learning_rate: number;
  lr_schedule?: 'constant' | 'cosine';
  ema_decay: number;
  steps: number;
  seed: number;
  checkpoint_every: number;
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  /** Absent for a run of fixed length (pre-training). */
  stopping?: StoppingParams;
}

type Metric = { key: string; value: number; step: number };

/** Load the TensorFlow.js backend the params ask for; say which one in the log and the MLflow tags. */
export async function startBackend(ctx: StageContext<unknown>, preference: TrainingStageParams['backend']): Promise<void> {
  const backend = await initBackend(preference);
  ctx.log(`TensorFlow.js backend: ${backend.name}${backend.gpu ? ' (GPU)' : ''}${backend.note ? ` — ${backend.note}` : ''}`);
  await ctx.run.setTags({ 'relaxomap.backend': backend.name, 'relaxomap.gpu': String(backend.gpu) });
}

/**
 * Step metrics of a training stage, logged in batches of `batch`, one request at a time (chained),
 * so that lines of the file store never interleave.
 */
function metricQueue(ctx: StageContext<unknown>, batch = 25) {
  let pending: Metric[] = [];
  let logging: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    const items = pending;
    pending = [];
    if (items.length) logging = logging.then(() => ctx.run.logMetrics(items));
    return logging;
  };
  return {
    push(...metrics: Metric[]): void {
      pending.push(...metrics);
      if (pending.length >= batch) void flush();
    },
    flush,
  };
}

/**
 * One training stage's run: `options(plan)` are the loop options (learning rate and schedule,
 * weight average, steps, seed, backend, a checkpoint folder keyed by the params — the trainer
 * resumes only a checkpoint whose configuration hash, data included, matches — abort signal,
 * the stopping plan's checks, loss metrics + progress bar per step); `finish` flushes the metrics,
 * records the stopping rule in MLflow and removes the checkpoints.
 */
export function trainingRun<M>(ctx: StageContext<unknown>, p: TrainingStageParams) {
  const metrics = metricQueue(ctx);
  const progress = ctx.progress(p.steps, 'training');
  const checkpointDir = join(ctx.workDir, `checkpoint-${ctx.paramsHash}`);
  return {
    /** Sink for the stopping plan's per-check metrics. */
    log: (items: Metric[]): void => metrics.push(...items),
    /** Loop options; without a plan (pre-training) there are no checks and training runs all its steps. */
    options(plan?: StoppingPlan<M>): TrainingOptions<M> {
      return {
        learningRate: p.learning_rate,
        lrSchedule: p.lr_schedule ?? 'constant',
        ...(p.ema_decay > 0 ? { emaDecay: p.ema_decay } : {}),
        steps: p.steps,
        seed: p.seed,
        backend: p.backend,
        checkpoint: { dir: checkpointDir, every: p.checkpoint_every },
        signal: ctx.signal,
        ...(plan && p.stopping ? { checks: { every: p.stopping.check_every, fn: plan.onCheck } } : {}),
        onStep: ({ step, steps, loss }) => {
          metrics.push({ key: 'loss', value: loss, step });
          progress.update(step, `loss ${loss.toExponential(3)}`);
          if (step === steps) void metrics.flush();
        },
      };
    },
    /** After the trainer returned: metrics flushed, progress closed, MLflow record, checkpoints removed. */
    async finish(result: TrainingRunInfo, record?: StoppingRecord): Promise<void> {
      await metrics.flush();
      progress.finish(`loss ${result.lossHistory.at(-1)?.toExponential(3) ?? '—'}`);
      if (result.resumedFrom > 0) ctx.log(`resumed from checkpoint at step ${result.resumedFrom}`);
      if (record) await logStoppingRecord(ctx, record);
      // Peak resident memory of the stage's process so far (maxRSS is in KiB): what a volume costs.
      const peakMiB = process.resourceUsage().maxRSS / 1024;
      ctx.log(`peak memory ${peakMiB.toFixed(0)} MiB`);
      await ctx.run.logMetrics([
        { key: 'step_ms', value: result.stepMs },
        { key: 'final_loss', value: result.lossHistory.at(-1) ?? NaN },
        { key: 'peak_rss_mib', value: peakMiB },
      ]);
      rmSync(checkpointDir, { recursive: true, force: true });
    },
  };
}

/** MLflow tags and metrics of a finished stopping record (rule used, chosen steps, σ, oracle). */
async function logStoppingRecord(ctx: StageContext<unknown>, record: StoppingRecord): Promise<void> {
  await ctx.run.setTags({
    'relaxomap.stopping.rule': record.rule_used,
    ...(record.noise.ok ? { 'relaxomap.noise.model': record.noise.model } : {}),
    ...(record.fallback ? { 'relaxomap.stopping.fallback': record.fallback } : {}),
  });
  await ctx.run.logMetrics([
    { key: 'stopping.step', value: record.output.step },
    { key: 'stopping.elapsed_s', value: record.output.elapsed_s },
    ...Object.entries(record.choices).map(([rule, c]) => ({ key: `stopping.${rule}.step`, value: c.step })),
    ...(record.noise.ok ? [{ key: 'noise.sigma', value: record.noise.sigma }, { key: 'noise.variance', value: record.noise.variance }] : []),
    ...(record.oracle ? [{ key: 'oracle.best_step', value: record.oracle.step }, { key: 'oracle.best_rmse', value: record.oracle.rmse }] : []),
  ]);
}

import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { withAtomicDir } from '@relaxomap/array-io';
import { createTracker, gitCommit, type Run, type Tracker } from '@relaxomap/tracking';
import { PipelineError } from './errors.js';
import { flattenParams } from './hash.js';
import type { KindRegistry, StageContext, StageInput } from './kinds.js';
import { stageParamError } from './pipeline.js';
import { loadPipelineOrSweep, sweepRunTags, type SweepMembership } from './sweep.js';
import { createProgress } from './progress.js';
import { REPORTS_SUBDIR, publishReports } from './reports.js';

export interface RunStageOptions {
  root: string;
  pipelineFile: string;
  stageId: string;
  registry: KindRegistry;
  /** The params hash the Nx graph was computed with; a mismatch means the YAML changed meanwhile. */
  expectedParamsHash?: string;
  /** Tracking URI; default MLFLOW_TRACKING_URI, else the file store ./mlruns. */
  trackingUri?: string;
  log?: (message: string) => void;
}

export interface StageResult {
  runId: string;
  outDir: string;
  seconds: number;
}

/** Where a stage's output lives: artifacts/<pipeline>/<stage>/ (the Nx target's declared output). */
export function stageOutputDir(root: string, pipeline: string, stage: string): string {
  return join(root, 'artifacts', pipeline, stage);
}

/**
 * Run one stage as one MLflow run. The stage writes into temporary folders that replace
 * artifacts/<pipeline>/<stage>/ only when it succeeds (reports/<pipeline>/ is then republished), so a failed or killed
 * stage never leaves a partial artifact. The MLflow run ends FINISHED, FAILED (error) or KILLED
 * (SIGINT/SIGTERM) — never left RUNNING by anything short of SIGKILL.
 */
export async function runStage(opts: RunStageOptions): Promise<StageResult> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const pipeline = loadPipelineOrSweep(opts.pipelineFile, { root: opts.root, registry: opts.registry });
  const stage = pipeline.stages.find((s) => s.id === opts.stageId);
  if (!stage) {
    throw new PipelineError(`no stage '${opts.stageId}' (stages: ${pipeline.stages.map((s) => s.id).join(', ')})`, { file: pipeline.file });
  }
  if (opts.expectedParamsHash && opts.expectedParamsHash !== stage.paramsHash) {
    throw new PipelineError(
      `params of stage '${stage.id}' changed after Nx computed the task graph (hash ${stage.paramsHash}, expected ${opts.expectedParamsHash}); run again`,
      { file: pipeline.file },
    );
  }
  const kind = opts.registry.get(stage.kind)!;
  const inputs: StageInput[] = stage.needs.map((need) => {
    const dir = stageOutputDir(opts.root, pipeline.name, need);
    const displayDir = relative(opts.root, dir);
    if (!existsSync(dir)) {
      throw new PipelineError(`output of upstream stage '${need}' is missing (${displayDir}); run the whole pipeline: relaxomap run ${pipeline.name}`, {
        file: pipeline.file,
      });
    }
    // A sweep clone's inputs keep the ids of the base pipeline, which the stage's params were written against.
    const upstream = pipeline.stages.find((s) => s.id === need)!;
    return { id: upstream.baseId ?? need, kind: upstream.kind, dir, displayDir };
  });
  const impl = await kind.load();

  const tracker = createTracker({ trackingUri: opts.trackingUri, cwd: opts.root });
  const experimentId = await tracker.getOrCreateExperiment(pipeline.name);
  await endOrphanedRuns(tracker, experimentId, stage.id, log);
  const commit = gitCommit(opts.root);
  const sweepTags = stage.sweep ? await sweepRunTags(tracker, experimentId, stage.sweep) : {};
  const run = await tracker.createRun(experimentId, {
    runName: stage.id,
    tags: {
      'relaxomap.pipeline': pipeline.name,
      'relaxomap.stage': stage.id,
      'relaxomap.kind': stage.kind,
      'relaxomap.params_hash': stage.paramsHash,
      'relaxomap.pipeline_file': pipeline.file,
      ...(stage.paramsFile ? { 'relaxomap.params_file': stage.paramsFile } : {}),
      ...(commit ? { 'mlflow.source.git.commit': commit } : {}),
      'mlflow.source.name': 'relaxomap',
      // Who runs it, so a later run can tell a run whose process died (SIGKILL, power loss) from a live one.
      'relaxomap.host': hostname(),
      'relaxomap.pid': String(process.pid),
      ...sweepTags,
      ...slurmTags(process.env),
    },
  });
  const started = Date.now();
  const controller = new AbortController();
  const outDir = stageOutputDir(opts.root, pipeline.name, stage.id);
  const onSignal = (signal: NodeJS.Signals): void => killed(run, signal, log, [outDir]);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const workDir = join(opts.root, 'artifacts', pipeline.name, '.work', stage.id);
  mkdirSync(workDir, { recursive: true });
  log(`▶ ${pipeline.name} › ${stage.id} (${stage.kind}) · MLflow run ${run.runId} · ${tracker.uri}`);
  try {
    // A sweep point's values are logged under their sweep keys too (train.loss), so runs of different stages compare on one key.
    await run.logParams({ ...flattenParams(stage.params), ...pointParams(stage.sweep) });
    const body = async (tmpOut: string, tmpReports: string | undefined): Promise<void> => {
      const ctx: StageContext<unknown> = {
        root: opts.root,
        pipeline: pipeline.name,
        stage: stage.id,
        params: stage.params,
        paramsHash: stage.paramsHash,
        inputs,
        outDir: tmpOut,
        reportsDir: tmpReports,
        workDir,
        run,
        signal: controller.signal,
        log: (m) => log(`  ${m}`),
        progress: (total, label) => createProgress(total, `  ${label}`),
        paramError: (field, detail) => stageParamError(stage, field, detail),
      };
      await impl.run(ctx);
    };
    // A report stage writes into its own output (artifacts/<p>/<stage>/reports/, what Nx caches);
    // reports/<p>/ is then rebuilt from every report stage's copy, so stages never clobber each other.
    await withAtomicDir(outDir, async (tmpOut) => {
      if (kind.writesReports) {
        const tmpReports = join(tmpOut, REPORTS_SUBDIR);
        mkdirSync(tmpReports);
        await body(tmpOut, tmpReports);
      } else {
        await body(tmpOut, undefined);
      }
    });
    await run.logArtifacts(outDir);
    if (kind.writesReports) await publishReports(opts.root, pipeline.name, pipeline.stages.map((st) => st.id));
    await run.end('FINISHED');
    const seconds = (Date.now() - started) / 1000;
    log(`✔ ${pipeline.name} › ${stage.id} finished in ${seconds.toFixed(1)} s → ${relative(opts.root, outDir)}`);
    return { runId: run.runId, outDir, seconds };
  } catch (err) {
    await run.end(controller.signal.aborted ? 'KILLED' : 'FAILED').catch(() => undefined);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Where a stage ran under SLURM (a sweep point is one task of a job array). */
function slurmTags(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  if (env.SLURM_JOB_ID) out['slurm.job_id'] = env.SLURM_JOB_ID;
  if (env.SLURM_ARRAY_JOB_ID) out['slurm.array_job_id'] = env.SLURM_ARRAY_JOB_ID;
  if (env.SLURM_ARRAY_TASK_ID) out['slurm.array_task_id'] = env.SLURM_ARRAY_TASK_ID;
  return out;
}

function pointParams(sweep: SweepMembership | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(sweep?.point?.values ?? {})) out[key] = typeof value === 'string' ? value : JSON.stringify(value);
  return out;
}

/**
 * SIGKILL cannot be caught, so a stage killed that way leaves its run RUNNING. Before a stage starts,
 * end as KILLED every RUNNING run of the same stage started on this host by a process that no longer
 * exists (a live one, e.g. the same stage running in another terminal, is left alone).
 */
async function endOrphanedRuns(tracker: Tracker, experimentId: string, stage: string, log: (m: string) => void): Promise<void> {
  const running = await tracker.searchRuns([experimentId], { filter: "attributes.status = 'RUNNING'" });
  for (const run of running) {
    const pid = Number(run.tags['relaxomap.pid']);
    if (run.tags['relaxomap.stage'] !== stage || run.tags['relaxomap.host'] !== hostname() || !Number.isInteger(pid) || alive(pid)) continue;
    await tracker.endRun(run.runId, 'KILLED');
    log(`  marked MLflow run ${run.runId} KILLED: it was left RUNNING by process ${pid}, which no longer exists`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * On SIGINT/SIGTERM: mark the run KILLED synchronously, remove this process's half-built output
 * folders (withAtomicDir builds `.<name>.building-<pid>-…` beside the final folder), then exit.
 * Checkpoints in the work folder are kept on purpose: the next run resumes from them.
 */
function killed(run: Run, signal: NodeJS.Signals, log: (m: string) => void, finalDirs: string[]): void {
  try {
    if (run.endSync) run.endSync('KILLED');
  } finally {
    for (const dir of finalDirs) {
      const prefix = `.${basename(dir)}.building-${process.pid}-`;
      const parent = dirname(dir);
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent)) {
        if (entry.startsWith(prefix)) rmSync(join(parent, entry), { recursive: true, force: true });
      }
    }
    log(`✖ killed by ${signal}; MLflow run ${run.runId} marked KILLED`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  }
}

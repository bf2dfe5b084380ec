#!/usr/bin/env node
/**
 * The `relaxomap` command line. Thin by design: it parses options and calls the pipeline runtime;
 * no maths here (BART's habit: one `main` per tool that only handles options and files).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  PipelineError, findSweepParent, listPipelineFiles, listSweepFiles, loadPipeline, loadSweep, oneLine, publishReports, runStage,
  stageProjectName, sweepParentTags, type Sweep,
} from '@relaxomap/pipeline';
import { compareSweeps, diffRuns, runDiffMarkdown, writeComparison } from '@relaxomap/experiments';
import { writeReportIndex } from '@relaxomap/reports';
import { LIMITS, RestTracker, SyncInterruptedError, createTracker, localStorePath, syncFileStore, writeFileAtomicSync, type RunInfo, type Tracker } from '@relaxomap/tracking';
import { registry } from './registry.js';

/** The SLURM executor, loaded only by the commands that use it. */
const cluster = (): Promise<typeof import('@relaxomap/cluster')> => import('@relaxomap/cluster');

const USAGE: Record<string, string> = {
  main: `relaxomap — scan-specific unsupervised parameter mapping (T2, T2*, MRF) as cached pipelines

Usage: relaxomap <command> [options]

Commands:
  run <pipeline>                 run a pipeline through Nx (cached per stage); e.g. relaxomap run t2-simulation
  sweep <sweep>                  run a parameter sweep (pipelines/sweeps/<sweep>.yaml), one cached target per point
  stage <pipeline.yaml> <stage>  run one stage now, without Nx (what each Nx target calls)
  status <sweep|pipeline>        where a sweep or pipeline sent to SLURM stands (--wait, --cancel)
  compare <sweep> [<sweep|run>]  compare a sweep's points (table + plots in reports/<sweep>/), or diff two sweeps or runs
  sync --to <uri>                upload local runs (./mlruns) to a tracking server; safe to repeat
  validate [pipeline...]         check pipeline files and params; print stages, kinds and params hashes
  list                           list pipelines, stages and stage kinds

Options:
  -h, --help                     show help (also: relaxomap <command> --help)

Environment:
  MLFLOW_TRACKING_URI            http(s)://host:port to log to an MLflow server; default: ./mlruns file store`,
  run: `Usage: relaxomap run <pipeline> [--skip-cache] [--parallel N]
       relaxomap run <pipeline> --executor slurm [--detach] [--concurrency N] [--cluster-config FILE]

Runs every stage of pipelines/<pipeline>.yaml as Nx targets: a stage whose code, params and upstream
outputs are unchanged is restored from the Nx cache instead of running again.

Options:
  --skip-cache     run every stage even if cached (nx --skip-nx-cache)
  --parallel N     stages run side by side when independent (default 1: training uses one core fully)
  --executor slurm one SLURM job per stage that is not cached, each after the jobs of the stages it needs
                   (see relaxomap sweep --help for --detach, --concurrency, --cluster-config)
  -h, --help       show this help`,
  sweep: `Usage: relaxomap sweep <sweep> [--dry-run] [--parallel N] [--skip-cache]
       relaxomap sweep <sweep> --executor slurm [--detach] [--concurrency N] [--cluster-config FILE]

Expands pipelines/sweeps/<sweep>.yaml (a matrix over stage params) into one Nx target per point and
stage, runs them (shared upstream stages once), logs one MLflow parent run for the sweep and a child run
(mlflow.parentRunId) per point stage, then writes the comparison to reports/<sweep>/. Started again, it
runs only what is missing: finished points are Nx cache hits.

Options:
  --dry-run        list the points and the stages that would run; run nothing
  --parallel N     targets side by side (default 2)
  --skip-cache     run every target even if cached
  --executor E     local (default) or slurm (default: the sweep's executor:, else local). slurm: the shared
                   stages as one job, the points that are not cached as ONE job array after it; live progress
                   until the end; Ctrl-C cancels the jobs. Run again: only failed and missing points go out.
  --detach         (slurm) return right after submitting; relaxomap status <sweep> follows it later
  --concurrency N  (slurm) at most N array tasks at once (--array=…%N)
  --cluster-config FILE  (slurm) settings file (default configs/cluster/slurm.yaml): partition, account,
                   resources per stage (cpus, memory, time, gpus, partition), shared cache and store
  -h, --help       show this help`,
  status: `Usage: relaxomap status <sweep|pipeline> [--wait] [--cancel] [--cluster-config FILE]

The newest SLURM submission of a sweep or pipeline (relaxomap sweep|run … --executor slurm): tasks queued,
running, done, failed; failures with SLURM state, exit code and log. Once it is over, outputs are restored
into artifacts/, reports and the comparison written and the sweep's parent MLflow run ended (once).
Exit code: 0 all done, 1 failures, 3 still queued or running, 130 cancelled.

Options:
  --wait           follow it to the end (Ctrl-C stops following; the jobs go on)
  --cancel         scancel its jobs
  -h, --help       show this help`,
  compare: `Usage: relaxomap compare <sweep> [options]
       relaxomap compare <A> <B> [options]

One sweep: reads its runs (local file store, or the tracking server in MLFLOW_TRACKING_URI / --tracking-uri),
writes reports/<sweep>/compare.csv|md (one row per point: params × metrics, mean ± sd across seeds, best
marked), the metric-vs-parameter plot and the training-loss curves (SVG + PNG).
Two arguments: the difference of two sweeps (experiment names or parent run ids: best rows and tables
joined on the keys) or of two runs (run ids: params only in one, params that differ, metrics side by side).

Options:
  --filter F          MLflow search filter, e.g. "params.train.loss = 'ssim' and metrics.rmse_t2.network.brain < 10"
  --tracking-uri U    read from this store or server instead of MLFLOW_TRACKING_URI / ./mlruns
  --primary M         metric that picks the best point (default: the sweep's compare.primary, else rmse_t2.network.brain)
  --goal min|max      best = lowest (default) or highest
  --metrics a,b       metric columns (default: the sweep's compare.metrics, else every rmse_t2.* metric)
  --x KEY --color KEY plot axes (default: the sweep's compare.plot)
  --out DIR           output folder (default reports/<sweep>/; with two arguments the diff is printed, and written to DIR/diff.md)
  -h, --help          show this help`,
  sync: `Usage: relaxomap sync [--to URI] [--from DIR] [--experiment NAME ...]

Uploads the runs of the local file store (default ./mlruns) to a tracking server (default MLFLOW_TRACKING_URI):
runs logged while the server was down, or only partly mirrored. Every run, its params, full metric
histories, tags, status and artifacts; parent/child links kept. Idempotent: a second sync uploads nothing.

Options:
  --to URI            tracking server (http(s)://…); default MLFLOW_TRACKING_URI
  --from DIR          local file store; default RELAXOMAP_LOCAL_MLRUNS, else ./mlruns
  --experiment NAME   only these experiments (repeatable); default all
  -h, --help          show this help`,
  stage: `Usage: relaxomap stage <pipeline.yaml> <stage-id> [--params-hash HASH]

Runs one stage immediately (no cache): logs an MLflow run, writes artifacts/<pipeline>/<stage>/ atomically.
The upstream stages' outputs must exist. Nx calls this for every target.

Options:
  --params-hash HASH   refuse to run if the stage's resolved params no longer hash to HASH
  -h, --help           show this help`,
  validate: `Usage: relaxomap validate [pipeline...]

Validates pipelines (default: all of pipelines/*.yaml): YAML syntax, stage kinds, needs, params.
Errors name the file, line and field. Exit code 1 on the first error.`,
  list: `Usage: relaxomap list

Lists the pipelines in pipelines/, their stages, and the stage kinds this version knows.`,
};

function findRoot(start: string): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json')) && existsSync(join(dir, 'pipelines'))) return dir;
    if (dirname(dir) === dir) throw new PipelineError('not inside a relaxomap workspace (no nx.json + pipelines/ found above the current folder)');
  }
}

function pipelineFile(root: string, nameOrFile: string): string {
  if (/\.ya?ml$/.test(nameOrFile)) return nameOrFile;
  const file = listPipelineFiles(root).get(nameOrFile);
  if (!file) throw new PipelineError(`no pipeline '${nameOrFile}' (have: ${[...listPipelineFiles(root).keys()].join(', ')})`);
  return file;
}

function sweepFile(root: string, nameOrFile: string): string {
  if (/\.ya?ml$/.test(nameOrFile)) return nameOrFile;
  const file = listSweepFiles(root).get(nameOrFile);
  if (!file) throw new PipelineError(`no sweep '${nameOrFile}' (have: ${[...listSweepFiles(root).keys()].join(', ') || 'none'}; sweeps live in pipelines/sweeps/)`);
  return file;
}

/** reports/index.html links every figure, table and comparison in reports/; rebuilt after every run. */
async function refreshReportIndex(root: string): Promise<void> {
  const dir = join(root, 'reports');
  if (existsSync(dir)) await writeReportIndex(dir);
}

/** `nx run-many -t run` over the given projects; returns Nx's exit status. */
function runNx(root: string, projects: string[], parallel: string, skipCache: boolean | undefined): number {
  const args = ['run-many', '-t', 'run', '-p', ...projects, '--outputStyle=stream', `--parallel=${parallel}`];
  if (skipCache) args.push('--skip-nx-cache');
  const result = spawnSync(join(root, 'node_modules', '.bin', 'nx'), args, {
    cwd: root,
    stdio: 'inherit',
    env: { NX_ISOLATE_PLUGINS: 'false', NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', ...process.env },
  });
  return result.status ?? 1;
}

/** The latest FINISHED run of each stage id with the given params hash (what a dry run calls done). */
function finishedByStage(runs: RunInfo[]): Map<string, RunInfo> {
  const out = new Map<string, RunInfo>();
  for (const r of runs) {
    if (r.status !== 'FINISHED') continue;
    const key = `${r.tags['relaxomap.stage']}@${r.tags['relaxomap.params_hash']}`;
    if ((out.get(key)?.startTime ?? -1) < r.startTime) out.set(key, r);
  }
  return out;
}

const RUN_ID = /^[0-9a-f]{32}$/;

/**
 * The store `compare` reads: a server URI is read over REST (what the server holds, from every machine
 * that logged to it), not through the local mirror that stages write to; anything else as createTracker.
 */
function readTracker(root: string, uri: string | undefined): Tracker {
  const resolved = uri ?? process.env.MLFLOW_TRACKING_URI;
  return resolved && /^https?:\/\//i.test(resolved) ? new RestTracker({ baseUrl: resolved, cwd: root }) : createTracker({ cwd: root, trackingUri: resolved });
}

async function dryRun(root: string, sweep: Sweep): Promise<number> {
  const tracker = createTracker({ cwd: root });
  const experimentId = await tracker.findExperiment(sweep.name);
  const done = finishedByStage(experimentId ? await tracker.searchRuns([experimentId], { maxResults: LIMITS.maxSearchResults }) : []);
  const status = (id: string): string => {
    const stage = sweep.pipeline.stages.find((s) => s.id === id)!;
    return done.has(`${id}@${stage.paramsHash}`) ? 'done' : 'would run';
  };
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  out(`sweep ${sweep.name} (${sweep.file}) over pipeline ${sweep.base.name}: ${sweep.points.length} points × ${sweep.perPoint.length} stages + ${sweep.shared.length} shared`);
  out(`keys: ${sweep.keys.join(', ')}`);
  for (const id of sweep.shared) out(`  shared  ${id.padEnd(24)} ${status(id)}`);
  for (const point of sweep.points) {
    const values = Object.entries(point.values).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    const stages = sweep.perPoint.map((s) => `${s}: ${status(`${s}--${point.id}`)}`).join(', ');
    out(`  ${point.id.padEnd(20)} ${values}  [${stages}]`);
  }
  const pending = sweep.pipeline.stages.filter((s) => status(s.id) !== 'done').length;
  out(`${pending} of ${sweep.pipeline.stages.length} targets would run ("done" = a FINISHED MLflow run with the same params; Nx still re-checks code and inputs when it runs).`);
  return 0;
}

async function runSweep(root: string, sweep: Sweep, parallel: string, skipCache: boolean | undefined): Promise<number> {
  const tracker = createTracker({ cwd: root });
  const experimentId = await tracker.getOrCreateExperiment(sweep.name);
  // One parent per sweep definition: running the same sweep again reuses it (its points are cache hits).
  let parentId = (await findSweepParent(tracker, experimentId, sweep.hash))?.runId;
  if (!parentId) {
    const parent = await tracker.createRun(experimentId, { runName: `sweep ${sweep.name}`, tags: sweepParentTags(sweep) });
    await parent.logParams({ 'sweep.pipeline': sweep.base.name, 'sweep.points': sweep.points.length, 'sweep.keys': sweep.keys.join(',') });
    await parent.logArtifact(join(root, sweep.file));
    parentId = parent.runId;
  }
  const onSignal = (): void => {
    void tracker.endRun(parentId, 'KILLED').finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.stderr.write(`sweep ${sweep.name}: ${sweep.points.length} points, parent MLflow run ${parentId} · ${tracker.uri}\n`);
  const status = runNx(root, sweep.pipeline.stages.map((s) => stageProjectName(sweep.name, s.id)), parallel, skipCache);
  process.off('SIGINT', onSignal);
  await publishReports(root, sweep.name, sweep.pipeline.stages.map((s) => s.id));
  if (status === 0) await writeSweepComparison(root, sweep, tracker);
  await refreshReportIndex(root);
  await tracker.endRun(parentId, status === 0 ? 'FINISHED' : 'FAILED');
  return status;
}

/** reports/<sweep>/compare.csv|md and plots, from the sweep's runs (after a local or a SLURM run). */
async function writeSweepComparison(root: string, sweep: Sweep, tracker: Tracker): Promise<void> {
  const { table, scope, plot } = comparisonOptions(sweep);
  const result = await writeComparison(tracker, sweep.name, { ...table, ...scope, plot, outDir: join(root, 'reports', sweep.name) });
  process.stderr.write(`sweep ${sweep.name}: ${result.table.rows.length} points compared → reports/${sweep.name}/compare.md\n`);
}

/**
 * The options of a comparison: the sweep's `compare:` block (when the sweep file exists), overridden by
 * command-line values; `scope` = the sweep's keys and its points as declared now (not every point the
 * experiment ever held).
 */
function comparisonOptions(
  sweep: Sweep | undefined,
  o: { filter?: string; primary?: string; goal?: string; metrics?: string[]; x?: string; color?: string } = {},
) {
  const decl = sweep?.compare;
  const defined = <T extends object>(obj: T): Partial<T> => Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
  return {
    table: defined({ filter: o.filter, primary: o.primary ?? decl?.primary, goal: (o.goal ?? decl?.goal) as 'min' | 'max' | undefined, metrics: o.metrics ?? decl?.metrics }),
    scope: sweep ? { keys: [...sweep.keys], points: sweep.points.map((p) => p.id) } : {},
    plot: defined({ x: o.x ?? decl?.plot?.x, color: o.color ?? decl?.plot?.color, logX: decl?.plot?.log_x, labels: decl?.labels }),
  };
}

/** `--executor` (or a sweep's `executor:`): local or slurm. */
function executorOf(option: string | undefined, declared: unknown): 'local' | 'slurm' {
  const chosen = option ?? (declared === undefined ? 'local' : typeof declared === 'string' ? declared : 'slurm');
  if (chosen !== 'local' && chosen !== 'slurm') throw new PipelineError(`--executor: expected local or slurm, got '${chosen}'`);
  return chosen;
}

/** Cluster settings: configs/cluster/slurm.yaml (or --cluster-config), the sweep's executor: mapping, --concurrency. */
async function clusterSettings(root: string, values: { concurrency?: string; 'cluster-config'?: string }, sweep?: Sweep) {
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) throw new PipelineError(`--concurrency: expected a positive integer, got '${values.concurrency}'`);
  const executor = sweep?.executor;
  return (await cluster()).loadClusterSettings(root, {
    ...(values['cluster-config'] ? { file: values['cluster-config'] } : {}),
    ...(typeof executor === 'object' && executor !== null ? { executor, executorFile: sweep!.file } : {}),
    ...(concurrency ? { overrides: { concurrency } } : {}),
  });
}

/** After a SLURM sweep: the same comparison a local run writes, read from the store the tasks logged to. */
function afterSlurmSweep(root: string, sweep: Sweep, env: Record<string, string>) {
  return async (summary: { ok: boolean }): Promise<void> => {
    if (summary.ok) await writeSweepComparison(root, sweep, createTracker({ cwd: root, env: { ...process.env, ...env } }));
    await refreshReportIndex(root);
  };
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE.main}\n`);
    return command ? 0 : 1;
  }
  if (!(command in USAGE) || command === 'main') throw new PipelineError(`unknown command '${command}' (see relaxomap --help)`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      'params-hash': { type: 'string' },
      'skip-cache': { type: 'boolean' },
      parallel: { type: 'string' },
      'dry-run': { type: 'boolean' },
      executor: { type: 'string' },
      detach: { type: 'boolean' },
      concurrency: { type: 'string' },
      'cluster-config': { type: 'string' },
      wait: { type: 'boolean' },
      cancel: { type: 'boolean' },
      filter: { type: 'string' },
      'tracking-uri': { type: 'string' },
      primary: { type: 'string' },
      goal: { type: 'string' },
      metrics: { type: 'string' },
      x: { type: 'string' },
      color: { type: 'string' },
      out: { type: 'string' },
      to: { type: 'string' },
      from: { type: 'string' },
      experiment: { type: 'string', multiple: true },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE[command]}\n`);
    return 0;
  }
  const root = findRoot(process.cwd());
  switch (command) {
    case 'stage': {
      const [file, stageId] = positionals;
      if (!file || !stageId) throw new PipelineError('usage: relaxomap stage <pipeline.yaml> <stage-id>');
      await runStage({ root, pipelineFile: pipelineFile(root, file), stageId, registry, expectedParamsHash: values['params-hash'] });
      return 0;
    }
    case 'run': {
      const [name] = positionals;
      if (!name) throw new PipelineError('usage: relaxomap run <pipeline>');
      const pipeline = loadPipeline(pipelineFile(root, name), { root, registry });
      if (executorOf(values.executor, undefined) === 'slurm') {
        const settings = await clusterSettings(root, values);
        return (await cluster()).runPipelineOnSlurm({ root, pipeline, settings, detach: values.detach, onFinished: () => refreshReportIndex(root) });
      }
      const status = runNx(root, pipeline.stages.map((s) => stageProjectName(pipeline.name, s.id)), values.parallel ?? '1', values['skip-cache']);
      // Stages Nx restored from its cache did not run, so publish their reports here too.
      await publishReports(root, pipeline.name, pipeline.stages.map((s) => s.id));
      await refreshReportIndex(root);
      return status;
    }
    case 'sweep': {
      const [name] = positionals;
      if (!name) throw new PipelineError('usage: relaxomap sweep <sweep>');
      const sweep = loadSweep(sweepFile(root, name), { root, registry });
      if (!values['dry-run'] && executorOf(values.executor, sweep.executor) === 'slurm') {
        const settings = await clusterSettings(root, values, sweep);
        const { runSweepOnSlurm, trackingEnv } = await cluster();
        return runSweepOnSlurm({ root, sweep, settings, detach: values.detach, onFinished: afterSlurmSweep(root, sweep, trackingEnv(root, settings)) });
      }
      return values['dry-run'] ? dryRun(root, sweep) : runSweep(root, sweep, values.parallel ?? '2', values['skip-cache']);
    }
    case 'status': {
      const [name] = positionals;
      if (!name) throw new PipelineError('usage: relaxomap status <sweep|pipeline>');
      const sweep = listSweepFiles(root).has(name) ? loadSweep(sweepFile(root, name), { root, registry }) : undefined;
      const settings = await clusterSettings(root, values, sweep);
      const { slurmStatus, trackingEnv } = await cluster();
      return slurmStatus({
        root, settings, name, wait: values.wait, cancel: values.cancel,
        onFinished: sweep ? afterSlurmSweep(root, sweep, trackingEnv(root, settings)) : () => refreshReportIndex(root),
      });
    }
    case 'compare': {
      const [a, b, extra] = positionals;
      if (!a || extra) throw new PipelineError('usage: relaxomap compare <sweep> [<sweep|run>]');
      if (values.goal && values.goal !== 'min' && values.goal !== 'max') throw new PipelineError(`--goal: expected min or max, got '${values.goal}'`);
      const tracker = readTracker(root, values['tracking-uri']);
      // The sweep file (when there is one) supplies the defaults: primary metric, columns, plot axes, points.
      const sweep = listSweepFiles(root).has(a) ? loadSweep(sweepFile(root, a), { root, registry }) : undefined;
      const { table, scope, plot } = comparisonOptions(sweep, { ...values, metrics: values.metrics?.split(',') });
      if (b) {
        const out = (text: string): void => {
          process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
          if (values.out) writeFileAtomicSync(join(values.out, 'diff.md'), text);
        };
        if (RUN_ID.test(a) && RUN_ID.test(b)) {
          const [ra, rb] = [await tracker.getRun(a), await tracker.getRun(b)];
          if (ra.tags['relaxomap.sweep_role'] !== 'parent' || rb.tags['relaxomap.sweep_role'] !== 'parent') {
            out(runDiffMarkdown(diffRuns(ra, rb)));
            return 0;
          }
        }
        out((await compareSweeps(tracker, a, b, table)).markdown);
        return 0;
      }
      const result = await writeComparison(tracker, a, { ...table, ...scope, plot, outDir: values.out ?? join(root, 'reports', a) });
      process.stdout.write(`${result.table.rows.length} points compared (${tracker.uri}) → ${result.files.map((f) => relative(root, f)).join(', ')}\n`);
      await refreshReportIndex(root);
      return 0;
    }
    case 'sync': {
      const to = values.to ?? process.env.MLFLOW_TRACKING_URI;
      if (!to || !/^https?:\/\//.test(to)) throw new PipelineError('sync: give the tracking server with --to http(s)://host:port (or MLFLOW_TRACKING_URI)');
      try {
        const summary = await syncFileStore({
          from: values.from ? resolve(root, values.from) : localStorePath({ cwd: root }),
          to,
          ...(values.experiment ? { experiments: values.experiment } : {}),
          log: (m: string) => process.stderr.write(`${m}\n`),
        });
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return summary.runsFailed > 0 ? 1 : 0;
      } catch (err) {
        if (err instanceof SyncInterruptedError) process.stdout.write(`${JSON.stringify(err.summary)}\n`);
        throw err;
      }
    }
    case 'validate': {
      const names = positionals.length ? positionals : [...listPipelineFiles(root).keys()];
      for (const name of names) {
        const p = loadPipeline(pipelineFile(root, name), { root, registry });
        process.stdout.write(`✔ ${p.file}\n`);
        const idWidth = Math.max(...p.stages.map((s) => s.id.length));
        const kindWidth = Math.max(...p.stages.map((s) => s.kind.length));
        for (const s of p.stages) {
          process.stdout.write(`  ${s.id.padEnd(idWidth)}  ${s.kind.padEnd(kindWidth)}  params ${s.paramsHash}${s.needs.length ? `  needs ${s.needs.join(', ')}` : ''}\n`);
        }
      }
      return 0;
    }
    case 'list': {
      for (const [name, file] of listPipelineFiles(root)) {
        const p = loadPipeline(file, { root, registry });
        process.stdout.write(`${name}  (${file})${p.description ? ` — ${p.description}` : ''}\n`);
        for (const s of p.stages) process.stdout.write(`  ${s.id} [${s.kind}]${s.needs.length ? ` ← ${s.needs.join(', ')}` : ''}\n`);
      }
      process.stdout.write('\nStage kinds:\n');
      for (const k of registry.values()) process.stdout.write(`  ${k.kind.padEnd(16)} ${k.description}\n`);
      return 0;
    }
  }
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`relaxomap: error: ${oneLine(message)}\n`);
    if (process.env.RELAXOMAP_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);

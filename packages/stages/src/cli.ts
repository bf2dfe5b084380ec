#!/usr/bin/env node
/**
 * The `relaxomap` command line. Thin by design: it parses options and calls the pipeline runtime;
 * no maths here (BART's habit: one `main` per tool that only handles options and files).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  PipelineError, findSweepParent, listPipelineFiles, listSweepFiles, loadPipeline, loadSweep, oneLine, publishReports, runStage,
  stageProjectName, sweepParentTags, type Sweep,
} from '@relaxomap/pipeline';
import { writeReportIndex } from '@relaxomap/reports';
import { createTracker, type RunInfo } from '@relaxomap/tracking';
import { registry } from './registry.js';

const USAGE: Record<string, string> = {
  main: `relaxomap — scan-specific unsupervised parameter mapping (T2, T2*, MRF) as cached pipelines

Usage: relaxomap <command> [options]

Commands:
  run <pipeline>                 run a pipeline through Nx (cached per stage); e.g. relaxomap run t2-simulation
  sweep <sweep>                  run a parameter sweep (pipelines/sweeps/<sweep>.yaml), one cached target per point
  stage <pipeline.yaml> <stage>  run one stage now, without Nx (what each Nx target calls)
  validate [pipeline...]         check pipeline files and params; print stages, kinds and params hashes
  list                           list pipelines, stages and stage kinds

Options:
  -h, --help                     show help (also: relaxomap <command> --help)

Environment:
  MLFLOW_TRACKING_URI            http(s)://host:port to log to an MLflow server; default: ./mlruns file store`,
  run: `Usage: relaxomap run <pipeline> [--skip-cache] [--parallel N]

Runs every stage of pipelines/<pipeline>.yaml as Nx targets: a stage whose code, params and upstream
outputs are unchanged is restored from the Nx cache instead of running again.

Options:
  --skip-cache     run every stage even if cached (nx --skip-nx-cache)
  --parallel N     stages run side by side when independent (default 1: training uses one core fully)
  -h, --help       show this help`,
  sweep: `Usage: relaxomap sweep <sweep> [--dry-run] [--parallel N] [--skip-cache]

Expands pipelines/sweeps/<sweep>.yaml (a matrix over stage params) into one Nx target per point and
stage, runs them (shared upstream stages once), logs one MLflow parent run for the sweep and a child run
(mlflow.parentRunId) per point stage, then writes the comparison to reports/<sweep>/. Started again, it
runs only what is missing: finished points are Nx cache hits.

Options:
  --dry-run        list the points and the stages that would run; run nothing
  --parallel N     targets side by side (default 2)
  --skip-cache     run every target even if cached
  -h, --help       show this help`,
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

async function dryRun(root: string, sweep: Sweep): Promise<number> {
  const tracker = createTracker({ cwd: root });
  const experimentId = await tracker.findExperiment(sweep.name);
  const done = finishedByStage(experimentId ? await tracker.searchRuns([experimentId], { maxResults: 50000 }) : []);
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
  await refreshReportIndex(root);
  await tracker.endRun(parentId, status === 0 ? 'FINISHED' : 'FAILED');
  return status;
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
      return values['dry-run'] ? dryRun(root, sweep) : runSweep(root, sweep, values.parallel ?? '2', values['skip-cache']);
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

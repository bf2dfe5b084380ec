#!/usr/bin/env node
/**
 * The `relaxomap` command line. Thin by design: it parses options and calls the pipeline runtime;
 * no maths here (BART's habit: one `main` per tool that only handles options and files).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PipelineError, listPipelineFiles, loadPipeline, oneLine, publishReports, runStage, stageProjectName } from '@relaxomap/pipeline';
import { registry } from './registry.js';

const USAGE: Record<string, string> = {
  main: `relaxomap — scan-specific unsupervised parameter mapping (T2, T2*, MRF) as cached pipelines

Usage: relaxomap <command> [options]

Commands:
  run <pipeline>                 run a pipeline through Nx (cached per stage); e.g. relaxomap run t2-simulation
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
      const last = pipeline.stages.map((s) => stageProjectName(pipeline.name, s.id));
      const args = ['run-many', '-t', 'run', '-p', ...last, '--outputStyle=stream', `--parallel=${values.parallel ?? '1'}`];
      if (values['skip-cache']) args.push('--skip-nx-cache');
      const nx = join(root, 'node_modules', '.bin', 'nx');
      const result = spawnSync(nx, args, {
        cwd: root,
        stdio: 'inherit',
        env: { NX_ISOLATE_PLUGINS: 'false', NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', ...process.env },
      });
      // Stages Nx restored from its cache did not run, so publish their reports here too.
      await publishReports(root, pipeline.name, pipeline.stages.map((s) => s.id));
      return result.status ?? 1;
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

#!/usr/bin/env node
/**
 * A stand-alone entry to the SLURM executor, for tests and until `relaxomap` itself has the options:
 *
 *   node packages/cluster/dist/cli-entry.js sweep <sweep> [--detach] [--concurrency N] [--cluster-config FILE]
 *   node packages/cluster/dist/cli-entry.js run <pipeline> [--detach] [--concurrency N] [--cluster-config FILE]
 *   node packages/cluster/dist/cli-entry.js status <sweep|pipeline> [--wait] [--cancel] [--cluster-config FILE]
 *
 * It does what `relaxomap sweep|run … --executor slurm` and `relaxomap status` do, minus rebuilding
 * reports/index.html (a package above this one). The stage registry is loaded from the workspace.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { PipelineError, listPipelineFiles, listSweepFiles, loadPipeline, loadSweep, oneLine, type KindRegistry } from '@relaxomap/pipeline';
import { loadClusterSettings } from './config.js';
import { runPipelineOnSlurm, runSweepOnSlurm, slurmStatus } from './submit.js';

function findRoot(start: string): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json')) && existsSync(join(dir, 'pipelines'))) return dir;
    if (dirname(dir) === dir) throw new PipelineError('not inside a relaxomap workspace (no nx.json + pipelines/ found above the current folder)');
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      executor: { type: 'string' },
      detach: { type: 'boolean' },
      concurrency: { type: 'string' },
      'cluster-config': { type: 'string' },
      wait: { type: 'boolean' },
      cancel: { type: 'boolean' },
    },
  });
  const [name] = positionals;
  if (!command || !name || !['sweep', 'run', 'status'].includes(command)) throw new PipelineError('usage: cli-entry.js sweep|run|status <name> [options]');
  if (values.executor !== undefined && values.executor !== 'slurm') throw new PipelineError(`--executor: only 'slurm' here (got '${values.executor}')`);
  const root = findRoot(process.cwd());
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) throw new PipelineError(`--concurrency: expected a positive integer, got '${values.concurrency}'`);
  const overrides = concurrency ? { concurrency } : undefined;
  const settingsFor = (executor?: unknown, executorFile?: string) =>
    loadClusterSettings(root, { ...(values['cluster-config'] ? { file: values['cluster-config'] } : {}), executor, ...(executorFile ? { executorFile } : {}), ...(overrides ? { overrides } : {}) });
  if (command === 'status') return slurmStatus({ root, settings: settingsFor(), name, wait: values.wait, cancel: values.cancel });
  const { registry } = (await import(pathToFileURL(join(root, 'packages/stages/dist/registry.js')).href)) as { registry: KindRegistry };
  if (command === 'sweep') {
    const file = /\.ya?ml$/.test(name) ? name : listSweepFiles(root).get(name);
    if (!file) throw new PipelineError(`no sweep '${name}'`);
    const sweep = loadSweep(file, { root, registry });
    // A sweep's own `executor:` settings, once the sweep schema carries them.
    const executor = (sweep as { executor?: unknown }).executor;
    return runSweepOnSlurm({ root, sweep, settings: settingsFor(executor, sweep.file), detach: values.detach });
  }
  const file = /\.ya?ml$/.test(name) ? name : listPipelineFiles(root).get(name);
  if (!file) throw new PipelineError(`no pipeline '${name}'`);
  return runPipelineOnSlurm({ root, pipeline: loadPipeline(file, { root, registry }), settings: settingsFor(), detach: values.detach });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`relaxomap: error: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
    if (process.env.RELAXOMAP_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);

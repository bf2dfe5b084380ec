import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { KindRegistry } from './kinds.js';
import type { Pipeline } from './pipeline.js';
import { loadPipelineOrSweep, SWEEPS_DIR } from './sweep.js';

/** Packages every stage runs through, whatever its kind (runtime, tracking, array I/O). */
const RUNTIME_PACKAGES = ['pipeline', 'tracking', 'array-io'];
const RUNTIME_EXTERNALS = ['yaml', 'zod'];

/** The project name of a stage in the Nx graph: `<pipeline>.<stage>`. */
export function stageProjectName(pipeline: string, stage: string): string {
  return `${pipeline}.${stage}`;
}

export interface StageTarget {
  command: string;
  cache: boolean;
  inputs: (string | { externalDependencies: string[] } | { dependentTasksOutputFiles: string; transitive?: boolean })[];
  outputs: string[];
  dependsOn: { projects: string[]; target: string }[];
  metadata: { description: string };
}

export interface StageProject {
  name: string;
  root: string;
  tags: string[];
  implicitDependencies: string[];
  targets: { run: StageTarget };
}

/**
 * Infer one Nx project per pipeline stage, each with a single cached `run` target.
 * Why one project per stage: Nx keys its cache per task, but several targets of one project share
 * the project's file inputs; separate projects give each stage exactly its own inputs.
 *
 * Cache key = the stage's code (source of the packages it uses, tests excluded), its data files, the
 * npm packages it depends on, the resolved params (their hash is part of the command line, so
 * changing one stage's params changes only that command) and the files its upstream stages wrote.
 */
export function stageProjects(pipeline: Pipeline, registry: KindRegistry, root = '.'): StageProject[] {
  return pipeline.stages.map((stage) => {
    const kind = registry.get(stage.kind)!;
    const packages = [...new Set([...RUNTIME_PACKAGES, ...kind.uses])].sort();
    const code = packages.flatMap((p) => [
      `{workspaceRoot}/packages/${p}/src/**/*.ts`,
      `!{workspaceRoot}/packages/${p}/src/**/*.test.ts`,
    ]);
    const stageCode = [
      `{workspaceRoot}/packages/stages/src/kinds/${stage.kind}.ts`,
      `{workspaceRoot}/packages/stages/src/common/**/*.ts`,
      `!{workspaceRoot}/packages/stages/src/common/**/*.test.ts`,
      `{workspaceRoot}/packages/stages/src/cli.ts`,
    ];
    // Report stages keep their reports inside their own output (see reports.ts), so outputs never overlap.
    const outputs = [`{workspaceRoot}/artifacts/${pipeline.name}/${stage.id}`];
    const upstream = stage.needs.map((n) => stageProjectName(pipeline.name, n));
    const data = typeof kind.dataInputs === 'function' ? kind.dataInputs(stage.params, root) : (kind.dataInputs ?? []);
    return {
      name: stageProjectName(pipeline.name, stage.id),
      root: `pipelines/${pipeline.name}/${stage.id}`,
      tags: [`pipeline:${pipeline.name}`, `kind:${stage.kind}`, 'type:stage'],
      implicitDependencies: upstream,
      targets: {
        run: {
          command: `node packages/stages/dist/cli.js stage ${pipeline.file} ${stage.id} --params-hash ${stage.paramsHash}`,
          cache: kind.cacheable ? kind.cacheable(stage.params, root) : true,
          inputs: [
            ...code,
            ...stageCode,
            ...data.map((g) => `{workspaceRoot}/${g}`),
            { externalDependencies: [...new Set([...RUNTIME_EXTERNALS, ...kind.externalDependencies])].sort() },
            ...(upstream.length ? [{ dependentTasksOutputFiles: '**/*', transitive: false }] : []),
          ],
          outputs,
          dependsOn: upstream.length ? [{ projects: upstream, target: 'run' }] : [],
          metadata: { description: `${pipeline.name} › ${stage.id} (${stage.kind}): ${kind.description}` },
        },
      },
    };
  });
}

type CreateNodesResult = { projects: Record<string, Omit<StageProject, 'root'>> };
type CreateNodesFn = (
  files: readonly string[],
  options: unknown,
  context: { workspaceRoot: string },
) => Promise<[string, CreateNodesResult][]>;

/** The Nx plugin entry: `export const createNodes = createPipelineNodes(registry)`. */
export function createPipelineNodes(registry: KindRegistry): [string, CreateNodesFn] {
  return [
    // Pipelines, and sweeps (pipelines/sweeps/*.yaml), which expand into pipelines of their own.
    'pipelines/{*,sweeps/*}.{yaml,yml}',
    async (files, _options, context) =>
      files.map((file) => {
        const pipeline = loadPipelineOrSweep(file, { root: context.workspaceRoot, registry });
        const projects: CreateNodesResult['projects'] = {};
        for (const { root, ...project } of stageProjects(pipeline, registry, context.workspaceRoot)) projects[root] = project;
        return [file, { projects }];
      }),
  ];
}

/** The pipeline files of a workspace (pipelines/*.yaml), by name. */
export function listPipelineFiles(root: string): Map<string, string> {
  return listYaml(root, 'pipelines');
}

/** The sweep files of a workspace (pipelines/sweeps/*.yaml), by name. */
export function listSweepFiles(root: string): Map<string, string> {
  return existsSync(join(root, SWEEPS_DIR)) ? listYaml(root, SWEEPS_DIR) : new Map();
}

function listYaml(root: string, dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(join(root, dir)).sort()) {
    if (/\.ya?ml$/.test(f)) out.set(basename(f).replace(/\.ya?ml$/, ''), join(dir, f));
  }
  return out;
}

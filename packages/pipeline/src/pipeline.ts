import { existsSync } from 'node:fs';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';
import { PipelineError, formatPath } from './errors.js';
import { paramsHash } from './hash.js';
import type { KindRegistry } from './kinds.js';
import type { SweepMembership } from './sweep.js';
import { errorAt, readYamlSource, type YamlSource } from './yaml-source.js';

const ID = /^[a-z][a-z0-9-]*$/;

/** The declarative pipeline file: `pipelines/<name>.yaml`. */
const pipelineSchema = z.strictObject({
  description: z.string().optional(),
  stages: z
    .array(
      z.strictObject({
        id: z.string().regex(ID, 'must be lower-case letters, digits and dashes, starting with a letter'),
        kind: z.string().min(1),
        description: z.string().optional(),
        /** Inline params, or the path (relative to the workspace root) of a YAML file under configs/. */
        params: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
        needs: z.array(z.string()).default([]),
      }),
    )
    .min(1, 'a pipeline needs at least one stage'),
});

export interface ResolvedStage {
  readonly id: string;
  readonly kind: string;
  readonly index: number;
  readonly needs: readonly string[];
  readonly params: unknown;
  readonly paramsHash: string;
  /** Workspace-relative params file, when params came from configs/. */
  readonly paramsFile: string | undefined;
  /** Where this stage's params live, for error messages raised later (e.g. by data checks). */
  readonly paramsSource: YamlSource;
  readonly paramsPath: readonly PropertyKey[];
  /** Set on the stages of an expanded sweep (see sweep.ts). */
  readonly sweep?: SweepMembership;
  /**
   * A sweep clone's id in the base pipeline (`train` for `train--p-ssim-3`): what params that name other
   * stages (evaluate-mrf's `baseline: recon-single`) and metric keys refer to.
   */
  readonly baseId?: string;
}

export interface Pipeline {
  readonly name: string;
  /** Workspace-relative path of the pipeline file. */
  readonly file: string;
  readonly description: string | undefined;
  /** Stages in a topological order (every stage after the stages it needs). */
  readonly stages: readonly ResolvedStage[];
}

/**
 * Load, validate and resolve a pipeline: YAML syntax, schema, stage kinds, `needs` references and
 * cycles, and every stage's params against its kind's schema (defaults filled in). Any problem is a
 * one-line PipelineError naming the file, line and field.
 */
export function loadPipeline(file: string, opts: { root: string; registry: KindRegistry }): Pipeline {
  const { name, source } = readNamedYaml(file, opts.root, 'pipeline');
  const display = source.file;
  const parsed = pipelineSchema.safeParse(source.value ?? {});
  if (!parsed.success) throw issueError(source, [], parsed.error.issues[0]!);
  const decl = parsed.data;

  const ids = new Set<string>();
  decl.stages.forEach((stage, i) => {
    if (ids.has(stage.id)) throw errorAt(source, ['stages', i, 'id'], `duplicate stage id '${stage.id}'`);
    ids.add(stage.id);
  });

  const stages: ResolvedStage[] = decl.stages.map((stage, i) => {
    const kind = opts.registry.get(stage.kind);
    if (!kind) {
      throw errorAt(source, ['stages', i, 'kind'], `unknown stage kind '${stage.kind}' (known: ${[...opts.registry.keys()].join(', ')})`);
    }
    stage.needs.forEach((need, j) => {
      if (!ids.has(need)) throw errorAt(source, ['stages', i, 'needs', j], `unknown stage '${need}'`);
      if (need === stage.id) throw errorAt(source, ['stages', i, 'needs', j], 'a stage cannot need itself');
    });
    let paramsSource = source;
    let paramsPath: PropertyKey[] = ['stages', i, 'params'];
    let paramsFile: string | undefined;
    let raw: unknown = stage.params ?? {};
    if (typeof stage.params === 'string') {
      paramsFile = stage.params;
      const paramsAbs = resolve(opts.root, stage.params);
      if (!existsSync(paramsAbs)) throw errorAt(source, ['stages', i, 'params'], `params file '${stage.params}' not found`);
      paramsSource = readYamlSource(paramsAbs, relative(opts.root, paramsAbs));
      paramsPath = [];
      raw = paramsSource.value ?? {};
    }
    const result = kind.params.safeParse(raw);
    if (!result.success) throw issueError(paramsSource, paramsPath, result.error.issues[0]!);
    return {
      id: stage.id,
      kind: stage.kind,
      index: i,
      needs: stage.needs,
      params: result.data,
      paramsHash: paramsHash({ kind: stage.kind, params: result.data }),
      paramsFile,
      paramsSource,
      paramsPath,
    };
  });

  return { name, file: display, description: decl.description, stages: topologicalOrder(stages, source) };
}

function topologicalOrder(stages: ResolvedStage[], source: YamlSource): ResolvedStage[] {
  const byId = new Map(stages.map((s) => [s.id, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const order: ResolvedStage[] = [];
  const visit = (stage: ResolvedStage, chain: string[]): void => {
    const seen = state.get(stage.id);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      throw errorAt(source, ['stages', stage.index, 'needs'], `cycle in needs: ${[...chain, stage.id].join(' → ')}`);
    }
    state.set(stage.id, 'visiting');
    for (const need of stage.needs) visit(byId.get(need)!, [...chain, stage.id]);
    state.set(stage.id, 'done');
    order.push(stage);
  };
  for (const stage of stages) visit(stage, []);
  return order;
}

export interface Issue {
  path: PropertyKey[];
  message: string;
  code?: string;
  keys?: string[];
}

/**
 * A pipeline or sweep file: its name (the file name, which names Nx projects, artifacts and the MLflow
 * experiment, so it must be an id) and its parsed YAML.
 */
export function readNamedYaml(file: string, root: string, what: 'pipeline' | 'sweep'): { name: string; source: YamlSource } {
  const abs = isAbsolute(file) ? file : resolve(root, file);
  const display = relative(root, abs) || abs;
  const name = basename(abs).replace(/\.ya?ml$/, '');
  if (!ID.test(name)) throw new PipelineError(`${what} name '${name}' (from the file name) must be lower-case letters, digits and dashes`, { file: display });
  return { name, source: readYamlSource(abs, display) };
}

/** The one-line error of a schema issue at `prefix` + its path; `unknownField` says what an unknown key is not. */
export function issueError(
  source: YamlSource,
  prefix: readonly PropertyKey[],
  issue: Issue,
  unknownField = (key: string) => `unknown field (not a parameter of this stage kind; check the spelling)`,
): PipelineError {
  let path = [...prefix, ...issue.path];
  let message = issue.message;
  if (issue.code === 'unrecognized_keys' && issue.keys?.length) {
    path = [...path, issue.keys[0]!];
    message = unknownField(issue.keys[0]!);
  } else if (issue.code === 'invalid_type' && /received undefined/.test(message)) {
    message = 'required field is missing';
  }
  return new PipelineError(message, { file: source.file, line: source.lineOf(path), field: formatPath(path) || undefined });
}

/** A one-line error pointing at `field` (dotted, inside the stage's params) of a resolved stage. */
export function stageParamError(stage: ResolvedStage, field: string, detail: string): PipelineError {
  const path = [...stage.paramsPath, ...field.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k))];
  return new PipelineError(detail, { file: stage.paramsSource.file, line: stage.paramsSource.lineOf(path), field: formatPath(path) });
}

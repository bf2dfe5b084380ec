/**
 * Sweeps: a matrix over stage params, declared in `pipelines/sweeps/<name>.yaml`, expanded into an
 * ordinary pipeline named `<name>` — the stages no swept parameter reaches are kept once (shared), every
 * stage a swept parameter reaches (the swept stage and everything downstream of it) is cloned once per
 * point as `<stage>--<point>`. Each clone is its own cached Nx target, so an interrupted sweep started
 * again runs only the missing points, and adding a value to the matrix leaves the other points cached
 * (point ids come from the values, not from positions).
 *
 *   description: loss × residual blocks on the T2 simulation (tiny sizes)
 *   pipeline: t2-simulation        # the base pipeline (pipelines/<name>.yaml)
 *   targets: [evaluate]            # stages whose results matter (their upstream closure is kept)
 *   set: { train.steps: 150 }      # overrides for every point
 *   matrix:                        # the cartesian product of these values
 *     train.loss: [ssim, l1, mse]
 *     train.network.blocks: [0, 3, 6, 9]
 *   exclude: [{ train.loss: l1, train.network.blocks: 0 }]
 *   include: [{ train.loss: mse, train.network.blocks: 12 }]
 *
 * Keys are `<stage id>.<param path>`; every value is checked against the stage kind's schema before
 * anything runs, and a bad key or value is a one-line error naming the sweep file, line and key.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';
import { PipelineError } from './errors.js';
import { canonicalJson, paramsHash } from './hash.js';
import type { KindRegistry } from './kinds.js';
import { issueError, loadPipeline, readNamedYaml, type Pipeline, type ResolvedStage } from './pipeline.js';
import type { RunInfo, Tracker } from '@relaxomap/tracking';
import { errorAt, type YamlSource } from './yaml-source.js';

/** Sweep files live here (beside the pipelines they sweep, out of the `pipelines/*.yaml` glob). */
export const SWEEPS_DIR = 'pipelines/sweeps';

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const assignment = z.record(z.string(), z.unknown());

const sweepSchema = z.strictObject({
  description: z.string().optional(),
  pipeline: z.string().min(1),
  targets: z.array(z.string()).min(1).optional(),
  set: assignment.default({}),
  matrix: z.record(z.string(), z.array(z.unknown())).default({}),
  include: z.array(assignment).default([]),
  exclude: z.array(assignment).default([]),
  /** Where `relaxomap sweep` runs the points: local (default), slurm, or a mapping of SLURM settings (the keys of configs/cluster/slurm.yaml; means slurm). */
  executor: z.union([z.enum(['local', 'slurm']), z.record(z.string(), z.unknown())]).optional(),
  /** How `relaxomap compare` reads this sweep by default (primary metric, plot axes). */
  compare: z
    .strictObject({
      primary: z.string().optional(),
      goal: z.enum(['min', 'max']).optional(),
      metrics: z.array(z.string()).optional(),
      plot: z.strictObject({ x: z.string(), color: z.string().optional(), log_x: z.boolean().optional() }).optional(),
      /** Display names of metrics in the plots, e.g. { rmse_t2.varpro.brain: Varpro }. */
      labels: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
});

export type SweepCompare = NonNullable<z.infer<typeof sweepSchema>['compare']>;

/** One point of a sweep: its id (from its values) and the value of every key. */
export interface SweepPoint {
  readonly id: string;
  /** Dotted key (`train.loss`) → value, in the sweep's key order. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** What a stage of an expanded sweep belongs to (carried into its MLflow run as tags and params). */
export interface SweepMembership {
  readonly sweep: string;
  /** sha256 prefix of the sweep's resolved definition: its parent MLflow run's identity. */
  readonly hash: string;
  readonly keys: readonly string[];
  /** Undefined for a shared stage. */
  readonly point: SweepPoint | undefined;
}

export interface Sweep {
  readonly name: string;
  readonly file: string;
  readonly description: string | undefined;
  readonly base: Pipeline;
  readonly keys: readonly string[];
  readonly points: readonly SweepPoint[];
  /** Stage ids of the base pipeline that are computed once for all points. */
  readonly shared: readonly string[];
  /** Stage ids of the base pipeline that are cloned per point. */
  readonly perPoint: readonly string[];
  readonly hash: string;
  readonly compare: SweepCompare | undefined;
  /** Where the points run (not part of the hash: moving a sweep to the cluster invalidates nothing). */
  readonly executor: 'local' | 'slurm' | Record<string, unknown> | undefined;
  /** The expanded pipeline (name = the sweep's name), what Nx and the runner see; its stages carry `sweep`. */
  readonly pipeline: Pipeline;
}

/** True for a file directly under pipelines/sweeps/. */
export function isSweepFile(file: string, root: string): boolean {
  const rel = relative(resolve(root, SWEEPS_DIR), isAbsolute(file) ? file : resolve(root, file));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !/[\\/]/.test(rel);
}

/** Load a pipeline or a sweep file; a sweep comes back as its expanded pipeline. */
export function loadPipelineOrSweep(file: string, opts: { root: string; registry: KindRegistry }): Pipeline {
  return isSweepFile(file, opts.root) ? loadSweep(file, opts).pipeline : loadPipeline(file, opts);
}

/**
 * Load, validate and expand a sweep. Errors (unknown stage or parameter, empty matrix, a value of the
 * wrong type, a point excluded by nothing it could match) name the sweep file, line and key.
 */
export function loadSweep(file: string, opts: { root: string; registry: KindRegistry }): Sweep {
  const { name, source } = readNamedYaml(file, opts.root, 'sweep');
  const display = source.file;
  const parsed = sweepSchema.safeParse(source.value ?? {});
  if (!parsed.success) {
    throw issueError(source, [], parsed.error.issues[0]!, (key) => `unknown field '${key}' (a sweep has: ${Object.keys(sweepSchema.shape).join(', ')})`);
  }
  const decl = parsed.data;
  const baseFile = /\.ya?ml$/.test(decl.pipeline) ? decl.pipeline : `pipelines/${decl.pipeline}.yaml`;
  if (!existsSync(resolve(opts.root, baseFile))) throw errorAt(source, ['pipeline'], `no pipeline file '${baseFile}'`);
  const base = loadPipeline(baseFile, opts);
  if (base.name === name) throw errorAt(source, ['pipeline'], `a sweep cannot have the name of its base pipeline ('${name}'): its artifacts would collide`);

  const stages = selectStages(base, decl.targets, source);
  const byId = new Map(stages.map((s) => [s.id, s]));
  const at = (path: PropertyKey[], detail: string): PipelineError => errorAt(source, path, detail);
  const splitKey = (key: string, path: PropertyKey[]): { stage: ResolvedStage; param: string[] } => {
    const dot = key.indexOf('.');
    const stageId = dot < 0 ? key : key.slice(0, dot);
    const stage = byId.get(stageId);
    if (dot < 0 || dot === key.length - 1) throw at(path, `key '${key}' must be <stage>.<param> (e.g. train.loss)`);
    if (!stage) throw at(path, `no stage '${stageId}' in ${stages.length < base.stages.length ? 'the selected stages of ' : ''}pipeline '${base.name}' (stages: ${stages.map((s) => s.id).join(', ')})`);
    return { stage, param: key.slice(dot + 1).split('.') };
  };

  // Keys: the matrix's, then any the includes add.
  const keys = Object.keys(decl.matrix);
  if (keys.length === 0 && decl.include.length === 0) throw at(['matrix'], 'the matrix is empty: give at least one key with a list of values (or include points)');
  for (const key of keys) {
    if (decl.matrix[key]!.length === 0) throw at(['matrix', key], `no values for '${key}' (an empty list makes the matrix empty)`);
    splitKey(key, ['matrix', key]);
  }
  decl.include.forEach((point, i) => {
    for (const key of Object.keys(point)) {
      splitKey(key, ['include', i, key]);
      if (!keys.includes(key)) keys.push(key);
    }
  });
  decl.exclude.forEach((point, i) => {
    for (const key of Object.keys(point)) if (!keys.includes(key)) throw at(['exclude', i, key], `'${key}' is not a key of the matrix (keys: ${keys.join(', ')})`);
  });
  for (const key of Object.keys(decl.set)) splitKey(key, ['set', key]);

  // Points: the cartesian product, minus exclusions, plus inclusions; ids from the values.
  let assignments = product(Object.keys(decl.matrix).map((k) => decl.matrix[k]!.map((v) => [k, v] as const)));
  assignments = assignments.filter((a) => !decl.exclude.some((ex) => Object.entries(ex).every(([k, v]) => k in a && canonicalJson(a[k]) === canonicalJson(v))));
  // An include is one more point (keys it leaves out keep the stage's own value).
  assignments.push(...decl.include.map((inc) => ({ ...inc })));
  if (assignments.length === 0) throw at(['exclude'], 'every point is excluded: nothing to run');
  const points = pointIds(assignments, keys);

  // Stages a swept key reaches: the swept ones and everything downstream of them.
  const swept = new Set(keys.map((k) => k.slice(0, k.indexOf('.'))));
  const perPoint = new Set<string>();
  for (const stage of stages) if (swept.has(stage.id) || stage.needs.some((n) => perPoint.has(n))) perPoint.add(stage.id);

  const kindOf = (stage: ResolvedStage) => opts.registry.get(stage.kind)!;
  /** Apply `key = value` to a stage's params and validate them; errors point at `path` in the sweep file. */
  const withValue = (params: unknown, stage: ResolvedStage, param: string[], value: unknown, path: PropertyKey[], keyPath = path): unknown => {
    const next = structuredClone(params) as Record<string, unknown>;
    let node = next;
    for (const part of param.slice(0, -1)) {
      if (node[part] === undefined) node[part] = {};
      if (typeof node[part] !== 'object' || node[part] === null || Array.isArray(node[part])) throw at(keyPath, `'${part}' of stage '${stage.id}' is not a group of parameters`);
      node = node[part] as Record<string, unknown>;
    }
    node[param.at(-1)!] = value;
    const result = kindOf(stage).params.safeParse(next);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      const where = issue.path.length ? ` (${[stage.id, ...issue.path].join('.')})` : '';
      if (issue.code === 'unrecognized_keys') throw at(keyPath, `stage '${stage.id}' (${stage.kind}) has no parameter '${param.join('.')}'`);
      throw at(path, `${issue.message}${where}`);
    }
    // Keys a non-strict group silently drops are unknown too.
    if (!hasPath(result.data, param)) throw at(keyPath, `stage '${stage.id}' (${stage.kind}) has no parameter '${param.join('.')}'`);
    return result.data;
  };

  const baseParams = new Map(stages.map((s) => [s.id, s.params]));
  for (const [key, value] of Object.entries(decl.set)) {
    const { stage, param } = splitKey(key, ['set', key]);
    baseParams.set(stage.id, withValue(baseParams.get(stage.id), stage, param, value, ['set', key]));
  }
  // Every value of every key is checked once, up front (a matrix of 12 fails on its bad value, not at point 7).
  for (const key of Object.keys(decl.matrix)) {
    const { stage, param } = splitKey(key, ['matrix', key]);
    decl.matrix[key]!.forEach((v, i) => {
      if (!scalar.safeParse(v).success && (typeof v !== 'object' || v === null)) throw at(['matrix', key, i], 'a value must be a number, string, boolean, list or mapping');
      withValue(baseParams.get(stage.id), stage, param, v, ['matrix', key, i], ['matrix', key]);
    });
  }

  const hash = paramsHash({ base: base.name, stages: stages.map((s) => [s.id, s.paramsHash]), set: decl.set, points: points.map((p) => p.values) });
  const expanded: ResolvedStage[] = [];
  const make = (stage: ResolvedStage, id: string, params: unknown, needs: string[], point: SweepPoint | undefined): ResolvedStage => {
      return { ...stage, id, baseId: stage.id, needs, params, paramsHash: paramsHash({ kind: stage.kind, params }), sweep: { sweep: name, hash, keys, point } };
  };
  for (const stage of stages.filter((s) => !perPoint.has(s.id))) expanded.push(make(stage, stage.id, baseParams.get(stage.id), [...stage.needs], undefined));
  for (const point of points) {
    for (const stage of stages.filter((s) => perPoint.has(s.id))) {
      let params = baseParams.get(stage.id);
      const pointKeys = Object.keys(point.values).filter((k) => k.slice(0, k.indexOf('.')) === stage.id);
      for (const key of pointKeys) {
        const where = key in decl.matrix ? ['matrix', key] : ['include'];
        params = withValue(params, stage, key.slice(key.indexOf('.') + 1).split('.'), point.values[key], where);
      }
      const needs = stage.needs.map((n) => (perPoint.has(n) ? cloneId(n, point) : n));
      expanded.push(make(stage, cloneId(stage.id, point), params, needs, point));
    }
  }
  const pipeline: Pipeline = { name, file: display, description: decl.description ?? base.description, stages: expanded };
  return {
    name, file: display, description: decl.description, base, keys, points, hash, compare: decl.compare, executor: decl.executor, pipeline,
    shared: stages.filter((s) => !perPoint.has(s.id)).map((s) => s.id),
    perPoint: stages.filter((s) => perPoint.has(s.id)).map((s) => s.id),
  };
}

/** The id of a stage's clone for one point: `<stage>--<point>`. */
export function cloneId(stage: string, point: SweepPoint): string {
  return `${stage}--${point.id}`;
}

/** The base stages the targets need (all of them when no targets are given), in pipeline order. */
function selectStages(base: Pipeline, targets: string[] | undefined, source: YamlSource): ResolvedStage[] {
  if (!targets) return [...base.stages];
  const byId = new Map(base.stages.map((s) => [s.id, s]));
  const keep = new Set<string>();
  const visit = (id: string): void => {
    if (keep.has(id)) return;
    keep.add(id);
    for (const n of byId.get(id)!.needs) visit(n);
  };
  targets.forEach((t, i) => {
    if (!byId.has(t)) throw errorAt(source, ['targets', i], `no stage '${t}' in pipeline '${base.name}' (stages: ${base.stages.map((s) => s.id).join(', ')})`);
    visit(t);
  });
  return base.stages.filter((s) => keep.has(s.id));
}

function product(axes: (readonly (readonly [string, unknown])[])[]): Record<string, unknown>[] {
  let out: Record<string, unknown>[] = [{}];
  for (const axis of axes) out = out.flatMap((partial) => axis.map(([k, v]) => ({ ...partial, [k]: v })));
  return axes.length === 0 ? [] : out;
}

/**
 * Readable, stable point ids from the values in key order (`ssim-3`, `0p001`); values that do not make a
 * clean id (long strings, lists) or ids that collide fall back to a short hash of the values.
 */
function pointIds(assignments: Record<string, unknown>[], keys: readonly string[]): SweepPoint[] {
  const slug = (v: unknown): string | undefined => {
    const text = typeof v === 'number' ? String(v).replace('-', 'm').replace('.', 'p').replace('+', '') : typeof v === 'boolean' ? String(v) : typeof v === 'string' ? v.toLowerCase() : undefined;
    return text !== undefined && /^[a-z0-9]+$/.test(text) && text.length <= 12 ? text : undefined;
  };
  const points = assignments.map((a) => {
    const values: Record<string, unknown> = {};
    for (const k of keys) if (k in a) values[k] = a[k];
    const parts = Object.values(values).map(slug);
    const readable = parts.every((p) => p !== undefined) ? parts.join('-') : undefined;
    return { values, id: readable ? `p-${readable}` : `p-${paramsHash(values).slice(0, 8)}` };
  });
  const byValues = new Map<string, number>();
  points.forEach((p, i) => {
    const json = canonicalJson(p.values);
    if (byValues.has(json)) throw new PipelineError(`point ${i + 1} (${json}) is listed twice`);
    byValues.set(json, i);
  });
  const count = new Map<string, number>();
  for (const p of points) count.set(p.id, (count.get(p.id) ?? 0) + 1);
  return points.map((p) => (count.get(p.id)! > 1 ? { ...p, id: `p-${paramsHash(p.values).slice(0, 8)}` } : p));
}

function hasPath(value: unknown, path: readonly string[]): boolean {
  let node = value;
  for (const part of path) {
    if (!node || typeof node !== 'object' || !(part in (node as object))) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return true;
}

/** MLflow tags of a sweep's parent run (also how a stage finds it: same sweep and hash). */
export function sweepParentTags(sweep: Sweep): Record<string, string> {
  return {
    'relaxomap.sweep': sweep.name,
    'relaxomap.sweep_role': 'parent',
    'relaxomap.sweep_hash': sweep.hash,
    'relaxomap.sweep_keys': JSON.stringify(sweep.keys),
    'relaxomap.sweep_points': String(sweep.points.length),
  };
}

/**
 * The parent run of a sweep: the latest run tagged as its parent with the same definition hash, or a new
 * one. `relaxomap sweep` creates it before any point runs, so parallel stages only ever look it up.
 */
export async function findSweepParent(tracker: Tracker, experimentId: string, hash: string): Promise<RunInfo | undefined> {
  // The filter keeps this one small query however many point runs the experiment holds.
  const runs = await tracker.searchRuns([experimentId], { filter: `tags.\`relaxomap.sweep_role\` = 'parent' and tags.\`relaxomap.sweep_hash\` = '${hash}'` });
  return runs.sort((a, b) => b.startTime - a.startTime)[0];
}

/** Tags of a sweep stage's run: sweep, role, point, keys, and `mlflow.parentRunId` when the parent exists. */
export async function sweepRunTags(tracker: Tracker, experimentId: string, sweep: SweepMembership): Promise<Record<string, string>> {
  const parent = await findSweepParent(tracker, experimentId, sweep.hash);
  return {
    'relaxomap.sweep': sweep.sweep,
    'relaxomap.sweep_role': sweep.point ? 'point' : 'shared',
    'relaxomap.sweep_hash': sweep.hash,
    'relaxomap.sweep_keys': JSON.stringify(sweep.keys),
    ...(sweep.point ? { 'relaxomap.sweep_point': sweep.point.id } : {}),
    ...(parent ? { 'mlflow.parentRunId': parent.runId } : {}),
  };
}

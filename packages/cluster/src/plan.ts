/**
 * What a submission must compute, decided before anything is submitted: units (sweep points, the shared
 * stages, pipeline stages) whose Nx projects a probe pass found cached are done; the others go to SLURM,
 * together with any done unit they need whose outputs are cached only on this machine (a task on another
 * node can restore only what the shared cache holds, and would otherwise compute it again itself).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cloneId, stageProjectName, type Pipeline, type Sweep } from '@relaxomap/pipeline';
import { jobResources, type ClusterSettings } from './config.js';
import { isCacheHit, type NxTaskResult } from './nx.js';
import type { JobSpec, Unit } from './submission.js';

/** A sweep or pipeline as units of work, with which unit needs which. */
export interface WorkPlan {
  readonly kind: 'sweep' | 'pipeline';
  readonly name: string;
  readonly file: string;
  readonly units: readonly Unit[];
  /** Unit id → the unit ids it needs (their outputs are its inputs). */
  readonly needs: ReadonlyMap<string, readonly string[]>;
  readonly projects: readonly string[];
  readonly stageIds: readonly string[];
}

export const SHARED_UNIT = 'shared';

export function sweepPlan(sweep: Sweep): WorkPlan {
  const project = (id: string): string => stageProjectName(sweep.name, id);
  const units: Unit[] = [];
  const needs = new Map<string, string[]>();
  if (sweep.shared.length) units.push({ id: SHARED_UNIT, label: `shared stages: ${sweep.shared.join(', ')}`, projects: sweep.shared.map(project), stages: sweep.shared, index: 0 });
  sweep.points.forEach((point, i) => {
    units.push({
      id: point.id,
      label: Object.entries(point.values).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' '),
      projects: sweep.perPoint.map((s) => project(cloneId(s, point))),
      stages: sweep.perPoint,
      index: i,
    });
    needs.set(point.id, sweep.shared.length ? [SHARED_UNIT] : []);
  });
  return {
    kind: 'sweep', name: sweep.name, file: sweep.file, units, needs,
    projects: sweep.pipeline.stages.map((s) => project(s.id)),
    stageIds: sweep.pipeline.stages.map((s) => s.id),
  };
}

export function pipelinePlan(pipeline: Pipeline): WorkPlan {
  const units = pipeline.stages.map((s, i) => ({ id: s.id, label: s.kind, projects: [stageProjectName(pipeline.name, s.id)], stages: [s.id], index: i }));
  return {
    kind: 'pipeline', name: pipeline.name, file: pipeline.file, units,
    needs: new Map(pipeline.stages.map((s) => [s.id, s.needs])),
    projects: units.flatMap((u) => u.projects),
    stageIds: pipeline.stages.map((s) => s.id),
  };
}

export interface Decision {
  /** Units complete in the cache (every project a cache hit). */
  readonly done: readonly string[];
  /** Units to compute: not done, or needed by one that is and held only by this machine's cache. */
  readonly todo: readonly string[];
  /** Of the todo units, the sweep points (or pipeline stages) that were not done. */
  readonly missing: readonly string[];
}

/**
 * Decide from a probe's task results. `inSharedCache(hash)` tells whether the shared cache holds a
 * task's entry. A unit is done when every one of its projects was restored from a cache.
 */
export function decide(plan: WorkPlan, probe: ReadonlyMap<string, NxTaskResult>, inSharedCache: (hash: string) => boolean): Decision {
  const done = plan.units.filter((u) => u.projects.every((p) => isCacheHit(probe.get(p)))).map((u) => u.id);
  const missing = plan.units.filter((u) => !done.includes(u.id)).map((u) => u.id);
  const todo = new Set(missing);
  const shared = (u: Unit): boolean => u.projects.every((p) => inSharedCache(probe.get(p)?.hash ?? ''));
  // Everything upstream of a unit to compute must come from the shared cache, or be computed too.
  const visit = (id: string): void => {
    for (const need of plan.needs.get(id) ?? []) {
      const unit = plan.units.find((u) => u.id === need)!;
      if (!todo.has(need) && !shared(unit)) todo.add(need);
      visit(need);
    }
  };
  for (const id of [...todo]) visit(id);
  // A sweep's shared unit alone is never worth a job: points that are all done need nothing.
  if (plan.kind === 'sweep' && [...todo].every((id) => id === SHARED_UNIT)) todo.clear();
  return {
    done,
    todo: plan.units.filter((u) => todo.has(u.id)).map((u) => u.id),
    missing: plan.kind === 'sweep' ? missing.filter((id) => id !== SHARED_UNIT) : missing,
  };
}

/** True when the shared cache folder holds the entry for this Nx hash. */
export function sharedCacheHas(cacheDir: string): (hash: string) => boolean {
  return (hash) => hash !== '' && existsSync(join(cacheDir, hash));
}

/**
 * The jobs for the units to compute. Sweep: the shared stages as one job (unless run locally), the
 * points as ONE array (task id = the point's position in the sweep) that starts after it (afterok).
 * Pipeline: one job per stage, each after the jobs of the stages it needs.
 */
export function planJobs(plan: WorkPlan, todo: readonly string[], settings: ClusterSettings): JobSpec[] {
  const unit = (id: string): Unit => plan.units.find((u) => u.id === id)!;
  if (plan.kind === 'sweep') {
    const jobs: JobSpec[] = [];
    if (todo.includes(SHARED_UNIT)) {
      const local = settings.shared === 'local';
      jobs.push({ name: SHARED_UNIT, array: false, units: [SHARED_UNIT], resources: jobResources(settings, unit(SHARED_UNIT).stages), after: [], ...(local ? { local } : {}) });
    }
    const points = todo.filter((id) => id !== SHARED_UNIT);
    if (points.length) {
      jobs.push({
        name: 'points', array: true, units: points, resources: jobResources(settings, unit(points[0]!).stages),
        after: jobs.some((j) => j.name === SHARED_UNIT && !j.local) ? [SHARED_UNIT] : [],
      });
    }
    return jobs;
  }
  return todo.map((id) => ({
    name: id, array: false, units: [id], resources: jobResources(settings, unit(id).stages),
    after: (plan.needs.get(id) ?? []).filter((n) => todo.includes(n)),
  }));
}

/** `0,3,7-9` from task ids, the form `sbatch --array` takes. */
export function arraySpec(indices: readonly number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : `${sorted[i]}`);
    i = j;
  }
  return parts.join(',');
}

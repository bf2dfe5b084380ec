/**
 * Stopping without the truth, wired into a training stage: the noise estimate, the discrepancy and
 * held-out rules of @relaxomap/network judged at every check, the oracle curve when the input is a
 * simulation (RMSE against the truth; logged, never used to decide), and the record of it all
 * (stopping.json + MLflow). The maths lives in @relaxomap/metrics (noise) and @relaxomap/network
 * (rules); this module only decides which rule is active and records what happened. It is the same
 * for every study: the T2 network (maps M0, T2; data = echoes) and the MRF network (maps = subspace
 * coefficients; data = their real and imaginary channels) differ only in the residual and oracle
 * functions they pass.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy } from '@relaxomap/array-io';
import { estimateNoise, rmse, type NoiseEstimate } from '@relaxomap/metrics';
import { discrepancyRule, heldOutMask, heldOutRule, type Check, type CheckMaps, type StoppingRule, type TrainingRunInfo } from '@relaxomap/network';
import type { StageContext, StageInput } from '@relaxomap/pipeline';
import type { StoppingParams } from '../params.js';
import { regionMask, regionsFor } from './regions.js';

export type RuleName = StoppingParams['rule'];

/** One row of the training curve. */
export interface CheckRecord {
  step: number;
  elapsed_s: number;
  loss: number;
  /** Mean squared echo residual over the object (discrepancy rule's quantity), and its ratio to σ². */
  residual_mse: number | null;
  residual_ratio: number | null;
  /** Mean squared error of the held-out echoes (held-out rule's quantity), and its ratio to σ². */
  heldout_mse: number | null;
  heldout_ratio: number | null;
  /** RMSE against the truth per key (T2: region keys, ms): simulations only. */
  oracle_rmse?: Record<string, number>;
}

export interface RuleChoice {
  step: number;
  elapsed_s: number;
  /** False when training ended before the rule decided (its choice is then the last / best check). */
  decided: boolean;
}

/** stopping.json: what the stage decided and why. */
export interface StoppingRecord {
  /** The rule asked for in the params. */
  rule: RuleName;
  /** The rule that chose the returned maps (differs from `rule` after a fallback). */
  rule_used: RuleName;
  fallback?: string;
  noise: { ok: true; variance: number; sigma: number; model: string; background_voxels: number; source?: string } | { ok: false; reason: string };
  discrepancy_target_ratio: number | null;
  /** Step whose maps were returned, and why. */
  output: { step: number; elapsed_s: number; reason: string };
  choices: Partial<Record<'discrepancy' | 'heldout', RuleChoice>>;
  /** Best check by the oracle key (T2 RMSE excluding CSF for the T2 study): simulations only. */
  oracle?: { step: number; elapsed_s: number; key: string; rmse: number };
  checks: CheckRecord[];
}

/** Truth of a simulation input (T2 map and tissue codes), or undefined for a real scan. */
export async function readTruth(input: StageInput): Promise<{ t2: Float32Array; tissue: Uint8Array } | undefined> {
  if (input.kind !== 'simulate-t2' || !existsSync(join(input.dir, 'tissue.npy'))) return undefined;
  const t2 = (await readNpy(join(input.dir, 't2.npy'))).data as Float32Array;
  const tissue = (await readNpy(join(input.dir, 'tissue.npy'))).data as Uint8Array;
  return { t2, tissue };
}

export interface StoppingPlan<M> {
  /** Samples to hold out of training, (channel, slice, y, x) (undefined when held_out_fraction is 0). */
  heldOut: Uint8Array | undefined;
  /** The check callback for the training loop: returns true when training should stop here. */
  onCheck(check: Check<M> & { loss: number }): boolean;
  /** After training (`final`: the last step's maps): the maps to return and the record; says which step in the log. */
  finish(final: M, run: TrainingRunInfo): { maps: M; record: StoppingRecord };
}

/** What a study tells {@link planStopping} about its data and maps. */
export interface StoppingData<M> {
  /** The data the network fits, as real channels: (channel, slice, y, x) — echoes, or re/im of coefficients. */
  data: Float32Array;
  shape: { channels: number; slices: number; height: number; width: number };
  /** Mean squared residual of `maps` against the data over the samples of `mask` ((channel, slice, y, x)). */
  residual(maps: M, mask: Uint8Array): number;
  /** Simulations only: RMSE against the truth per key. */
  oracle?: (maps: M) => Record<string, number>;
  /** The oracle key whose minimum is the oracle-best step (e.g. 'brain_no_csf'). */
  oracleKey?: string;
  /** Seed of the held-out draw. */
  seed: number;
  /**
   * Data whose noise is known rather than estimated from an image background (k-space: a
   * simulation's noise, or a noise pre-scan): the discrepancy rule judges `residual` over all the
   * data against this σ², with target τ·σ² (`tau`). No held-out rule.
   */
  knownNoise?: KnownNoise<M>;
}

/** See {@link StoppingData.knownNoise}. */
export interface KnownNoise<M> {
  /** σ² per real data value (half of E|n|² per complex sample). */
  variance: number;
  /** Where σ² comes from (log, stopping.json). */
  source: string;
  /** Stop at the first check whose residual is ≤ tau·σ² (Morozov's discrepancy principle: τ > 1 for iterative methods). */
  tau: number;
  /** Mean squared residual of `maps` per real data value, over all the data. */
  residual(maps: M): number;
}

/** T2 RMSE (ms) per region (brain, WM, GM, CSF, brain excl. CSF) against a simulation's truth. */
export function t2Oracle(truth: { t2: Float32Array; tissue: Uint8Array }): (maps: CheckMaps) => Record<string, number> {
  const masks = regionsFor(['WM', 'GM', 'CSF']).map((r) => ({ key: r.key, mask: regionMask(truth.tissue, r) }));
  return (maps) => Object.fromEntries(masks.map(({ key, mask }) => [key, rmse(maps.t2, truth.t2, mask)]));
}

/**
 * Set up the rules for one training run. The noise is estimated from the scan's background; with
 * none, the discrepancy rule cannot run and the held-out rule takes over (said in the log, the
 * MLflow tags and stopping.json) — never a silent fixed step count.
 */
export function planStopping<M>(
  ctx: StageContext<unknown>,
  p: StoppingParams,
  study: StoppingData<M>,
  logMetrics: (metrics: { key: string; value: number; step: number }[]) => void,
): StoppingPlan<M> {
  const { channels: E, slices, height, width } = study.shape;
  const n = slices * height * width;
  const known = study.knownNoise;
  if (known && p.held_out_fraction > 0) throw ctx.paramError('stopping.held_out_fraction', `must be 0 when the noise is known (${known.source}): the data are not voxels that can be held out`);
  const noise = known ? knownNoiseEstimate(known.variance, n) : estimateNoise(study.data, { echoes: E, slices, height, width });
  const heldOut =
    p.held_out_fraction > 0
      ? heldOutMask({ voxels: n, echoes: E, fraction: p.held_out_fraction, seed: study.seed * 104729 + 7, unit: p.held_out_unit, ...(noise.ok ? { within: noise.object } : {}) })
      : undefined;

  let ruleUsed: RuleName = p.rule;
  let fallback: string | undefined;
  if (!noise.ok) {
    ctx.log(`noise estimate: none — ${noise.reason}`);
    if (p.rule === 'discrepancy') {
      if (heldOut === undefined) throw ctx.paramError('stopping.held_out_fraction', `is 0, but ${noise.reason}, so the discrepancy rule cannot run and the held-out rule would take over; set a fraction > 0`);
      ruleUsed = 'heldout';
      fallback = `discrepancy rule impossible (${noise.reason}): using the held-out rule`;
      ctx.log(fallback);
    }
  } else if (known) {
    ctx.log(`noise: σ = ${noise.sigma.toPrecision(4)} per real value (σ² = ${noise.variance.toPrecision(4)}), known: ${known.source}`);
  } else {
    ctx.log(`noise estimate: σ = ${noise.sigma.toPrecision(4)} (σ² = ${noise.variance.toPrecision(4)}, ${noise.model} background, ${noise.voxels} voxels)`);
  }
  if (ruleUsed === 'heldout' && heldOut === undefined) throw ctx.paramError('stopping.held_out_fraction', 'must be > 0 for the held-out rule');

  const rules: StoppingRule<M>[] = [];
  let discrepancyTargetRatio: number | null = null;
  if (known) {
    rules.push(discrepancyRule<M>({ residual: (maps) => known.residual(maps), target: known.tau * known.variance }));
    discrepancyTargetRatio = known.tau;
  } else if (noise.ok) {
    // Judge the object's voxels only (the model does not describe air), without held-out samples.
    const mask = new Uint8Array(E * n);
    for (let e = 0; e < E; e++) for (let i = 0; i < n; i++) mask[e * n + i] = noise.object[i]! && !(heldOut && heldOut[e * n + i]) ? 1 : 0;
    const rule = discrepancyRule<M>({ residual: (maps) => study.residual(maps, mask), channels: E, noiseVariance: noise.variance, dof: p.dof });
    discrepancyTargetRatio = 1 - p.dof / E;
    rules.push(rule);
  }
  if (heldOut !== undefined) rules.push(heldOutRule<M>({ error: (maps) => study.residual(maps, heldOut), patience: p.patience }));
  const active = ruleUsed === 'none' ? undefined : rules.find((r) => r.name === ruleUsed);

  const checks: CheckRecord[] = [];
  const variance = noise.ok ? noise.variance : NaN;

  const onCheck = (check: Check<M> & { loss: number }): boolean => {
    const values = new Map<string, number>();
    for (const rule of rules) {
      rule.observe(check);
      values.set(rule.name, rule.history.at(-1)!.value);
    }
    const ratio = (v: number | undefined): number | null => (v === undefined || !noise.ok ? null : v / variance);
    const record: CheckRecord = {
      step: check.step,
      elapsed_s: check.elapsedMs / 1000,
      loss: check.loss,
      residual_mse: values.get('discrepancy') ?? null,
      residual_ratio: ratio(values.get('discrepancy')),
      heldout_mse: values.get('heldout') ?? null,
      heldout_ratio: ratio(values.get('heldout')),
    };
    if (study.oracle !== undefined) record.oracle_rmse = study.oracle(check.maps);
    checks.push(record);
    const metrics = [
      { key: 'check.elapsed_s', value: record.elapsed_s, step: check.step },
      ...(record.residual_ratio !== null ? [{ key: 'check.residual_ratio', value: record.residual_ratio, step: check.step }] : []),
      ...(record.heldout_mse !== null ? [{ key: 'check.heldout_mse', value: record.heldout_mse, step: check.step }] : []),
      ...Object.entries(record.oracle_rmse ?? {}).map(([k, value]) => ({ key: `oracle.rmse.${k}`, value, step: check.step })),
    ];
    logMetrics(metrics);
    return active !== undefined && active.decided && !p.run_to_max;
  };

  const finish: StoppingPlan<M>['finish'] = (finalMaps, run) => {
    const final = { maps: finalMaps, step: run.stepsDone, elapsedMs: run.stepMs * (run.stepsDone - run.resumedFrom) };
    const choices: StoppingRecord['choices'] = {};
    for (const rule of rules) {
      if (rule.choice) choices[rule.name] = { step: rule.choice.step, elapsed_s: rule.choice.elapsedMs / 1000, decided: rule.decided };
    }
    let maps: M = final.maps;
    let output: StoppingRecord['output'] = { step: final.step, elapsed_s: final.elapsedMs / 1000, reason: `rule 'none': the last step` };
    if (active?.choice !== undefined) {
      maps = active.choice.maps;
      output = {
        step: active.choice.step,
        elapsed_s: active.choice.elapsedMs / 1000,
        reason: active.decided
          ? active.name === 'discrepancy'
            ? `data residual reached ${discrepancyTargetRatio!.toFixed(3)}·σ²`
            : `held-out error minimal (no improvement in the next ${p.patience} checks)`
          : `the ${active.name} rule had not decided by the last step (${final.step}): its ${active.name === 'heldout' ? 'best' : 'last'} check`,
      };
    }
    let oracle: StoppingRecord['oracle'];
    const key = study.oracleKey;
    if (checks.length && key !== undefined && checks[0]!.oracle_rmse && Number.isFinite(checks[0]!.oracle_rmse[key])) {
      const best = checks.reduce((a, b) => (b.oracle_rmse![key]! < a.oracle_rmse![key]! ? b : a));
      oracle = { step: best.step, elapsed_s: best.elapsed_s, key, rmse: best.oracle_rmse![key]! };
    }
    const record: StoppingRecord = {
      rule: p.rule,
      rule_used: ruleUsed,
      ...(fallback ? { fallback } : {}),
      noise: noise.ok ? { ...noiseSummary(noise), ...(known ? { model: 'known', source: known.source } : {}) } : { ok: false, reason: noise.reason },
      discrepancy_target_ratio: discrepancyTargetRatio,
      output,
      choices,
      ...(oracle ? { oracle } : {}),
      checks,
    };
    ctx.log(`maps of step ${record.output.step} (${record.rule_used} rule: ${record.output.reason})` +
      (oracle ? `; oracle-best step ${oracle.step} (${oracle.key} RMSE ${oracle.rmse.toFixed(1)} ms)` : ''));
    return { maps, record };
  };

  return { heldOut, onCheck, finish };
}

/** A known σ² in the shape of an estimate: every voxel is object, none is background. */
function knownNoiseEstimate(variance: number, voxels: number): NoiseEstimate {
  if (!(variance > 0)) throw new Error(`known noise variance: must be > 0, got ${variance}`);
  return { ok: true, variance, sigma: Math.sqrt(variance), model: 'gaussian', voxels: 0, fraction: 0, background: new Uint8Array(voxels), object: new Uint8Array(voxels).fill(1) };
}

function noiseSummary(n: NoiseEstimate): StoppingRecord['noise'] {
  return { ok: true, variance: n.variance, sigma: n.sigma, model: n.model, background_voxels: n.voxels };
}

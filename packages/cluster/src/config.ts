/**
 * Cluster settings: where jobs go (partition, account, qos), what each stage asks for (cpus, memory,
 * time, GPUs), how many array tasks run at once, where the shared Nx cache and the shared MLflow file
 * store live. Read from `configs/cluster/slurm.yaml` (site settings, optional) and overridden by a
 * sweep's `executor:` mapping (the same keys) and by command-line options.
 *
 *   partition: compute            # default partition of every job
 *   account: my-lab               # --account (optional); qos: --qos (optional)
 *   concurrency: 8                # at most 8 array tasks at once (--array=…%8)
 *   shared: job                   # shared stages: `job` (one job the array depends on) or `local`
 *   cache: .nx/shared-cache       # the Nx cache every task shares (a folder on the shared filesystem)
 *   tracking: mlruns              # MLflow file store shared by the tasks when MLFLOW_TRACKING_URI is unset
 *   work_dir: .relaxomap/slurm    # task maps, logs, snapshots (on the shared filesystem)
 *   sbatch_args: [--exclusive]    # passed to every sbatch as is
 *   poll_seconds: 10              # how often a waiting command asks squeue
 *   resources:                    # per stage id of the base pipeline; `default` for the others
 *     default: { cpus: 1, memory: 2G, time: "01:00:00" }
 *     train: { cpus: 4, memory: 8G, time: "04:00:00", gpus: 1, partition: gpu }
 *
 * One job runs several stages (an array task runs a point's stages one after the other), so a job asks
 * for the most cpus, memory and GPUs any of its stages asks for and for the sum of their times.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { PipelineError, readYamlSource } from '@relaxomap/pipeline';

/** What one stage asks the scheduler for. Memory in MB, time in seconds. */
export interface StageResources {
  readonly cpus?: number;
  readonly memoryMb?: number;
  readonly timeSeconds?: number;
  readonly gpus?: number;
  readonly partition?: string;
}

/** The resources of one job: every field resolved. */
export interface JobResources {
  readonly cpus: number;
  readonly memoryMb: number;
  readonly timeSeconds: number;
  readonly gpus: number;
  readonly partition: string | undefined;
}

export interface ClusterSettings {
  readonly partition: string | undefined;
  readonly account: string | undefined;
  readonly qos: string | undefined;
  /** At most this many array tasks at once (`%N`); undefined: no cap. */
  readonly concurrency: number | undefined;
  /** `job`: shared stages run as one job the array depends on; `local`: on this machine, before submitting. */
  readonly shared: 'job' | 'local';
  /** Absolute: the Nx cache folder every task shares. */
  readonly cacheDir: string;
  /** Absolute: MLflow file store for the tasks when MLFLOW_TRACKING_URI is unset. */
  readonly trackingStore: string;
  /** Absolute: where submissions (task maps, logs, snapshots, task workspaces) live. */
  readonly workDir: string;
  readonly sbatchArgs: readonly string[];
  readonly pollSeconds: number;
  /** Stage id (or `default`) → resources. */
  readonly resources: Readonly<Record<string, StageResources>>;
}

/** Site settings file, relative to the workspace root. */
export const CLUSTER_CONFIG_FILE = 'configs/cluster/slurm.yaml';

const DEFAULT_RESOURCES: Required<Omit<StageResources, 'partition'>> = { cpus: 1, memoryMb: 2048, timeSeconds: 3600, gpus: 0 };

const KEYS = ['executor', 'type', 'partition', 'account', 'qos', 'concurrency', 'shared', 'cache', 'tracking', 'work_dir', 'sbatch_args', 'poll_seconds', 'resources'];
const RESOURCE_KEYS = ['cpus', 'memory', 'time', 'gpus', 'partition'];

/** Raw settings as written (paths still relative); later layers override earlier ones key by key. */
export type SettingsLayer = Record<string, unknown>;

/**
 * Parse SLURM time limits: `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS` (SLURM's forms);
 * a bare number is minutes, as for `sbatch --time`. Returns seconds.
 */
export function parseSlurmTime(value: string | number): number {
  const text = String(value).trim();
  const bad = (): never => {
    throw new Error(`'${text}' is not a SLURM time (minutes, MM:SS, HH:MM:SS or D-HH:MM:SS)`);
  };
  const days = /^(\d+)-(\d+)(?::(\d+))?(?::(\d+))?$/.exec(text);
  if (days) return Number(days[1]) * 86400 + Number(days[2]) * 3600 + Number(days[3] ?? 0) * 60 + Number(days[4] ?? 0);
  const parts = text.split(':');
  if (parts.length > 3 || parts.some((p) => !/^\d+$/.test(p))) bad();
  const n = parts.map(Number);
  if (n.length === 1) return n[0]! * 60;
  if (n.length === 2) return n[0]! * 60 + n[1]!;
  return n[0]! * 3600 + n[1]! * 60 + n[2]!;
}

/** Seconds → `D-HH:MM:SS` (or `HH:MM:SS` under a day), what sbatch --time takes. */
export function formatSlurmTime(seconds: number): string {
  const s = Math.max(60, Math.ceil(seconds));
  const d = Math.floor(s / 86400);
  const hms = [Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60].map((v) => String(v).padStart(2, '0')).join(':');
  return d > 0 ? `${d}-${hms}` : hms;
}

/** Memory as SLURM writes it (`512M`, `8G`, `1T`, a bare number = MB) → MB. */
export function parseMemory(value: string | number): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)B?$/i.exec(String(value).trim());
  if (!m) throw new Error(`'${value}' is not a memory size (e.g. 512M, 8G)`);
  const factor = { K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024, '': 1 }[m[2]!.toUpperCase() as 'K' | 'M' | 'G' | 'T' | ''];
  return Math.max(1, Math.ceil(Number(m[1]) * factor));
}

/**
 * Validate one layer of settings (a file's content or a sweep's `executor:` mapping). Errors name the
 * file, line and key. `executor: slurm` / `type: slurm` are accepted and ignored here.
 */
export function checkSettingsLayer(value: unknown, where: { file: string; lineOf?: (path: PropertyKey[]) => number | undefined; prefix?: PropertyKey[] }): SettingsLayer {
  const prefix = where.prefix ?? [];
  const fail = (path: PropertyKey[], detail: string): never => {
    const full = [...prefix, ...path];
    throw new PipelineError(detail, { file: where.file, line: where.lineOf?.(full), field: full.map(String).join('.') || undefined });
  };
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) fail([], 'expected a mapping of cluster settings');
  const layer = value as SettingsLayer;
  for (const key of Object.keys(layer)) if (!KEYS.includes(key)) fail([key], `unknown setting '${key}' (settings: ${KEYS.slice(2).join(', ')})`);
  for (const key of ['executor', 'type']) if (layer[key] !== undefined && layer[key] !== 'slurm') fail([key], `expected 'slurm'`);
  for (const key of ['partition', 'account', 'qos', 'cache', 'tracking', 'work_dir']) {
    if (layer[key] !== undefined && (typeof layer[key] !== 'string' || layer[key] === '')) fail([key], 'expected a non-empty string');
  }
  const positiveInt = (path: PropertyKey[], v: unknown, min = 1): void => {
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min)) fail(path, `expected an integer ≥ ${min}`);
  };
  positiveInt(['concurrency'], layer.concurrency);
  if (layer.poll_seconds !== undefined && (typeof layer.poll_seconds !== 'number' || !(layer.poll_seconds > 0))) fail(['poll_seconds'], 'expected a number of seconds > 0');
  if (layer.shared !== undefined && layer.shared !== 'job' && layer.shared !== 'local') fail(['shared'], "expected 'job' or 'local'");
  if (layer.sbatch_args !== undefined && (!Array.isArray(layer.sbatch_args) || layer.sbatch_args.some((a) => typeof a !== 'string'))) fail(['sbatch_args'], 'expected a list of strings');
  if (layer.resources !== undefined) {
    if (typeof layer.resources !== 'object' || layer.resources === null || Array.isArray(layer.resources)) fail(['resources'], 'expected a mapping of stage id → resources');
    for (const [stage, r] of Object.entries(layer.resources as Record<string, unknown>)) {
      if (typeof r !== 'object' || r === null || Array.isArray(r)) fail(['resources', stage], 'expected a mapping (cpus, memory, time, gpus, partition)');
      const res = r as Record<string, unknown>;
      for (const key of Object.keys(res)) if (!RESOURCE_KEYS.includes(key)) fail(['resources', stage, key], `unknown resource '${key}' (resources: ${RESOURCE_KEYS.join(', ')})`);
      positiveInt(['resources', stage, 'cpus'], res.cpus);
      positiveInt(['resources', stage, 'gpus'], res.gpus, 0);
      if (res.partition !== undefined && (typeof res.partition !== 'string' || res.partition === '')) fail(['resources', stage, 'partition'], 'expected a non-empty string');
      for (const [key, parse] of [['memory', parseMemory], ['time', parseSlurmTime]] as const) {
        if (res[key] === undefined) continue;
        if (typeof res[key] !== 'string' && typeof res[key] !== 'number') fail(['resources', stage, key], 'expected a string or a number');
        try {
          parse(res[key] as string | number);
        } catch (err) {
          fail(['resources', stage, key], (err as Error).message);
        }
      }
    }
  }
  return layer;
}

/** Read a settings file (YAML); a missing optional file is an empty layer. */
export function readSettingsFile(root: string, file: string, { optional = false } = {}): SettingsLayer {
  const abs = isAbsolute(file) ? file : resolve(root, file);
  if (!existsSync(abs)) {
    if (optional) return {};
    throw new PipelineError('no such cluster settings file', { file });
  }
  const source = readYamlSource(abs, relative(root, abs) || abs);
  return checkSettingsLayer(source.value, { file: source.file, lineOf: (p) => source.lineOf(p) });
}

/** Merge layers (later wins; `resources` merged per stage, then per field) and resolve paths against `root`. */
export function resolveSettings(root: string, layers: readonly SettingsLayer[]): ClusterSettings {
  const merged: SettingsLayer = {};
  const resources: Record<string, Record<string, unknown>> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      if (key === 'resources') {
        for (const [stage, r] of Object.entries(value as Record<string, Record<string, unknown>>)) resources[stage] = { ...resources[stage], ...r };
      } else merged[key] = value;
    }
  }
  const str = (key: string): string | undefined => merged[key] as string | undefined;
  const path = (key: string, fallback: string): string => resolve(root, str(key) ?? fallback);
  const parsed: Record<string, StageResources> = {};
  for (const [stage, r] of Object.entries(resources)) {
    parsed[stage] = {
      ...(r.cpus !== undefined ? { cpus: r.cpus as number } : {}),
      ...(r.gpus !== undefined ? { gpus: r.gpus as number } : {}),
      ...(r.partition !== undefined ? { partition: r.partition as string } : {}),
      ...(r.memory !== undefined ? { memoryMb: parseMemory(r.memory as string) } : {}),
      ...(r.time !== undefined ? { timeSeconds: parseSlurmTime(r.time as string) } : {}),
    };
  }
  return {
    partition: str('partition'),
    account: str('account'),
    qos: str('qos'),
    concurrency: merged.concurrency as number | undefined,
    shared: (merged.shared as 'job' | 'local' | undefined) ?? 'job',
    cacheDir: path('cache', '.nx/shared-cache'),
    trackingStore: path('tracking', 'mlruns'),
    workDir: path('work_dir', '.relaxomap/slurm'),
    sbatchArgs: (merged.sbatch_args as string[] | undefined) ?? [],
    pollSeconds: (merged.poll_seconds as number | undefined) ?? 10,
    resources: parsed,
  };
}

/**
 * The settings a command uses: configs/cluster/slurm.yaml (if present, or the given file), then the
 * sweep's `executor:` mapping, then command-line overrides (e.g. `{ concurrency: 4 }`).
 */
export function loadClusterSettings(root: string, opts: { file?: string; executor?: unknown; executorFile?: string; overrides?: SettingsLayer } = {}): ClusterSettings {
  const layers = [readSettingsFile(root, opts.file ?? CLUSTER_CONFIG_FILE, { optional: opts.file === undefined })];
  if (opts.executor !== undefined && typeof opts.executor === 'object') {
    layers.push(checkSettingsLayer(opts.executor, { file: opts.executorFile ?? 'sweep', prefix: ['executor'] }));
  }
  if (opts.overrides) layers.push(checkSettingsLayer(opts.overrides, { file: 'command line' }));
  return resolveSettings(root, layers);
}

/**
 * What one job asks for when it runs these stages (base stage ids): the most cpus, memory and GPUs of
 * any of them, the sum of their times; the partition a stage names (two different ones are an error,
 * since one job cannot be in two partitions), else the settings' partition.
 */
export function jobResources(settings: ClusterSettings, stages: readonly string[]): JobResources {
  const base = { ...DEFAULT_RESOURCES, ...settings.resources.default };
  let cpus = 0;
  let memoryMb = 0;
  let gpus = 0;
  let timeSeconds = 0;
  let partition: { value: string; stage: string } | undefined;
  for (const stage of stages) {
    const r = { ...base, ...settings.resources[stage] };
    cpus = Math.max(cpus, r.cpus);
    memoryMb = Math.max(memoryMb, r.memoryMb);
    gpus = Math.max(gpus, r.gpus);
    timeSeconds += r.timeSeconds;
    const named = settings.resources[stage]?.partition;
    if (named !== undefined) {
      if (partition && partition.value !== named) {
        throw new PipelineError(`stages '${partition.stage}' (partition ${partition.value}) and '${stage}' (partition ${named}) run in one job: give them the same partition`, { field: 'resources' });
      }
      partition = { value: named, stage };
    }
  }
  if (stages.length === 0) ({ cpus, memoryMb, gpus, timeSeconds } = base);
  return { cpus, memoryMb, timeSeconds, gpus, partition: partition?.value ?? settings.resources.default?.partition ?? settings.partition };
}

/** The sbatch options for a job's resources and the site settings (not the array, name or output). */
export function resourceArgs(settings: ClusterSettings, r: JobResources): string[] {
  return [
    `--cpus-per-task=${r.cpus}`,
    `--mem=${r.memoryMb}M`,
    `--time=${formatSlurmTime(r.timeSeconds)}`,
    ...(r.gpus > 0 ? [`--gres=gpu:${r.gpus}`] : []),
    ...(r.partition ? [`--partition=${r.partition}`] : []),
    ...(settings.account ? [`--account=${settings.account}`] : []),
    ...(settings.qos ? [`--qos=${settings.qos}`] : []),
    ...settings.sbatchArgs,
  ];
}

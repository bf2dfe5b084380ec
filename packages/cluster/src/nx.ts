/**
 * Nx from this package: `nx run-many -t run -p …` in a workspace, asynchronously (the cache bridge
 * answers Nx from this same process, so a blocking spawn would deadlock), and what Nx did to each task
 * (its hash and cache status) read back from the run summary Nx writes to `<cache dir>/run.json`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

/** What Nx did with one task of a run. */
export interface NxTaskResult {
  readonly project: string;
  readonly hash: string;
  /** `cache-miss`, `local-cache-hit`, `remote-cache-hit`, … */
  readonly cacheStatus: string;
  /** Exit status (0 = success). */
  readonly status: number;
}

export interface NxRunOptions {
  /** Workspace root. */
  readonly cwd: string;
  readonly projects: readonly string[];
  /** Nx's local cache folder for this run (where run.json lands). */
  readonly cacheDir: string;
  /** Nx's workspace-data folder (its database); default: the workspace's own. */
  readonly workspaceDataDir?: string;
  /** Extra environment (the cache bridge, tracking). */
  readonly env?: Readonly<Record<string, string>>;
  /** Probe pass: stage commands exit at once; only the cache answers. */
  readonly probe?: boolean;
  readonly parallel?: number;
  /** Where Nx's output goes: inherit (a task's log), or collected and returned. */
  readonly output: 'inherit' | 'collect';
  /** Called with the child once started (to forward signals). */
  readonly onSpawn?: (child: ReturnType<typeof spawn>) => void;
}

export interface NxRunResult {
  readonly code: number;
  readonly signal: NodeJS.Signals | null;
  /** Tasks Nx started or restored (tasks it skipped because an upstream one failed are absent). */
  readonly tasks: ReadonlyMap<string, NxTaskResult>;
  /** Collected output (output: 'collect'), else ''. */
  readonly output: string;
}

/** True when Nx restored the task from a cache (local or shared) instead of running it. */
export function isCacheHit(t: NxTaskResult | undefined): boolean {
  return t !== undefined && t.status === 0 && t.cacheStatus !== 'cache-miss' && /cache/.test(t.cacheStatus);
}

/** The environment every Nx call of this package uses (no daemon, no cloud, no TUI, plugins in-process). */
export function nxEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return { ...process.env, NX_ISOLATE_PLUGINS: 'false', NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', ...extra };
}

const PROBE_HOOK = new URL('./probe-hook.js', import.meta.url);

/** Exit code of a stage command stopped by the probe hook (probe-hook.ts). */
export const PROBE_EXIT_CODE = 86;

export async function runNx(opts: NxRunOptions): Promise<NxRunResult> {
  const nxBin = realpathSync(join(opts.cwd, 'node_modules', '.bin', 'nx'));
  const args = [nxBin, 'run-many', '-t', 'run', '-p', ...opts.projects, '--outputStyle=stream', `--parallel=${opts.parallel ?? 1}`];
  const extra: Record<string, string> = { ...opts.env, NX_CACHE_DIRECTORY: opts.cacheDir };
  if (opts.workspaceDataDir) extra.NX_WORKSPACE_DATA_DIRECTORY = opts.workspaceDataDir;
  if (opts.probe) {
    extra.RELAXOMAP_PROBE = '1';
    extra.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import=${JSON.stringify(PROBE_HOOK.href)}`.trim();
  }
  const started = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: opts.cwd,
    env: nxEnv(extra),
    stdio: opts.output === 'inherit' ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
  });
  opts.onSpawn?.(child);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((ok, fail) => {
    child.once('error', fail);
    child.once('close', (c, s) => ok([c, s]));
  });
  return { code: code ?? 1, signal, tasks: readRunSummary(opts.cacheDir, started), output };
}

/** Tasks of the last Nx run recorded in `<cacheDir>/run.json`, if that run started after `since` (ms). */
export function readRunSummary(cacheDir: string, since = 0): Map<string, NxTaskResult> {
  const file = join(cacheDir, 'run.json');
  const out = new Map<string, NxTaskResult>();
  if (!existsSync(file)) return out;
  let summary: { run?: { startTime?: string }; tasks?: { projectName?: string; target?: string; hash?: string; cacheStatus?: string; status?: number }[] };
  try {
    summary = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return out;
  }
  // Allow a second of clock skew between our Date.now() and Nx's own.
  if (since && Date.parse(summary.run?.startTime ?? '') < since - 1000) return out;
  for (const t of summary.tasks ?? []) {
    if (!t.projectName || t.target !== 'run') continue;
    out.set(t.projectName, { project: t.projectName, hash: t.hash ?? '', cacheStatus: t.cacheStatus ?? 'cache-miss', status: t.status ?? 1 });
  }
  return out;
}

import type { z } from 'zod';
import type { Run } from '@relaxomap/tracking';
import type { PipelineError } from './errors.js';
import type { Progress } from './progress.js';

/**
 * A stage kind: what a pipeline's `kind:` names. It declares its params schema and which code and data
 * it depends on (so the Nx plugin can build exact cache inputs), and lazily loads its implementation
 * so that building the project graph never imports TensorFlow.
 */
export interface StageKind<P = unknown> {
  readonly kind: string;
  readonly description: string;
  /** Validates and fills defaults. Must be a strict object schema: unknown keys are typos. */
  readonly params: z.ZodType<P>;
  /** Workspace packages (folder names under packages/) whose source the stage runs. */
  readonly uses: readonly string[];
  /** npm packages the stage's result depends on (declared so other installs do not bust the cache). */
  readonly externalDependencies: readonly string[];
  /**
   * Workspace-relative globs of data files the stage reads; a function when they depend on the
   * stage's params (a scan's folder), given the validated params and the workspace root.
   */
  readonly dataInputs?: readonly string[] | ((params: P, root: string) => readonly string[]);
  /** True when the stage writes reports: into its output's reports/, published to `reports/<pipeline>/`. */
  readonly writesReports?: boolean;
  /**
   * False when Nx must not cache the stage for these params: its inputs live where Nx cannot hash
   * them (gitignored downloads), so it runs every time and its outputs carry their checksums to the
   * stages after it. Default: cached.
   */
  readonly cacheable?: (params: P, root: string) => boolean;
  load(): Promise<StageImpl<P>>;
}

export interface StageImpl<P> {
  run(ctx: StageContext<P>): Promise<void>;
}

/** One upstream stage's finished output. */
export interface StageInput {
  readonly id: string;
  readonly kind: string;
  /** Absolute path of the upstream output folder. */
  readonly dir: string;
  /** Workspace-relative path, for messages. */
  readonly displayDir: string;
}

export interface StageContext<P> {
  readonly root: string;
  readonly pipeline: string;
  readonly stage: string;
  readonly params: P;
  readonly paramsHash: string;
  readonly inputs: readonly StageInput[];
  /** Temporary output folder; renamed to artifacts/<pipeline>/<stage>/ only if run() resolves. */
  readonly outDir: string;
  /** The stage's reports folder (inside outDir; published to reports/<pipeline>/ on success) when the kind writes reports. */
  readonly reportsDir: string | undefined;
  /** Persistent scratch space that survives a killed run (training checkpoints). */
  readonly workDir: string;
  readonly run: Run;
  readonly signal: AbortSignal;
  log(message: string): void;
  progress(total: number, label: string): Progress;
  /** A one-line error pointing at this stage's param `field` (dotted) in the YAML it came from. */
  paramError(field: string, detail: string): PipelineError;
}

export type KindRegistry = ReadonlyMap<string, StageKind<any>>;

export function createRegistry(kinds: readonly StageKind<any>[]): KindRegistry {
  return new Map(kinds.map((k) => [k.kind, k]));
}

/**
 * A throw-away relaxomap workspace for end-to-end tests: the real packages (built), node_modules,
 * data and manifests linked from the repository, plus the test's own pipelines. Nx runs in it for real.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Workspace {
  root: string;
  write(path: string, text: string): void;
  /** Run the relaxomap CLI synchronously in the workspace. */
  cli(args: string[], env?: Record<string, string>): { status: number | null; stdout: string; stderr: string };
  /** Start the CLI in the background (for kill tests). */
  spawnCli(args: string[]): ReturnType<typeof spawn>;
}

/**
 * @param opts.ownData give the workspace its own data/ and data-manifests/ folders (each repository
 *   entry linked inside them), so a test can add bad data without touching the repository's
 */
export function createWorkspace(files: Record<string, string>, opts: { ownData?: boolean } = {}): Workspace {
  const root = mkdtempSync(join(tmpdir(), 'relaxomap-e2e-'));
  for (const f of ['nx.json', 'package.json', 'package-lock.json', 'tsconfig.base.json']) cpSync(join(REPO, f), join(root, f));
  for (const d of ['node_modules', 'packages']) symlinkSync(join(REPO, d), join(root, d));
  for (const d of ['data', 'data-manifests']) {
    if (!opts.ownData) {
      symlinkSync(join(REPO, d), join(root, d));
      continue;
    }
    mkdirSync(join(root, d));
    for (const entry of readdirSync(join(REPO, d))) symlinkSync(join(REPO, d, entry), join(root, d, entry));
  }
  mkdirSync(join(root, 'pipelines'));
  const ws: Workspace = {
    root,
    write(path, text) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    },
    cli(args, env = {}) {
      const r = spawnSync(process.execPath, [join(REPO, 'packages/stages/dist/cli.js'), ...args], {
        cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true', NX_TUI: 'false', NO_COLOR: '1', ...env }, timeout: 600_000,
      });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    spawnCli(args) {
      return spawn(process.execPath, [join(REPO, 'packages/stages/dist/cli.js'), ...args], { cwd: root, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    },
  };
  for (const [path, text] of Object.entries(files)) ws.write(path, text);
  return ws;
}

/** A tiny version of the T2 simulation study: one 36×30 slice, 2 residual blocks, a few dozen steps. */
export function tinyPipeline(opts: { steps?: number; varproTE?: string; t2Range?: string } = {}): string {
  return `description: tiny T2 study for tests
stages:
  - id: simulate
    kind: simulate-t2
    params:
      phantom: { slices: [95], downsample: 6 }
      TE_ms: [43, 67, 91, 115]
      noise: { variance: 0.001 }
      seed: 3
  - id: varpro
    kind: varpro
    needs: [simulate]
    params:
      t2_range_ms: ${opts.t2Range ?? '[1, 3000]'}${opts.varproTE ? `\n      TE_ms: ${opts.varproTE}` : ''}
  - id: train
    kind: train-t2
    needs: [simulate]
    params:
      network: { blocks: 2, width: 8 }
      loss: mse
      learning_rate: 0.003
      steps: ${opts.steps ?? 30}
      checkpoint_every: 10
  - id: evaluate
    kind: evaluate-t2
    needs: [simulate, varpro, train]
  - id: figure
    kind: figure-t2
    needs: [simulate, varpro, train, evaluate]
    params: { upscale: 1 }
`;
}

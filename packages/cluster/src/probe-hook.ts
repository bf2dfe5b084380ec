/**
 * Loaded into every Node process of a probe pass (`NODE_OPTIONS=--import=…/probe-hook.js`,
 * RELAXOMAP_PROBE=1): a stage command (`packages/stages/dist/cli.js stage …`) exits at once instead of
 * working. Nx restores what it has cached (locally or from the shared cache) and runs the command only
 * for what it has not, so after a probe the failed tasks — and those Nx skipped because an upstream one
 * failed — are exactly the ones still to compute. Neither variable is part of an Nx cache key, and Nx
 * never caches a failed task, so a probe leaves no trace but the restored outputs.
 */
/** Same value as PROBE_EXIT_CODE in nx.ts (this file must stay free of imports: it loads into every process). */
const PROBE_EXIT_CODE = 86;

const script = process.argv[1] ?? '';
if (process.env.RELAXOMAP_PROBE === '1' && /[\\/]packages[\\/]stages[\\/]dist[\\/]cli\.js$/.test(script) && process.argv[2] === 'stage') {
  process.stderr.write(`relaxomap probe: ${process.argv[4] ?? 'stage'} is not cached (probe only: not run)\n`);
  process.exit(PROBE_EXIT_CODE);
}

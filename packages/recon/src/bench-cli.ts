/**
 * Command line: `node packages/recon/dist/bench-cli.js [interleavesPerFrame …]` prints, as JSON, the
 * NUFFT adjoint benchmark at 220 × 220 for each requested frame size (default: 1 and 6 interleaves).
 */
import { benchmarkNufftAdjoint } from './benchmark.js';

const perFrame = process.argv.slice(2).map(Number);
for (const n of perFrame.length > 0 ? perFrame : [1, 6]) {
  console.log(JSON.stringify(benchmarkNufftAdjoint({ interleavesPerFrame: n }), null, 1));
}

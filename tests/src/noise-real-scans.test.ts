/**
 * The background noise estimate (the stopping rule's σ) on REAL magnitude scans from ../shared/data
 * (skipped where that folder is absent, e.g. on a user's machine): it must recognise magnitude data
 * (Rayleigh), and agree with an independent estimate from the image corners, σ² = mean(x²)/2 (the
 * Rayleigh second moment), which uses a different region and a different statistic.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readNpy } from '@relaxomap/array-io';
import { estimateNoise } from '@relaxomap/metrics';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const shared = ['../shared/data', 'shared/data'].map((p) => resolve(repo, p)).find((p) => existsSync(p));

/** σ from the 12×12 corners of every echo: sqrt(mean(x²)/2). */
function cornerSigma(data: ArrayLike<number>, E: number, H: number, W: number): number {
  let sum = 0;
  let count = 0;
  for (let e = 0; e < E; e++) {
    for (const [y0, x0] of [[0, 0], [0, W - 12], [H - 12, 0], [H - 12, W - 12]] as const) {
      for (let y = y0; y < y0 + 12; y++) {
        for (let x = x0; x < x0 + 12; x++) {
          sum += Number(data[(e * H + y) * W + x]) ** 2;
          count++;
        }
      }
    }
  }
  return Math.sqrt(sum / count / 2);
}

// Known limitation (todo: runs, reported, does not fail the suite): the NIST plate's background
// carries phase-encode ghosts (rows 64–128: local σ ≈ 8.5 against 2.5–4 elsewhere), and the
// estimate over the whole background (5.1) is 48 % above the corners' (3.45). Real-scan ingestion
// (issue 4) should take σ from a low quantile of local estimates instead.
const NIST_GHOSTS = 'phase-encode ghosts in the background inflate σ (5.1 vs 3.45 in the corners)';

for (const [name, rel, todo] of [
  ['NIST T2 plate, Siemens 1.5 T, 32 echoes', 'real/nist-t2-plate4-siemens-1p5t/site1_T2_SE32.npy', NIST_GHOSTS],
  ['rat brain, 15 gradient echoes (magnitude of the raw k-space)', 'real/rat-mge15-kspace/rat6w_mge_magnitude.npy', undefined],
] as const) {
  test(`noise estimate on a real scan: ${name}`, { skip: shared === undefined ? 'no ../shared/data here' : false, ...(todo ? { todo } : {}) }, async () => {
    const arr = await readNpy(join(shared!, rel));
    const [E, H, W] = arr.shape as [number, number, number];
    const r = estimateNoise(Float32Array.from(arr.data as ArrayLike<number>), { echoes: E, slices: 1, height: H, width: W });
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.model, 'rayleigh');
    const corner = cornerSigma(arr.data as ArrayLike<number>, E, H, W);
    assert.ok(Math.abs(r.sigma / corner - 1) < 0.15, `σ ${r.sigma} vs corners ${corner}`);
  });
}

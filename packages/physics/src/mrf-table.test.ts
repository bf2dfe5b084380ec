import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprintTable, simulateFisp, type FispSequence } from './index.js';

// 40 TRs of a ramped FISP schedule; Φ = the first 3 unit vectors of time (rows e_0, e_5, e_17), so
// a table value is the normalised signal at those TRs, by direct simulation.
const nTR = 40;
const seq: FispSequence = {
  FA_deg: Array.from({ length: nTR }, (_, t) => 10 + 50 * Math.sin((Math.PI * t) / nTR)),
  TR_ms: Array.from({ length: nTR }, (_, t) => 12 + (t % 5)),
  TE_ms: 2,
  inversionDelay_ms: 20,
};
const picks = [0, 5, 17];
const phi = new Float64Array(3 * nTR);
picks.forEach((t, r) => (phi[r * nTR + t] = 1));

test('fingerprintTable: nodes span min…max exactly in log steps; every node = Φ·s/‖s‖ of a direct EPG simulation, T2 ≥ T1 included', async () => {
  const table = await fingerprintTable(seq, { T1: { min: 200, max: 3000, ratio: 1.5 }, T2: { min: 20, max: 4000, ratio: 2 } }, { rank: 3, nTR, phi }, { threads: 1 });
  assert.equal(table.rank, 3);
  // log(15)/log(1.5) = 6.68 → 8 nodes; log(200)/log(2) = 7.64 → 9 nodes (steps shrink to land on max).
  assert.equal(table.logT1.count, 8);
  assert.equal(table.logT2.count, 9);
  const node = (ax: typeof table.logT1, j: number) => Math.exp(ax.start + j * ax.step);
  assert.ok(Math.abs(node(table.logT1, 0) - 200) < 1e-9 && Math.abs(node(table.logT1, 7) - 3000) < 1e-6);
  assert.ok(Math.abs(node(table.logT2, 8) - 4000) < 1e-6);
  assert.equal(table.values.length, 8 * 9 * 3);
  for (const [i, j] of [[0, 0], [3, 4], [7, 8], [0, 8]] as const) { // (0, 8): T2 4000 ≥ T1 200
    const s = simulateFisp(seq, node(table.logT1, i), node(table.logT2, j));
    const norm = Math.hypot(...s);
    picks.forEach((t, r) => {
      const got = table.values[(i * 9 + j) * 3 + r]!;
      assert.ok(Math.abs(got - s[t]! / norm) < 1e-5, `node (${i}, ${j}) rank ${r}: ${got} vs ${s[t]! / norm}`);
    });
  }
  await assert.rejects(fingerprintTable(seq, { T1: { min: 200, max: 100, ratio: 1.5 }, T2: { min: 20, max: 40, ratio: 2 } }, { rank: 3, nTR, phi }), /T1: needs 0 < min < max/);
  await assert.rejects(fingerprintTable(seq, { T1: { min: 100, max: 200, ratio: 1.5 }, T2: { min: 20, max: 40, ratio: 2 } }, { rank: 3, nTR: 39, phi }), /subspace: nTR 39/);
});

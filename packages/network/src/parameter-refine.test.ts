import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parametersFromMaps, refineParameters } from './parameter-refine.js';
import { decodeRelaxation, encodeRelaxation, parameterSynthesis, type FingerprintTable, type OutputSynthesis } from './parameter-synthesis.js';

// A smooth rank-3 table, monotonic along both axes in its first two coefficients (so that the
// fingerprint identifies (T1, T2)), on T1 100–3200 ms and T2 10–640 ms.
const n1 = 11, n2 = 13, R = 3;
const table: FingerprintTable = {
  rank: R,
  logT1: { start: Math.log(100), step: Math.log(32) / (n1 - 1), count: n1 },
  logT2: { start: Math.log(10), step: Math.log(64) / (n2 - 1), count: n2 },
  values: Float32Array.from({ length: n1 * n2 * R }, (_, k) => {
    const r = k % R, j = Math.floor(k / R) % n2, i = Math.floor(k / (R * n2));
    return r === 0 ? 1 : r === 1 ? Math.sin(i / 5) : Math.sin(j / 9) + 0.1 * Math.cos(i / 3);
  }),
};

test('encodeRelaxation inverts decodeRelaxation inside the table and clamps outside', () => {
  for (const [u1, u2] of [[0, 0], [-1.7, 1.2], [1.95, -0.3], [0.4, -1.99]] as const) {
    const { T1, T2 } = decodeRelaxation(u1, u2, table);
    const e = encodeRelaxation(T1, T2, table);
    assert.ok(Math.abs(e.uT1 - u1) < 1e-9 && Math.abs(e.uT2 - u2) < 1e-9, `(${u1}, ${u2}) → (${e.uT1}, ${e.uT2})`);
  }
  assert.deepEqual(encodeRelaxation(50, 1e4, table), { uT1: -2, uT2: 2 });
  assert.throws(() => encodeRelaxation(0, 10, table), /positive time/);
});

test('parametersFromMaps recovers the synthesis output from its T1/T2 and coefficients; masked voxels are zero', () => {
  const syn = parameterSynthesis(table, 1.5);
  const truth = Float32Array.from([0.3, -0.4, 0.8, -0.2, -1.1, 0.9, -0.5, 0.4, 1.6, 1.3, 0.7, 0.1]);
  const voxels = 3;
  const { c } = syn.apply(truth, voxels);
  const T1: number[] = [], T2: number[] = [];
  for (let v = 0; v < voxels; v++) {
    const d = decodeRelaxation(truth[4 * v]!, truth[4 * v + 1]!, table);
    T1.push(d.T1);
    T2.push(d.T2);
  }
  const u = parametersFromMaps(syn, table, { T1, T2, c }, voxels);
  truth.forEach((want, k) => assert.ok(Math.abs(u[k]! - want) < 1e-4, `u[${k}] = ${u[k]} vs ${want}`));
  const masked = parametersFromMaps(syn, table, { T1: [T1[0]!, 0, T1[2]!], T2, c }, voxels);
  assert.deepEqual([...masked.subarray(4, 8)], [0, 0, 0, 0]);
  assert.throws(() => parametersFromMaps(syn, table, { T1, T2, c: c.subarray(2) }, voxels), /maps.c/);
});

/** ρ(c) = Σ(c − target)²/N and its gradient: noise-free data seen directly, for known answers. */
function quadraticRho(target: Float32Array, N: number) {
  return (c: Float32Array) => {
    let value = 0;
    const grad = new Float32Array(c.length);
    c.forEach((v, k) => { value += (v - target[k]!) ** 2 / N; grad[k] = (2 * (v - target[k]!)) / N; });
    return { value, grad };
  };
}

/** A linear synthesis c = u (2 real channels as one complex coefficient, rank 1) for closed forms. */
const identity: OutputSynthesis = {
  channels: 2,
  rank: 1,
  apply(output) {
    return { c: output.slice(), vjp: (g) => g.slice() };
  },
};

test('refineParameters: the minimiser of ρ + ‖u − u₀‖²/(2s²N) in closed form (linear model, quadratic ρ)', () => {
  // ρ(c) = Σ(c − y)²/N → u* = (2s²·y + u₀)/(2s² + 1) per value: the prior weight 1/(s²N) is checked.
  const y = Float32Array.from([1, -2, 0.5, 3]);
  const u0 = Float32Array.from([0, 0, 1, 1]);
  const N = 4;
  const dataTerm = quadraticRho(y, N);
  for (const s of [0.3, 1, 3]) {
    const r = refineParameters({ synthesis: identity, prior: u0, voxels: 2, dataTerm, samples: N, priorStd: s, iterations: 3000, learningRate: 0.01 });
    r.output.forEach((u, k) => {
      const want = (2 * s * s * y[k]! + u0[k]!) / (2 * s * s + 1);
      assert.ok(Math.abs(u - want) < 2e-3, `s = ${s}: u[${k}] = ${u} vs ${want}`);
    });
    assert.equal(r.history[0]!.iteration, 0);
    assert.equal(r.history.at(-1)!.iteration, 3000);
    assert.ok(r.history.at(-1)!.rho < r.history[0]!.rho);
  }
});

test('refineParameters: a weak prior recovers T1, T2 and M0 from noise-free data; a strong one stays at the prior', () => {
  const syn = parameterSynthesis(table, 1);
  const voxels = 4;
  const truth = Float32Array.from([0.3, -0.4, 0.8, -0.2, -1.1, 0.9, -0.5, 0.4, 1.2, 1.3, 0.7, 0.1, -0.6, -1.2, 0.2, 0.9]);
  const cTrue = syn.apply(truth, voxels).c;
  const N = cTrue.length;
  const dataTerm = quadraticRho(cTrue, N);
  const prior = truth.map((v, k) => v + (k % 2 === 0 ? 0.25 : -0.2));
  const weak = refineParameters({ synthesis: syn, prior, voxels, dataTerm, samples: N, priorStd: 100, iterations: 1500, learningRate: 0.01 });
  weak.output.forEach((u, k) => assert.ok(Math.abs(u - truth[k]!) < 0.02, `weak prior: u[${k}] = ${u} vs truth ${truth[k]}`));
  assert.ok(weak.history.at(-1)!.rho < 1e-5 * weak.history[0]!.rho, `ρ ${weak.history[0]!.rho} → ${weak.history.at(-1)!.rho}`);
  const strong = refineParameters({ synthesis: syn, prior, voxels, dataTerm, samples: N, priorStd: 1e-3, iterations: 300, learningRate: 0.01 });
  strong.output.forEach((u, k) => assert.ok(Math.abs(u - prior[k]!) < 0.01, `strong prior: u[${k}] = ${u} vs prior ${prior[k]}`));
  assert.throws(() => refineParameters({ synthesis: syn, prior: prior.subarray(1), voxels, dataTerm, samples: N, priorStd: 1, iterations: 1, learningRate: 0.01 }), /prior: length/);
  assert.throws(() => refineParameters({ synthesis: syn, prior, voxels, dataTerm, samples: N, priorStd: 0, iterations: 1, learningRate: 0.01 }), /priorStd/);
});

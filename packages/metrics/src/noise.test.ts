import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateNoise } from './noise.js';

/** Seeded standard normal (mulberry32 + Box–Muller), local so the test has no dependencies. */
function normal(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

const E = 4;
const S = 2;
const H = 64;
const W = 64;
const shape = { echoes: E, slices: S, height: H, width: W };

/** A disc of radius `radius` voxels (decaying echoes) in air; `magnitude` takes |complex| noise. */
function disc(sigma: number, radius: number, magnitude: boolean, seed = 1): Float32Array {
  const rand = normal(seed);
  const out = new Float32Array(E * S * H * W);
  for (let e = 0; e < E; e++) {
    for (let s = 0; s < S; s++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const inside = (y - H / 2) ** 2 + (x - W / 2) ** 2 < radius ** 2;
          const signal = inside ? 0.8 * Math.exp(-(40 + 20 * e) / 80) : 0;
          const re = signal + sigma * rand();
          const im = sigma * rand();
          out[((e * S + s) * H + y) * W + x] = magnitude ? Math.hypot(re, im) : re;
        }
      }
    }
  }
  return out;
}

test('Gaussian (real) data: σ recovered from the background within 3%, model gaussian', () => {
  const sigma = 0.0316; // variance 0.001, the paper's simulation
  const r = estimateNoise(disc(sigma, 20, false), shape);
  assert.ok(r.ok, !r.ok ? r.reason : '');
  assert.equal(r.model, 'gaussian');
  assert.ok(Math.abs(r.sigma / sigma - 1) < 0.03, `sigma ${r.sigma}`);
  assert.ok(Math.abs(r.variance - r.sigma ** 2) < 1e-15);
  // The disc (and its 2-voxel margin) is never background.
  assert.equal(r.background[(H / 2) * W + W / 2], 0);
  assert.equal(r.background[(H / 2) * W + W / 2 + 21], 0);
  assert.equal(r.background[0], 1);
});

test('magnitude (Rician) data: the Rayleigh correction gives σ, not the background mean', () => {
  const sigma = 0.02;
  const r = estimateNoise(disc(sigma, 20, true, 7), shape);
  assert.ok(r.ok);
  assert.equal(r.model, 'rayleigh');
  assert.ok(Math.abs(r.sigma / sigma - 1) < 0.03, `sigma ${r.sigma}`);
});

test('an object filling the field of view: no estimate, and the reason says why', () => {
  const r = estimateNoise(disc(0.03, 60, true), shape);
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.reason : '', /no background region/);
});

test('a background zeroed by the scanner is not mistaken for noise-free data', () => {
  const data = disc(0.03, 20, true);
  for (let i = 0; i < data.length; i++) {
    const v = i % (H * W);
    const y = Math.floor(v / W);
    const x = v % W;
    if ((y - H / 2) ** 2 + (x - W / 2) ** 2 >= 22 ** 2) data[i] = 0;
  }
  const r = estimateNoise(data, shape);
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.reason : '', /zeroed/);
});

test('dark tissue enclosed by the object is not background', () => {
  // A ring: its dark centre is not connected to the edge.
  const data = disc(0.01, 28, true);
  for (let e = 0; e < E; e++) {
    for (let s = 0; s < S; s++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          if ((y - H / 2) ** 2 + (x - W / 2) ** 2 < 10 ** 2) data[((e * S + s) * H + y) * W + x] = 0.005;
        }
      }
    }
  }
  const r = estimateNoise(data, shape);
  assert.ok(r.ok);
  assert.equal(r.background[(H / 2) * W + W / 2], 0);
});

test('shape mismatch is an error naming the field', () => {
  assert.throws(() => estimateNoise(new Float32Array(10), shape), /echoes: length 10/);
});

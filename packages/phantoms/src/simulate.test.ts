import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brainWebToTissue, simulateT2Phantom, type T2PhantomParams } from './simulate.js';
import { gaussianKernel } from './texture.js';
import { GM_3T, TISSUE, WM_3T, tissues3T } from './tissues.js';

const params = (over: Partial<T2PhantomParams> = {}): T2PhantomParams => ({
  tissues: tissues3T(1000),
  texture: { amplitude: 0.1, correlationMm: 4, voxelMm: 2 },
  seed: 11,
  ...over,
});

/** One 160×160 slice: left half WM (3), right half GM (2), a 20-voxel frame of skull (7). */
function twoTissueSlice(): { labels: Uint8Array; shape: [number, number, number] } {
  const n = 160;
  const labels = new Uint8Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    const frame = y < 20 || y >= n - 20 || x < 20 || x >= n - 20;
    labels[y * n + x] = frame ? 7 : x < n / 2 ? 3 : 2;
  }
  return { labels, shape: [1, n, n] };
}

function stats(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, std: Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) };
}

describe('brainWebToTissue', () => {
  it('keeps CSF/GM/WM, folds glial (8) into GM and drops everything else', () => {
    assert.deepEqual(Array.from(brainWebToTissue(Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))), [0, 1, 2, 3, 0, 0, 0, 0, 2, 0]);
  });
});

describe('simulateT2Phantom', () => {
  const { labels, shape } = twoTissueSlice();
  const ph = simulateT2Phantom(labels, shape, params());

  it('is deterministic for a seed and changes with it', () => {
    const again = simulateT2Phantom(labels, shape, params());
    assert.deepEqual(again.t2, ph.t2);
    assert.deepEqual(again.m0, ph.m0);
    assert.notDeepEqual(simulateT2Phantom(labels, shape, params({ seed: 12 })).t2, ph.t2);
  });

  it('has max M0 exactly 1 and zero M0/T2 outside the brain', () => {
    let max = 0;
    for (let i = 0; i < labels.length; i++) {
      max = Math.max(max, ph.m0[i]!);
      if (labels[i] === 7) {
        assert.equal(ph.m0[i], 0);
        assert.equal(ph.t2[i], 0);
        assert.equal(ph.tissue[i], TISSUE.BACKGROUND);
      } else {
        assert.ok(ph.m0[i]! > 0 && ph.t2[i]! > 0);
      }
    }
    assert.equal(max, 1);
  });

  it('texture factor has mean ≈ 1 and std ≈ amplitude inside each tissue, for T2 and PD', () => {
    const t2wm: number[] = [], t2gm: number[] = [], m0wm: number[] = [], m0gm: number[] = [];
    ph.tissue.forEach((t, i) => {
      if (t === TISSUE.WM) { t2wm.push(ph.t2[i]! / WM_3T.T2); m0wm.push(ph.m0[i]!); }
      if (t === TISSUE.GM) { t2gm.push(ph.t2[i]! / GM_3T.T2); m0gm.push(ph.m0[i]!); }
    });
    for (const [name, v] of [['WM T2', t2wm], ['GM T2', t2gm]] as const) {
      const s = stats(v);
      assert.ok(Math.abs(s.mean - 1) < 0.02, `${name} mean factor ${s.mean}`);
      assert.ok(Math.abs(s.std - 0.1) < 0.015, `${name} std ${s.std}`);
    }
    // PD: unknown global scale (max M0 = 1), so check the WM/GM ratio and the relative spread.
    const wm = stats(m0wm), gm = stats(m0gm);
    assert.ok(Math.abs(wm.mean / gm.mean - WM_3T.PD / GM_3T.PD) < 0.03, `PD ratio ${wm.mean / gm.mean}`);
    assert.ok(Math.abs(wm.std / wm.mean - 0.1) < 0.015 && Math.abs(gm.std / gm.mean - 0.1) < 0.015);
  });

  it('is smooth on the scale of correlationMm (kernel σ) and T2/PD fields are independent', () => {
    // Gaussian-filtered white noise with kernel σ (voxels) has lag-1 autocorrelation exp(−1/(4σ²)).
    const lag1 = (f: Float32Array, ref: number, tissue: number, sigmaOk: (r: number) => boolean) => {
      const n = 160;
      let sxy = 0, sxx = 0, cnt = 0;
      for (let y = 0; y < n; y++) for (let x = 0; x + 1 < n; x++) {
        const i = y * n + x;
        if (ph.tissue[i] !== tissue || ph.tissue[i + 1] !== tissue) continue;
        const a = f[i]! / ref - 1, b = f[i + 1]! / ref - 1;
        sxy += a * b; sxx += a * a; cnt++;
      }
      assert.ok(cnt > 1000);
      assert.ok(sigmaOk(sxy / sxx), `lag-1 autocorrelation ${sxy / sxx}`);
    };
    lag1(ph.t2, WM_3T.T2, TISSUE.WM, (r) => Math.abs(r - Math.exp(-1 / 16)) < 0.03); // σ = 4 mm / 2 mm
    const white = simulateT2Phantom(labels, shape, params({ texture: { amplitude: 0.1, correlationMm: 0, voxelMm: 2 } }));
    let sxy = 0, sxx = 0;
    for (let i = 0; i + 1 < labels.length; i++) {
      if (white.tissue[i] !== TISSUE.WM || white.tissue[i + 1] !== TISSUE.WM) continue;
      const a = white.t2[i]! / 80 - 1, b = white.t2[i + 1]! / 80 - 1;
      sxy += a * b; sxx += a * a;
    }
    assert.ok(Math.abs(sxy / sxx) < 0.05, `white-noise lag-1 ${sxy / sxx}`);
    // Independence of the T2 and PD textures within WM.
    const a: number[] = [], b: number[] = [];
    ph.tissue.forEach((t, i) => { if (t === TISSUE.WM) { a.push(ph.t2[i]!); b.push(ph.m0[i]!); } });
    const sa = stats(a), sb = stats(b);
    const r = a.reduce((acc, v, k) => acc + (v - sa.mean) * (b[k]! - sb.mean), 0) / a.length / sa.std / sb.std;
    assert.ok(Math.abs(r) < 0.2, `corr(T2, PD) = ${r}`);
  });

  it('with zero amplitude gives the tissue table exactly', () => {
    const flat = simulateT2Phantom(Uint8Array.from([1, 2, 3, 8, 0]), [1, 1, 5], params({ texture: { amplitude: 0, correlationMm: 4, voxelMm: 2 } }));
    assert.deepEqual(Array.from(flat.t2), [1000, 110, 80, 110, 0]);
    assert.deepEqual(Array.from(flat.m0), [1, 0.8, 0.7, 0.8, 0].map(Math.fround));
    assert.deepEqual(Array.from(flat.tissue), [1, 2, 3, 2, 0]);
  });

  it('rejects bad parameters naming the field', () => {
    assert.throws(() => simulateT2Phantom(labels, shape, params({ tissues: { ...tissues3T(500), WM: { T2: -1, PD: 0.7 } } })), /params\.tissues\.WM\.T2 must be a positive number of ms \(got -1\)/);
    assert.throws(() => simulateT2Phantom(labels, shape, params({ texture: { amplitude: -0.1, correlationMm: 4, voxelMm: 2 } })), /params\.texture\.amplitude/);
    assert.throws(() => simulateT2Phantom(labels, [1, 2, 2], params()), /labels length 25600 does not match shape \[1, 2, 2\]/);
    assert.throws(() => simulateT2Phantom(new Uint8Array(4).fill(7), [1, 2, 2], params()), /no CSF, GM or WM/);
    assert.throws(() => tissues3T(0), /csfT2Ms must be a positive number of ms/);
  });
});

describe('gaussianKernel', () => {
  it('sums to 1, is symmetric and has variance σ²', () => {
    const k = gaussianKernel(2);
    assert.equal(k.length, 17);
    const sum = k.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-12);
    const r = 8;
    const variance = k.reduce((a, w, i) => a + w * (i - r) ** 2, 0);
    assert.ok(Math.abs(variance - 4) < 3e-3, `variance ${variance}`);
    assert.equal(k[0], k[16]);
  });
});

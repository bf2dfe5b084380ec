/**
 * Parameter output for the subspace network: instead of 2·rank free coefficient channels, the
 * network outputs four channels per voxel — T1 and T2 (through a sigmoid onto a log range) and a
 * complex M0 — and the coefficients are synthesised on the fingerprint manifold,
 * c = M0 · a(T1, T2), with a(T1, T2) the unit-norm subspace fingerprint interpolated bilinearly in
 * (log T1, log T2) from a precomputed table. This is the MRF analogue of the T2 study's
 * M0·exp(−TE/T2) output: the network cannot return a coefficient vector that no tissue produces,
 * so an early stop cannot shrink the small trailing coefficients that separate CSF from WM/GM
 * (the failure of the free-coefficient output; packages/network/STOPPING.md).
 * Pure maths; the stage builds the table with the EPG simulator.
 */

/** A regular axis: value_j = start + j·step, j = 0 … count − 1 (natural log of ms). */
export interface LogAxis {
  start: number;
  step: number;
  count: number;
}

/** Unit-norm real subspace fingerprints on a regular (log T1, log T2) grid. */
export interface FingerprintTable {
  rank: number;
  logT1: LogAxis;
  logT2: LogAxis;
  /** a, (T1 index, T2 index, rank) real, C order: Φ·s/‖s‖ of the M0 = 1 signal s(T1, T2). */
  values: Float32Array;
}

/**
 * How network outputs become coefficients: `apply` maps one slice's output, (voxel, channels)
 * NHWC, to c, (rank, voxel) complex interleaved in the series' units, and returns the
 * vector–Jacobian product that maps ∂L/∂c (same layout, ∂/∂Re and ∂/∂Im) back to ∂L/∂output.
 */
export interface OutputSynthesis {
  channels: number;
  rank: number;
  apply(output: Float32Array, voxels: number): { c: Float32Array; vjp: (gradC: Float32Array) => Float32Array };
}

/** Network channels of {@link parameterSynthesis}: u_T1, u_T2, Re M0/g, Im M0/g. */
export const PARAMETER_CHANNELS = 4;

export function checkFingerprintTable(t: FingerprintTable): void {
  for (const [name, ax] of [['logT1', t.logT1], ['logT2', t.logT2]] as const) {
    if (!(Number.isInteger(ax.count) && ax.count >= 2 && ax.step > 0 && Number.isFinite(ax.start))) {
      throw new Error(`table.${name}: needs count ≥ 2, step > 0 and a finite start (got ${JSON.stringify(ax)})`);
    }
  }
  if (!Number.isInteger(t.rank) || t.rank < 1) throw new Error(`table.rank: must be a positive integer, got ${t.rank}`);
  const expected = t.logT1.count * t.logT2.count * t.rank;
  if (!(t.values instanceof Float32Array) || t.values.length !== expected) {
    throw new Error(`table.values: length ${t.values?.length} is not T1·T2·rank = ${expected}`);
  }
}

/** Output slope: u = ±2 spans the table, as a sigmoid's slope at 0 (a tanh-free, non-saturating map). */
const AXIS_SLOPE = 0.25;

/** Fractional table index of an output u: linear, 0.5 + u/4 of the axis, clamped to the table. */
function axisIndex(u: number, ax: LogAxis): number {
  return Math.min(ax.count - 1, Math.max(0, (ax.count - 1) * (0.5 + AXIS_SLOPE * u)));
}

/**
 * Position of an output u on an axis: a cell index i, the fraction f within [i, i + 1] and
 * ∂(index)/∂u. Linear rather than a sigmoid: a sigmoid's slope falls to a quarter near CSF's T1
 * (3800 ms of a 100–5000 ms range), and CSF then converges four times slower than WM. Outside the
 * table the value is the edge's, but the slope is kept (straight-through), so the data can pull
 * an output back in.
 */
function locate(u: number, ax: LogAxis): { i: number; f: number; dIndex: number } {
  const index = axisIndex(u, ax);
  const i = Math.min(Math.floor(index), ax.count - 2);
  return { i, f: index - i, dIndex: (ax.count - 1) * AXIS_SLOPE };
}

/** T1 and T2 (ms) of an output pair (u_T1, u_T2) under {@link parameterSynthesis}'s mapping. */
export function decodeRelaxation(uT1: number, uT2: number, table: Pick<FingerprintTable, 'logT1' | 'logT2'>): { T1: number; T2: number } {
  const at = (u: number, ax: LogAxis): number => Math.exp(ax.start + axisIndex(u, ax) * ax.step);
  return { T1: at(uT1, table.logT1), T2: at(uT2, table.logT2) };
}

/**
 * The output pair (u_T1, u_T2) that {@link decodeRelaxation} maps to (T1, T2) ms: its inverse inside
 * the table's range; values outside are clamped to the ends (u = ±2).
 */
export function encodeRelaxation(T1: number, T2: number, table: Pick<FingerprintTable, 'logT1' | 'logT2'>): { uT1: number; uT2: number } {
  const at = (T: number, ax: LogAxis): number => {
    if (!(T > 0)) throw new Error(`T: must be a positive time in ms, got ${T}`);
    const index = Math.min(ax.count - 1, Math.max(0, (Math.log(T) - ax.start) / ax.step));
    return (index / (ax.count - 1) - 0.5) / AXIS_SLOPE;
  };
  return { uT1: at(T1, table.logT1), uT2: at(T2, table.logT2) };
}

/**
 * c = M0 · a(T1, T2) per voxel (module comment). Outputs per voxel: u_T1, u_T2 → log T, u = 0 at the
 * middle of the table's range and ±2 at its ends (clamped); M0 = m0Gain·(o_re + i·o_im), so an O(1) output is a typical
 * magnitude of the data (pass e.g. the RMS over voxels of ‖c_in‖). Bilinear interpolation of the
 * table's cells; its gradient is exact within a cell.
 */
export function parameterSynthesis(table: FingerprintTable, m0Gain: number): OutputSynthesis {
  checkFingerprintTable(table);
  if (!(m0Gain > 0 && Number.isFinite(m0Gain))) throw new Error(`m0Gain: must be a finite number > 0, got ${m0Gain}`);
  const R = table.rank;
  const n2 = table.logT2.count;
  const A = table.values;
  const C = PARAMETER_CHANNELS;
  return {
    channels: C,
    rank: R,
    apply(output, voxels) {
      if (output.length !== C * voxels) throw new Error(`output: length ${output.length} is not ${C}·voxels = ${C * voxels}`);
      const c = new Float32Array(2 * R * voxels);
      // Per voxel: a (rank), ∂a/∂u_T1 and ∂a/∂u_T2 (rank each), kept for the vjp.
      const a = new Float32Array(R * voxels);
      const da1 = new Float32Array(R * voxels);
      const da2 = new Float32Array(R * voxels);
      for (let v = 0; v < voxels; v++) {
        const p1 = locate(output[v * C]!, table.logT1);
        const p2 = locate(output[v * C + 1]!, table.logT2);
        const mr = m0Gain * output[v * C + 2]!;
        const mi = m0Gain * output[v * C + 3]!;
        const b00 = (p1.i * n2 + p2.i) * R;
        const b01 = b00 + R;
        const b10 = b00 + n2 * R;
        const b11 = b10 + R;
        const f1 = p1.f;
        const f2 = p2.f;
        for (let r = 0; r < R; r++) {
          const q00 = A[b00 + r]!, q01 = A[b01 + r]!, q10 = A[b10 + r]!, q11 = A[b11 + r]!;
          const val = (1 - f1) * ((1 - f2) * q00 + f2 * q01) + f1 * ((1 - f2) * q10 + f2 * q11);
          a[r * voxels + v] = val;
          da1[r * voxels + v] = p1.dIndex * ((1 - f2) * (q10 - q00) + f2 * (q11 - q01));
          da2[r * voxels + v] = p2.dIndex * ((1 - f1) * (q01 - q00) + f1 * (q11 - q10));
          c[2 * (r * voxels + v)] = mr * val;
          c[2 * (r * voxels + v) + 1] = mi * val;
        }
      }
      const vjp = (gradC: Float32Array): Float32Array => {
        if (gradC.length !== c.length) throw new Error(`gradC: length ${gradC.length} is not ${c.length}`);
        const g = new Float32Array(C * voxels);
        for (let v = 0; v < voxels; v++) {
          const mr = m0Gain * output[v * C + 2]!;
          const mi = m0Gain * output[v * C + 3]!;
          let gu1 = 0, gu2 = 0, gr = 0, gi = 0;
          for (let r = 0; r < R; r++) {
            const gre = gradC[2 * (r * voxels + v)]!;
            const gim = gradC[2 * (r * voxels + v) + 1]!;
            const dm = gre * mr + gim * mi; // ∂L/∂a_r
            gu1 += dm * da1[r * voxels + v]!;
            gu2 += dm * da2[r * voxels + v]!;
            gr += gre * a[r * voxels + v]!;
            gi += gim * a[r * voxels + v]!;
          }
          g[v * C] = gu1;
          g[v * C + 1] = gu2;
          g[v * C + 2] = m0Gain * gr;
          g[v * C + 3] = m0Gain * gi;
        }
        return g;
      };
      return { c, vjp };
    },
  };
}

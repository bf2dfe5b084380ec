/** Seeded random numbers shared by simulations (noise, phantom texture, synthetic data) and weight initialisation. */
/** A seeded source of random numbers: uniform on [0, 1) and standard normal. */
export interface Rng {
  uniform(): number;
  normal(): number;
}

/**
 * Deterministic generator: mulberry32 (32-bit state, period 2^32) for uniforms and the Box–Muller
 * transform for normals (both values of each pair are used). Same seed → same sequence on every
 * platform, since only 32-bit integer maths and IEEE doubles are involved.
 *
 * @param seed any integer (taken modulo 2^32)
 */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer (got ${seed})`);
  let state = seed >>> 0;
  let spare: number | null = null;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u1 = 1 - uniform(); // (0, 1]: log stays finite
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
  return { uniform, normal };
}

/** Uniform [0, 1) samples of {@link createRng} as a plain function (mulberry32). */
export function mulberry32(seed: number): () => number {
  return createRng(seed).uniform;
}

/** Standard normal samples of {@link createRng} as a plain function (Box–Muller on mulberry32). */
export function normalSampler(seed: number): () => number {
  return createRng(seed).normal;
}

/**
 * Patch-based training: each step trains on a few random square patches drawn from all slices
 * instead of whole slices. The network is fully convolutional, so what it learns on patches applies
 * to whole slices at inference; a step's cost scales with the pixels it sees (a 64² patch is ~11×
 * cheaper than a 224×210 slice).
 *
 * The patches of a step are a pure function of (seed, step), so a run is reproducible and a resume
 * from a checkpoint draws exactly the patches the uninterrupted run would have drawn.
 */
import { createRng } from '@relaxomap/physics';

/** Patch training settings. */
export interface PatchOptions {
  /** Side of the square patches, pixels (clamped per axis to the image: min(size, height) × min(size, width)). */
  size: number;
  /** Patches per optimisation step (the batch). */
  perStep: number;
}

/** One patch: its slice and top-left corner (pixels). */
export interface Patch {
  slice: number;
  y0: number;
  x0: number;
}

/** Image stack dimensions, (slice, y, x, channel) in NHWC order. */
export interface StackDims {
  slices: number;
  height: number;
  width: number;
  channels: number;
}

/** Name of the patch sampler, recorded in checkpoint configurations (change it if the sampler changes). */
export const PATCH_SAMPLER = 'mulberry32(seed⊕step)-v1';

/** Throws naming the field if `patch` is not a valid {@link PatchOptions}. */
export function validatePatch(patch: PatchOptions, minSize = 1): void {
  if (patch === null || typeof patch !== 'object') throw new Error('patch: expected { size, perStep }');
  if (!Number.isInteger(patch.size) || patch.size < minSize) throw new Error(`patch.size: must be an integer ≥ ${minSize}, got ${patch.size}`);
  if (!Number.isInteger(patch.perStep) || patch.perStep < 1) throw new Error(`patch.perStep: must be a positive integer, got ${patch.perStep}`);
}

/** Patch height and width for an image of `height` × `width`: the size clamped per axis. */
export function patchExtent(size: number, height: number, width: number): { ph: number; pw: number } {
  return { ph: Math.min(size, height), pw: Math.min(size, width) };
}

/** A 32-bit seed for step `step` of a run seeded with `seed` (a hash, so neighbouring steps are unrelated). */
function stepSeed(seed: number, step: number): number {
  let h = Math.imul((seed | 0) ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

/**
 * The patches of 0-based step `step`: `perStep` independent draws of a slice uniform in
 * [0, slices), y0 uniform in [0, height − ph] and x0 uniform in [0, width − pw] (ph × pw from
 * {@link patchExtent}), from a mulberry32 generator seeded by a hash of (seed, step).
 */
export function patchesOfStep(step: number, seed: number, patch: PatchOptions, dims: { slices: number; height: number; width: number }): Patch[] {
  const { ph, pw } = patchExtent(patch.size, dims.height, dims.width);
  const rng = createRng(stepSeed(seed, step));
  const pick = (n: number): number => Math.min(n - 1, Math.floor(rng.uniform() * n));
  return Array.from({ length: patch.perStep }, () => ({
    slice: pick(dims.slices),
    y0: pick(dims.height - ph + 1),
    x0: pick(dims.width - pw + 1),
  }));
}

/**
 * Copy patches out of an image stack.
 *
 * @param data - (slice, y, x, channel) C order (NHWC), length slices·height·width·channels
 * @param patches - corners; each must lie within the stack with its ph × pw extent
 * @returns (patch, py, px, channel) C order, length patches.length·ph·pw·channels:
 *   out[p, i, j, c] = data[patches[p].slice, y0 + i, x0 + j, c]
 */
export function cropPatches(data: ArrayLike<number>, dims: StackDims, patches: readonly Patch[], ph: number, pw: number): Float32Array {
  const { slices: S, height: H, width: W, channels: C } = dims;
  if (data.length !== S * H * W * C) throw new Error(`data: length ${data.length} is not slices·height·width·channels = ${S * H * W * C}`);
  const out = new Float32Array(patches.length * ph * pw * C);
  const src = data as Float32Array;
  const row = pw * C;
  patches.forEach((p, k) => {
    if (!(p.slice >= 0 && p.slice < S && p.y0 >= 0 && p.y0 + ph <= H && p.x0 >= 0 && p.x0 + pw <= W)) {
      throw new Error(`patches[${k}]: (slice ${p.slice}, y0 ${p.y0}, x0 ${p.x0}) + ${ph}×${pw} lies outside ${S}×${H}×${W}`);
    }
    for (let i = 0; i < ph; i++) {
      const from = ((p.slice * H + p.y0 + i) * W + p.x0) * C;
      const to = (k * ph + i) * row;
      if (typeof src.subarray === 'function') out.set(src.subarray(from, from + row), to);
      else for (let j = 0; j < row; j++) out[to + j] = data[from + j]!;
    }
  });
  return out;
}

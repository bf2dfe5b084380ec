/**
 * Dispatch of a voxel range to the kernel of the plan's signal model (shared by the calling thread and
 * the worker threads, so both give the same results bit for bit).
 */
import { fitVoxelRange, type KernelStats } from './kernel.js';
import { fitOffsetRange } from './offsetKernel.js';
import { MODEL_OFFSET, MODEL_RICIAN, type VarproPlan } from './plan.js';
import { fitRicianRange } from './rician.js';

/**
 * Fit voxels [start, end) of `echoes` (shape (echo, voxel), nVoxels columns) with plan.model, writing
 * M0 and T2 (and C into `offsetOut` for the offset model, which then must be given).
 *
 * @returns the first voxel index in the range with a NaN/±Inf echo, or −1
 */
export function fitModelRange(
  plan: VarproPlan,
  echoes: Float32Array,
  nVoxels: number,
  start: number,
  end: number,
  mask: Uint8Array | undefined,
  m0Out: Float32Array,
  t2Out: Float32Array,
  offsetOut: Float32Array | undefined,
  stats?: KernelStats,
): number {
  if (plan.model === MODEL_OFFSET) {
    if (offsetOut === undefined) throw new Error('offsetOut is required by the offset model');
    return fitOffsetRange(plan, echoes, nVoxels, start, end, mask, m0Out, t2Out, offsetOut);
  }
  if (plan.model === MODEL_RICIAN) return fitRicianRange(plan, echoes, nVoxels, start, end, mask, m0Out, t2Out);
  return fitVoxelRange(plan, echoes, nVoxels, start, end, mask, m0Out, t2Out, stats);
}

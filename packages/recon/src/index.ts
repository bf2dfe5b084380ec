/**
 * @relaxomap/recon — non-Cartesian reconstruction for the MRF study: linear operators, variable-density
 * spiral trajectories, a planned 2-D Kaiser–Bessel NUFFT (any grid size), Pipe–Menon density
 * compensation, sliding-window reconstruction (Cao et al. 2017) and the subspace back-projection.
 *
 * Conventions: interleaved complex Float32Array, C order, shapes without the complex axis (TSDoc names
 * them, e.g. (TR, sample), (y, x)); k-space positions in cycles/pixel as (kx, ky) pairs in [−0.5, 0.5);
 * image coordinates centred at index floor(N/2); the NUFFT is unnormalised (equals the direct DFT).
 */
export { checkAdjoint, complexDot, norm2, randomComplex, shapeSize } from './linop.js';
export type { AdjointCheck, LinearOperator } from './linop.js';
export { BLUESTEIN_MIN_PRIME, fft, fftStrided, planFft } from './fft.js';
export type { FftPlan } from './fft.js';
export { besselI0, kaiserBessel, kaiserBesselBeta, kaiserBesselFourier } from './kaiserBessel.js';
export {
  gridToImage, imageToGrid, interpolateFromGrid, nufftAdjoint, nufftForward, nufftOperator, planNufft, spreadToGrid,
} from './nufft.js';
export type { NufftOptions, NufftPlan } from './nufft.js';
export { nudftAdjoint, nudftForward } from './nudft.js';
export { analyticSpiralDcf, pipeMenonDcf, spiralDcf } from './dcf.js';
export type { DcfOptions } from './dcf.js';
export {
  interleafCoords, interleafForTR, interleafSchedule, spiralFovFactor, variableDensitySpiral,
} from './spiral.js';
export type { SpiralOptions, SpiralTrajectory } from './spiral.js';
export { slidingWindowRange, slidingWindowRecon, validateSeries } from './slidingWindow.js';
export type { FrameSeries, SlidingWindowOptions } from './slidingWindow.js';
export { singleInterleafDcf, subspaceBackProjection, subspaceNufftOperator } from './subspace.js';
export type { BackProjectionOptions, SubspaceBasis, SubspaceOptions } from './subspace.js';
export { benchmarkNufftAdjoint, unplannedGriddingAdjoint } from './benchmark.js';
export type { NufftBenchmark, NufftBenchmarkOptions, TimedMethod } from './benchmark.js';

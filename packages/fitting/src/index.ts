/**
 * @relaxomap/fitting — voxel-wise parameter estimation: variable projection (Varpro) for
 * mono-exponential decay s_e = M0·exp(−TE_e/T2), the paper's baseline, optionally with a constant
 * offset or a Rician noise floor (`opts.model`). Times in ms.
 */
export { varproMonoExp } from './varpro.js';
export type { VarproResult } from './varpro.js';
export { varproMonoExpParallel, MIN_VOXELS_PER_THREAD } from './parallel.js';
export type { VarproOptions, SignalModelName } from './plan.js';
export { DEFAULT_GRID_SIZE, SIGNAL_MODELS } from './plan.js';
export { ricianMean, ricianMeanSlope } from './rician.js';
export { logLinearMonoExp } from './logLinear.js';
export { benchmarkVarpro } from './benchmark.js';
export type { BenchmarkShape, VarproBenchmark } from './benchmark.js';
export { matchDictionary, matchTimeSeries } from './dictionary-match.js';
export type { DictionaryMatchResult, DictionaryMatchOptions } from './dictionary-match.js';

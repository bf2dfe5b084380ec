/**
 * @relaxomap/physics — signal models over parameter maps.
 *
 * Mono-exponential decay s_e = M0·exp(−TE_e/T2) (times in ms), echo-time helpers.
 */
export { echoTimes, validateEchoTimes, evenEchoSpacing } from './echoTimes.js';
export type { EchoTimeSpec, EvenEchoTrain, EchoTimeList } from './echoTimes.js';
export { synthesizeEchoes, monoExpModel } from './monoExp.js';
export type { SignalModel, MonoExpModel, RealArray } from './monoExp.js';
export { createRng, mulberry32, normalSampler } from './random.js';
export type { Rng } from './random.js';

// MR fingerprinting (FISP, Jiang et al. 2015): EPG, schedules, dictionary, subspace.
export { createEpgState, epgRf, epgRelax, epgShift } from './epg.js';
export type { EpgState } from './epg.js';
export { parseScheduleColumn, validateSchedule, truncateSchedule } from './mrf-schedule.js';
export type { MrfSchedule, MrfScheduleFiles } from './mrf-schedule.js';
export {
  makeFispSimulator,
  simulateFisp,
  validateFispSequence,
  resolveFispOptions,
  validateRelaxation,
  DEFAULT_STATE_THRESHOLD,
  DEFAULT_FISP_TIMING,
} from './mrf-fisp.js';
export type { FispSequence, FispOptions, FispSimulator } from './mrf-fisp.js';
export { simulateFispNaive, simulateFispIsochromats, simulateFispUntruncated } from './mrf-reference.js';
export {
  mrfGrid,
  buildMrfDictionary,
  buildMrfDictionarySync,
  DEFAULT_MRF_GRID,
  MIN_ATOMS_PER_THREAD,
} from './mrf-dictionary.js';
export type { MrfGridSpec, GeometricRange, ValueList, MrfGrid, MrfDictionary, MrfDictionaryOptions } from './mrf-dictionary.js';
export { symmetricEigen } from './eig.js';
export type { SymmetricEigen } from './eig.js';
export { dictionaryGram, mrfSubspace, projectTimeSeries, synthesizeTimeSeries, compressDictionary } from './subspace.js';
export type { RealDictionary, MrfSubspace, SubspaceRank, CompressedMrfDictionary } from './subspace.js';
export { fingerprintTable } from './mrf-table.js';
export type { SubspaceFingerprintTable, LogAxisSpec } from './mrf-table.js';
export { benchmarkDictionary } from './mrf-benchmark.js';
export type { DictionaryBenchmark, DictionaryBenchmarkOptions } from './mrf-benchmark.js';

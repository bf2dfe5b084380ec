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

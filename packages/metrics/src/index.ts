export { rmse, nrmse } from './error.js';
export type { NumericArray, Mask } from './error.js';
export { ssim2d, gaussianWindow1d } from './ssim.js';
export type { SsimOptions } from './ssim.js';
export { estimateNoise } from './noise.js';
export type { NoiseEstimate, NoNoiseEstimate, NoiseEstimateOptions } from './noise.js';

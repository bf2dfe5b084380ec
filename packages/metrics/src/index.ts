export { rmse, nrmse } from './error.js';
export type { NumericArray, Mask } from './error.js';
export { ssim2d, gaussianWindow1d } from './ssim.js';
export type { SsimOptions } from './ssim.js';
export { estimateNoise } from './noise.js';
export type { NoiseEstimate, NoNoiseEstimate, NoiseEstimateOptions } from './noise.js';
export {
  findSpheres, sphereRoiMask, roiStats, assignNistT2Spheres,
  NIST_T2_PLATE4_TEMPLATE_ROW_COL, NIST_T2_PLATE4_REFERENCE_T2_MS,
} from './spheres.js';
export type {
  Sphere, FindSpheresOptions, RoiStats, NumberedSphere, NistT2Assignment, AssignNistT2Options,
} from './spheres.js';

/**
 * The numerical T2/T2* phantom of the paper's Fig. 2, as a function: BrainWeb labels → M0 and T2 maps
 * with smooth within-tissue texture → echoes M0·exp(−TE/T2) → Gaussian or Rician noise. Used by the
 * simulate-t2 stage (one study) and by pretrain-t2 (many studies, other slices, seeds and noise levels).
 */
import { join } from 'node:path';
import { addGaussianNoise, addRicianNoise, axialSlices, loadBrainWeb3D, padSlices, simulateT2Phantom, verifyManifest } from '@relaxomap/phantoms';
import { synthesizeEchoes } from '@relaxomap/physics';
import type { SimulateT2Params } from '../params.js';

export interface T2Study {
  /** Noisy echoes, (echo, slice, y, x). */
  noisy: Float32Array;
  /** Noise-free echoes, same layout. */
  clean: Float32Array;
  m0: Float32Array;
  /** ms, (slice, y, x). */
  t2: Float32Array;
  /** 0 background, 1 CSF, 2 GM, 3 WM. */
  tissue: Uint8Array;
  shape: { slices: number; height: number; width: number };
  voxelMm: [number, number, number];
}

type BrainWeb = Awaited<ReturnType<typeof loadBrainWeb3D>>;

/** The BrainWeb 3-D labels shipped in data/, checked against their manifest first. */
export async function loadBrainWeb(root: string): Promise<BrainWeb> {
  await verifyManifest(join(root, 'data-manifests', 'brainweb.yaml'), root);
  return loadBrainWeb3D(join(root, 'data', 'phantoms', 'brainweb-3d', 'BrainModel_anatomy.npy.gz'));
}

/** One simulated study (pure given the label volume): the same `p` always gives the same arrays. */
export function simulateT2Study(volume: BrainWeb, p: SimulateT2Params): T2Study {
  let labels = axialSlices(volume, p.phantom.slices, p.phantom.downsample);
  if (p.phantom.pad_to) labels = padSlices(labels, p.phantom.pad_to[0], p.phantom.pad_to[1]);
  const voxel = labels.voxelMm;
  const phantom = simulateT2Phantom(labels.labels, labels.shape, {
    tissues: {
      WM: { T2: p.tissues.WM.T2_ms, PD: p.tissues.WM.PD },
      GM: { T2: p.tissues.GM.T2_ms, PD: p.tissues.GM.PD },
      CSF: { T2: p.tissues.CSF.T2_ms, PD: p.tissues.CSF.PD },
    },
    texture: { amplitude: p.texture.amplitude, correlationMm: p.texture.correlation_mm, voxelMm: voxel },
    seed: p.seed,
  });
  const [slices, height, width] = phantom.shape;
  // Through-plane size = the slice spacing when the slices are evenly spaced (so viewers place them right).
  const gaps = p.phantom.slices.slice(1).map((z, i) => Math.abs(z - p.phantom.slices[i]!));
  const spacing = gaps.length && gaps.every((g) => g === gaps[0]) ? gaps[0]! : 1;
  const clean = synthesizeEchoes(phantom.m0, phantom.t2, p.TE_ms);
  // Noise seed derived from the phantom seed so one `seed` param makes the whole study reproducible.
  const noisy = (p.noise.model === 'rician' ? addRicianNoise : addGaussianNoise)(clean, p.noise.variance, p.seed * 7919 + 17);
  return {
    noisy, clean, m0: phantom.m0, t2: phantom.t2, tissue: phantom.tissue,
    shape: { slices, height, width }, voxelMm: [voxel, voxel, spacing],
  };
}

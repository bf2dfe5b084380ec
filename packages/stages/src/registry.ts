/**
 * The stage kinds this version of relaxomap knows. Each declares its params schema, the workspace
 * packages and npm packages its result depends on (→ Nx cache inputs), and loads its implementation
 * lazily (kinds/<kind>.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRegistry, type StageImpl, type StageKind } from '@relaxomap/pipeline';
import { parse as parseYaml } from 'yaml';
import * as p from './params.js';

const TFJS = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm'];
const FIGURES = ['arquero', 'vega', 'vega-lite', '@resvg/resvg-js', 'fast-png', 'dejavu-fonts-ttf'];

function kind<P>(k: Omit<StageKind<P>, 'load'> & { module: () => Promise<StageImpl<P>> }): StageKind<P> {
  const { module, ...rest } = k;
  return { ...rest, load: module };
}

export const kinds = [
  kind<p.SimulateT2Params>({
    kind: 'simulate-t2',
    description: 'BrainWeb T2/M0 phantom with smooth texture → noisy multi-echo spin-echo images',
    params: p.simulateT2Params,
    uses: ['phantoms', 'physics'],
    externalDependencies: [],
    dataInputs: ['data/phantoms/brainweb-3d/**', 'data-manifests/brainweb.yaml'],
    module: () => import('./kinds/simulate-t2.js'),
  }),
  kind<p.VarproParams>({
    kind: 'varpro',
    description: 'voxel-wise variable-projection fit of M0 and T2 (the baseline)',
    params: p.varproParams,
    uses: ['fitting', 'physics'],
    externalDependencies: [],
    module: () => import('./kinds/varpro.js'),
  }),
  kind<p.TrainT2Params>({
    kind: 'train-t2',
    description: 'scan-specific unsupervised CNN → M0 and T2 maps (loss on re-synthesised echoes)',
    params: p.trainT2Params,
    uses: ['network', 'physics', 'metrics'],
    externalDependencies: TFJS,
    module: () => import('./kinds/train-t2.js'),
  }),
  kind<p.PretrainT2Params>({
    kind: 'pretrain-t2',
    description: 'pre-trains the T2 network (same unsupervised loss) on simulated scans; TensorFlow.js weights + manifest',
    params: p.pretrainT2Params,
    uses: ['network', 'phantoms', 'physics'],
    externalDependencies: TFJS,
    dataInputs: ['data/phantoms/brainweb-3d/**', 'data-manifests/brainweb.yaml'],
    module: () => import('./kinds/pretrain-t2.js'),
  }),
  kind<p.ReportSpeedParams>({
    kind: 'report-speed',
    description: 'time to quality: RMSE against training time, fine-tuned from a pre-trained model vs from scratch',
    params: p.reportSpeedParams,
    uses: ['reports'],
    externalDependencies: FIGURES,
    writesReports: true,
    module: () => import('./kinds/report-speed.js'),
  }),
  kind<p.EvaluateT2Params>({
    kind: 'evaluate-t2',
    description: 'RMSE / nRMSE / SSIM of every estimate against the truth, per slice and tissue',
    params: p.evaluateT2Params,
    uses: ['metrics', 'reports'],
    externalDependencies: ['arquero'],
    module: () => import('./kinds/evaluate-t2.js'),
  }),
  kind<p.FigureT2Params>({
    kind: 'figure-t2',
    description: 'paper Fig. 2: reference / Varpro / network T2 maps, error maps, RMSE bars (SVG + PNG)',
    params: p.figureT2Params,
    uses: ['reports', 'metrics'],
    externalDependencies: FIGURES,
    writesReports: true,
    module: () => import('./kinds/figure-t2.js'),
  }),
  kind<p.ReportStoppingParams>({
    kind: 'report-stopping',
    description: 'stopping rules judged against the truth: RMSE-vs-time curves with each rule\'s step, per-tissue table',
    params: p.reportStoppingParams,
    uses: ['reports'],
    externalDependencies: FIGURES,
    writesReports: true,
    module: () => import('./kinds/report-stopping.js'),
  }),
  // MR fingerprinting (paper Fig. 5): pipelines/mrf.yaml.
  kind<p.MrfDictionaryParams>({
    kind: 'mrf-dictionary',
    description: 'MRF-FISP dictionary (EPG) of a T1 × T2 grid from a schedule, its SVD subspace Φ and compressed atoms',
    params: p.mrfDictionaryParams,
    uses: ['physics', 'phantoms', 'reports'],
    externalDependencies: ['arquero'],
    dataInputs: ['data/mrf/**', 'data-manifests/mrf-schedules.yaml'],
    module: () => import('./kinds/mrf-dictionary.js'),
  }),
  kind<p.SimulateMrfParams>({
    kind: 'simulate-mrf',
    description: 'BrainWeb T1/T2/PD phantom → exact EPG-FISP time series → spiral k-space (1 interleaf per TR, and a multi-repeat reference) with noise',
    params: p.simulateMrfParams,
    uses: ['phantoms', 'physics', 'recon'],
    externalDependencies: [],
    dataInputs: ['data/phantoms/brainweb-3d/**', 'data-manifests/brainweb.yaml'],
    module: () => import('./kinds/simulate-mrf.js'),
  }),
  kind<p.MrfSlidingWindowParams>({
    kind: 'mrf-sliding-window',
    description: 'sliding-window reconstruction (Cao 2017) of an MRF acquisition, projection onto Φ, dictionary matching → T1, T2, PD',
    params: p.mrfSlidingWindowParams,
    uses: ['recon', 'fitting', 'physics'],
    externalDependencies: [],
    module: () => import('./kinds/mrf-sliding-window.js'),
  }),
  kind<p.EvaluateMrfParams>({
    kind: 'evaluate-mrf',
    description: 'T1/T2 RMSE of every MRF estimate against the reference reconstruction and the truth, per tissue; ratios',
    params: p.evaluateMrfParams,
    uses: ['metrics', 'reports'],
    externalDependencies: ['arquero'],
    module: () => import('./kinds/evaluate-mrf.js'),
  }),
  kind<p.FigureMrfParams>({
    kind: 'figure-mrf',
    description: 'paper Fig. 5: reference / 1-interleaf sliding window / network T1 and T2 maps, error maps, subspace energy (SVG + PNG)',
    params: p.figureMrfParams,
    uses: ['reports'],
    externalDependencies: FIGURES,
    writesReports: true,
    module: () => import('./kinds/figure-mrf.js'),
  }),
  kind<p.RefineMrfParams>({
    kind: 'refine-mrf',
    description: 'data-consistency refinement: MAP fit of T1, T2, M0 maps to the 1-interleaf k-space with a Gaussian prior centred on the network\'s maps',
    params: p.refineMrfParams,
    uses: ['network', 'fitting', 'physics', 'recon'],
    externalDependencies: TFJS,
    module: () => import('./kinds/refine-mrf.js'),
  }),
  kind<p.TrainMrfParams>({
    kind: 'train-mrf',
    description: 'scan-specific subspace CNN: 1-interleaf series → coefficient maps c (L1 on c·Φ), stopped by the noise rule → T1, T2, PD',
    params: p.trainMrfParams,
    uses: ['network', 'fitting', 'physics', 'metrics'],
    externalDependencies: TFJS,
    module: () => import('./kinds/train-mrf.js'),
  }),
  // Real scans (paper Figs. 3/4, NIST plate): pipelines/nist-t2-plate.yaml, qmrlab-cpmg.yaml, rat-t2star.yaml, fig3-*/fig4-*.
  kind<p.VerifyDataParams>({
    kind: 'verify-data',
    description: 'checks every file of a data manifest (present, size, SHA-256) before anything reads the data',
    params: p.verifyDataParams,
    uses: ['phantoms'],
    externalDependencies: [],
    dataInputs: (params, root) => verifyDataInputs(params.manifest, root),
    // Downloads (bundled: false) live in gitignored data/external/, which Nx does not hash: verify them
    // on every run; verified.json then holds their checksums, so the stages after it rerun when they change.
    cacheable: (params, root) => manifestAtGraphTime(params.manifest, root)?.bundled !== false,
    module: () => import('./kinds/verify-data.js'),
  }),
  kind<p.LoadEchoesParams>({
    kind: 'load-echoes',
    description: 'a real multi-echo scan (NIfTI, DICOM, NumPy, or Cartesian k-space by FFT) → echo series with the scan\'s affine',
    params: p.loadEchoesParams,
    uses: ['ingest', 'recon', 'metrics'],
    externalDependencies: ['dicom-parser'],
    dataInputs: (params) => loadEchoesInputs(params.path),
    module: () => import('./kinds/load-echoes.js'),
  }),
  kind<p.FigureMapsParams>({
    kind: 'figure-maps',
    description: 'maps without a truth (real scans, paper Figs. 3/4): T2 per method and slice, fit residual in units of the noise σ (SVG + PNG), table',
    params: p.figureMapsParams,
    uses: ['reports', 'metrics'],
    externalDependencies: FIGURES,
    writesReports: true,
    module: () => import('./kinds/figure-maps.js'),
  }),
  kind<p.NistSpheresParams>({
    kind: 'nist-spheres',
    description: 'NIST phantom T2 plate: T2 per sphere ROI for every estimate vs the reference, resolvable spheres marked (table + figure)',
    params: p.nistSpheresParams,
    uses: ['reports', 'metrics'],
    externalDependencies: FIGURES,
    dataInputs: (params) => [params.spheres],
    writesReports: true,
    module: () => import('./kinds/nist-spheres.js'),
  }),
];

/** A data manifest as the graph needs it (files and bundled), read synchronously; undefined if unreadable. */
function manifestAtGraphTime(manifest: string, root: string): { files?: { path?: unknown }[]; bundled?: unknown } | undefined {
  try {
    return parseYaml(readFileSync(join(root, manifest), 'utf8')) as { files?: { path?: unknown }[]; bundled?: unknown };
  } catch {
    return undefined; // verify-data names the problem when it runs
  }
}

/** Nx inputs of a verify-data stage: the manifest and every path it lists. */
export function verifyDataInputs(manifest: string, root: string): string[] {
  const files = manifestAtGraphTime(manifest, root)?.files;
  return [manifest, ...(Array.isArray(files) ? files.map((f) => f?.path).filter((x): x is string => typeof x === 'string') : [])];
}

/** Nx inputs of a load-echoes stage: the scan's folder (a file's folder, which holds its sidecar). */
export function loadEchoesInputs(path: string): string[] {
  const clean = path.replace(/\/+$/, '');
  return /\.(nii|nii\.gz|npy|npy\.gz)$/.test(clean) ? [`${clean.slice(0, clean.lastIndexOf('/'))}/**`] : [`${clean}/**`];
}

export const registry = createRegistry(kinds);

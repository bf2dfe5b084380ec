/**
 * The scan-specific networks of Gao et al. (Fig. 1): a residual CNN trunk (conv + instance norm +
 * ReLU, then N residual blocks, then a conv to the output channels), and the T2 network built on it,
 * whose two outputs are read as M0 and T2 through bounded output heads.
 */
import * as tf from '@tensorflow/tfjs-core';
import { instanceNorm } from './instance-norm.js';
import { normalSampler } from '@relaxomap/physics';

/** Architecture and initialisation of {@link createT2Net}. */
export interface T2NetConfig {
  /** Number of input echoes (channels of the input). */
  echoes: number;
  /** Feature channels of every hidden convolution. */
  width: number;
  /** Residual blocks (the paper: 9); 0 is allowed (head then output conv). */
  blocks: number;
  /** Seed of the weight initialisation (same seed → same weights on every backend). */
  seed: number;
  /** Bounds of T2 in ms, [min, max]; default [1, 3000]. */
  t2Range?: [number, number];
}

/** A network made of tf.Variables; call `dispose()` when done. */
export interface T2Net {
  readonly config: Readonly<Required<T2NetConfig>>;
  /** Trainable variables by stable local name (e.g. 'block0/conv1'), in creation order. */
  readonly variables: ReadonlyMap<string, tf.Variable>;
  /**
   * @param x - echoes, (batch, H, W, echoes), scaled so that the data maximum is ~1
   * @returns m0 (batch, H, W) in the input's units, t2 (batch, H, W) in ms within t2Range
   */
  apply(x: tf.Tensor4D): { m0: tf.Tensor3D; t2: tf.Tensor3D };
  dispose(): void;
}

/** Factor on the last convolution's initial weights: starts at T2 ≈ sqrt(min·max), M0 ≈ ln 2. */
export const OUTPUT_INIT_SCALE = 0.01;

let netCounter = 0;

/** Architecture and initialisation of {@link createResidualNet}. */
export interface ResidualNetConfig {
  /** Channels of the input. */
  inChannels: number;
  /** Channels of the raw (linear) output. */
  outChannels: number;
  /** Feature channels of every hidden convolution. */
  width: number;
  /** Residual blocks (the paper: 9); 0 is allowed (head then output conv). */
  blocks: number;
  /** Seed of the weight initialisation (same seed → same weights on every backend). */
  seed: number;
  /** Factor on the output conv's initial weights; default 1 (plain He-normal). */
  outputInitScale?: number;
  /** Prefix of the variables' global (process-wide) names; default 'resnet'. */
  name?: string;
}

/** The residual trunk of {@link createResidualNet}; call `dispose()` when done. */
export interface ResidualNet {
  readonly config: Readonly<Required<ResidualNetConfig>>;
  /** Trainable variables by stable local name (e.g. 'block0/conv1'), in creation order. */
  readonly variables: ReadonlyMap<string, tf.Variable>;
  /**
   * @param x - (batch, H, W, inChannels)
   * @returns the raw output of the last conv + bias, (batch, H, W, outChannels)
   */
  apply(x: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

const posInt = (v: number, name: string, min: number): void => {
  if (!Number.isInteger(v) || v < min) throw new Error(`${name}: must be an integer ≥ ${min}, got ${v}`);
};

/**
 * Build the residual CNN of Gao et al. (Fig. 1) with deterministic He-normal initial weights
 * (std sqrt(2 / fan_in)) drawn from `normalSampler(seed)` in creation order; instance-norm scales
 * 1, offsets 0; the output conv's weights scaled by `outputInitScale`, its bias 0.
 *
 * Layers (3×3 convs, 'same' zero padding, NHWC), variables named as shown:
 *   head:    conv(inChannels→width) 'head/conv' → IN 'head/in/{gamma,beta}' → ReLU
 *   block i: h + IN(conv(ReLU(IN(conv(h)))))  'block<i>/conv1', 'block<i>/in1', 'block<i>/conv2', 'block<i>/in2'
 *   tail:    conv(width→outChannels) 'tail/conv' + bias 'tail/bias'
 */
export function createResidualNet(config: ResidualNetConfig): ResidualNet {
  posInt(config.inChannels, 'inChannels', 1);
  posInt(config.outChannels, 'outChannels', 1);
  posInt(config.width, 'width', 1);
  posInt(config.blocks, 'blocks', 0);
  if (!Number.isFinite(config.seed)) throw new Error(`seed: must be a finite number, got ${config.seed}`);
  const outputInitScale = config.outputInitScale ?? 1;
  if (!Number.isFinite(outputInitScale)) throw new Error(`outputInitScale: must be a finite number, got ${outputInitScale}`);
  const cfg: Required<ResidualNetConfig> = { ...config, outputInitScale, name: config.name ?? 'resnet' };
  const id = netCounter++;
  const normal = normalSampler(cfg.seed);
  const variables = new Map<string, tf.Variable>();
  const add = (name: string, shape: number[], values: Float32Array): void => {
    // The global name must be unique per process; the local name is what checkpoints use.
    variables.set(name, tf.tidy(() => tf.variable(tf.tensor(values, shape), true, `${cfg.name}${id}/${name}`)));
  };
  const conv = (name: string, cin: number, cout: number, scale = 1): void => {
    const n = 3 * 3 * cin * cout;
    const std = Math.sqrt(2 / (3 * 3 * cin)) * scale;
    const w = new Float32Array(n);
    for (let i = 0; i < n; i++) w[i] = normal() * std;
    add(name, [3, 3, cin, cout], w);
  };
  const norm = (name: string, c: number): void => {
    add(`${name}/gamma`, [c], new Float32Array(c).fill(1));
    add(`${name}/beta`, [c], new Float32Array(c));
  };
  conv('head/conv', cfg.inChannels, cfg.width);
  norm('head/in', cfg.width);
  for (let i = 0; i < cfg.blocks; i++) {
    conv(`block${i}/conv1`, cfg.width, cfg.width);
    norm(`block${i}/in1`, cfg.width);
    conv(`block${i}/conv2`, cfg.width, cfg.width);
    norm(`block${i}/in2`, cfg.width);
  }
  conv('tail/conv', cfg.width, cfg.outChannels, cfg.outputInitScale);
  add('tail/bias', [cfg.outChannels], new Float32Array(cfg.outChannels));

  const v = (name: string) => variables.get(name) as tf.Variable;
  const apply = (x: tf.Tensor4D): tf.Tensor4D => {
    if (x.rank !== 4 || x.shape[3] !== cfg.inChannels) {
      throw new Error(`x: expected shape (batch, H, W, ${cfg.inChannels}), got (${x.shape.join(', ')})`);
    }
    return tf.tidy(() => {
      const c = (h: tf.Tensor4D, name: string) => tf.conv2d(h, v(name) as tf.Tensor4D, 1, 'same');
      const inorm = (h: tf.Tensor4D, name: string) =>
        instanceNorm(h, v(`${name}/gamma`) as tf.Tensor1D, v(`${name}/beta`) as tf.Tensor1D);
      let h = tf.relu(inorm(c(x, 'head/conv'), 'head/in'));
      for (let i = 0; i < cfg.blocks; i++) {
        const r = tf.relu(inorm(c(h, `block${i}/conv1`), `block${i}/in1`));
        h = tf.add(h, inorm(c(r, `block${i}/conv2`), `block${i}/in2`));
      }
      return tf.add(c(h, 'tail/conv'), v('tail/bias')) as tf.Tensor4D;
    });
  };
  return {
    config: cfg,
    variables,
    apply,
    dispose: () => {
      for (const t of variables.values()) t.dispose();
      variables.clear();
    },
  };
}

/**
 * Variable names and shapes of {@link createResidualNet} (the same order), without creating
 * anything: lets weights be checked against an architecture in any thread.
 */
export function residualNetShapes(c: { inChannels: number; outChannels: number; width: number; blocks: number }): Map<string, number[]> {
  const out = new Map<string, number[]>();
  out.set('head/conv', [3, 3, c.inChannels, c.width]);
  out.set('head/in/gamma', [c.width]);
  out.set('head/in/beta', [c.width]);
  for (let i = 0; i < c.blocks; i++) {
    for (const k of [1, 2]) {
      out.set(`block${i}/conv${k}`, [3, 3, c.width, c.width]);
      out.set(`block${i}/in${k}/gamma`, [c.width]);
      out.set(`block${i}/in${k}/beta`, [c.width]);
    }
  }
  out.set('tail/conv', [3, 3, c.width, c.outChannels]);
  out.set('tail/bias', [c.outChannels]);
  return out;
}

/** Variable names and shapes of {@link createT2Net} for `echoes` input echoes. */
export function t2NetShapes(c: { echoes: number; width: number; blocks: number }): Map<string, number[]> {
  return residualNetShapes({ inChannels: c.echoes, outChannels: 2, width: c.width, blocks: c.blocks });
}

function checkConfig(c: T2NetConfig): Required<T2NetConfig> {
  posInt(c.echoes, 'echoes', 1);
  posInt(c.width, 'width', 1);
  posInt(c.blocks, 'blocks', 0);
  if (!Number.isFinite(c.seed)) throw new Error(`seed: must be a finite number, got ${c.seed}`);
  const t2Range = c.t2Range ?? [1, 3000];
  if (!(t2Range[0] > 0 && t2Range[1] > t2Range[0])) {
    throw new Error(`t2Range: must satisfy 0 < min < max, got [${t2Range.join(', ')}]`);
  }
  return { echoes: c.echoes, width: c.width, blocks: c.blocks, seed: c.seed, t2Range: [t2Range[0], t2Range[1]] };
}

/**
 * The T2 network: {@link createResidualNet} (echoes → 2 channels, output conv ×
 * {@link OUTPUT_INIT_SCALE}, so that the heads start near their centres) read through bounded heads:
 *   M0 = softplus(z0),  T2 = exp(ln T2min + (ln T2max − ln T2min)·sigmoid(z1))
 * (the log-scale bound trains far better than a linear one over [1, 3000] ms).
 */
export function createT2Net(config: T2NetConfig): T2Net {
  const cfg = checkConfig(config);
  const trunk = createResidualNet({
    inChannels: cfg.echoes, outChannels: 2, width: cfg.width, blocks: cfg.blocks, seed: cfg.seed,
    outputInitScale: OUTPUT_INIT_SCALE, name: 't2net',
  });
  const lnMin = Math.log(cfg.t2Range[0]);
  const lnSpan = Math.log(cfg.t2Range[1]) - lnMin;

  const apply = (x: tf.Tensor4D): { m0: tf.Tensor3D; t2: tf.Tensor3D } => {
    if (x.rank !== 4 || x.shape[3] !== cfg.echoes) {
      throw new Error(`x: expected shape (batch, H, W, ${cfg.echoes}), got (${x.shape.join(', ')})`);
    }
    return tf.tidy(() => {
      const [z0, z1] = tf.split(trunk.apply(x), 2, 3);
      const [b, H, W] = x.shape;
      const m0 = tf.reshape(tf.softplus(z0), [b, H, W]) as tf.Tensor3D;
      const t2 = tf.reshape(tf.exp(tf.add(lnMin, tf.mul(lnSpan, tf.sigmoid(z1)))), [b, H, W]) as tf.Tensor3D;
      return { m0, t2 };
    });
  };

  return { config: cfg, variables: trunk.variables, apply, dispose: () => trunk.dispose() };
}

/**
 * Mono-exponential spin-echo signal, ρ_TE = M0 · exp(−TE / T2).
 *
 * @param m0 - (batch, H, W)
 * @param t2 - (batch, H, W), ms
 * @param TE - echo times, ms
 * @returns (batch, H, W, TE.length)
 */
export function synthesize(m0: tf.Tensor3D, t2: tf.Tensor3D, TE: readonly number[]): tf.Tensor4D {
  if (TE.length === 0) throw new Error('TE: needs at least one echo time');
  return tf.tidy(() => {
    const te = tf.tensor1d(Float32Array.from(TE));
    return tf.mul(tf.expandDims(m0, 3), tf.exp(tf.neg(tf.div(te, tf.expandDims(t2, 3))))) as tf.Tensor4D;
  });
}

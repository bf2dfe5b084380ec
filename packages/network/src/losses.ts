/**
 * Image losses between synthesised and measured echoes, as TensorFlow.js ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gaussianWindow1d } from '@relaxomap/metrics';

/** Loss names accepted by training: SSIM (the paper's T2/T2* setting), L1 (its MRF setting), MSE. */
export type LossName = 'ssim' | 'l1' | 'mse';

/** Options of {@link ssimTf}; defaults follow Wang et al. 2004. */
export interface SsimTfOptions {
  /** Dynamic range L (C1 = (K1 L)², C2 = (K2 L)²). Default 1 (inputs scaled to max 1). */
  dataRange?: number;
  /** Gaussian window side (odd). Default 11. */
  window?: number;
  /** Gaussian σ in pixels. Default 1.5. */
  sigma?: number;
  K1?: number;
  K2?: number;
}

/** The same Gaussian window as the plain-JS reference SSIM, in float32 for the conv kernel. */
function gaussian1d(size: number, sigma: number): Float32Array {
  return Float32Array.from(gaussianWindow1d(size, sigma));
}

/**
 * Mean SSIM of each channel image of `a` against `b` (Wang et al. 2004, Gaussian window, valid
 * region), averaged over batch and channels: the same value as `@relaxomap/metrics` `ssim2d`
 * averaged over the (batch, channel) images.
 *
 * The channels are folded into the batch and the window is applied as two 1-D conv2d passes
 * (11×1 then 1×11), so only Conv2D is needed (wasm has no DepthwiseConv2dNativeBackpropInput).
 *
 * @param a - (batch, H, W, C)
 * @param b - (batch, H, W, C), same shape; H, W ≥ window
 * @returns scalar mean SSIM
 */
export function ssimTf(a: tf.Tensor4D, b: tf.Tensor4D, opts: SsimTfOptions = {}): tf.Scalar {
  const window = opts.window ?? 11;
  const sigma = opts.sigma ?? 1.5;
  const L = opts.dataRange ?? 1;
  const C1 = ((opts.K1 ?? 0.01) * L) ** 2;
  const C2 = ((opts.K2 ?? 0.03) * L) ** 2;
  const [n, H, W, C] = a.shape;
  if (b.shape.join() !== a.shape.join()) throw new Error(`b: shape ${b.shape} differs from a's ${a.shape}`);
  if (H < window || W < window) throw new Error(`window: ${window} is larger than the image (${W}×${H})`);
  return tf.tidy(() => {
    const g = gaussian1d(window, sigma);
    const gy = tf.tensor4d(g, [window, 1, 1, 1]);
    const gx = tf.tensor4d(g, [1, window, 1, 1]);
    const fold = (t: tf.Tensor4D): tf.Tensor4D => tf.reshape(tf.transpose(t, [0, 3, 1, 2]), [n * C, H, W, 1]);
    const x = fold(a);
    const y = fold(b);
    // One pass filters all five moment images: [x, y, x², y², xy] stacked on the batch axis.
    const stack = tf.concat([x, y, tf.square(x), tf.square(y), tf.mul(x, y)], 0) as tf.Tensor4D;
    const filtered = tf.conv2d(tf.conv2d(stack, gy, 1, 'valid'), gx, 1, 'valid');
    const [mx, my, exx, eyy, exy] = tf.split(filtered, 5, 0);
    const mxy = tf.mul(mx, my);
    const mx2 = tf.square(mx);
    const my2 = tf.square(my);
    const vx = tf.sub(exx, mx2);
    const vy = tf.sub(eyy, my2);
    const cxy = tf.sub(exy, mxy);
    const num = tf.mul(tf.add(tf.mul(mxy, 2), C1), tf.add(tf.mul(cxy, 2), C2));
    const den = tf.mul(tf.add(tf.add(mx2, my2), C1), tf.add(tf.add(vx, vy), C2));
    return tf.mean(tf.div(num, den)) as tf.Scalar;
  });
}

/**
 * Training loss between synthesised echoes `pred` and measured echoes `target`, both
 * (batch, H, W, echoes): 'ssim' → 1 − mean SSIM ({@link ssimTf}, data range 1); 'l1' → mean |d|;
 * 'mse' → mean d².
 */
export function echoLoss(name: LossName, pred: tf.Tensor4D, target: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    switch (name) {
      case 'ssim':
        return tf.sub(1, ssimTf(pred, target)) as tf.Scalar;
      case 'l1':
        return tf.mean(tf.abs(tf.sub(pred, target))) as tf.Scalar;
      case 'mse':
        return tf.mean(tf.squaredDifference(pred, target)) as tf.Scalar;
      default:
        throw new Error(`loss: expected 'ssim' | 'l1' | 'mse', got ${String(name)}`);
    }
  });
}

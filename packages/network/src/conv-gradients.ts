/**
 * Conv2D gradients written with forward conv2d only.
 *
 * Why: the wasm backend of TensorFlow.js 4.22 has no `Conv2DBackpropFilter` kernel, so the built-in
 * Conv2D gradient cannot train there; and on the plain cpu backend the built-in filter gradient is
 * the bottleneck (~14× slower). Both gradients of a stride-1, dilation-1 NHWC convolution are
 * themselves stride-1 convolutions, which every backend has.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Padding of a stride-1 convolution: [top, bottom, left, right]. */
function stride1Padding(pad: unknown, kh: number, kw: number): [number, number, number, number] {
  if (pad === 'valid') return [0, 0, 0, 0];
  if (pad === 'same') {
    // TensorFlow convention: the odd pixel of padding goes to the bottom / right.
    const top = Math.floor((kh - 1) / 2);
    const left = Math.floor((kw - 1) / 2);
    return [top, kh - 1 - top, left, kw - 1 - left];
  }
  throw new Error(`pad: Conv2D gradient override supports 'same' and 'valid', got ${JSON.stringify(pad)}`);
}

function isOne(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'number') return v === 1;
  return Array.isArray(v) && v.every((e) => e === 1);
}

/**
 * Gradient of y = conv2d(x, w), x (b, H, W, C), w (kh, kw, C, O), y (b, Ho, Wo, O), stride 1:
 *
 *   ∂L/∂w[p,q,c,o] = Σ_{b,i,j} xpad[b, i+p, j+q, c] · dy[b, i, j, o]
 *     = valid conv2d of xᵀ (C, Hp, Wp, b) with dyᵀ (Ho, Wo, b, O) as filter, transposed back;
 *   ∂L/∂x = valid conv2d of dy padded by (k−1−pad) with w flipped in (p, q) and c↔o swapped.
 */
export const conv2dGradConfig: tf.GradConfig = {
  kernelName: 'Conv2D',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const dy4 = dy as tf.Tensor4D;
    const [x, w] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dilations, dataFormat } = attrs as unknown as {
      strides: number | [number, number];
      pad: unknown;
      dilations?: number | [number, number];
      dataFormat?: string;
    };
    if (!isOne(strides)) throw new Error(`strides: Conv2D gradient override needs stride 1, got ${String(strides)}`);
    if (!isOne(dilations)) throw new Error(`dilations: Conv2D gradient override needs dilation 1, got ${String(dilations)}`);
    if (dataFormat !== undefined && dataFormat !== 'NHWC') {
      throw new Error(`dataFormat: Conv2D gradient override needs NHWC, got ${dataFormat}`);
    }
    const [kh, kw] = w.shape;
    const [top, bottom, left, right] = stride1Padding(pad, kh, kw);
    return {
      x: () =>
        tf.tidy(() => {
          const dyPad = tf.pad(dy4, [[0, 0], [kh - 1 - top, kh - 1 - bottom], [kw - 1 - left, kw - 1 - right], [0, 0]]);
          const wFlip = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]);
          return tf.conv2d(dyPad, wFlip as tf.Tensor4D, 1, 'valid');
        }),
      filter: () =>
        tf.tidy(() => {
          const xPad = top + bottom + left + right > 0 ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]) : x;
          const xT = tf.transpose(xPad, [3, 1, 2, 0]) as tf.Tensor4D; // (C, Hp, Wp, b)
          const dyT = tf.transpose(dy4, [1, 2, 0, 3]) as tf.Tensor4D; // (Ho, Wo, b, O)
          const g = tf.conv2d(xT, dyT, 1, 'valid'); // (C, kh, kw, O)
          return tf.transpose(g, [1, 2, 0, 3]); // (kh, kw, C, O)
        }),
    };
  },
};

let registered = false;

/**
 * Replace TensorFlow.js's Conv2D gradient by {@link conv2dGradConfig} (global, all backends;
 * idempotent). Supports stride 1, dilation 1, 'same' / 'valid' padding, NHWC — the gradient throws
 * a one-line error otherwise. Depthwise convolutions are not covered: fold channels into the batch
 * and use conv2d instead (as the SSIM loss here does).
 */
export function registerConvGradients(): void {
  if (registered) return;
  tf.registerGradient(conv2dGradConfig);
  registered = true;
}

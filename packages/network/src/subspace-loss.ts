/**
 * The data term of the MRF subspace network: the series re-synthesised from complex subspace
 * coefficients, c·Φ, against the measured series, with a hand-written gradient.
 *
 * Why a custom gradient: at 112² voxels × 600 frames every elementwise op touches 7.5 M values per
 * part, and autodiff of mean(|c·Φ − x|) spends most of the step on them (the Mean gradient
 * materialises a tensor of ones, tf.sign is slow on wasm, and the gradient of the matMul goes
 * through a transposed matMul ~7× slower on wasm than one with Φᵀ given). Here the forward pass
 * computes the loss and its derivative with respect to the synthesised series at once; the
 * backward pass is two small matMuls with Φᵀ.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The measured side of {@link subspaceLoss}, all already divided by the input scale. */
export interface SubspaceTarget {
  /** Φ, (rank, frames). */
  phi: tf.Tensor2D;
  /** Φᵀ, (frames, rank). */
  phiT: tf.Tensor2D;
  /** Real and imaginary parts of the series, (voxels, frames). */
  re: tf.Tensor2D;
  im: tf.Tensor2D;
  /** Per-voxel weight, (voxels, 1): 1 kept, 0 held out; none = all kept. */
  weight?: tf.Tensor2D;
  /** Number of terms the loss is the mean of: 2 · frames · (kept voxels). */
  count: number;
}

/**
 * With d = c·Φ − x, real and imaginary parts separately (Φ real):
 *   'l1':  L = Σ w·(|d_re| + |d_im|) / count,   dL/dc_re = (w·sign(d_re))·Φᵀ / count
 *   'mse': L = Σ w·(d_re² + d_im²) / count,     dL/dc_re = (2·w·d_re)·Φᵀ / count
 * (likewise for im), sums over voxels and frames, w the voxel weight (1 without one).
 *
 * @param c - (voxels, 2·rank): re c_0..c_{R−1}, then im c_0..c_{R−1}
 * @returns scalar loss
 */
export function subspaceLoss(c: tf.Tensor2D, kind: 'l1' | 'mse', t: SubspaceTarget): tf.Scalar {
  if (kind !== 'l1' && kind !== 'mse') throw new Error(`loss: expected 'l1' | 'mse', got ${String(kind)}`);
  const [N, C] = c.shape;
  const [R, F] = t.phi.shape;
  if (C !== 2 * R) throw new Error(`c: expected (voxels, ${2 * R}) columns, got (${c.shape.join(', ')})`);
  if (t.re.shape.join() !== `${N},${F}` || t.im.shape.join() !== `${N},${F}`) {
    throw new Error(`target: expected re, im of shape (${N}, ${F}), got (${t.re.shape.join(', ')}), (${t.im.shape.join(', ')})`);
  }
  const f = tf.customGrad((...args: unknown[]) => {
    const ci = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    // Only the loss and dL/d(c·Φ) (up to 1/count) leave this tidy.
    const [value, gRe, gIm] = tf.tidy(() => {
      const [cRe, cIm] = tf.split(ci, 2, 1);
      const parts = ([[cRe, t.re], [cIm, t.im]] as const).map(([cp, x]) => {
        const d = tf.sub(tf.matMul(cp, t.phi), x);
        // sign(d) as clip(d·1e30, ±1): two fast kernels (wasm's Sign is slow); |d| < 1e-30 gets a
        // subgradient in (−1, 1), as valid as 0.
        let e = kind === 'l1' ? tf.abs(d) : tf.square(d);
        let g = kind === 'l1' ? tf.clipByValue(tf.mul(d, 1e30), -1, 1) : tf.mul(d, 2);
        if (t.weight !== undefined) {
          e = tf.mul(e, t.weight);
          g = tf.mul(g, t.weight);
        }
        return { sum: tf.sum(e), g };
      });
      return [tf.div(tf.add(parts[0].sum, parts[1].sum), t.count), parts[0].g, parts[1].g];
    });
    save([gRe, gIm]);
    return {
      value: value as tf.Scalar,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [sRe, sIm] = saved as [tf.Tensor2D, tf.Tensor2D];
          const scale = tf.div(dy as tf.Tensor, t.count);
          return tf.mul(tf.concat([tf.matMul(sRe, t.phiT), tf.matMul(sIm, t.phiT)], 1), scale);
        }),
    };
  });
  return f(c) as tf.Scalar;
}

/** The same loss by autodiff of the plain formula (a test reference). */
export function subspaceLossNaive(c: tf.Tensor2D, kind: 'l1' | 'mse', t: SubspaceTarget): tf.Scalar {
  return tf.tidy(() => {
    const [cRe, cIm] = tf.split(c, 2, 1);
    const term = (cp: tf.Tensor, x: tf.Tensor): tf.Tensor => {
      const d = tf.sub(tf.matMul(cp, t.phi), x);
      const e = kind === 'l1' ? tf.abs(d) : tf.square(d);
      return tf.sum(t.weight === undefined ? e : tf.mul(e, t.weight));
    };
    return tf.div(tf.add(term(cRe, t.re), term(cIm, t.im)), t.count) as tf.Scalar;
  });
}

/**
 * Exponential moving average of the network weights (Polyak averaging), used for inference.
 *
 * Why: with one slice per step the weights jitter from step to step (the SSIM loss especially);
 * the averaged weights give maps that depend much less on the exact step training stopped at.
 */
import * as tf from '@tensorflow/tfjs-core';

export class WeightAverage {
  /** Number of updates folded in (t). */
  count = 0;
  private readonly shadow = new Map<string, tf.Variable>();

  /**
   * @param variables - the network's variables by local name
   * @param decay - d in s ← d·s + (1 − d)·w; the average spans ~1/(1 − d) steps
   */
  constructor(
    private readonly variables: ReadonlyMap<string, tf.Variable>,
    readonly decay: number,
  ) {
    if (!(decay > 0 && decay < 1)) throw new Error(`emaDecay: must be in (0, 1), got ${decay}`);
    for (const [name, v] of variables) this.shadow.set(name, tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
  }

  /** Fold in the current weights (call after each optimiser step). */
  update(): void {
    this.count++;
    tf.tidy(() => {
      for (const [name, v] of this.variables) {
        const s = this.shadow.get(name) as tf.Variable;
        s.assign(tf.add(tf.mul(s, this.decay), tf.mul(v, 1 - this.decay)));
      }
    });
  }

  /**
   * Run `fn` with the network's variables set to the bias-corrected average s / (1 − dᵗ), then put
   * the trained weights back (also if `fn` throws). With no update yet, `fn` sees the weights as is.
   */
  async withAveraged<T>(fn: () => Promise<T>): Promise<T> {
    if (this.count === 0) return fn();
    const correction = 1 - this.decay ** this.count;
    const saved = new Map<string, tf.Tensor>();
    for (const [name, v] of this.variables) {
      saved.set(name, tf.clone(v));
      tf.tidy(() => v.assign(tf.div(this.shadow.get(name) as tf.Variable, correction)));
    }
    try {
      return await fn();
    } finally {
      for (const [name, v] of this.variables) {
        const t = saved.get(name) as tf.Tensor;
        v.assign(t);
        t.dispose();
      }
    }
  }

  /** Un-normalised shadow values and count (for checkpoints). */
  async getState(): Promise<{ count: number; shadow: Map<string, Float32Array> }> {
    const shadow = new Map<string, Float32Array>();
    for (const [name, s] of this.shadow) shadow.set(name, (await s.data()) as Float32Array);
    return { count: this.count, shadow };
  }

  setState(count: number, shadow: ReadonlyMap<string, Float32Array>): void {
    for (const [name, s] of this.shadow) {
      const data = shadow.get(name);
      if (data === undefined) throw new Error(`state: no moving average for variable ${name}`);
      tf.tidy(() => s.assign(tf.tensor(data, s.shape)));
    }
    this.count = count;
  }

  dispose(): void {
    for (const s of this.shadow.values()) s.dispose();
    this.shadow.clear();
  }
}

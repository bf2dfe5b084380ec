/**
 * Adam (Kingma & Ba 2015) with explicit, named state, so that a checkpoint can save and restore it
 * exactly (tf.train.adam matches its moments to variables by position and global name).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Adam hyper-parameters. */
export interface AdamConfig {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Serialisable Adam state: step count and first/second moments by variable name. */
export interface AdamState {
  step: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

/**
 * Adam over a fixed, named set of variables:
 *   m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²,
 *   θ ← θ − lr · (m / (1 − β1ᵗ)) / (sqrt(v / (1 − β2ᵗ)) + ε).
 */
export class Adam {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Number of updates applied so far (t). */
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    private readonly variables: ReadonlyMap<string, tf.Variable>,
    config: AdamConfig,
  ) {
    if (!(config.learningRate > 0)) throw new Error(`learningRate: must be > 0, got ${config.learningRate}`);
    this.learningRate = config.learningRate;
    this.beta1 = config.beta1 ?? 0.9;
    this.beta2 = config.beta2 ?? 0.999;
    this.epsilon = config.epsilon ?? 1e-8;
    for (const [name, variable] of variables) {
      // tidy frees the zero tensors; the variables keep their own reference to the data.
      this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(variable), false)));
      this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(variable), false)));
    }
  }

  /**
   * Apply one update from gradients keyed by the variables' global names (as tf.variableGrads
   * gives); `lrFactor` scales the learning rate of this step (a schedule).
   */
  apply(gradsByGlobalName: Record<string, tf.Tensor>, lrFactor = 1): void {
    this.step++;
    const t = this.step;
    const lrT = (this.learningRate * lrFactor * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    // ε is scaled like sqrt(v̂) so the update equals the bias-corrected formula above exactly.
    const epsT = this.epsilon * Math.sqrt(1 - this.beta2 ** t);
    tf.tidy(() => {
      for (const [name, variable] of this.variables) {
        const g = gradsByGlobalName[variable.name];
        if (g === undefined) throw new Error(`grads: no gradient for variable ${name}`);
        const m = this.m.get(name) as tf.Variable;
        const v = this.v.get(name) as tf.Variable;
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        variable.assign(tf.sub(variable, tf.div(tf.mul(m, lrT), tf.add(tf.sqrt(v), epsT))));
      }
    });
  }

  /** Copy of the state (moments read back from the backend). */
  async getState(): Promise<AdamState> {
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const name of this.variables.keys()) {
      m.set(name, (await (this.m.get(name) as tf.Variable).data()) as Float32Array);
      v.set(name, (await (this.v.get(name) as tf.Variable).data()) as Float32Array);
    }
    return { step: this.step, m, v };
  }

  setState(state: AdamState): void {
    for (const name of this.variables.keys()) {
      const m = state.m.get(name);
      const v = state.v.get(name);
      if (m === undefined || v === undefined) throw new Error(`state: no Adam moments for variable ${name}`);
      const target = this.m.get(name) as tf.Variable;
      tf.tidy(() => {
        target.assign(tf.tensor(m, target.shape));
        (this.v.get(name) as tf.Variable).assign(tf.tensor(v, target.shape));
      });
    }
    this.step = state.step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

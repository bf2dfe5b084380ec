/**
 * Gradients of the elementary kernels this package differentiates through.
 *
 * Why: `@tensorflow/tfjs-core`'s Node bundle registers NO gradients (the union package
 * `@tensorflow/tfjs` does, and its ES-module `register_all_gradients.js` cannot be loaded by Node:
 * extensionless imports, and it would be a second copy of the registry). Without them
 * `tf.variableGrads` fails with "gradient function not found for Sub". These follow the tfjs-core
 * definitions; each is registered only when no gradient is registered for that kernel yet, so a
 * full `@tensorflow/tfjs` (e.g. loaded by tfjs-node-gpu) keeps its own.
 */
import * as tf from '@tensorflow/tfjs-core';

type Grad = tf.GradConfig['gradFunc'];

/** Sum `dy` over the axes along which an input of `shape` was broadcast, then give it `shape`. */
function unbroadcast(dy: tf.Tensor, shape: number[]): tf.Tensor {
  const diff = dy.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) {
    const j = i - diff;
    if (j < 0 || (shape[j] === 1 && dy.shape[i] !== 1)) axes.push(i);
  }
  const reduced = axes.length > 0 ? tf.sum(dy, axes) : dy;
  return tf.reshape(reduced, shape);
}

/** Axis attribute → list of non-negative axes (null / undefined = all). */
function axesOf(axis: unknown, rank: number): number[] {
  if (axis === null || axis === undefined) return [...Array(rank).keys()];
  const list = Array.isArray(axis) ? (axis as number[]) : [axis as number];
  return list.map((a) => (a < 0 ? a + rank : a));
}

/** dy of a reduction over `axes` brought back to the input's shape. */
function expandReduced(dy: tf.Tensor, xShape: number[], axes: number[]): tf.Tensor {
  const shape = xShape.slice();
  for (const a of axes) shape[a] = 1;
  return tf.mul(tf.reshape(dy, shape), tf.ones(xShape));
}

const single = (f: (dy: tf.Tensor, saved: tf.Tensor[], attrs: tf.NamedAttrMap) => tf.Tensor): Grad =>
  ((dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => ({
    x: () => f(dy as tf.Tensor, saved, attrs),
  })) as Grad;

const binary = (
  fa: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  fb: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
): Grad =>
  ((dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const [a, b] = saved;
    const d = dy as tf.Tensor;
    return { a: () => unbroadcast(fa(d, a, b), a.shape), b: () => unbroadcast(fb(d, a, b), b.shape) };
  }) as Grad;

/** The gradient configurations, keyed by kernel name. */
export const coreGradConfigs: tf.GradConfig[] = [
  { kernelName: 'Add', inputsToSave: ['a', 'b'], gradFunc: binary((dy) => dy, (dy) => dy) },
  { kernelName: 'Sub', inputsToSave: ['a', 'b'], gradFunc: binary((dy) => dy, (dy) => tf.neg(dy)) },
  { kernelName: 'Multiply', inputsToSave: ['a', 'b'], gradFunc: binary((dy, _a, b) => tf.mul(dy, b), (dy, a) => tf.mul(dy, a)) },
  {
    kernelName: 'RealDiv',
    inputsToSave: ['a', 'b'],
    gradFunc: binary(
      (dy, _a, b) => tf.div(dy, b),
      (dy, a, b) => tf.neg(tf.div(tf.mul(dy, a), tf.square(b))),
    ),
  },
  {
    kernelName: 'SquaredDifference',
    inputsToSave: ['a', 'b'],
    gradFunc: binary(
      (dy, a, b) => tf.mul(dy, tf.mul(tf.sub(a, b), 2)),
      (dy, a, b) => tf.mul(dy, tf.mul(tf.sub(b, a), 2)),
    ),
  },
  { kernelName: 'Neg', gradFunc: single((dy) => tf.neg(dy)) },
  { kernelName: 'Identity', gradFunc: single((dy) => tf.clone(dy)) },
  { kernelName: 'Cast', gradFunc: single((dy) => tf.clone(dy)) },
  { kernelName: 'Abs', inputsToSave: ['x'], gradFunc: single((dy, [x]) => tf.mul(dy, tf.sign(x))) },
  { kernelName: 'Square', inputsToSave: ['x'], gradFunc: single((dy, [x]) => tf.mul(dy, tf.mul(x, 2))) },
  { kernelName: 'Sqrt', inputsToSave: ['x'], gradFunc: single((dy, [x]) => tf.div(dy, tf.mul(tf.sqrt(x), 2))) },
  { kernelName: 'Log', inputsToSave: ['x'], gradFunc: single((dy, [x]) => tf.div(dy, x)) },
  { kernelName: 'Exp', outputsToSave: [true], gradFunc: single((dy, [y]) => tf.mul(dy, y)) },
  { kernelName: 'Sigmoid', outputsToSave: [true], gradFunc: single((dy, [y]) => tf.mul(dy, tf.mul(y, tf.sub(1, y)))) },
  { kernelName: 'Softplus', inputsToSave: ['x'], gradFunc: single((dy, [x]) => tf.mul(dy, tf.sigmoid(x))) },
  { kernelName: 'Relu', inputsToSave: ['x'], gradFunc: single((dy, [x]) => tf.mul(dy, tf.step(x))) },
  { kernelName: 'Reshape', inputsToSave: ['x'], gradFunc: single((dy, [x]) => tf.reshape(dy, x.shape)) },
  {
    kernelName: 'ExpandDims',
    inputsToSave: ['input'],
    gradFunc: ((dy: tf.Tensor | tf.Tensor[], [input]: tf.Tensor[]) => ({
      input: () => tf.reshape(dy as tf.Tensor, input.shape),
    })) as Grad,
  },
  {
    kernelName: 'Transpose',
    gradFunc: single((dy, _s, attrs) => {
      const perm = attrs.perm as number[];
      const undo = new Array<number>(perm.length);
      perm.forEach((p, i) => (undo[p] = i));
      return tf.transpose(dy, undo);
    }),
  },
  {
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: single((dy, [x], attrs) => {
      const axes = axesOf(attrs.axis, x.rank);
      const size = axes.reduce((n, a) => n * x.shape[a], 1);
      return tf.div(expandReduced(dy, x.shape, axes), size);
    }),
  },
  {
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: single((dy, [x], attrs) => expandReduced(dy, x.shape, axesOf(attrs.axis, x.rank))),
  },
  {
    kernelName: 'PadV2',
    inputsToSave: ['x'],
    gradFunc: single((dy, [x], attrs) => {
      const paddings = attrs.paddings as Array<[number, number]>;
      return tf.slice(dy, paddings.map((p) => p[0]), x.shape);
    }),
  },
  {
    kernelName: 'SplitV',
    gradFunc: ((dy: tf.Tensor | tf.Tensor[], _s: tf.Tensor[], attrs: tf.NamedAttrMap) => ({
      x: () => tf.concat(dy as tf.Tensor[], attrs.axis as number),
    })) as Grad,
  },
  {
    // C = op(A)·op(B), op = optional transpose of the last two axes (rank-2 operands, or equal batch).
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: ((dy: tf.Tensor | tf.Tensor[], [a, b]: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const d = dy as tf.Tensor;
      const ta = attrs.transposeA === true;
      const tb = attrs.transposeB === true;
      const mm = (p: tf.Tensor, q: tf.Tensor, tp: boolean, tq: boolean) => tf.matMul(p, q, tp, tq);
      if (!ta && !tb) return { a: () => mm(d, b, false, true), b: () => mm(a, d, true, false) };
      if (!ta && tb) return { a: () => mm(d, b, false, false), b: () => mm(d, a, true, false) };
      if (ta && !tb) return { a: () => mm(b, d, false, true), b: () => mm(a, d, false, false) };
      return { a: () => mm(b, d, true, true), b: () => mm(d, a, true, true) };
    }) as Grad,
  },
  {
    kernelName: 'Concat',
    saveAllInputs: true,
    gradFunc: ((dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const rank = saved[0].rank;
      const axis = axesOf(attrs.axis, rank)[0];
      const parts = tf.split(dy as tf.Tensor, saved.map((t) => t.shape[axis]), axis);
      // Inputs of Concat are named '0', '1', ...: an array of thunks maps onto them.
      return parts.map((t) => () => t) as unknown as ReturnType<Grad>;
    }) as Grad,
  },
];

let registered = false;

/**
 * Register {@link coreGradConfigs} for every kernel that has no gradient yet (idempotent). Called by
 * `initBackend`; call it yourself if you pick a backend another way.
 */
export function registerCoreGradients(): void {
  if (registered) return;
  for (const config of coreGradConfigs) {
    if (tf.getGradient(config.kernelName) === undefined) tf.registerGradient(config);
  }
  registered = true;
}

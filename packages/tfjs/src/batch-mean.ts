import * as tf from '@tensorflow/tfjs';
import type { ChannelView } from './channel-view.js';
import type { SplitValue } from './split-value.js';

/**
 * The view as [C, m]: one row per channel, its m values along the last axis.
 * Allocates tensors: call inside `tf.tidy`.
 */
function channelRows(x: tf.Tensor, view: ChannelView): tf.Tensor2D {
  const c = view.paramShape.reduce((a, b) => a * b, 1);
  const channelFirst = view.spatialAxis === 1 ? tf.transpose(x, [2, 0, 1]) : tf.transpose(x, [1, 0, 2]);
  return tf.reshape(channelFirst, [c, view.count]);
}

/**
 * The rows' sums as float32 pairs by a pairwise tree of error-free additions (Knuth's TwoSum):
 * each level adds the two halves of the row, and what each addition rounds away is kept exactly
 * and summed on the side. hi + lo is the row sum with an error of order u^2 log2(m) sum|x|
 * (u = 2^-24), as if accumulated in float64. It relies on tfjs rounding each float32 addition
 * and subtraction to nearest, one at a time, which the cpu and wasm kernels do.
 * Allocates tensors: call inside `tf.tidy`.
 */
function pairwiseTwoSum(rows: tf.Tensor2D): { hi: tf.Tensor; lo: tf.Tensor } {
  const c = rows.shape[0];
  let s: tf.Tensor2D = rows;
  let lo: tf.Tensor = tf.zeros([c]);
  while (s.shape[1] > 1) {
    if (s.shape[1] % 2 === 1) s = tf.pad(s, [[0, 0], [0, 1]]);
    const half = s.shape[1] / 2;
    const a = tf.slice(s, [0, 0], [c, half]);
    const b = tf.slice(s, [0, half], [c, half]);
    const sum: tf.Tensor2D = tf.add(a, b);
    const bVirtual = tf.sub(sum, a);
    const error = tf.add(tf.sub(a, tf.sub(sum, bVirtual)), tf.sub(b, bVirtual));
    lo = tf.add(lo, tf.sum(error, 1));
    s = sum;
  }
  return { hi: tf.reshape(s, [c]), lo };
}

/**
 * The per-channel sum of x as float32 hi and lo parts (param-shaped) whose float64 sum has a
 * relative error of order 2^-24 or better. The cpu backend's reductions accumulate in float64 and
 * round once, so one `tf.sum` gives it (no lo); elsewhere sums accumulate in float32 and a
 * pairwise TwoSum tree does.
 * Allocates tensors: call inside `tf.tidy`.
 */
export function channelTotal(x: tf.Tensor, view: ChannelView): SplitValue {
  if (tf.getBackend() === 'cpu') return { hi: tf.sum(x, [0, view.spatialAxis], true) };
  const { hi, lo } = pairwiseTwoSum(channelRows(x, view));
  return { hi: tf.reshape(hi, [...view.paramShape]), lo: tf.reshape(lo, [...view.paramShape]) };
}

/**
 * Reads tensors back and frees them. Reads are asynchronous: tfjs's WebGPU backend reads
 * synchronously through a slow path that, on some adapters (Chromium's SwiftShader), leaves
 * every later read failing, and on WebGL a synchronous read stalls the page.
 */
export async function readAndDispose(tensors: readonly tf.Tensor[]): Promise<Float32Array[]> {
  try {
    return (await Promise.all(tensors.map((tensor) => tensor.data()))) as Float32Array[];
  } finally {
    tf.dispose([...tensors]);
  }
}

/** Per-channel shifted moments as read back from tfjs (see `ShiftedMoments`). */
export interface ReadMoments {
  readonly shift: Float32Array;
  readonly meanOffset: Float32Array;
  readonly variance: Float32Array;
}

/**
 * The batch means in float64, from the read-back moments. shift + meanOffset has
 * an error of order 2^-24 times the spread, which is small against the mean when the mean is
 * farther than one standard deviation from zero, and exact for a constant channel. For a mean
 * nearer zero (the suite holds means to 1e-5 of themselves, which float32 sums of values of
 * order one cannot give), those channels are taken from `channelTotal` of x divided by m; that
 * pass runs only when such a channel exists. A NaN channel stays NaN. x stays the caller's.
 */
export async function batchMeans(x: tf.Tensor, view: ChannelView, moments: ReadMoments): Promise<Float64Array> {
  const { shift, meanOffset, variance } = moments;
  const means = Float64Array.from(shift, (s, i) => s + (meanOffset[i] as number));
  const nearZero = [...means.keys()].filter((i) => !(Math.abs(means[i] as number) > Math.sqrt(variance[i] as number)));
  if (nearZero.length === 0) return means;
  const parts = tf.tidy(() => {
    const total = channelTotal(x, view);
    return total.lo ? [total.hi, total.lo] : [total.hi];
  });
  const [hi, lo] = await readAndDispose(parts);
  for (const i of nearZero) means[i] = (((hi as Float32Array)[i] as number) + (lo ? (lo[i] as number) : 0)) / view.count;
  return means;
}

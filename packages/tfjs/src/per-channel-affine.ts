import * as tf from '@tensorflow/tfjs';
import type { ChannelView } from './channel-view.js';

/**
 * The per-channel affine map offset + (t - mean) * scale / sqrt(variance + eps): param-shaped
 * values; absent ones take the neutral value.
 */
export interface AffineParts {
  /** Subtracted first; default 0. */
  readonly mean?: tf.Tensor;
  /** The result is divided by sqrt(variance + eps); default: no division. */
  readonly variance?: tf.Tensor;
  readonly eps?: number;
  /** Multiplied after the division; default 1. */
  readonly scale?: tf.Tensor;
  /** Added last; default 0. */
  readonly offset?: tf.Tensor;
}

/**
 * A param-shaped tensor laid out along the trailing axes of the 2-D form of the view: [C] for
 * channels-last ([N*S, C]) and [C*S] for channels-first ([N, C*S]), each channel's value repeated
 * over its S positions. Broadcasting along the last axis is what `tf.batchNorm` does right.
 */
function trailing(param: tf.Tensor, view: ChannelView): tf.Tensor {
  const c = view.paramShape.reduce((a, b) => a * b, 1);
  if (view.spatialAxis === 1 || view.shape[2] === 1) return tf.reshape(param, [c]);
  const s = view.shape[2] as number;
  return tf.reshape(tf.broadcastTo(param, [1, c, s]), [c * s]);
}

/**
 * The affine map through broadcasting binary ops on the view, which backends with native kernels
 * (wasm) run fast. The per-channel factors are multiplied first, so x meets one multiplication.
 */
function broadcastAffine(t: tf.Tensor, parts: AffineParts): tf.Tensor {
  const invStd = parts.variance ? tf.rsqrt(tf.add(parts.variance, tf.scalar(parts.eps ?? 0, 'float32'))) : undefined;
  const factor = invStd && parts.scale ? tf.mul(parts.scale, invStd) : (invStd ?? parts.scale);
  const centered = parts.mean ? tf.sub(t, parts.mean) : t;
  const scaled = factor ? tf.mul(centered, factor) : centered;
  return parts.offset ? tf.add(scaled, parts.offset) : scaled;
}

/**
 * The affine map in one `tf.batchNorm` kernel. The cpu backend broadcasts a [1, C, 1] tensor
 * in its binary ops element by element through index arithmetic, while its batchNorm kernel walks
 * the parameters along the last axis; laying the parameters out along the trailing axes of the
 * view's 2-D form makes that walk the right broadcast for every layout (tfjs's documented
 * last-axis broadcasting, not the [C, 1, 1] mis-broadcast the README warns about).
 */
function batchNormAffine(t: tf.Tensor, view: ChannelView, parts: AffineParts): tf.Tensor {
  const rows = view.spatialAxis === 1 ? (view.shape[0] as number) * (view.shape[1] as number) : (view.shape[0] as number);
  const flat = tf.reshape(t, [rows, -1]) as tf.Tensor2D;
  const width = flat.shape[1];
  const lay = (param: tf.Tensor | undefined): tf.Tensor1D | undefined => (param ? (trailing(param, view) as tf.Tensor1D) : undefined);
  const mean = lay(parts.mean) ?? tf.zeros([width]);
  const variance = lay(parts.variance) ?? tf.ones([width]);
  const eps = parts.variance ? (parts.eps ?? 0) : 0;
  // tfjs saves scale for its gradient even when it is absent, so neutral values are passed explicitly.
  const offset = lay(parts.offset) ?? tf.zeros([width]);
  const scale = lay(parts.scale) ?? tf.ones([width]);
  const y = tf.batchNorm(flat, mean as tf.Tensor1D, variance as tf.Tensor1D, offset as tf.Tensor1D, scale as tf.Tensor1D, eps);
  return tf.reshape(y, [...view.shape]);
}

/**
 * offset + (t - mean) * scale / sqrt(variance + eps), per channel of a view-shaped tensor. On the
 * cpu backend it runs as one batchNorm kernel (5 to 30 times faster there than broadcasting binary
 * ops); on other backends as broadcasting binary ops (faster on wasm, whose batchNorm kernel and
 * its gradient are slow). Both are differentiable by tfjs autodiff and both compute in float32
 * tensors (the cpu kernel evaluates each element in float64 before storing it).
 * Allocates tensors: call inside `tf.tidy`.
 */
export function perChannelAffine(t: tf.Tensor, view: ChannelView, parts: AffineParts): tf.Tensor {
  return tf.getBackend() === 'cpu' ? batchNormAffine(t, view, parts) : broadcastAffine(t, parts);
}

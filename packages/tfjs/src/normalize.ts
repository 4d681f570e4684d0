import * as tf from '@tensorflow/tfjs';
import type { ChannelView } from './channel-view.js';
import { shiftedMoments, type ShiftedMoments } from './moments.js';
import { perChannelAffine } from './per-channel-affine.js';
import type { SplitValue } from './split-value.js';

/** Per-channel gamma and beta, param-shaped; absent ones act as 1 and 0 (affine off). */
export interface AffineTensors {
  readonly gamma?: tf.Tensor;
  readonly beta?: tf.Tensor;
}

/** 1 / sqrt(variance + eps). */
export function inverseStd(variance: tf.Tensor, eps: number): tf.Tensor {
  return tf.rsqrt(tf.add(variance, tf.scalar(eps, 'float32')));
}

/** What the training forward computes, view- or param-shaped. */
export interface TrainForwardTensors {
  readonly y: tf.Tensor;
  readonly moments: ShiftedMoments;
  readonly invStd: tf.Tensor;
}

/**
 * The training forward on a view-shaped x: the batch's own statistics (see `shiftedMoments`;
 * `shift` defaults to each channel's first value), invStd and
 * y = gamma * centered / sqrt(var + eps) + beta. y is formed from the centred values, so no large
 * offset meets the scale. Allocates tensors: call inside `tf.tidy`.
 */
export function trainForwardOnView(x: tf.Tensor, view: ChannelView, eps: number, affine: AffineTensors, shift?: tf.Tensor): TrainForwardTensors {
  const moments = shiftedMoments(x, view, shift);
  const y = perChannelAffine(moments.centered, view, { variance: moments.variance, eps, scale: affine.gamma, offset: affine.beta });
  return { y, moments, invStd: inverseStd(moments.variance, eps) };
}

/**
 * Inference on a view-shaped x with given statistics: y = gamma * (x - mean) / sqrt(var + eps) + beta,
 * subtracting the mean's float32 hi part first (exact for x near it) and then its lo part.
 * Allocates tensors: call inside `tf.tidy`.
 */
export function inferenceOnView(x: tf.Tensor, view: ChannelView, mean: SplitValue, variance: tf.Tensor, eps: number, affine: AffineTensors): tf.Tensor {
  const rough = mean.lo ? perChannelAffine(x, view, { mean: mean.hi }) : x;
  return perChannelAffine(rough, view, { mean: mean.lo ?? mean.hi, variance, eps, scale: affine.gamma, offset: affine.beta });
}

import * as tf from '@tensorflow/tfjs';
import { channelMean, firstValues, type ChannelView } from './channel-view.js';
import { perChannelAffine } from './per-channel-affine.js';

/**
 * Per-channel batch statistics in float32, kept in a form that loses nothing to a large offset:
 * the batch mean is `shift + meanOffset`, never rounded into one float32.
 */
export interface ShiftedMoments {
  /** The shift subtracted before summing: each channel's first value in the batch (param-shaped). */
  readonly shift: tf.Tensor;
  /** mean(x - shift) per channel (param-shaped). */
  readonly meanOffset: tf.Tensor;
  /** x - mean, as (x - shift) - meanOffset (view-shaped). */
  readonly centered: tf.Tensor;
  /** The biased variance mean((x - mean)^2) per channel (param-shaped). */
  readonly variance: tf.Tensor;
}

/**
 * Shifted two-pass moments of a view-shaped float32 tensor. float32 sums of values near 1e4 lose
 * the spread (0.1) of those values; subtracting a value of the channel first (exact in float32 for
 * values within a factor of two of it) leaves sums of small deviations that float32 keeps well, and
 * a constant channel gives exactly zero. The second pass sums squared deviations from the mean,
 * never E[x^2] - E[x]^2. `shift` is taken from x unless given (autodiff passes it as a constant).
 * Allocates tensors: call inside `tf.tidy`.
 */
export function shiftedMoments(x: tf.Tensor, view: ChannelView, shift: tf.Tensor = firstValues(x, view)): ShiftedMoments {
  const shifted = perChannelAffine(x, view, { mean: shift });
  const meanOffset = channelMean(shifted, view);
  const centered = perChannelAffine(shifted, view, { mean: meanOffset });
  const variance = channelMean(tf.square(centered), view);
  return { shift, meanOffset, centered, variance };
}

import * as tf from '@tensorflow/tfjs';
import type { ShapeInfo } from '@bnkit/core';

/**
 * How the adapter looks at a tensor of any layout: channels-first tensors as [N, C, S] and
 * channels-last ones as [N, S, C], with S the product of the spatial dims. Both are reshapes (no
 * data moves), the channel axis is explicit, and per-channel parameters get a shape that
 * broadcasts along it. tfjs's `batchNorm` broadcasts parameters along the last axis only, which
 * silently gives wrong values for [C, 1, 1] parameters on channels-first input; the adapter never
 * hands it parameters in that shape (see `perChannelAffine`).
 */
export interface ChannelView {
  /** The shape the tensor is reshaped to. */
  readonly shape: readonly number[];
  /** The shape per-channel values take to broadcast along the channel axis of `shape`. */
  readonly paramShape: readonly number[];
  /** The axis of `shape` holding the spatial positions (S); the batch axis is 0. */
  readonly spatialAxis: number;
  /** Values per channel in the batch (m = N * S). */
  readonly count: number;
}

/** The view of a shape read against its layout (see `ChannelView`). */
export function channelView(info: ShapeInfo): ChannelView {
  if (info.channelsLast) {
    return { shape: [info.n, info.spatial, info.c], paramShape: [1, 1, info.c], spatialAxis: 1, count: info.perChannel };
  }
  return { shape: [info.n, info.c, info.spatial], paramShape: [1, info.c, 1], spatialAxis: 2, count: info.perChannel };
}

/**
 * The per-channel sum of a view-shaped tensor, param-shaped. It sums over the spatial axis first
 * and then over the batch: backends that accumulate in float32 (wasm) then add m = N * S values in
 * two runs of S and N instead of one run of m, which keeps the rounding error far smaller.
 */
export function channelSum(t: tf.Tensor, view: ChannelView): tf.Tensor {
  return tf.sum(tf.sum(t, view.spatialAxis, true), 0, true);
}

/** The per-channel mean of a view-shaped tensor, param-shaped (see `channelSum`). */
export function channelMean(t: tf.Tensor, view: ChannelView): tf.Tensor {
  return tf.div(channelSum(t, view), tf.scalar(view.count, 'float32'));
}

/** Each channel's first value in the batch (sample 0, spatial position 0), param-shaped. */
export function firstValues(x: tf.Tensor, view: ChannelView): tf.Tensor {
  return tf.slice(x, [0, 0, 0], [...view.paramShape]);
}

import * as tf from '@tensorflow/tfjs';
import { newBatchWeight, type ResolvedOptions } from '@bnkit/core';

/** Running statistics after one training step, as tfjs tensors of shape [C]. */
export interface UpdatedRunningTensors {
  readonly runningMean: tf.Tensor1D;
  readonly runningVar: tf.Tensor1D;
  readonly numBatchesTracked: number;
}

/**
 * Core's running-statistics rule (`updateRunningStats`) in tfjs ops, so running statistics stay
 * tensors: running = (1 - w) * running + w * batch with w from core's `newBatchWeight`, and the
 * batch variance times m/(m-1) where the convention keeps an unbiased running variance (only for
 * m > 1). The arithmetic is float32; the weight and correction are computed once in float64.
 * Allocates tensors: call inside `tf.tidy`.
 */
export function updateRunningTensors(step: {
  runningMean: tf.Tensor1D;
  runningVar: tf.Tensor1D;
  numBatchesTracked: number;
  batchMean: tf.Tensor1D;
  /** Biased. */
  batchVar: tf.Tensor1D;
  count: number;
  options: ResolvedOptions;
}): UpdatedRunningTensors {
  const numBatchesTracked = step.numBatchesTracked + 1;
  const w = newBatchWeight(step.options, numBatchesTracked);
  const correction = step.options.convention.runningVariance === 'unbiased' && step.count > 1 ? step.count / (step.count - 1) : 1;
  const keep = tf.scalar(1 - w, 'float32');
  const runningMean: tf.Tensor1D = tf.add(tf.mul(step.runningMean, keep), tf.mul(step.batchMean, tf.scalar(w, 'float32')));
  const runningVar: tf.Tensor1D = tf.add(tf.mul(step.runningVar, keep), tf.mul(step.batchVar, tf.scalar(w * correction, 'float32')));
  return { runningMean, runningVar, numBatchesTracked };
}

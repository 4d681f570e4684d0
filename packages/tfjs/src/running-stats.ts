import * as tf from '@tensorflow/tfjs';
import { newBatchWeight, runningVarianceFactor, type ResolvedOptions } from '@bnkit/core';

/** Running statistics after one training step, as tfjs tensors of shape [C]. */
export interface UpdatedRunningTensors {
  readonly runningMean: tf.Tensor1D;
  readonly runningVar: tf.Tensor1D;
  readonly numBatchesTracked: number;
}

/**
 * Core's running-statistics rule (`updateRunningStats`) in tfjs ops, for the tensor API, whose
 * callers keep running statistics as tensors on their tfjs backend (the `Backend` updates them in
 * float64 with core's `runningStatsAfterBatch` instead): running = (1 - w) * running + w * batch
 * with w from core's `newBatchWeight`, and the batch variance times core's
 * `runningVarianceFactor`. The arithmetic is float32; the weight and factor come from core in float64.
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
  const correction = runningVarianceFactor(step.options.convention, step.count);
  const keep = tf.scalar(1 - w, 'float32');
  const runningMean: tf.Tensor1D = tf.add(tf.mul(step.runningMean, keep), tf.mul(step.batchMean, tf.scalar(w, 'float32')));
  const runningVar: tf.Tensor1D = tf.add(tf.mul(step.runningVar, keep), tf.mul(step.batchVar, tf.scalar(w * correction, 'float32')));
  return { runningMean, runningVar, numBatchesTracked };
}

import { runningVarianceFactor } from './derived.js';
import type { ResolvedOptions } from './options.js';
import type { CheckedTrainForwardInput, FloatArray } from './tensors.js';
import type { Prepared } from './validate.js';

/** Running statistics after an update, in float64. */
export interface UpdatedRunningStats {
  runningMean: Float64Array;
  runningVar: Float64Array;
  numBatchesTracked: number;
}

/** What one training step contributes to the running statistics. */
export interface RunningStatsStep {
  runningMean: FloatArray;
  /** In the convention's own kind: unbiased for pytorch, biased for keras and onnx. */
  runningVar: FloatArray;
  numBatchesTracked?: number;
  batchMean: ArrayLike<number>;
  /** The biased batch variance, mean((x - mu)^2). */
  batchVar: ArrayLike<number>;
  /** The count m of values per channel in the batch. */
  count: number;
  options: ResolvedOptions;
}

/**
 * The weight the new batch gets in the update: `momentum` under PyTorch's meaning,
 * `1 - momentum` under Keras' and ONNX's, and `1 / numBatchesTracked` (after counting this batch)
 * for the cumulative average (`momentum: null`).
 */
export function newBatchWeight(options: ResolvedOptions, numBatchesTrackedAfter: number): number {
  if (options.momentum === null) return 1 / numBatchesTrackedAfter;
  return options.convention.momentumMeaning === 'weight-on-new-batch' ? options.momentum : 1 - options.momentum;
}

/**
 * Applies one batch to the running statistics by the convention's rule:
 * running = (1 - w) * running + w * batch, with w from `newBatchWeight`, and the batch variance
 * made unbiased (times m/(m-1)) where the convention keeps an unbiased running variance.
 * `numBatchesTracked` counts up by one under every convention.
 */
export function updateRunningStats(step: RunningStatsStep): UpdatedRunningStats {
  const numBatchesTracked = (step.numBatchesTracked ?? 0) + 1;
  const w = newBatchWeight(step.options, numBatchesTracked);
  const correction = runningVarianceFactor(step.options.convention, step.count);
  const c = step.runningMean.length;
  // Views of one new buffer: each typed array of its own costs an allocation outside the heap
  // (five arrays of 1024 channels took 11.7 us, one of all of them 3 us).
  const values = new Float64Array(2 * c);
  const runningMean = values.subarray(0, c);
  const runningVar = values.subarray(c);
  for (let i = 0; i < c; i++) {
    runningMean[i] = (1 - w) * (step.runningMean[i] as number) + w * (step.batchMean[i] as number);
    runningVar[i] = (1 - w) * (step.runningVar[i] as number) + w * (step.batchVar[i] as number) * correction;
  }
  return { runningMean, runningVar, numBatchesTracked };
}

/**
 * The running statistics a training forward returns: those of `input` (the request checked by
 * `prepareTrainForward`) updated with the batch's
 * statistics when `trackRunningStats` is on, nothing when it is off. Backends call it after
 * `prepareTrainForward`, so every backend applies the same convention rule.
 */
export function runningStatsAfterBatch(
  input: Pick<CheckedTrainForwardInput, 'runningMean' | 'runningVar' | 'numBatchesTracked'>,
  batch: { batchMean: ArrayLike<number>; batchVar: ArrayLike<number> },
  prepared: Prepared,
): UpdatedRunningStats | Record<string, never> {
  if (!prepared.options.trackRunningStats) return {};
  return updateRunningStats({
    runningMean: input.runningMean as FloatArray,
    runningVar: input.runningVar as FloatArray,
    numBatchesTracked: input.numBatchesTracked,
    batchMean: batch.batchMean,
    batchVar: batch.batchVar,
    count: prepared.info.perChannel,
    options: prepared.options,
  });
}

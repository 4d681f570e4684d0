import { BnShapeError, BnValueError, convertRunningVar, describeValue, type ConventionName } from '@bnkit/core';

/**
 * A PyTorch `BatchNorm*d.state_dict()` as plain numbers (what `{k: v.tolist()}` gives in Python).
 * `weight`/`bias` are absent when `affine=False`; the running entries when `track_running_stats=False`.
 * `running_var` is PyTorch's unbiased running variance.
 */
export interface PyTorchStateDict {
  weight?: number[];
  bias?: number[];
  running_mean?: number[];
  running_var?: number[];
  num_batches_tracked?: number;
}

/**
 * A Keras / tfjs-layers `BatchNormalization` layer's weights by name. `moving_variance` is the
 * biased running variance Keras keeps.
 */
export interface KerasWeights {
  gamma?: number[];
  beta?: number[];
  moving_mean: number[];
  moving_variance: number[];
}

/**
 * Checks that an entry of a state is an array of `channels` finite numbers and copies it.
 * @throws BnValueError naming the entry when it is not an array of finite numbers (or, for a
 *   variance, holds a negative value); BnShapeError when its length is not `channels`.
 */
export function readChannels(argument: string, values: unknown, channels: number, nonNegative = false): Float64Array {
  if (values === null || typeof values !== 'object' || typeof (values as ArrayLike<number>).length !== 'number') {
    throw new BnValueError(argument, `an array of ${channels} numbers`, describeValue(values));
  }
  const array = values as ArrayLike<unknown>;
  if (array.length !== channels) throw new BnShapeError(argument, `length ${channels} (numFeatures)`, `length ${array.length}`);
  const result = new Float64Array(channels);
  for (let i = 0; i < channels; i++) {
    const v = array[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || (nonNegative && v < 0)) {
      throw new BnValueError(`${argument}[${i}]`, nonNegative ? 'a finite number >= 0' : 'a finite number', describeValue(v));
    }
    result[i] = v;
  }
  return result;
}

/**
 * Converts a running variance between the kinds two conventions keep (see core's
 * `convertRunningVar`); `count` (values per channel in each batch) is needed only when the kinds
 * differ.
 * @throws BnValueError when a conversion is needed and `count` is missing or below 2.
 */
export function runningVarFor(runningVar: ArrayLike<number>, from: ConventionName, to: ConventionName, count: number | undefined): Float64Array {
  return convertRunningVar(Float64Array.from(runningVar), count ?? Number.NaN, from, to);
}

/** A float array as plain numbers, for JSON. */
export function toNumbers(values: ArrayLike<number> | undefined): number[] | undefined {
  return values === undefined ? undefined : Array.from(values);
}

import * as tf from '@tensorflow/tfjs';
import type { FloatArray } from '@bnkit/core';

/**
 * A per-channel value held as two float32 tensors whose sum is the value: `hi` is the value
 * rounded to float32 and `lo` what rounding dropped. A float64 mean near 1e4 rounded to float32 is
 * off by up to 5e-4, which is half a percent of a 0.1 spread; subtracting hi and then lo keeps it.
 */
export interface SplitValue {
  readonly hi: tf.Tensor;
  /** Absent when the value is exactly a float32 (a float32 input). */
  readonly lo?: tf.Tensor;
}

/**
 * Splits a float array into float32 hi and lo parts, each shaped `shape`. A Float32Array has no
 * lo part. Allocates tensors: call inside `tf.tidy`.
 */
export function splitValue(values: FloatArray, shape: readonly number[]): SplitValue {
  if (values instanceof Float32Array) return { hi: tf.tensor(values, [...shape], 'float32') };
  const hi = Float32Array.from(values);
  const lo = Float32Array.from(values, (v, i) => v - (hi[i] as number));
  return { hi: tf.tensor(hi, [...shape], 'float32'), lo: tf.tensor(lo, [...shape], 'float32') };
}

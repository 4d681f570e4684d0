import * as tf from '@tensorflow/tfjs';
import {
  BnShapeError,
  BnValueError,
  describeShape,
  describeValue,
  resolveOptions,
  type BnOptions,
  type Layout,
  type ResolvedOptions,
  type ShapeInfo,
} from '@bnkit/core';

/** A validated tensor-level request: the shape of x read against its layout, and the options. */
export interface PreparedTensors {
  readonly info: ShapeInfo;
  readonly options: ResolvedOptions;
}

/**
 * Checks that `value` is a live float32 `tf.Tensor`.
 * @throws BnValueError naming `argument` when it is not a tensor, is disposed or is not float32.
 */
export function checkTensor(argument: string, value: unknown): tf.Tensor {
  if (!(value instanceof tf.Tensor)) throw new BnValueError(argument, 'a tf.Tensor', describeValue(value));
  if (value.isDisposed) throw new BnValueError(argument, 'a tensor not yet disposed', 'a disposed tensor');
  if (value.dtype !== 'float32') throw new BnValueError(argument, 'a float32 tensor', `dtype ${value.dtype}`);
  return value;
}

/**
 * Checks that `value` is a live float32 tensor of shape [C].
 * @throws BnValueError when it is not such a tensor; BnShapeError when its shape is not [C].
 */
export function checkChannelTensor(argument: string, value: unknown, c: number, why: string): tf.Tensor {
  const tensor = checkTensor(argument, value);
  if (tensor.rank !== 1 || tensor.shape[0] !== c) {
    throw new BnShapeError(argument, `shape [${c}] (C, ${why})`, `shape ${describeValue(tensor.shape)}`);
  }
  return tensor;
}

/**
 * Validates x, its layout and the options, the checks every tensor-level call shares.
 * @throws BnValueError, BnShapeError naming the argument, expected and given value.
 */
export function prepareTensors(x: unknown, layout: Layout, options: BnOptions | undefined): PreparedTensors {
  const resolved = resolveOptions(options);
  const tensor = checkTensor('x', x);
  return { info: describeShape(tensor.shape, layout, 'x.shape'), options: resolved };
}

/**
 * Checks that each channel holds at least two values in training, unless the options allow one,
 * as core's validation does for arrays.
 * @throws BnValueError naming x.
 */
export function checkValuesPerChannel(info: ShapeInfo, options: ResolvedOptions): void {
  if (info.perChannel >= 2 || options.allowSingleValuePerChannel) return;
  throw new BnValueError(
    'x',
    'more than 1 value per channel in training (set options.allowSingleValuePerChannel to allow it)',
    `${info.perChannel} value per channel for shape ${describeValue(info.shape)} ${info.layout}`,
  );
}

/**
 * Checks a batch count.
 * @throws BnValueError when it is not an integer >= 0.
 */
export function checkBatchCount(value: unknown): number {
  if (value === undefined) return 0;
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= 0)) {
    throw new BnValueError('numBatchesTracked', 'an integer >= 0', describeValue(value));
  }
  return value;
}

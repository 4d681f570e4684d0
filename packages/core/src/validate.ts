import { BnShapeError, BnValueError, describeValue } from './errors.js';
import { describeShape, type ShapeInfo } from './layout.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import type { BackwardInput, FloatArray, InferenceInput, TrainForwardInput } from './tensors.js';

/** A validated request: the shape read against its layout and the options with defaults filled in. */
export interface Prepared {
  readonly info: ShapeInfo;
  readonly options: ResolvedOptions;
}

function isFloatArray(value: unknown): value is FloatArray {
  return value instanceof Float32Array || value instanceof Float64Array;
}

/**
 * Checks that `value` is a Float32Array or Float64Array of `length` elements.
 * @throws BnValueError when it is not a float array; BnShapeError when its length differs.
 */
export function checkArray(argument: string, value: unknown, length: number, what: string): FloatArray {
  if (!isFloatArray(value)) {
    throw new BnValueError(argument, `a Float32Array or Float64Array (${what})`, describeValue(value));
  }
  if (value.length !== length) {
    throw new BnShapeError(argument, `length ${length} (${what})`, `length ${value.length}`);
  }
  return value;
}

/**
 * Checks that a request is an object before any field of it is read.
 * @throws BnValueError naming `input` when it is null, undefined or not an object.
 */
function checkRequest(input: unknown): void {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new BnValueError('input', 'a request object ({ x, shape, layout, ... })', describeValue(input));
  }
}

function checkTensor(input: { x: unknown; shape: readonly number[]; layout: InferenceInput['layout'] }): ShapeInfo {
  const info = describeShape(input.shape, input.layout);
  checkArray('x', input.x, info.size, `the product of shape ${describeValue(input.shape)}`);
  return info;
}

function checkAffine(input: { gamma?: unknown; beta?: unknown }, info: ShapeInfo, options: ResolvedOptions, needBeta: boolean): void {
  if (!options.affine) return;
  checkArray('gamma', input.gamma, info.c, `C = ${info.c}, required when affine`);
  if (needBeta) checkArray('beta', input.beta, info.c, `C = ${info.c}, required when affine`);
}

function checkRunningStats(input: { runningMean?: unknown; runningVar?: unknown; numBatchesTracked?: unknown }, info: ShapeInfo): void {
  checkArray('runningMean', input.runningMean, info.c, `C = ${info.c}, required when trackRunningStats`);
  const runningVar = checkArray('runningVar', input.runningVar, info.c, `C = ${info.c}, required when trackRunningStats`);
  for (let i = 0; i < runningVar.length; i++) {
    const v = runningVar[i] as number;
    // Written so that NaN fails too: a NaN variance makes a whole channel NaN, as the ONNX exporter refuses it.
    if (!(v >= 0)) throw new BnValueError('runningVar', 'every value >= 0 (not NaN)', `runningVar[${i}] = ${v}`);
  }
  const count = input.numBatchesTracked;
  if (count !== undefined && !(Number.isInteger(count) && (count as number) >= 0)) {
    throw new BnValueError('numBatchesTracked', 'an integer >= 0', describeValue(count));
  }
}

/**
 * Validates an inference request. Running statistics are required unless
 * `trackRunningStats` is false (then the batch's own statistics are used).
 * @throws BnShapeError, BnValueError naming the argument, expected and given value (`input` when the request is not an object).
 */
export function prepareInference(input: InferenceInput): Prepared {
  checkRequest(input);
  const options = resolveOptions(input.options);
  const info = checkTensor(input);
  checkAffine(input, info, options, true);
  if (options.trackRunningStats) checkRunningStats(input, info);
  else if (info.perChannel < 2 && !options.allowSingleValuePerChannel) throwSingleValue(info);
  return { info, options };
}

/**
 * Validates a training-forward request. Running statistics are required when
 * `trackRunningStats` is true (the default). Each channel must hold at least two values unless
 * `allowSingleValuePerChannel` is set, as in PyTorch.
 * @throws BnShapeError, BnValueError naming the argument, expected and given value (`input` when the request is not an object).
 */
export function prepareTrainForward(input: TrainForwardInput): Prepared {
  checkRequest(input);
  const options = resolveOptions(input.options);
  const info = checkTensor(input);
  checkAffine(input, info, options, true);
  if (options.trackRunningStats) checkRunningStats(input, info);
  if (info.perChannel < 2 && !options.allowSingleValuePerChannel) throwSingleValue(info);
  return { info, options };
}

/**
 * Validates a backward request: dy like x, gamma when affine, and the saved mean and inverse
 * std (length C, inverse std > 0).
 * @throws BnShapeError, BnValueError naming the argument, expected and given value (`input` when the request is not an object).
 */
export function prepareBackward(input: BackwardInput): Prepared {
  checkRequest(input);
  const options = resolveOptions(input.options);
  const info = checkTensor(input);
  checkArray('dy', input.dy, info.size, `the size of x`);
  checkAffine(input, info, options, false);
  checkArray('savedMean', input.savedMean, info.c, `C = ${info.c}`);
  const invStd = checkArray('savedInvStd', input.savedInvStd, info.c, `C = ${info.c}`);
  for (let i = 0; i < invStd.length; i++) {
    const v = invStd[i] as number;
    if (!(v > 0)) throw new BnValueError('savedInvStd', 'every value > 0', `savedInvStd[${i}] = ${v}`);
  }
  return { info, options };
}

function throwSingleValue(info: ShapeInfo): never {
  throw new BnValueError(
    'x',
    'more than 1 value per channel in training (set options.allowSingleValuePerChannel to allow it)',
    `${info.perChannel} value per channel for shape ${describeValue(info.shape)} ${info.layout}`,
  );
}

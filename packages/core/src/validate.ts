import { BnShapeError, BnValueError, describeValue } from './errors.js';
import { describeShape, type ShapeInfo } from './layout.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import type {
  BackwardInput,
  CheckedBackwardInput,
  CheckedInferenceInput,
  CheckedTrainForwardInput,
  FloatArray,
  InferenceInput,
  TrainForwardInput,
} from './tensors.js';

/** A validated request: the shape read against its layout and the options with defaults filled in. */
export interface Prepared {
  readonly info: ShapeInfo;
  readonly options: ResolvedOptions;
}

/**
 * A validated request with its arrays ready for a backend: `input` is a shallow copy of the
 * caller's request in which every `number[]` is a float array (see `TensorData`) and gamma and
 * beta are filled in when `affine` is on and they were left out. The caller's object is not changed.
 */
export interface PreparedRequest<T> extends Prepared {
  readonly input: T;
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

/**
 * Checks an input array of `length` elements and returns it as a float array: a float array as
 * it is, a `number[]` converted once to the element type of `like` (Float32Array without one).
 * @throws BnValueError when it is neither, or an element of a `number[]` is not a number;
 *   BnShapeError when its length differs.
 */
function checkData(argument: string, value: unknown, length: number, what: string, like?: FloatArray): FloatArray {
  if (!Array.isArray(value)) return checkArray(argument, value, length, what);
  if (value.length !== length) throw new BnShapeError(argument, `length ${length} (${what})`, `length ${value.length}`);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'number') throw new BnValueError(argument, `numbers (${what})`, `${argument}[${i}] = ${describeValue(value[i])}`);
  }
  return like instanceof Float64Array ? Float64Array.from(value as number[]) : Float32Array.from(value as number[]);
}

/** An array of `c` elements of `like`'s element type, every element `value`. */
function filled(like: FloatArray, c: number, value: number): FloatArray {
  return like instanceof Float64Array ? new Float64Array(c).fill(value) : new Float32Array(c).fill(value);
}

function checkTensor(input: { x: unknown; shape: readonly number[]; layout: InferenceInput['layout'] }): { info: ShapeInfo; x: FloatArray } {
  const info = describeShape(input.shape, input.layout);
  const x = checkData('x', input.x, info.size, `the product of shape ${describeValue(input.shape)}`);
  return { info, x };
}

/** gamma or beta as given (checked), or `fill` in every channel when left out. */
function affineArray(argument: 'gamma' | 'beta', value: unknown, info: ShapeInfo, x: FloatArray, fill: number): FloatArray {
  return value === undefined ? filled(x, info.c, fill) : checkData(argument, value, info.c, `C = ${info.c}`, x);
}

/**
 * gamma and beta when affine: the given ones checked, ones and zeros for those left out (as
 * PyTorch and tfjs initialise them); neither when not affine, whatever was given.
 */
function checkAffine(input: { gamma?: unknown; beta?: unknown }, info: ShapeInfo, options: ResolvedOptions, x: FloatArray): { gamma: FloatArray | undefined; beta: FloatArray | undefined } {
  if (!options.affine) return { gamma: undefined, beta: undefined };
  return { gamma: affineArray('gamma', input.gamma, info, x, 1), beta: affineArray('beta', input.beta, info, x, 0) };
}

function checkRunningStats(
  input: { runningMean?: unknown; runningVar?: unknown; numBatchesTracked?: unknown },
  info: ShapeInfo,
  x: FloatArray,
): { runningMean: FloatArray; runningVar: FloatArray } {
  const what = `C = ${info.c}, required when trackRunningStats`;
  const runningMean = checkData('runningMean', input.runningMean, info.c, what, x);
  const runningVar = checkData('runningVar', input.runningVar, info.c, what, x);
  for (let i = 0; i < runningVar.length; i++) {
    const v = runningVar[i] as number;
    // Written so that NaN fails too: a NaN variance makes a whole channel NaN, as the ONNX exporter refuses it.
    if (!(v >= 0)) throw new BnValueError('runningVar', 'every value >= 0 (not NaN)', `runningVar[${i}] = ${v}`);
  }
  const count = input.numBatchesTracked;
  if (count !== undefined && !(Number.isInteger(count) && (count as number) >= 0)) {
    throw new BnValueError('numBatchesTracked', 'an integer >= 0', describeValue(count));
  }
  return { runningMean, runningVar };
}

/**
 * Validates an inference request and readies its arrays (see `PreparedRequest`). Running
 * statistics are required unless `trackRunningStats` is false (then the batch's own statistics
 * are used); gamma and beta default to ones and zeros.
 * @throws BnShapeError, BnValueError naming the argument, expected and given value (`input` when the request is not an object).
 */
export function prepareInference(input: InferenceInput): PreparedRequest<CheckedInferenceInput> {
  checkRequest(input);
  const options = resolveOptions(input.options);
  const { info, x } = checkTensor(input);
  const affine = checkAffine(input, info, options, x);
  const running = options.trackRunningStats ? checkRunningStats(input, info, x) : { runningMean: undefined, runningVar: undefined };
  if (!options.trackRunningStats && info.perChannel < 2 && !options.allowSingleValuePerChannel) throwSingleValue(info);
  return { info, options, input: { ...input, x, ...affine, ...running } };
}

/**
 * Validates a training-forward request and readies its arrays (see `PreparedRequest`). Running
 * statistics are required when `trackRunningStats` is true (the default); gamma and beta default
 * to ones and zeros. Each channel must hold at least two values unless
 * `allowSingleValuePerChannel` is set, as in PyTorch.
 * @throws BnShapeError, BnValueError naming the argument, expected and given value (`input` when the request is not an object).
 */
export function prepareTrainForward(input: TrainForwardInput): PreparedRequest<CheckedTrainForwardInput> {
  checkRequest(input);
  const options = resolveOptions(input.options);
  const { info, x } = checkTensor(input);
  const affine = checkAffine(input, info, options, x);
  const running = options.trackRunningStats ? checkRunningStats(input, info, x) : { runningMean: undefined, runningVar: undefined };
  if (info.perChannel < 2 && !options.allowSingleValuePerChannel) throwSingleValue(info);
  return { info, options, input: { ...input, x, ...affine, ...running } };
}

/**
 * Validates a backward request and readies its arrays (see `PreparedRequest`): dy like x, gamma
 * when affine (default ones), and the saved mean and inverse std (length C, inverse std > 0).
 * @throws BnShapeError, BnValueError naming the argument, expected and given value (`input` when the request is not an object).
 */
export function prepareBackward(input: BackwardInput): PreparedRequest<CheckedBackwardInput> {
  checkRequest(input);
  const options = resolveOptions(input.options);
  const { info, x } = checkTensor(input);
  const dy = checkData('dy', input.dy, info.size, `the size of x`, x);
  const gamma = options.affine ? affineArray('gamma', input.gamma, info, x, 1) : undefined;
  const savedMean = checkData('savedMean', input.savedMean, info.c, `C = ${info.c}`, x);
  const savedInvStd = checkData('savedInvStd', input.savedInvStd, info.c, `C = ${info.c}`, x);
  for (let i = 0; i < savedInvStd.length; i++) {
    const v = savedInvStd[i] as number;
    if (!(v > 0)) throw new BnValueError('savedInvStd', 'every value > 0', `savedInvStd[${i}] = ${v}`);
  }
  return { info, options, input: { ...input, x, dy, gamma, savedMean, savedInvStd } };
}

function throwSingleValue(info: ShapeInfo): never {
  throw new BnValueError(
    'x',
    'more than 1 value per channel in training (set options.allowSingleValuePerChannel to allow it)',
    `${info.perChannel} value per channel for shape ${describeValue(info.shape)} ${info.layout}`,
  );
}

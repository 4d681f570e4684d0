import {
  checkArray,
  prepareBackward,
  prepareInference,
  prepareTrainForward,
  runningStatsAfterBatch,
  type BackwardInput,
  type BackwardOutput,
  type FloatArray,
  type InferenceInput,
  type InferenceOutput,
  type TrainForwardInput,
  type TrainForwardOutput,
} from '@bnkit/core';
import type { Executor } from './executor.js';
import type { MomentsAccumulator } from './kernels.js';
import { geometryOf, type Geometry } from './geometry.js';

/** Chooses the executor for one request, from the arrays it will read and write. */
export type ExecutorChoice = (geo: Geometry, arrays: readonly FloatArray[]) => Executor;

/** The caller's buffer when given (checked), else a new array of x's type. */
function outputBuffer(given: FloatArray | undefined, argument: string, x: FloatArray, size: number): FloatArray {
  if (given !== undefined) return checkArray(argument, given, size, 'the size of x');
  return x instanceof Float64Array ? new Float64Array(size) : new Float32Array(size);
}

interface BatchStatistics {
  batchMean: Float64Array;
  batchVar: Float64Array;
  invStd: Float64Array;
}

async function batchStatistics(executor: Executor, x: FloatArray, geo: Geometry, eps: number): Promise<BatchStatistics> {
  return statisticsOf(await executor.moments(x, geo), geo.c, eps);
}

function statisticsOf(moments: MomentsAccumulator, c: number, eps: number): BatchStatistics {
  const batchVar = new Float64Array(c);
  const invStd = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const v = (moments.m2[ch] as number) / (moments.count[ch] as number);
    batchVar[ch] = v;
    invStd[ch] = 1 / Math.sqrt(v + eps);
  }
  return { batchMean: moments.mean, batchVar, invStd };
}

/** scale = gamma * invStd and shift = beta per channel; gamma 1 and beta 0 when not affine. */
function scaleAndShift(c: number, invStd: Float64Array, gamma: FloatArray | undefined, beta: FloatArray | undefined): [Float64Array, Float64Array] {
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    scale[ch] = (gamma ? (gamma[ch] as number) : 1) * (invStd[ch] as number);
    shift[ch] = beta ? (beta[ch] as number) : 0;
  }
  return [scale, shift];
}

/**
 * Training forward: float64 batch moments (exact two-pass per run, merged by Chan's update),
 * y = gamma * (x - mean) * invStd + beta in float64 stored in y's type, and the running
 * statistics updated by the convention's rule. y has x's element type (or is `out.y`); the
 * statistics are float64.
 * @throws BnShapeError, BnValueError from core's `prepareTrainForward`, or for a wrong `out.y`.
 */
export async function trainForward(request: TrainForwardInput, choose: ExecutorChoice): Promise<TrainForwardOutput> {
  const prepared = prepareTrainForward(request);
  const { info, options, input } = prepared;
  const geo = geometryOf(info);
  const y = outputBuffer(input.out?.y, 'out.y', input.x, info.size);
  const executor = choose(geo, [input.x, y]);
  const gamma = options.affine ? input.gamma : undefined;
  const beta = options.affine ? input.beta : undefined;
  const stats = await batchStatistics(executor, input.x, geo, options.eps);
  const [scale, shift] = scaleAndShift(geo.c, stats.invStd, gamma, beta);
  await executor.affine(input.x, y, geo, stats.batchMean, scale, shift);
  return { y, ...stats, ...runningStatsAfterBatch(input, stats, prepared) };
}

/**
 * Inference: y = gamma * (x - runningMean) / sqrt(runningVar + eps) + beta, in float64 stored in
 * y's type; with `trackRunningStats: false` the batch's own statistics are used.
 * @throws BnShapeError, BnValueError from core's `prepareInference`, or for a wrong `out.y`.
 */
export async function inference(request: InferenceInput, choose: ExecutorChoice): Promise<InferenceOutput> {
  const { info, options, input } = prepareInference(request);
  const geo = geometryOf(info);
  const y = outputBuffer(input.out?.y, 'out.y', input.x, info.size);
  const executor = choose(geo, [input.x, y]);
  const gamma = options.affine ? input.gamma : undefined;
  const beta = options.affine ? input.beta : undefined;
  let mean: Float64Array;
  let invStd: Float64Array;
  if (options.trackRunningStats) {
    mean = Float64Array.from(input.runningMean as FloatArray);
    invStd = Float64Array.from(input.runningVar as FloatArray, (v) => 1 / Math.sqrt(v + options.eps));
  } else {
    const stats = await batchStatistics(executor, input.x, geo, options.eps);
    mean = stats.batchMean;
    invStd = stats.invStd;
  }
  const [scale, shift] = scaleAndShift(geo.c, invStd, gamma, beta);
  await executor.affine(input.x, y, geo, mean, scale, shift);
  return { y };
}

/**
 * Backward of the training forward from the saved mean and inverse std: dbeta = sum(dy),
 * dgamma = sum(dy * xhat), dx = gamma * invStd / m * (m * dy - dbeta - xhat * dgamma), the sums
 * in float64. dx has x's element type (or is `out.dx`); dgamma and dbeta are float64 and present
 * only when affine.
 * @throws BnShapeError, BnValueError from core's `prepareBackward`, or for a wrong `out.dx`.
 */
export async function backward(request: BackwardInput, choose: ExecutorChoice): Promise<BackwardOutput> {
  const { info, options, input } = prepareBackward(request);
  const geo = geometryOf(info);
  const dx = outputBuffer(input.out?.dx, 'out.dx', input.x, info.size);
  const executor = choose(geo, [input.x, input.dy, dx]);
  const mean = Float64Array.from(input.savedMean);
  const { sumDy, sumDyCentered } = await executor.gradSums(input.x, input.dy, geo, mean);
  const m = info.perChannel;
  const dgamma = new Float64Array(geo.c);
  const kDy = new Float64Array(geo.c);
  const kCentered = new Float64Array(geo.c);
  const kConst = new Float64Array(geo.c);
  for (let ch = 0; ch < geo.c; ch++) {
    const invStd = input.savedInvStd[ch] as number;
    const gamma = options.affine ? ((input.gamma as FloatArray)[ch] as number) : 1;
    dgamma[ch] = (sumDyCentered[ch] as number) * invStd;
    const k = (gamma * invStd) / m;
    kDy[ch] = k * m;
    kCentered[ch] = -k * invStd * (dgamma[ch] as number);
    kConst[ch] = -k * (sumDy[ch] as number);
  }
  await executor.gradInput(input.x, input.dy, dx, geo, mean, kDy, kCentered, kConst);
  return options.affine ? { dx, dgamma, dbeta: sumDy } : { dx };
}

import {
  checkArray,
  inverseStd,
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
import type { Executor, PassExecutor } from './executor.js';
import { geometryOf, type Geometry } from './geometry.js';
import { readableBeside, type SameMemory } from './overlap.js';
import type { ChannelScratch } from './channel-scratch.js';

/** What the operations need from the backend: where outputs come from and which executor runs. */
export interface OperationContext {
  /** The executor for one request, from the tensors it will read (x, or x and dy) and write. */
  choose(inputs: readonly FloatArray[], output: FloatArray): Executor;
  /** A new output of `size` elements for a caller who passed none, given the input it follows. */
  output(input: FloatArray, size: number): FloatArray;
  /** Whether two arrays are views of the same memory. */
  sameMemory: SameMemory;
  /** Per-channel arrays for intermediate values, reused from one operation to the next. */
  scratch: ChannelScratch;
}

/** The caller's buffer when given (checked), else a new output from the backend. */
function outputBuffer(given: FloatArray | undefined, argument: string, x: FloatArray, size: number, context: OperationContext): FloatArray {
  if (given !== undefined) return checkArray(argument, given, size, 'the size of x');
  return context.output(x, size);
}

interface BatchStatistics {
  batchMean: Float64Array;
  batchVar: Float64Array;
  invStd: Float64Array;
}

/** New arrays for a batch's statistics of c channels: views of one buffer. */
function newBatchStatistics(c: number): BatchStatistics {
  const block = new Float64Array(3 * c);
  return { batchMean: block.subarray(0, c), batchVar: block.subarray(c, 2 * c), invStd: block.subarray(2 * c) };
}

/** The batch's mean, biased variance and inverse std, float64, as views of one new buffer. */
async function batchStatistics(executor: PassExecutor, x: FloatArray, geo: Geometry, eps: number, scratch: ChannelScratch): Promise<BatchStatistics> {
  const { c } = geo;
  const { batchMean, batchVar, invStd } = newBatchStatistics(c);
  const acc = { count: scratch.zeros(), mean: batchMean, m2: scratch.zeros() };
  await executor.moments({ x, geo, acc });
  for (let ch = 0; ch < c; ch++) {
    const v = (acc.m2[ch] as number) / (acc.count[ch] as number);
    batchVar[ch] = v;
    invStd[ch] = inverseStd(v, eps);
  }
  return { batchMean, batchVar, invStd };
}

/**
 * The affine kernel's per-channel scale and shift in one pass: scale = gamma * invStd (invStd
 * itself when not affine), shift = beta (0 when not affine).
 */
function scaleAndShift(invStd: Float64Array, gamma: FloatArray | undefined, beta: FloatArray | undefined, scratch: ChannelScratch): { scale: Float64Array; shift: Float64Array } {
  const scale = scratch.take();
  const shift = scratch.take();
  const c = invStd.length;
  if (gamma && beta) {
    for (let ch = 0; ch < c; ch++) {
      scale[ch] = (gamma[ch] as number) * (invStd[ch] as number);
      shift[ch] = beta[ch] as number;
    }
  } else {
    scale.set(invStd);
    shift.fill(0);
  }
  return { scale, shift };
}

/**
 * Training forward: float64 batch moments (the corrected two-pass formula around a shift per run
 * or channel, parts merged by Chan's update; see the executors),
 * y = gamma * (x - mean) * invStd + beta stored in y's type, and the running statistics updated
 * by the convention's rule. y has x's element type (or is `out.y`); the statistics are float64.
 * An `out.y` that partly overlaps x is handled (x is read from a copy).
 * @throws BnShapeError, BnValueError from core's `prepareTrainForward`, or for a wrong `out.y`.
 */
export async function trainForward(request: TrainForwardInput, context: OperationContext): Promise<TrainForwardOutput> {
  const prepared = prepareTrainForward(request);
  const { info, options, input } = prepared;
  const geo = geometryOf(info);
  const { scratch } = context;
  scratch.begin(geo.c);
  const y = outputBuffer(input.out?.y, 'out.y', input.x, info.size, context);
  const x = readableBeside(input.x, y, context.sameMemory);
  const executor = context.choose([x], y);
  const gamma = options.affine ? input.gamma : undefined;
  const beta = options.affine ? input.beta : undefined;
  if (executor.kind === 'operations') {
    // The running statistics are copied before y is written, whatever memory they share with it
    // (gamma and beta are copied by the executor).
    const runningMean = input.runningMean as FloatArray;
    const runningVar = input.runningVar as FloatArray;
    const aliased = options.trackRunningStats && (context.sameMemory(runningMean, y) || context.sameMemory(runningVar, y));
    const before = aliased ? { runningMean: scratch.from(runningMean), runningVar: scratch.from(runningVar), numBatchesTracked: input.numBatchesTracked } : input;
    const stats = newBatchStatistics(geo.c);
    await executor.trainForward({ x, y, geo, eps: options.eps, gamma, beta, stats });
    return { y, ...stats, ...runningStatsAfterBatch(before, stats, prepared) };
  }
  const stats = await batchStatistics(executor, x, geo, options.eps, scratch);
  // Every per-channel input is read before y is written, whatever memory they share.
  const running = runningStatsAfterBatch(input, stats, prepared);
  const { scale, shift } = scaleAndShift(stats.invStd, gamma, beta, scratch);
  await executor.affine({ x, y, geo, mean: stats.batchMean, scale, shift });
  return { y, ...stats, ...running };
}

/**
 * Inference: y = gamma * (x - runningMean) / sqrt(runningVar + eps) + beta, stored in y's type;
 * with `trackRunningStats: false` the batch's own statistics are used. An `out.y` that partly
 * overlaps x is handled (x is read from a copy).
 * @throws BnShapeError, BnValueError from core's `prepareInference`, or for a wrong `out.y`.
 */
export async function inference(request: InferenceInput, context: OperationContext): Promise<InferenceOutput> {
  const { info, options, input } = prepareInference(request);
  const geo = geometryOf(info);
  const { scratch } = context;
  scratch.begin(geo.c);
  const y = outputBuffer(input.out?.y, 'out.y', input.x, info.size, context);
  const x = readableBeside(input.x, y, context.sameMemory);
  const executor = context.choose([x], y);
  const gamma = options.affine ? input.gamma : undefined;
  const beta = options.affine ? input.beta : undefined;
  if (executor.kind === 'operations') {
    if (options.trackRunningStats) await executor.inference({ x, y, geo, eps: options.eps, runningMean: input.runningMean as FloatArray, runningVar: input.runningVar as FloatArray, gamma, beta });
    else await executor.trainForward({ x, y, geo, eps: options.eps, gamma, beta, stats: newBatchStatistics(geo.c) });
  } else if (options.trackRunningStats) {
    // One pass over the channels: mean, scale = gamma * invStd and shift = beta.
    const runningMean = input.runningMean as FloatArray;
    const runningVar = input.runningVar as FloatArray;
    const mean = scratch.take();
    const scale = scratch.take();
    const shift = scratch.take();
    for (let ch = 0; ch < geo.c; ch++) {
      mean[ch] = runningMean[ch] as number;
      const invStd = inverseStd(runningVar[ch] as number, options.eps);
      scale[ch] = gamma ? (gamma[ch] as number) * invStd : invStd;
      shift[ch] = beta ? (beta[ch] as number) : 0;
    }
    await executor.affine({ x, y, geo, mean, scale, shift });
  } else {
    const stats = await batchStatistics(executor, x, geo, options.eps, scratch);
    const { scale, shift } = scaleAndShift(stats.invStd, gamma, beta, scratch);
    await executor.affine({ x, y, geo, mean: stats.batchMean, scale, shift });
  }
  return { y };
}

/**
 * Backward of the training forward from the saved mean and inverse std: dbeta = sum(dy),
 * dgamma = sum(dy * xhat), dx = gamma * invStd / m * (m * dy - dbeta - xhat * dgamma), the sums
 * in float64. dx has x's element type (or is `out.dx`); dgamma and dbeta are float64 and present
 * only when affine. An `out.dx` that partly overlaps x or dy is handled (they are read from copies).
 * @throws BnShapeError, BnValueError from core's `prepareBackward`, or for a wrong `out.dx`.
 */
export async function backward(request: BackwardInput, context: OperationContext): Promise<BackwardOutput> {
  const { info, options, input } = prepareBackward(request);
  const geo = geometryOf(info);
  const { c } = geo;
  const { scratch } = context;
  scratch.begin(c);
  const dx = outputBuffer(input.out?.dx, 'out.dx', input.x, info.size, context);
  const x = readableBeside(input.x, dx, context.sameMemory);
  const dy = readableBeside(input.dy, dx, context.sameMemory);
  const executor = context.choose([x, dy], dx);
  const m = info.perChannel;
  const gamma = options.affine ? (input.gamma as FloatArray) : undefined;
  const block = new Float64Array(2 * c);
  if (executor.kind === 'operations') {
    // Every per-channel input is copied in before dx is written.
    const sums = { sumDy: block.subarray(0, c), dgamma: block.subarray(c) };
    await executor.backward({ x, dy, dx, geo, m, mean: input.savedMean, invStd: input.savedInvStd, gamma, sums });
    return options.affine ? { dx, dgamma: sums.dgamma, dbeta: sums.sumDy } : { dx };
  }
  const mean = scratch.from(input.savedMean);
  const sums = { sumDy: block.subarray(0, c), sumDyCentered: scratch.zeros() };
  const dgamma = block.subarray(c);
  await executor.gradSums({ x, dy, geo, mean, sums });
  const { sumDy, sumDyCentered } = sums;
  const kDy = scratch.take();
  const kCentered = scratch.take();
  const kConst = scratch.take();
  for (let ch = 0; ch < c; ch++) {
    const invStd = input.savedInvStd[ch] as number;
    dgamma[ch] = (sumDyCentered[ch] as number) * invStd;
    const k = ((gamma ? (gamma[ch] as number) : 1) * invStd) / m;
    kDy[ch] = k * m;
    kCentered[ch] = -k * invStd * (dgamma[ch] as number);
    kConst[ch] = -k * (sumDy[ch] as number);
  }
  await executor.gradInput({ x, dy, dx, geo, mean, kDy, kCentered, kConst });
  return options.affine ? { dx, dgamma, dbeta: sumDy } : { dx };
}

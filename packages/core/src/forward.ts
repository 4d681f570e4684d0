import { biasedVariance, channelMoments } from './channel-stats.js';
import { inverseStds } from './derived.js';
import { forEachInChannel, type ShapeInfo } from './layout.js';
import { runningStatsAfterBatch } from './running-stats.js';
import type { FloatArray, InferenceInput, InferenceOutput, TrainForwardInput, TrainForwardOutput } from './tensors.js';
import { prepareInference, prepareTrainForward } from './validate.js';

/** Float64 results of the reference training forward. */
export interface ReferenceTrainForwardOutput extends TrainForwardOutput {
  y: Float64Array;
  batchMean: Float64Array;
  batchVar: Float64Array;
  invStd: Float64Array;
  runningMean?: Float64Array;
  runningVar?: Float64Array;
}

/** Float64 result of the reference inference. */
export interface ReferenceInferenceOutput extends InferenceOutput {
  y: Float64Array;
}

/**
 * Normalises with mean and inverse std: y = gamma * ((x - mean) * invStd) + beta, in float64, in
 * that order. Subtracting the mean first keeps beta whole: the folded form scale * x + (beta -
 * mean * scale) cancels beta when mean * scale dwarfs it (a zero-variance channel with eps 1e-50
 * gives scale 1e25, and beta 0.5 vanishes).
 */
function applyStats(
  x: FloatArray,
  info: ShapeInfo,
  mean: ArrayLike<number>,
  invStd: ArrayLike<number>,
  gamma: FloatArray | undefined,
  beta: FloatArray | undefined,
): Float64Array {
  const y = new Float64Array(info.size);
  for (let ch = 0; ch < info.c; ch++) {
    const g = gamma ? (gamma[ch] as number) : 1;
    const b = beta ? (beta[ch] as number) : 0;
    const mu = mean[ch] as number;
    const s = invStd[ch] as number;
    forEachInChannel(info, ch, (i) => {
      y[i] = g * (((x[i] as number) - mu) * s) + b;
    });
  }
  return y;
}

function batchStats(x: FloatArray, info: ShapeInfo, eps: number): { batchMean: Float64Array; batchVar: Float64Array; invStd: Float64Array } {
  const moments = channelMoments(x, info);
  const batchMean = Float64Array.from(moments, (m) => m.mean);
  const batchVar = Float64Array.from(moments, biasedVariance);
  const invStd = inverseStds(batchVar, eps);
  return { batchMean, batchVar, invStd };
}

/**
 * The reference training forward in float64: batch mean, biased batch variance, inverse std
 * 1/sqrt(var + eps), y = gamma * (x - mean) * invStd + beta, and the running statistics updated by
 * the convention's rule (when `trackRunningStats`). A NaN in a channel of x makes that channel's
 * y, statistics and running statistics NaN; other channels are unaffected.
 * @throws BnShapeError, BnValueError on invalid input (see `prepareTrainForward`).
 */
export function referenceTrainForward(request: TrainForwardInput): ReferenceTrainForwardOutput {
  const prepared = prepareTrainForward(request);
  const { info, options, input } = prepared;
  const stats = batchStats(input.x, info, options.eps);
  const affine = options.affine;
  const y = applyStats(input.x, info, stats.batchMean, stats.invStd, affine ? input.gamma : undefined, affine ? input.beta : undefined);
  return { y, ...stats, ...runningStatsAfterBatch(input, stats, prepared) };
}

/**
 * The reference inference in float64: y = gamma * (x - runningMean) / sqrt(runningVar + eps) + beta.
 * With `trackRunningStats: false` there are no running statistics and the batch's own are used.
 * @throws BnShapeError, BnValueError on invalid input (see `prepareInference`).
 */
export function referenceInference(request: InferenceInput): ReferenceInferenceOutput {
  const { info, options, input } = prepareInference(request);
  const gamma = options.affine ? input.gamma : undefined;
  const beta = options.affine ? input.beta : undefined;
  if (!options.trackRunningStats) {
    const stats = batchStats(input.x, info, options.eps);
    return { y: applyStats(input.x, info, stats.batchMean, stats.invStd, gamma, beta) };
  }
  const runningVar = input.runningVar as FloatArray;
  const invStd = inverseStds(runningVar, options.eps);
  return { y: applyStats(input.x, info, input.runningMean as FloatArray, invStd, gamma, beta) };
}

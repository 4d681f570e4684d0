import * as tf from '@tensorflow/tfjs';
import { BnShapeError, describeValue, type BnOptions, type Layout } from '@bnkit/core';
import { autodiffBackwardOnView } from './autodiff-backward.js';
import { closedFormBackwardOnView, type ViewGradients } from './backward.js';
import { channelView, type ChannelView } from './channel-view.js';
import { inferenceOnView, trainForwardOnView, type AffineTensors } from './normalize.js';
import { updateRunningTensors } from './running-stats.js';
import {
  checkBatchCount,
  checkChannelTensor,
  checkTensor,
  checkValuesPerChannel,
  prepareTensors,
  type PreparedTensors,
} from './validate-tensors.js';

/**
 * The tensor-level API: the same BN as the backend, for callers who hold `tf.Tensor`s. Every
 * function runs synchronously on tfjs's active backend (it does not switch backends), takes float32
 * tensors (x in the order of its layout, per-channel tensors of shape [C]) and returns new tensors
 * that the caller owns and disposes; intermediates are freed. Options follow core (`BnOptions`).
 * Running variances are not checked for negative values (that would read the tensor back).
 */

/** Inputs of `batchNormInferenceTensors`. */
export interface InferenceTensorsInput {
  x: tf.Tensor;
  layout: Layout;
  /** Shape [C]; required when affine. */
  gamma?: tf.Tensor;
  beta?: tf.Tensor;
  /** Shape [C]; required when trackRunningStats (the default). */
  runningMean?: tf.Tensor;
  runningVar?: tf.Tensor;
  options?: BnOptions;
}

/** Inputs of `batchNormTrainTensors`. */
export interface TrainTensorsInput extends InferenceTensorsInput {
  numBatchesTracked?: number;
}

/** Outputs of `batchNormTrainTensors`; per-channel tensors have shape [C]. */
export interface TrainTensorsOutput {
  y: tf.Tensor;
  /** shift + meanOffset rounded to float32 (the backend's float64 batchMean is more accurate near zero). */
  batchMean: tf.Tensor1D;
  /** Biased. */
  batchVar: tf.Tensor1D;
  invStd: tf.Tensor1D;
  runningMean?: tf.Tensor1D;
  runningVar?: tf.Tensor1D;
  numBatchesTracked?: number;
}

/** Inputs of the backward functions. */
export interface BackwardTensorsInput {
  x: tf.Tensor;
  dy: tf.Tensor;
  layout: Layout;
  /** Shape [C]; required when affine. */
  gamma?: tf.Tensor;
  /** The training forward's batchMean and invStd, shape [C]. */
  savedMean: tf.Tensor;
  savedInvStd: tf.Tensor;
  options?: BnOptions;
}

/** Gradients; dgamma and dbeta (shape [C]) are present when affine. */
export interface BackwardTensorsOutput {
  dx: tf.Tensor;
  dgamma?: tf.Tensor1D;
  dbeta?: tf.Tensor1D;
}

function toParam(tensor: tf.Tensor, view: ChannelView): tf.Tensor {
  return tf.reshape(tensor, [...view.paramShape]);
}

function toChannels(tensor: tf.Tensor): tf.Tensor1D {
  return tf.reshape(tensor, [-1]) as tf.Tensor1D;
}

function checkAffine(input: { gamma?: unknown; beta?: unknown }, prepared: PreparedTensors): AffineTensors {
  if (!prepared.options.affine) return {};
  const c = prepared.info.c;
  return {
    gamma: checkChannelTensor('gamma', input.gamma, c, 'required when affine'),
    beta: checkChannelTensor('beta', input.beta, c, 'required when affine'),
  };
}

function affineOnView(affine: AffineTensors, view: ChannelView): AffineTensors {
  return {
    gamma: affine.gamma ? toParam(affine.gamma, view) : undefined,
    beta: affine.beta ? toParam(affine.beta, view) : undefined,
  };
}

function runningParams(input: { runningMean?: unknown; runningVar?: unknown }, c: number): { runningMean: tf.Tensor; runningVar: tf.Tensor } {
  return {
    runningMean: checkChannelTensor('runningMean', input.runningMean, c, 'required when trackRunningStats'),
    runningVar: checkChannelTensor('runningVar', input.runningVar, c, 'required when trackRunningStats'),
  };
}

/**
 * Inference: y = gamma * (x - runningMean) / sqrt(runningVar + eps) + beta, per channel of the
 * layout; with `trackRunningStats: false`, the batch's own statistics. Returns y, shaped like x.
 * @throws BnValueError, BnShapeError naming the argument, expected and given value.
 */
export function batchNormInferenceTensors(input: InferenceTensorsInput): tf.Tensor {
  const prepared = prepareTensors(input.x, input.layout, input.options);
  const { info, options } = prepared;
  const view = channelView(info);
  const affineInput = checkAffine(input, prepared);
  const running = options.trackRunningStats ? runningParams(input, info.c) : undefined;
  if (!running) checkValuesPerChannel(info, options);
  return tf.tidy(() => {
    const x = tf.reshape(input.x, [...view.shape]);
    const affine = affineOnView(affineInput, view);
    const y = running
      ? inferenceOnView(x, view, { hi: toParam(running.runningMean, view) }, toParam(running.runningVar, view), options.eps, affine)
      : trainForwardOnView(x, view, options.eps, affine).y;
    return tf.reshape(y, input.x.shape);
  });
}

/**
 * Training forward: normalises with the batch's statistics (shifted two-pass, see README) and,
 * when `trackRunningStats`, updates the running statistics by the convention's rule.
 * @throws BnValueError, BnShapeError naming the argument, expected and given value.
 */
export function batchNormTrainTensors(input: TrainTensorsInput): TrainTensorsOutput {
  const prepared = prepareTensors(input.x, input.layout, input.options);
  const { info, options } = prepared;
  const view = channelView(info);
  checkValuesPerChannel(info, options);
  const affine = checkAffine(input, prepared);
  const running = options.trackRunningStats ? runningParams(input, info.c) : undefined;
  const count = checkBatchCount(input.numBatchesTracked);
  const result = tf.tidy(() => {
    const x = tf.reshape(input.x, [...view.shape]);
    const forward = trainForwardOnView(x, view, options.eps, affineOnView(affine, view));
    // Rounded to float32 once: within 2^-24 of the mean plus a few 2^-24 of the spread, with no extra pass.
    const batchMean = toChannels(tf.add(forward.moments.shift, forward.moments.meanOffset));
    const batchVar = toChannels(forward.moments.variance);
    const tensors: Record<string, tf.Tensor> = { y: tf.reshape(forward.y, input.x.shape), batchMean, batchVar, invStd: toChannels(forward.invStd) };
    if (running) {
      const updated = updateRunningTensors({
        runningMean: running.runningMean as tf.Tensor1D,
        runningVar: running.runningVar as tf.Tensor1D,
        numBatchesTracked: count,
        batchMean,
        batchVar,
        count: view.count,
        options,
      });
      tensors['runningMean'] = updated.runningMean;
      tensors['runningVar'] = updated.runningVar;
    }
    return tensors;
  });
  const output: TrainTensorsOutput = {
    y: result['y'] as tf.Tensor,
    batchMean: result['batchMean'] as tf.Tensor1D,
    batchVar: result['batchVar'] as tf.Tensor1D,
    invStd: result['invStd'] as tf.Tensor1D,
  };
  if (running) {
    output.runningMean = result['runningMean'] as tf.Tensor1D;
    output.runningVar = result['runningVar'] as tf.Tensor1D;
    output.numBatchesTracked = count + 1;
  }
  return output;
}

type ViewBackward = (x: tf.Tensor, dy: tf.Tensor, view: ChannelView, prepared: PreparedTensors, savedMean: tf.Tensor, savedInvStd: tf.Tensor, gamma: tf.Tensor | undefined) => ViewGradients;

function backwardTensors(input: BackwardTensorsInput, method: ViewBackward): BackwardTensorsOutput {
  const prepared = prepareTensors(input.x, input.layout, input.options);
  const { info, options } = prepared;
  const view = channelView(info);
  const dy = checkTensor('dy', input.dy);
  if (!tf.util.arraysEqual(dy.shape, input.x.shape)) {
    throw new BnShapeError('dy', `the shape of x ${describeValue(input.x.shape)}`, `shape ${describeValue(dy.shape)}`);
  }
  const savedMean = checkChannelTensor('savedMean', input.savedMean, info.c, 'the batch mean of the training forward');
  const savedInvStd = checkChannelTensor('savedInvStd', input.savedInvStd, info.c, 'the invStd of the training forward');
  const gamma = options.affine ? checkChannelTensor('gamma', input.gamma, info.c, 'required when affine') : undefined;
  const result = tf.tidy(() => {
    const grads = method(
      tf.reshape(input.x, [...view.shape]),
      tf.reshape(dy, [...view.shape]),
      view,
      prepared,
      toParam(savedMean, view),
      toParam(savedInvStd, view),
      gamma ? toParam(gamma, view) : undefined,
    );
    const tensors: Record<string, tf.Tensor> = { dx: tf.reshape(grads.dx, input.x.shape) };
    if (grads.dgamma && grads.dbeta) {
      tensors['dgamma'] = toChannels(grads.dgamma);
      tensors['dbeta'] = toChannels(grads.dbeta);
    }
    return tensors;
  });
  const output: BackwardTensorsOutput = { dx: result['dx'] as tf.Tensor };
  if (result['dgamma'] && result['dbeta']) {
    output.dgamma = result['dgamma'] as tf.Tensor1D;
    output.dbeta = result['dbeta'] as tf.Tensor1D;
  }
  return output;
}

/**
 * Backward by the closed form in tfjs ops, with xhat recomputed from savedMean and savedInvStd:
 * dx = gamma * invStd / m * (m * dy - sum(dy) - xhat * sum(dy * xhat)), dgamma = sum(dy * xhat),
 * dbeta = sum(dy).
 * @throws BnValueError, BnShapeError naming the argument, expected and given value.
 */
export function batchNormBackwardTensors(input: BackwardTensorsInput): BackwardTensorsOutput {
  return backwardTensors(input, (x, dy, view, _prepared, savedMean, savedInvStd, gamma) =>
    closedFormBackwardOnView(x, dy, view, { hi: savedMean }, savedInvStd, gamma),
  );
}

/**
 * Backward by tfjs autodiff (`tf.grads` over the training forward). It recomputes the batch
 * statistics from x, so savedMean and savedInvStd are validated but do not enter the result; it
 * equals `batchNormBackwardTensors` when they are those of x's training forward.
 * @throws BnValueError, BnShapeError naming the argument, expected and given value.
 */
export function batchNormBackwardAutodiffTensors(input: BackwardTensorsInput): BackwardTensorsOutput {
  return backwardTensors(input, (x, dy, view, prepared, _savedMean, _savedInvStd, gamma) =>
    autodiffBackwardOnView(x, dy, view, prepared.options.eps, gamma),
  );
}

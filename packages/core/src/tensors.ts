import type { Layout } from './layout.js';
import type { BnOptions } from './options.js';

/** The element arrays bnkit accepts. Inputs may be float32 or float64; the reference computes and returns float64. */
export type FloatArray = Float32Array | Float64Array;

/**
 * An input array: a float array, or plain numbers as tfjs and PyTorch users pass them. Core's
 * validation converts plain numbers once, before a backend sees them: x given as `number[]`
 * becomes a Float32Array (what `tf.tensor` and `torch.tensor` make of a list), and every other
 * `number[]` becomes x's element type.
 */
export type TensorData = FloatArray | readonly number[];

/** Element types a backend can accept. */
export type DType = 'float32' | 'float64';

/** The tensor being normalised: its data in row-major order of `shape`, read through `layout`. */
export interface TensorArgs {
  /** The input, row-major in the order of `shape`; `number[]` is converted to a Float32Array. */
  x: TensorData;
  /** The dims, in the order the layout names them (NCHW: [N, C, H, W]; NHWC: [N, H, W, C]). */
  shape: readonly number[];
  layout: Layout;
  /** BN options; defaults come from the convention. */
  options?: BnOptions;
}

/**
 * Per-channel scale and shift (length C), used when `options.affine` is true (the default). Left
 * out, gamma is all ones and beta all zeros, as PyTorch and tfjs initialise them.
 */
export interface AffineArgs {
  gamma?: TensorData;
  beta?: TensorData;
}

/** Running statistics as the convention keeps them (length C). */
export interface RunningStatsArgs {
  runningMean?: TensorData;
  /** Unbiased under `pytorch`, biased under `keras` and `onnx`. Must be >= 0. */
  runningVar?: TensorData;
  /** Batches seen so far; PyTorch's `num_batches_tracked`, used by the cumulative average (`momentum: null`). Default 0. */
  numBatchesTracked?: number;
}

/** Inputs of inference: y = gamma * (x - runningMean) / sqrt(runningVar + eps) + beta. */
export interface InferenceInput extends TensorArgs, AffineArgs, RunningStatsArgs {
  /** Preallocated output buffers; a backend that accepts them writes into them and returns them. */
  out?: { y?: FloatArray };
}

/** Output of inference. */
export interface InferenceOutput {
  y: FloatArray;
}

/** Inputs of the training forward: normalise with the batch's statistics, then update the running ones. */
export interface TrainForwardInput extends TensorArgs, AffineArgs, RunningStatsArgs {
  /** Preallocated output buffers (see `InferenceInput.out`). */
  out?: { y?: FloatArray };
}

/**
 * Output of the training forward. `batchMean` and `invStd` are what backward needs (the saved
 * statistics); `batchVar` is the biased batch variance. The running statistics are present when
 * `trackRunningStats` is true, updated by the convention's rule.
 */
export interface TrainForwardOutput {
  y: FloatArray;
  batchMean: FloatArray;
  /** Biased: mean((x - mu)^2). */
  batchVar: FloatArray;
  /** 1 / sqrt(batchVar + eps). */
  invStd: FloatArray;
  runningMean?: FloatArray;
  runningVar?: FloatArray;
  numBatchesTracked?: number;
}

/**
 * Inputs of backward: the gradient of the loss with respect to y, the forward's input x, gamma,
 * and the statistics the training forward saved (batch mean and inverse std). Backward recomputes
 * xhat from these, so it is exact for any x the forward saw.
 */
export interface BackwardInput extends TensorArgs {
  dy: TensorData;
  /** Left out with `affine` on, all ones. */
  gamma?: TensorData;
  savedMean: TensorData;
  savedInvStd: TensorData;
  /** Preallocated output buffers. */
  out?: { dx?: FloatArray };
}

/** Gradients. `dgamma` and `dbeta` are present only when `affine` is true. */
export interface BackwardOutput {
  dx: FloatArray;
  dgamma?: FloatArray;
  dbeta?: FloatArray;
}

/**
 * An inference request after validation (`prepareInference`): every array a float array, gamma
 * and beta present when `affine` is on, the running statistics when `trackRunningStats` is on.
 */
export interface CheckedInferenceInput extends InferenceInput {
  x: FloatArray;
  gamma?: FloatArray;
  beta?: FloatArray;
  runningMean?: FloatArray;
  runningVar?: FloatArray;
}

/** A training-forward request after validation (`prepareTrainForward`), like `CheckedInferenceInput`. */
export interface CheckedTrainForwardInput extends TrainForwardInput {
  x: FloatArray;
  gamma?: FloatArray;
  beta?: FloatArray;
  runningMean?: FloatArray;
  runningVar?: FloatArray;
}

/** A backward request after validation (`prepareBackward`): float arrays only, gamma present when `affine` is on. */
export interface CheckedBackwardInput extends BackwardInput {
  x: FloatArray;
  dy: FloatArray;
  gamma?: FloatArray;
  savedMean: FloatArray;
  savedInvStd: FloatArray;
}

import type { Layout } from './layout.js';
import type { BnOptions } from './options.js';

/** The element arrays bnkit accepts. Inputs may be float32 or float64; the reference computes and returns float64. */
export type FloatArray = Float32Array | Float64Array;

/** Element types a backend can accept. */
export type DType = 'float32' | 'float64';

/** The tensor being normalised: its data in row-major order of `shape`, read through `layout`. */
export interface TensorArgs {
  /** The input, row-major in the order of `shape`. */
  x: FloatArray;
  /** The dims, in the order the layout names them (NCHW: [N, C, H, W]; NHWC: [N, H, W, C]). */
  shape: readonly number[];
  layout: Layout;
  /** BN options; defaults come from the convention. */
  options?: BnOptions;
}

/** Per-channel scale and shift (length C). Required when `options.affine` is true (the default). */
export interface AffineArgs {
  gamma?: FloatArray;
  beta?: FloatArray;
}

/** Running statistics as the convention keeps them (length C). */
export interface RunningStatsArgs {
  runningMean?: FloatArray;
  /** Unbiased under `pytorch`, biased under `keras` and `onnx`. Must be >= 0. */
  runningVar?: FloatArray;
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
  dy: FloatArray;
  gamma?: FloatArray;
  savedMean: FloatArray;
  savedInvStd: FloatArray;
  /** Preallocated output buffers. */
  out?: { dx?: FloatArray };
}

/** Gradients. `dgamma` and `dbeta` are present only when `affine` is true. */
export interface BackwardOutput {
  dx: FloatArray;
  dgamma?: FloatArray;
  dbeta?: FloatArray;
}

import type { FloatArray } from '@bnkit/core';
import type { Geometry } from './geometry.js';

/**
 * Per-channel moments being accumulated: value count, mean and M2 (the sum of squared deviations
 * from the mean), each of length C, in float64. Partial results of several ranges or threads
 * combine exactly with Chan's pairwise update (core's `mergeMoments`).
 */
export interface MomentsAccumulator {
  readonly count: Float64Array;
  readonly mean: Float64Array;
  readonly m2: Float64Array;
}

/** Per-channel sums of backward's first pass, float64, length C. */
export interface GradSums {
  /** sum(dy) per channel. */
  readonly sumDy: Float64Array;
  /** sum(dy * (x - mean)) per channel. */
  readonly sumDyCentered: Float64Array;
}

/** Per-channel float64 constants of the normalisation y = (x - mean) * scale + shift. */
export interface AffineParams {
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  readonly shift: Float64Array;
}

/** Per-channel float64 constants of dx = kDy * dy + kCentered * (x - mean) + kConst. */
export interface GradInputParams {
  readonly mean: Float64Array;
  readonly kDy: Float64Array;
  readonly kCentered: Float64Array;
  readonly kConst: Float64Array;
}

/** The moments of a whole tensor x laid out as `geo`, written into `acc` (zeroed by the caller). */
export interface MomentsRequest {
  readonly x: FloatArray;
  readonly geo: Geometry;
  readonly acc: MomentsAccumulator;
}

/** y from x over a whole tensor laid out as `geo`. */
export interface AffineRequest extends AffineParams {
  readonly x: FloatArray;
  readonly y: FloatArray;
  readonly geo: Geometry;
}

/** The gradient sums of a whole tensor from x, dy and the saved mean, written into `sums` (zeroed by the caller). */
export interface GradSumsRequest {
  readonly x: FloatArray;
  readonly dy: FloatArray;
  readonly geo: Geometry;
  readonly mean: Float64Array;
  readonly sums: GradSums;
}

/** dx from x and dy over a whole tensor laid out as `geo`. */
export interface GradInputRequest extends GradInputParams {
  readonly x: FloatArray;
  readonly dy: FloatArray;
  readonly dx: FloatArray;
  readonly geo: Geometry;
}

/** Inference from the running statistics (see `OperationExecutor.inference`): y is written. */
export interface InferenceRequest {
  readonly x: FloatArray;
  readonly y: FloatArray;
  readonly geo: Geometry;
  readonly eps: number;
  readonly runningMean: FloatArray;
  readonly runningVar: FloatArray;
  /** Per-channel scale and shift, or undefined when not affine (1 and 0). */
  readonly gamma?: FloatArray;
  readonly beta?: FloatArray;
}

/** A training forward (see `OperationExecutor.trainForward`): the batch statistics land in `stats`, y is written. */
export interface TrainForwardRequest {
  readonly x: FloatArray;
  readonly y: FloatArray;
  readonly geo: Geometry;
  readonly eps: number;
  /** Per-channel scale and shift, or undefined when not affine (1 and 0). */
  readonly gamma?: FloatArray;
  readonly beta?: FloatArray;
  /** Written: the batch's mean, biased variance and inverse std per channel. */
  readonly stats: { readonly batchMean: Float64Array; readonly batchVar: Float64Array; readonly invStd: Float64Array };
}

/** A backward (see `OperationExecutor.backward`): sum(dy) and dgamma land in `sums`, dx is written. */
export interface BackwardRequest {
  readonly x: FloatArray;
  readonly dy: FloatArray;
  readonly dx: FloatArray;
  readonly geo: Geometry;
  /** Values per channel in the batch. */
  readonly m: number;
  readonly mean: FloatArray;
  readonly invStd: FloatArray;
  /** Per-channel scale, or undefined when not affine (1). */
  readonly gamma?: FloatArray;
  /** Written: sum(dy) and dgamma = sum(dy * xhat) per channel. */
  readonly sums: { readonly sumDy: Float64Array; readonly dgamma: Float64Array };
}

/** A flat element range [start, end) of the tensor a kernel call covers. */
export interface KernelRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The element-wise work of BN over a flat index range of a tensor (see `Geometry`), as the
 * plain-JavaScript kernels implement it: statistics accumulated in float64, per-channel
 * parameters as float64 arrays of length C. The WebAssembly kernels (`assembly/`) do the same
 * work on pointers into their memory.
 */
export interface Kernels {
  /**
   * Merges the moments of x's values in the range into `acc`: exact two-pass moments of each
   * contiguous run (channels-first) or block of rows (channels-last), folded in by Chan's update.
   */
  moments(call: MomentsRequest & KernelRange): void;
  /** y = (x - mean) * scale + shift over the range, computed in float64 and stored in y's type. */
  affine(call: AffineRequest & KernelRange): void;
  /** Adds sum(dy) and sum(dy * (x - mean)) over the range to `sums`, per channel. */
  gradSums(call: GradSumsRequest & KernelRange): void;
  /** dx = kDy * dy + kCentered * (x - mean) + kConst over the range, computed in float64. */
  gradInput(call: GradInputRequest & KernelRange): void;
}

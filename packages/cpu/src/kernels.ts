import type { FloatArray } from '@bnkit/core';
import type { Geometry } from './geometry.js';

/**
 * Per-channel moments being accumulated: value count, mean and M2 (the sum of squared deviations
 * from the mean), each of length C, in float64. A kernel merges the moments of the values it
 * reads into these with Chan's pairwise update, so partial results of several ranges or threads
 * combine exactly.
 */
export interface MomentsAccumulator {
  readonly count: Float64Array;
  readonly mean: Float64Array;
  readonly m2: Float64Array;
}

/**
 * The element-wise work of BN over a flat index range `[start, end)` of a tensor (see
 * `Geometry`), as the plain-JavaScript kernels implement it: statistics accumulated in float64,
 * per-channel parameters as float64 arrays of length C. The WebAssembly kernels
 * (`assembly/kernels.ts`) do the same work on pointers into the shared memory.
 */
export interface Kernels {
  /**
   * Merges the moments of x's values in the range into `acc`: exact two-pass moments of each
   * contiguous run (channels-first) or block of rows (channels-last), folded in by Chan's update.
   */
  moments(x: FloatArray, start: number, end: number, geo: Geometry, acc: MomentsAccumulator): void;
  /** y = (x - mean) * scale + shift, computed in float64 and stored in y's type. */
  affine(
    x: FloatArray,
    y: FloatArray,
    start: number,
    end: number,
    geo: Geometry,
    mean: Float64Array,
    scale: Float64Array,
    shift: Float64Array,
  ): void;
  /** Adds sum(dy) to `sumDy` and sum(dy * (x - mean)) to `sumDyCentered`, per channel. */
  gradSums(
    x: FloatArray,
    dy: FloatArray,
    start: number,
    end: number,
    geo: Geometry,
    mean: Float64Array,
    sumDy: Float64Array,
    sumDyCentered: Float64Array,
  ): void;
  /** dx = kDy * dy + kCentered * (x - mean) + kConst, per channel, computed in float64. */
  gradInput(
    x: FloatArray,
    dy: FloatArray,
    dx: FloatArray,
    start: number,
    end: number,
    geo: Geometry,
    mean: Float64Array,
    kDy: Float64Array,
    kCentered: Float64Array,
    kConst: Float64Array,
  ): void;
}

import type { FloatArray } from '@bnkit/core';
import type { Geometry } from './geometry.js';
import type { Kernels, MomentsAccumulator } from './kernels.js';

/** Per-channel sums of backward's first pass, float64, length C. */
export interface GradSums {
  readonly sumDy: Float64Array;
  readonly sumDyCentered: Float64Array;
}

/**
 * Runs the kernels over a whole tensor: on the calling thread, or split across worker threads.
 * Whichever runs them, the per-channel results are float64 and combine exactly.
 */
export interface Executor {
  moments(x: FloatArray, geo: Geometry): Promise<MomentsAccumulator>;
  affine(x: FloatArray, y: FloatArray, geo: Geometry, mean: Float64Array, scale: Float64Array, shift: Float64Array): Promise<void>;
  gradSums(x: FloatArray, dy: FloatArray, geo: Geometry, mean: Float64Array): Promise<GradSums>;
  gradInput(
    x: FloatArray,
    dy: FloatArray,
    dx: FloatArray,
    geo: Geometry,
    mean: Float64Array,
    kDy: Float64Array,
    kCentered: Float64Array,
    kConst: Float64Array,
  ): Promise<void>;
}

/** Empty moments for C channels. */
export function emptyMoments(c: number): MomentsAccumulator {
  return { count: new Float64Array(c), mean: new Float64Array(c), m2: new Float64Array(c) };
}

/** An executor that runs `kernels` over the whole tensor on the calling thread. */
export function serialExecutor(kernels: Kernels): Executor {
  return {
    async moments(x, geo) {
      const acc = emptyMoments(geo.c);
      kernels.moments(x, 0, geo.size, geo, acc);
      return acc;
    },
    async affine(x, y, geo, mean, scale, shift) {
      kernels.affine(x, y, 0, geo.size, geo, mean, scale, shift);
    },
    async gradSums(x, dy, geo, mean) {
      const sums = { sumDy: new Float64Array(geo.c), sumDyCentered: new Float64Array(geo.c) };
      kernels.gradSums(x, dy, 0, geo.size, geo, mean, sums.sumDy, sums.sumDyCentered);
      return sums;
    },
    async gradInput(x, dy, dx, geo, mean, kDy, kCentered, kConst) {
      kernels.gradInput(x, dy, dx, 0, geo.size, geo, mean, kDy, kCentered, kConst);
    },
  };
}

import { LAYOUTS, type BnOptions, type Layout } from '@bnkit/core';
import { shapeOf } from '@bnkit/spec/test';

/** Small shapes of every layout, with odd sizes so SIMD tails and partial rows are exercised. */
export const SMALL_SHAPES: readonly { layout: Layout; shape: number[] }[] = LAYOUTS.flatMap((layout) => [
  { layout, shape: shapeOf(layout, 3, 5, [7, 3, 2]) },
  { layout, shape: shapeOf(layout, 2, 9, [4, 5, 3]) },
]);

/** Parameters (length C) for a request. */
export function params(c: number, next: () => number) {
  return {
    gamma: Float32Array.from({ length: c }, () => 0.5 + next()),
    beta: Float32Array.from({ length: c }, () => next() - 0.5),
    runningMean: Float32Array.from({ length: c }, () => next() - 0.5),
    runningVar: Float32Array.from({ length: c }, () => 0.5 + next()),
    numBatchesTracked: 3,
  };
}

/** Option sets covering every convention and feature. */
export const OPTION_SETS: readonly BnOptions[] = [
  {},
  { convention: 'keras' },
  { convention: 'onnx', eps: 1e-3, momentum: 0.7 },
  { momentum: null },
  { affine: false },
  { trackRunningStats: false },
];

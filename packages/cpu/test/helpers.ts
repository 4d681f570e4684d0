import { LAYOUTS, createPrng, isChannelsLast, type BnOptions, type Layout } from '@bnkit/core';
import { expect } from 'vitest';

/** A deterministic generator (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  return createPrng(seed).next;
}

/** A shape of `layout` with n samples, c channels and the given spatial dims. */
export function shapeOf(layout: Layout, n: number, c: number, spatial: readonly number[]): number[] {
  const dims = spatial.slice(0, layout.length - 2);
  return isChannelsLast(layout) ? [n, ...dims, c] : [n, c, ...dims];
}

/** Small shapes of every layout, with odd sizes so SIMD tails and partial rows are exercised. */
export const SMALL_SHAPES: readonly { layout: Layout; shape: number[] }[] = LAYOUTS.flatMap((layout) => [
  { layout, shape: shapeOf(layout, 3, 5, [7, 3, 2]) },
  { layout, shape: shapeOf(layout, 2, 9, [4, 5, 3]) },
]);

export function randomArray(length: number, next: () => number, offset = 0, spread = 1): Float32Array {
  return Float32Array.from({ length }, () => offset + spread * (next() * 2 - 1));
}

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

/** Asserts |actual - expected| <= abs + rel * |expected| element-wise, NaN matching NaN. */
export function expectClose(actual: ArrayLike<number> | undefined, expected: ArrayLike<number> | undefined, rel: number, abs: number, what: string): void {
  expect(actual, what).toBeDefined();
  expect(expected, what).toBeDefined();
  const a = actual as ArrayLike<number>;
  const e = expected as ArrayLike<number>;
  expect(a.length, `${what} length`).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    const ev = e[i] as number;
    const av = a[i] as number;
    if (Number.isNaN(ev)) {
      expect(av, `${what}[${i}]`).toBeNaN();
      continue;
    }
    const err = Math.abs(av - ev);
    if (!(err <= abs + rel * Math.abs(ev))) {
      expect.fail(`${what}[${i}]: got ${av}, expected ${ev} (error ${err})`);
    }
  }
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

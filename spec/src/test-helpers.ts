import { describeShape, isChannelsLast, type FloatArray, type Layout } from '@bnkit/core';
import { compareArrays } from './compare.js';
import { createPrng, standardNormal } from './generate/prng.js';

/*
 * Test helpers shared by every bnkit package (`@bnkit/spec/test`): seeded data, shapes per
 * layout and closeness checks, so that no package keeps its own copy.
 */

export { createPrng, hashSeed, standardNormal, type Prng } from './generate/prng.js';

/** A seeded uniform generator on [0, 1) (Mulberry32): the same seed draws the same numbers on every platform. */
export function seededRandom(seed: number): () => number {
  return createPrng(seed).next;
}

/** `length` float32 values uniform in [low, high). */
export function randomFloat32(random: () => number, length: number, low = -1, high = 1): Float32Array {
  return Float32Array.from({ length }, () => low + (high - low) * random());
}

/** `length` values offset + scale * N(0, 1), as float32 or float64. */
export function normalArray(random: () => number, length: number, type: 'float32' | 'float64' = 'float32', offset = 0, scale = 1): FloatArray {
  const values = Array.from({ length }, () => offset + scale * standardNormal(random));
  return type === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
}

/** The shape of `layout` with n samples, c channels and the first spatial dims it needs from `spatial`. */
export function shapeOf(layout: Layout, n: number, c: number, spatial: readonly number[]): number[] {
  const dims = spatial.slice(0, layout.length - 2);
  return isChannelsLast(layout) ? [n, ...dims, c] : [n, c, ...dims];
}

/** One small shape per layout, C = 3 with at least 4 values per channel, no dim a multiple of another. */
export const SHAPES: Readonly<Record<Layout, readonly number[]>> = {
  NC: [4, 3],
  NCL: [2, 3, 5],
  NCHW: [2, 3, 4, 5],
  NCDHW: [2, 3, 2, 3, 4],
  NLC: [2, 5, 3],
  NHWC: [2, 4, 5, 3],
  NDHWC: [2, 2, 3, 4, 3],
};

/** The number of channels of `shape` in `layout`. */
export function channelsOf(shape: readonly number[], layout: Layout): number {
  return describeShape(shape, layout).c;
}

/**
 * The largest |actual - expected| / (abs + rel * |expected|) over the elements: at most 1 means
 * every element is within tolerance. NaN against NaN agrees; NaN against a number, or arrays of
 * different lengths, give Infinity (the suite's own rule, `compareArrays`).
 */
export function toleranceRatio(actual: ArrayLike<number>, expected: ArrayLike<number>, abs: number, rel: number): number {
  return compareArrays(actual, expected, { abs, rel }, 'values').maxErrorRatio;
}

/**
 * Checks every element against |actual - expected| <= abs + rel * |expected| (`toleranceRatio`).
 * @throws Error naming `what`, the worst element, its values and its ratio, when one is outside or an array is missing.
 */
export function expectClose(actual: ArrayLike<number> | undefined, expected: ArrayLike<number> | undefined, abs: number, rel: number, what: string): void {
  if (actual === undefined || expected === undefined) throw new Error(`${what}: missing (actual ${String(actual)}, expected ${String(expected)})`);
  const comparison = compareArrays(actual, expected, { abs, rel }, what);
  if (comparison.maxErrorRatio <= 1) return;
  const index = /\[(\d+)\]$/.exec(comparison.worst ?? '')?.[1];
  const values = index === undefined ? '' : `: got ${actual[Number(index)]}, expected ${expected[Number(index)]}`;
  throw new Error(`${comparison.worst ?? what} outside abs ${abs} + rel ${rel} (ratio ${comparison.maxErrorRatio.toPrecision(3)})${values}`);
}

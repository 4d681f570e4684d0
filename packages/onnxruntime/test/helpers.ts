import { createPrng, describeShape, type FloatArray, type Layout } from '@bnkit/core';

/** A seeded uniform generator in [0, 1) (mulberry32), so every run draws the same inputs. */
export function seededUniform(seed: number): () => number {
  return createPrng(seed).next;
}

/** A standard normal draw from a uniform generator (Box-Muller). */
export function normal(uniform: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** A float array of `length` values offset + scale * N(0, 1). */
export function randomArray(uniform: () => number, length: number, type: 'float32' | 'float64', offset = 0, scale = 1): FloatArray {
  const values = Array.from({ length }, () => offset + scale * normal(uniform));
  return type === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
}

/** One example shape per layout, small enough for fast tests but with C > 1 and several values per channel. */
export const SHAPES: Readonly<Record<Layout, readonly number[]>> = {
  NC: [6, 3],
  NCL: [2, 3, 5],
  NCHW: [2, 3, 4, 5],
  NCDHW: [2, 2, 3, 2, 3],
  NLC: [2, 5, 3],
  NHWC: [2, 4, 5, 3],
  NDHWC: [2, 3, 2, 3, 2],
};

/** The channel count of a shape in a layout. */
export function channelsOf(shape: readonly number[], layout: Layout): number {
  return describeShape(shape, layout).c;
}

/**
 * The largest |actual - expected| - rel * |expected| over the elements (<= abs means every
 * element is within abs + rel * |expected|); NaN where they disagree on NaN.
 */
export function excess(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number): number {
  if (actual.length !== expected.length) return Number.NaN;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (Number.isNaN(a) || Number.isNaN(e)) {
      if (Number.isNaN(a) !== Number.isNaN(e)) return Number.NaN;
      continue;
    }
    worst = Math.max(worst, Math.abs(a - e) - rel * Math.abs(e));
  }
  return worst;
}

/** Asserts every element is within abs + rel * |expected|, naming `what` in the failure. */
export function expectClose(actual: ArrayLike<number> | undefined, expected: ArrayLike<number> | undefined, abs: number, rel: number, what: string): void {
  if (actual === undefined || expected === undefined) throw new Error(`${what}: missing (actual ${String(actual)}, expected ${String(expected)})`);
  const over = excess(actual, expected, rel);
  if (!(over <= abs)) throw new Error(`${what}: an element exceeds abs ${abs} + rel ${rel} by ${over - abs}`);
}

import { createPrng, describeShape, type Layout } from '@bnkit/core';

/** A small deterministic generator (mulberry32), so every run draws the same inputs. */
export function seededRandom(seed: number): () => number {
  return createPrng(seed).next;
}

/** A float32 array of `length` values offset + scale * u, u uniform in [-1, 1). */
export function randomArray(random: () => number, length: number, offset = 0, scale = 1): Float32Array {
  return Float32Array.from({ length }, () => offset + scale * (2 * random() - 1));
}

/** A small shape of each layout, with C = 3 and at least two values per channel. */
export const SHAPES: Record<Layout, number[]> = {
  NC: [5, 3],
  NCL: [2, 3, 4],
  NCHW: [2, 3, 2, 3],
  NCDHW: [2, 3, 2, 2, 2],
  NLC: [2, 4, 3],
  NHWC: [2, 2, 3, 3],
  NDHWC: [2, 2, 2, 2, 3],
};

/** Random BN inputs for one layout: x = offset + scale * u, gamma, beta and running statistics. */
export function randomProblem(layout: Layout, seed: number, offset = 0, scale = 1) {
  const random = seededRandom(seed);
  const shape = SHAPES[layout];
  const info = describeShape(shape, layout);
  return {
    shape,
    layout,
    info,
    x: randomArray(random, info.size, offset, scale),
    dy: randomArray(random, info.size),
    gamma: randomArray(random, info.c, 1, 0.5),
    beta: randomArray(random, info.c, 0, 0.5),
    runningMean: randomArray(random, info.c, offset, scale),
    runningVar: Float32Array.from(randomArray(random, info.c, 1, 0.5), (v) => v * scale * scale),
  };
}

/**
 * The largest violation of |actual - expected| <= abs + rel * |expected| as a ratio (<= 1 passes),
 * with NaN required where expected is NaN.
 */
export function worstRatio(actual: ArrayLike<number>, expected: ArrayLike<number>, abs: number, rel: number): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    const a = actual[i] as number;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (!(Number.isNaN(e) && Number.isNaN(a))) return Number.POSITIVE_INFINITY;
      continue;
    }
    worst = Math.max(worst, Math.abs(a - e) / (abs + rel * Math.abs(e)));
  }
  return worst;
}

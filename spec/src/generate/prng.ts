/**
 * A small seeded pseudo-random generator for the golden vectors: the same seed gives the same
 * numbers on every platform, which `Math.random` does not.
 */
export interface Prng {
  /** A uniform number in [0, 1), with 32 bits of randomness. */
  next(): number;
  /** A uniform number in [low, high). */
  uniform(low: number, high: number): number;
  /** A standard normal number (mean 0, variance 1), by the Box-Muller transform. */
  normal(): number;
}

/**
 * A 32-bit FNV-1a hash of `text` mixed with `seed`, so that each case draws from its own stream
 * and adding a case never changes the numbers of another.
 */
export function hashSeed(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * A standard normal number (mean 0, variance 1) from a uniform generator on [0, 1), by the
 * Box-Muller transform; it draws two uniform numbers.
 */
export function standardNormal(next: () => number): number {
  // 1 - next() lies in (0, 1], so the logarithm is finite.
  const u = 1 - next();
  const v = next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * The Mulberry32 generator seeded with the low 32 bits of `seed`. Its period (2^32) is far more
 * than any case draws.
 */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (low, high) => low + (high - low) * next(),
    normal: () => standardNormal(next),
  };
}

import { describe, expect, it } from 'vitest';
import { channelMoments, describeShape, mergeShardMoments, referenceTrainForward } from '../src/index.js';

/**
 * `count` values spread evenly over [-sqrt(3), sqrt(3)) (mean 0, variance 1) in a scrambled order:
 * the golden-ratio (Weyl) sequence from `start`. Deterministic test data, not random numbers.
 */
function spread(start: number, count: number): Float64Array {
  return Float64Array.from({ length: count }, (_, i) => Math.sqrt(3) * (2 * (((start + i) * 0.6180339887498949) % 1) - 1));
}

/**
 * The exact biased variance of float32 values, in integer arithmetic: every value is an integer
 * multiple of 2^-100 (any float32 above 2^-77 is), so sums of the scaled values and their squares are exact BigInts.
 */
function exactVariance(values: Float32Array): number {
  const scale = 2 ** 100;
  let s1 = 0n;
  let s2 = 0n;
  for (const v of values) {
    const k = BigInt(v * scale);
    s1 += k;
    s2 += k * k;
  }
  const n = BigInt(values.length);
  const numerator = n * s2 - s1 * s1;
  return Number(numerator) / (Number(n * n) * scale * scale);
}

describe('numerics', () => {
  const n = 4096;
  const noise = spread(12345, n);
  const x = Float32Array.from(noise, (z) => 1e4 + 0.1 * z);

  it('a float32 input of 1e4 + 0.1 * noise gives its variance to a relative error below 1e-6', () => {
    const exact = exactVariance(x);
    expect(exact).toBeGreaterThan(0.005);
    const out = referenceTrainForward({ x, shape: [n, 1], layout: 'NC', options: { trackRunningStats: false, affine: false } });
    expect(Math.abs((out.batchVar[0] as number) - exact) / exact).toBeLessThan(1e-6);
  });

  it('the one-pass E[x^2] - E[x]^2 formula, which bnkit never uses, fails the same check', () => {
    let s1 = 0;
    let s2 = 0;
    for (const v of x) {
      s1 += v;
      s2 += v * v;
    }
    const naive = s2 / n - (s1 / n) ** 2;
    const exact = exactVariance(x);
    expect(Math.abs(naive - exact) / exact).toBeGreaterThan(1e-6);
  });

  it('a scale of 1e-4 keeps its relative precision', () => {
    const small = Float32Array.from(noise, (z) => 1e-4 * z);
    const out = referenceTrainForward({ x: small, shape: [n, 1], layout: 'NC', options: { trackRunningStats: false, affine: false } });
    const exact = exactVariance(small);
    expect(Math.abs((out.batchVar[0] as number) - exact) / exact).toBeLessThan(1e-12);
  });

  it('moments merged from shards (Chan) equal those of the whole batch', () => {
    const c = 3;
    const shape = [12, c, 5];
    const data = Float32Array.from(spread(7, 12 * c * 5), (z, i) => 1e3 * (i % 3) + z);
    const whole = channelMoments(data, describeShape(shape, 'NCL'));
    const perSample = c * 5;
    const cuts = [0, 1, 4, 9, 12];
    const shards = cuts.slice(1).map((end, k) => {
      const start = cuts[k] as number;
      return channelMoments(data.subarray(start * perSample, end * perSample), describeShape([end - start, c, 5], 'NCL'));
    });
    const merged = mergeShardMoments(shards);
    for (let ch = 0; ch < c; ch++) {
      expect(merged[ch]?.count).toBe(whole[ch]?.count);
      expect(merged[ch]?.mean).toBeCloseTo(whole[ch]?.mean as number, 10);
      expect((merged[ch]?.m2 as number) / (whole[ch]?.m2 as number)).toBeCloseTo(1, 12);
    }
  });
});

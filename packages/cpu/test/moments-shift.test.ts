import { createReferenceBackend } from '@bnkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend, type CpuBackend } from '../src/index.js';

/**
 * The one-pass moments take deviations from a shift estimated from each run's (or channel's)
 * first 32 values, and sum them again around the mean when that estimate was far off. These
 * inputs put the first values far from the rest, so only the second pass gives the right
 * variance; the expected values come from core's float64 reference.
 */
describe('moments when the first values of a channel are far from its mean', () => {
  let cpu: CpuBackend;
  beforeAll(async () => {
    cpu = createCpuBackend({ threads: 2, parallelThreshold: 0 });
    await cpu.init();
  });
  afterAll(async () => {
    await cpu.dispose();
  });

  // Per channel: 40 values of 1e4 + ch, then noise of std 0.01 around ch.
  function channelValues(ch: number, count: number): number[] {
    return Array.from({ length: count }, (_, i) => (i < 40 ? 1e4 + ch : ch + 0.01 * Math.sin(i * 1.7 + ch)));
  }

  const cases = [
    { layout: 'NCHW' as const, shape: [1, 3, 40, 50] },
    { layout: 'NHWC' as const, shape: [1, 40, 50, 20] },
    { layout: 'NC' as const, shape: [2000, 20] },
  ];
  for (const { layout, shape } of cases) {
    it(`${layout} ${shape.join('x')}: mean and variance within 1e-9 relative of float64, in allocate() and plain arrays`, async () => {
      const size = shape.reduce((a, b) => a * b, 1);
      const channelsLast = layout !== 'NCHW';
      const c = channelsLast ? (shape[shape.length - 1] as number) : (shape[1] as number);
      const perChannel = size / c;
      const plain = new Float32Array(size);
      for (let ch = 0; ch < c; ch++) {
        const values = channelValues(ch, perChannel);
        values.forEach((v, i) => {
          plain[channelsLast ? i * c + ch : ch * perChannel + i] = v;
        });
      }
      const expected = await createReferenceBackend().trainForward({ x: plain, shape, layout, options: { trackRunningStats: false } });
      const shared = cpu.allocate(size);
      shared.set(plain);
      for (const x of [shared, plain]) {
        const got = await cpu.trainForward({ x, shape, layout, options: { trackRunningStats: false } });
        for (let ch = 0; ch < c; ch++) {
          const variance = expected.batchVar[ch] as number;
          expect(Math.abs((got.batchVar[ch] as number) - variance)).toBeLessThanOrEqual(1e-9 * variance);
          expect(Math.abs((got.batchMean[ch] as number) - (expected.batchMean[ch] as number))).toBeLessThanOrEqual(1e-9 * Math.sqrt(variance) + 1e-12 * 1e4);
        }
      }
      cpu.free(shared);
    });
  }
});

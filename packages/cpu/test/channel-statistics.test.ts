import { createReferenceBackend, inverseStd } from '@bnkit/core';
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

/**
 * The kernels compute invStd = 1 / sqrt(var + eps) themselves, in the same float64 operations as
 * core's `inverseStd`; the results must be the same numbers, bit for bit, on every path.
 */
describe("invStd computed in WebAssembly is core's inverseStd exactly", () => {
  const cases = [
    { layout: 'NCHW' as const, shape: [4, 6, 5, 7], threads: 2 },
    { layout: 'NC' as const, shape: [64, 600], threads: 2 },
    { layout: 'NHWC' as const, shape: [3, 5, 5, 24], threads: 1 },
  ];
  for (const { layout, shape, threads } of cases) {
    it(`${layout} ${shape.join('x')} on ${threads} thread(s)`, async () => {
      const cpu = createCpuBackend({ threads, parallelThreshold: 0 });
      await cpu.init();
      try {
        const size = shape.reduce((a, b) => a * b, 1);
        const x = cpu.allocate(size);
        for (let i = 0; i < size; i++) x[i] = Math.sin(i * 0.37) * (1 + (i % 5)) + 0.1 * i;
        const eps = 1e-3;
        const got = await cpu.trainForward({ x, shape, layout, options: { eps, trackRunningStats: false } });
        for (let ch = 0; ch < got.invStd.length; ch++) expect(got.invStd[ch]).toBe(inverseStd(got.batchVar[ch] as number, eps));
        cpu.free(x);
      } finally {
        await cpu.dispose();
      }
    });
  }
});

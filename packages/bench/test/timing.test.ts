import { describe, expect, it } from 'vitest';
import { median, summarizeSamples, timeCall } from '../src/index.js';

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('summarizeSamples', () => {
  it('reports min, median and max of the samples with the sampling facts', () => {
    expect(summarizeSamples([5, 1, 3, 9], 12, 100)).toEqual({ minMs: 1, medianMs: 4, maxMs: 9, samples: [5, 1, 3, 9], callsPerSample: 12, windowMs: 100 });
  });
});

describe('timeCall', () => {
  it('takes `repeats` samples, each spanning at least the window, after two warm-up calls when the warm-up time is 0', async () => {
    let calls = 0;
    const timing = await timeCall(() => calls++, { minTimeMs: 2, repeats: 4, slowCallMs: 1000, warmUpMs: 0 });
    expect(timing.samples).toHaveLength(4);
    expect(timing.windowMs).toBeGreaterThanOrEqual(2);
    expect(calls).toBeGreaterThanOrEqual(2 + 4 * timing.callsPerSample);
    expect(timing.minMs).toBeLessThanOrEqual(timing.medianMs);
    expect(timing.medianMs).toBeLessThanOrEqual(timing.maxMs);
  });

  it('repeats calls for the warm-up time before the first sample', async () => {
    const times: number[] = [];
    const timing = await timeCall(() => times.push(performance.now()), { minTimeMs: 1, repeats: 2, slowCallMs: 1000, warmUpMs: 30 });
    // Every call before the sampled ones is warm-up; together they span the warm-up time.
    const warmUpCalls = times.length - 2 * timing.callsPerSample;
    expect(warmUpCalls).toBeGreaterThan(2);
    expect((times[warmUpCalls] as number) - (times[0] as number)).toBeGreaterThanOrEqual(30);
  });

  it('takes one warm-up call and at most 3 samples of a slow call', async () => {
    let calls = 0;
    const timing = await timeCall(() => calls++, { minTimeMs: 0, repeats: 7, slowCallMs: 0, warmUpMs: 0 });
    expect(timing.samples).toHaveLength(3);
    expect(calls).toBe(1 + 3);
  });
});

import { BnValueError } from '@bnkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { COPY_BASELINE, COPY_BASELINES, SharedCopy, copyElements, measureCopy } from '../src/index.js';

const timing = { minTimeMs: 1, repeats: 3, slowCallMs: 250, warmUpMs: 0 };

function shared(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(4 * length));
}

describe('copy baselines', () => {
  it('are named once, one thread first', () => {
    expect(COPY_BASELINES).toEqual([COPY_BASELINE.oneThread, COPY_BASELINE.twoThreads]);
    expect(COPY_BASELINES).toEqual(['copy-1t', 'copy-2t']);
  });

  it('copy half the bytes moved, since each element is read once and written once', () => {
    expect(copyElements(8 * 1000)).toBe(1000);
    expect(copyElements(20 * 6)).toBe(15);
    expect(copyElements(1)).toBe(1);
  });

  it('time the one-thread copy as min <= median <= max over the samples', async () => {
    const copy = await measureCopy(8 * 1024, timing);
    expect(copy.samples).toHaveLength(3);
    expect(copy.minMs).toBeGreaterThan(0);
    expect(copy.minMs).toBeLessThanOrEqual(copy.medianMs);
    expect(copy.medianMs).toBeLessThanOrEqual(copy.maxMs);
    expect(copy.windowMs).toBeGreaterThanOrEqual(timing.minTimeMs);
  });
});

describe('SharedCopy', () => {
  const copier = new SharedCopy(2);
  afterAll(() => copier.close());

  it('copies every element, split between the threads, for lengths that do and do not divide evenly', () => {
    for (const length of [1, 15, 17, 33, 100_003]) {
      const source = shared(length);
      for (let i = 0; i < length; i++) source[i] = i + 0.5;
      const target = shared(length);
      copier.prepare(source, target)();
      expect(target).toEqual(source);
    }
  });

  it('takes new arrays with the call after prepare, and copies again on every call', () => {
    const source = shared(64).fill(1);
    const target = shared(64);
    const copy = copier.prepare(source, target);
    copy();
    source.fill(2);
    copy();
    expect(target.every((v) => v === 2)).toBe(true);
  });

  it('times a copy of the bytes moved', async () => {
    const copy = await copier.measure(8 * 4096, timing);
    expect(copy.samples).toHaveLength(3);
    expect(copy.medianMs).toBeGreaterThan(0);
  });

  it('refuses arrays that are not shared or of different lengths', () => {
    expect(() => copier.prepare(new Float32Array(4), shared(4))).toThrow(BnValueError);
    expect(() => copier.prepare(shared(4), shared(5))).toThrow(/target/);
  });

  it('needs at least two threads', () => {
    expect(() => new SharedCopy(1)).toThrow(BnValueError);
  });
});

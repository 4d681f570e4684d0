import { BnValueError } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { gigabytesPerSecond, minimumBytes } from '../src/index.js';

describe('minimumBytes', () => {
  it('counts 8 bytes per element for inference, 12 for training forward and 20 for backward', () => {
    expect(minimumBytes([32, 64, 56, 56], 'inference')).toBe(32 * 64 * 56 * 56 * 8);
    expect(minimumBytes([256, 1024], 'trainForward')).toBe(256 * 1024 * 12);
    expect(minimumBytes([2, 3], 'backward')).toBe(6 * 20);
  });
  it('rejects a shape with a non-positive dim', () => {
    expect(() => minimumBytes([2, 0], 'inference')).toThrow(BnValueError);
  });
  it('turns bytes and milliseconds into GB/s', () => {
    expect(gigabytesPerSecond(2e9, 1000)).toBe(2);
    expect(gigabytesPerSecond(8e6, 2)).toBe(4);
  });
});

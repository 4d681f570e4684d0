import { describe, expect, it } from 'vitest';
import { BnShapeError, describeValue, referenceInference } from '../src/index.js';

/** A plain array of `length` numbers that counts how many of its elements are read. */
function countingArray(length: number): { array: number[]; reads: () => number } {
  let reads = 0;
  const array = new Proxy(Array.from({ length }, (_, i) => i), {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver);
    },
  });
  return { array, reads: () => reads };
}

describe('describeValue', () => {
  it('writes short arrays, numbers and strings in full', () => {
    expect(describeValue([1, -0, 2.5])).toBe('[1, -0, 2.5]');
    expect(describeValue('NHWC')).toBe('"NHWC"');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(12n)).toBe('12n');
    expect(describeValue(new Float32Array([1, 2, 3]))).toBe('Float32Array(3) [1, 2, 3]');
  });

  it('describes a 2^20-element array by its length and first elements, reading only those', () => {
    const { array, reads } = countingArray(2 ** 20);
    const text = describeValue(array);
    expect(text).toBe('Array(1048576) [0, 1, 2, 3, 4, 5, …]');
    // The cost of the message is what it reads: a handful of elements, not a million.
    expect(reads()).toBeLessThanOrEqual(6);
  });

  it('describes a big typed array and a long string briefly', () => {
    expect(describeValue(new Float64Array(2 ** 20))).toBe('Float64Array(1048576) [0, 0, 0, 0, 0, 0, …]');
    const long = describeValue('x'.repeat(10_000));
    expect(long.length).toBeLessThan(120);
    expect(long).toContain('(10000 characters)');
  });

  it('stops at a few levels of nesting instead of overflowing the stack', () => {
    let nested: unknown = [1];
    for (let i = 0; i < 100_000; i++) nested = [nested];
    expect(describeValue(nested)).toBe('[[[Array(1)]]]');
  });

  it('keeps the error of a backend given a 2^20-element plain array of the wrong length short', () => {
    const { array, reads } = countingArray(2 ** 20);
    const c = 4;
    const stats = { gamma: new Float64Array(c), beta: new Float64Array(c), runningMean: new Float64Array(c), runningVar: new Float64Array(c) };
    let error: unknown;
    try {
      referenceInference({ x: array, shape: [2 ** 18 + 1, c], layout: 'NC', ...stats });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BnShapeError);
    expect((error as BnShapeError).argument).toBe('x');
    expect((error as Error).message.length).toBeLessThan(300);
    expect(reads()).toBeLessThanOrEqual(6);
  });
});

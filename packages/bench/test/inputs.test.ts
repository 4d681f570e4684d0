import { BnValueError, CONVENTIONS, DEFAULT_CONVENTION, createReferenceBackend, referenceBackend } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { caseData, hasAllocator, operationCall, type AllocatingBackend } from '../src/index.js';

/** A reference backend with an allocator that counts what it hands out and takes back. */
function countingAllocator(): AllocatingBackend & { live: Set<Float32Array>; allocations: number } {
  const live = new Set<Float32Array>();
  const backend = Object.assign(createReferenceBackend(), {
    live,
    allocations: 0,
    allocate(length: number) {
      backend.allocations++;
      const array = new Float32Array(length);
      live.add(array);
      return array;
    },
    free(array: Float32Array) {
      live.delete(array);
    },
  });
  return backend;
}

describe('caseData', () => {
  it('saves each channel\'s mean and 1/sqrt(biased variance + eps) of x, worked out here by two passes', () => {
    const data = caseData([3, 2, 4], 'NCL');
    const eps = CONVENTIONS[DEFAULT_CONVENTION].defaultEps;
    for (let c = 0; c < 2; c++) {
      const values: number[] = [];
      for (let n = 0; n < 3; n++) for (let l = 0; l < 4; l++) values.push(data.x[n * 8 + c * 4 + l] as number);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
      expect(data.savedMean[c]).toBeCloseTo(mean, 6);
      expect(data.savedInvStd[c]).toBeCloseTo(1 / Math.sqrt(variance + eps), 5);
    }
  });

  it('draws the same numbers every time, x in [-0.5, 1.5)', () => {
    const a = caseData([4, 3], 'NC');
    expect(caseData([4, 3], 'NC').x).toEqual(a.x);
    expect(a.x.every((v) => v >= -0.5 && v < 1.5)).toBe(true);
    expect(new Set(a.x).size).toBe(12);
  });
});

describe('operationCall', () => {
  it('takes x, dy and the outputs from the backend\'s allocate() and gives them all back', async () => {
    const backend = countingAllocator();
    expect(hasAllocator(backend)).toBe(true);
    const data = caseData([2, 3], 'NC');
    const prepared = operationCall(backend, data, 'backward', 'allocate');
    expect(backend.allocations).toBe(3);
    const seen: Float32Array[] = [];
    const backward = backend.backward.bind(backend);
    backend.backward = (input) => {
      seen.push(input.x as Float32Array, input.dy as Float32Array, input.out?.dx as Float32Array);
      return backward(input);
    };
    await prepared.call();
    expect(new Set(seen)).toEqual(backend.live);
    prepared.release();
    expect(backend.live.size).toBe(0);
  });

  it('uses plain Float32Arrays when asked, even for a backend that allocates', async () => {
    const backend = countingAllocator();
    const prepared = operationCall(backend, caseData([2, 3], 'NC'), 'inference', 'plain');
    await prepared.call();
    prepared.release();
    expect(backend.allocations).toBe(0);
  });

  it('passes plain x and dy and no out for plain-inputs, and frees each output the backend returns', async () => {
    const backend = countingAllocator();
    const data = caseData([2, 3], 'NC');
    const freed: Float32Array[] = [];
    const returned: Float32Array[] = [];
    backend.free = (array) => freed.push(array);
    const backward = backend.backward.bind(backend);
    backend.backward = async (input) => {
      expect(input.x).toBe(data.x);
      expect(input.dy).toBe(data.dy);
      expect(input.out).toBeUndefined();
      const result = await backward(input);
      returned.push(result.dx as Float32Array);
      return result;
    };
    const prepared = operationCall(backend, data, 'backward', 'plain-inputs');
    await prepared.call();
    await prepared.call();
    expect(freed).toEqual(returned);
    expect(freed).toHaveLength(2);
    expect(backend.allocations).toBe(0);
  });

  it('refuses allocate() buffers for a backend without an allocator', () => {
    expect(hasAllocator(referenceBackend)).toBe(false);
    expect(() => operationCall(referenceBackend, caseData([2, 3], 'NC'), 'inference', 'allocate')).toThrow(BnValueError);
  });
});

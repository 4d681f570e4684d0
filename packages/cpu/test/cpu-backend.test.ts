import { BACKEND_SPECIFICATION_VERSION, BnShapeError, BnValueError, LAYOUTS } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { cpuExpectations, createCpuBackend } from '../src/index.js';

describe('createCpuBackend', () => {
  it('declares the cpu backend with every layout and one expected failure, beyond float32 range', () => {
    const backend = createCpuBackend({ threads: 1 });
    expect(backend.name).toBe('cpu');
    expect(backend.specificationVersion).toBe(BACKEND_SPECIFICATION_VERSION);
    expect(backend.capabilities.layouts).toEqual(LAYOUTS);
    expect(cpuExpectations.expectedFailures.map((failure) => `${failure.id} ${failure.operation ?? ''}`)).toEqual(['nchw/scale-1e30/untracked backward']);
    expect(cpuExpectations.toleranceOverrides).toEqual([]);
  });

  it('rejects invalid options naming them', () => {
    expect(() => createCpuBackend({ threads: 0 })).toThrow(BnValueError);
    expect(() => createCpuBackend({ threads: 1.5 })).toThrow(/options\.threads/);
    expect(() => createCpuBackend({ parallelThreshold: -1 })).toThrow(/options\.parallelThreshold/);
  });

  it('throws core validation errors and checks out buffers', async () => {
    const backend = createCpuBackend({ threads: 1 });
    const x = new Float32Array(12);
    await expect(backend.inference({ x, shape: [2, 5], layout: 'NC', options: { trackRunningStats: false, affine: false } })).rejects.toThrow(BnShapeError);
    await expect(
      backend.trainForward({ x, shape: [4, 3], layout: 'NC', options: { trackRunningStats: false, affine: false }, out: { y: new Float32Array(5) } }),
    ).rejects.toThrow(/out\.y/);
    expect(() => backend.allocate(0)).toThrow(BnValueError);
  });

  it('writes into the caller-provided output buffer and returns it', async () => {
    const backend = createCpuBackend({ threads: 1 });
    const y = backend.allocate(8);
    const x = backend.allocate(8);
    x.set([1, 2, 3, 4, 5, 6, 7, 8]);
    const out = await backend.trainForward({ x, shape: [4, 2], layout: 'NC', options: { trackRunningStats: false, affine: false }, out: { y } });
    expect(out.y).toBe(y);
    expect(y[0]).toBeCloseTo(-3 / Math.sqrt(5 + 1e-5), 6);
    backend.free(x);
    backend.free(y);
  });
});

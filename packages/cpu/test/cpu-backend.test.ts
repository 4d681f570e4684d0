import { BACKEND_SPECIFICATION_VERSION, BnBackendError, BnShapeError, BnValueError, LAYOUTS, referenceBackward, referenceTrainForward } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { cpuExpectations, createCpuBackend } from '../src/index.js';
import { expectClose } from '@bnkit/spec/test';

describe('createCpuBackend', () => {
  it('declares the cpu backend with every layout and no expected failure or wider tolerance', () => {
    const backend = createCpuBackend({ threads: 1 });
    expect(backend.name).toBe('cpu');
    expect(backend.specificationVersion).toBe(BACKEND_SPECIFICATION_VERSION);
    expect(backend.capabilities.layouts).toEqual(LAYOUTS);
    expect(cpuExpectations.expectedFailures).toEqual([]);
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

describe('cpu allocate and free', () => {
  it('makes misuse of free a typed error: undefined, a second free, a subarray', () => {
    const backend = createCpuBackend({ threads: 1 });
    const a = backend.allocate(8);
    expect(() => backend.free(undefined as unknown as Float32Array)).toThrow(BnValueError);
    expect(() => backend.free(a.subarray(2))).toThrow(/subarray/);
    backend.free(a);
    expect(() => backend.free(a)).toThrow(/already freed/);
    // A plain array was never in the backend's memory: nothing to return, nothing to refuse.
    expect(() => backend.free(new Float32Array(4))).not.toThrow();
  });
});

describe('cpu outputs the caller does not pass', () => {
  // 64 KiB of output, the smallest the backend allocates in its own memory.
  const shape = [4096, 4];
  const x = Float32Array.from({ length: 16384 }, (_, i) => Math.sin(i) * 3);
  const options = { trackRunningStats: false, affine: false } as const;

  it('are allocated in the backend memory for float32 input, whether x is there or not, and freed once', async () => {
    const backend = createCpuBackend({ threads: 1 });
    for (const input of [x, (() => { const placed = backend.allocate(x.length); placed.set(x); return placed; })()]) {
      const { y } = await backend.trainForward({ x: input, shape, layout: 'NC', options });
      expect(y).toBeInstanceOf(Float32Array);
      expect(y.buffer).toBe(backend.allocate(1).buffer);
      expectClose(y, referenceTrainForward({ x, shape, layout: 'NC', options }).y, 2e-6, 2e-6, 'y');
      backend.free(y as Float32Array);
      expect(() => backend.free(y as Float32Array)).toThrow(/already freed/);
    }
  });

  it('take dx in the backend memory when x and dy are plain (staged in the private memory, dx written by copies)', async () => {
    // 1 MiB per tensor: four staging chunks.
    const backend = createCpuBackend({ threads: 1 });
    const large = Float32Array.from({ length: 1 << 18 }, (_, i) => Math.sin(i) * 3);
    const dy = Float32Array.from(large, (_, i) => Math.cos(i));
    const input = { x: large, dy, shape: [1 << 16, 4], layout: 'NC' as const, savedMean: new Float64Array([0.1, -0.2, 0.3, 0]), savedInvStd: new Float64Array([0.5, 0.6, 0.7, 0.8]), options };
    const { dx } = await backend.backward(input);
    expect(dx.buffer).toBeInstanceOf(SharedArrayBuffer);
    expectClose(dx, referenceBackward(input).dx, 2e-6, 2e-6, 'dx');
  });

  it('are plain arrays below 64 KiB', async () => {
    const backend = createCpuBackend({ threads: 1 });
    const { y } = await backend.inference({ x: x.subarray(0, 16380), shape: [4095, 4], layout: 'NC', options });
    expect(y.buffer).toBeInstanceOf(ArrayBuffer);
  });

  it('are plain arrays of x type for float64 input', async () => {
    const backend = createCpuBackend({ threads: 1 });
    const { y } = await backend.inference({ x: Float64Array.from(x), shape, layout: 'NC', options });
    expect(y).toBeInstanceOf(Float64Array);
  });
});

describe('cpu dispose contract', () => {
  it('throws BnBackendError naming cpu from every operation after dispose, and works again after init', async () => {
    const backend = createCpuBackend({ threads: 2 });
    await backend.init();
    const x = new Float32Array([1, 2, 3, 4]);
    const request = { x, shape: [2, 2], layout: 'NC' as const, options: { trackRunningStats: false, affine: false } };
    await backend.dispose();
    await expect(backend.inference(request)).rejects.toThrow(BnBackendError);
    await expect(backend.trainForward(request)).rejects.toThrow(/cpu: trainForward called after dispose/);
    const saved = { savedMean: new Float64Array(2), savedInvStd: new Float64Array([1, 1]) };
    await expect(backend.backward({ ...request, dy: x, ...saved })).rejects.toThrow(BnBackendError);
    expect(() => backend.allocate(4)).toThrow(BnBackendError);
    expect(backend.threads).toBe(1);
    await backend.init();
    expect(backend.threads).toBe(2);
    expect(backend.threading).toMatch(/^2 threads \(the calling one and 1 worker thread\) over a shared WebAssembly memory$/);
    const { y } = await backend.inference(request);
    expect(y[0]).toBeCloseTo(-1 / Math.sqrt(1 + 1e-5), 6);
    await backend.dispose();
  });
});

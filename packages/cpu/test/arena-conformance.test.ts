import type { Backend, BackwardInput, FloatArray, InferenceInput, TrainForwardInput } from '@bnkit/core';
import { describeConformance } from '@bnkit/spec/vitest';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cpuExpectations, createCpuBackend, type CpuBackend } from '../src/index.js';
import { WorkerPool } from '../src/worker-pool.js';

// Counts kernel calls sent to worker threads, to show the threaded path really ran.
const workerRuns = vi.spyOn(WorkerPool.prototype, 'start');

/**
 * The cpu backend as a user of its fast path drives it: x and dy copied into arrays from
 * `allocate()`, outputs passed as `out` arrays from `allocate()`, so every operation runs in place
 * in the shared memory; results are copied out before the arrays are freed.
 */
function inSharedMemory(backend: CpuBackend): Backend {
  const placed: Float32Array[] = [];
  const place = (array: FloatArray): FloatArray => {
    if (!(array instanceof Float32Array)) return array;
    const copy = backend.allocate(array.length);
    copy.set(array);
    placed.push(copy);
    return copy;
  };
  const output = (length: number): Float32Array => {
    const array = backend.allocate(length);
    placed.push(array);
    return array;
  };
  const release = (): void => {
    for (const array of placed.splice(0)) backend.free(array);
  };
  const run = async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation();
    } finally {
      release();
    }
  };
  return {
    specificationVersion: backend.specificationVersion,
    name: backend.name,
    capabilities: backend.capabilities,
    init: () => backend.init(),
    dispose: () => backend.dispose(),
    inference: (input: InferenceInput) =>
      run(async () => {
        const y = output(input.x.length);
        const out = await backend.inference({ ...input, x: place(input.x as FloatArray), out: { y } });
        expect(out.y).toBe(y);
        return { y: out.y.slice() };
      }),
    trainForward: (input: TrainForwardInput) =>
      run(async () => {
        const y = output(input.x.length);
        const out = await backend.trainForward({ ...input, x: place(input.x as FloatArray), out: { y } });
        expect(out.y).toBe(y);
        return { ...out, y: out.y.slice() };
      }),
    backward: (input: BackwardInput) =>
      run(async () => {
        const dx = output(input.x.length);
        const out = await backend.backward({ ...input, x: place(input.x as FloatArray), dy: place(input.dy as FloatArray), out: { dx } });
        expect(out.dx).toBe(dx);
        return { ...out, dx: out.dx.slice() };
      }),
  };
}

// Threads forced on for every size: a threshold of 0 splits even the smallest golden case
// between the calling thread and a worker. No hardening checks: the wrapper supplies its own `out`
// arrays, which those checks replace on purpose; the plain cpu suite runs them.
describeConformance('cpu (tensors from allocate(), two threads)', () => inSharedMemory(createCpuBackend({ threads: 2, parallelThreshold: 0 })), cpuExpectations, {
  properties: false,
  hardening: false,
});

describe('the shared-memory run above', () => {
  afterAll(() => workerRuns.mockRestore());
  it('sent kernel calls to a worker thread', () => {
    expect(workerRuns.mock.calls.length).toBeGreaterThan(0);
  });
});

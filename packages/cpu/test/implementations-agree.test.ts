import type { Layout, TrainForwardInput } from '@bnkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend, type CpuBackend } from '../src/index.js';
import { expectClose, randomFloat32, seededRandom } from '@bnkit/spec/test';
import { params } from './helpers.js';

// Tensors larger than the staging chunk (65536 elements) and cut between two threads at a point
// that falls inside a run (channels-first) or a row (channels-last).
const CASES: readonly { layout: Layout; shape: number[] }[] = [
  { layout: 'NCHW', shape: [11, 6, 33, 31] },
  { layout: 'NHWC', shape: [5, 31, 37, 13] },
  { layout: 'NC', shape: [2001, 37] },
  { layout: 'NCDHW', shape: [4, 3, 19, 20, 15] },
  // Rows wider than a staging chunk: chunks and thread cuts fall inside rows.
  { layout: 'NC', shape: [6, 70001] },
  // Rows of 1001 and 600 channels: each thread takes a range of columns (cut at a multiple of 16).
  { layout: 'NC', shape: [40, 1001] },
  { layout: 'NHWC', shape: [2, 5, 7, 600] },
];

/** Which tensors of a run are in the backend's memory (the rest are plain Float32Arrays). */
type Placement = (name: 'x' | 'y' | 'dy' | 'dx') => boolean;

describe('plain JavaScript, WebAssembly SIMD (in its memory or on plain arrays) and worker threads give the same results', () => {
  const js = createCpuBackend({ simd: false, threads: 1 });
  const wasm = createCpuBackend({ threads: 1 });
  const workers = createCpuBackend({ threads: 2, parallelThreshold: 0 });
  beforeAll(async () => {
    await Promise.all([js.init(), wasm.init(), workers.init()]);
  });
  afterAll(async () => {
    await Promise.all([js.dispose(), wasm.dispose(), workers.dispose()]);
  });

  it('runs each configuration as configured', () => {
    expect(js.simd).toBe(false);
    expect(wasm.simd).toBe(true);
    expect(wasm.threads).toBe(1);
    expect(workers.simd).toBe(true);
    expect(workers.threads).toBe(2);
  });

  for (const { layout, shape } of CASES) {
    it(`${layout} [${shape.join(',')}]`, async () => {
      const size = shape.reduce((a, b) => a * b, 1);
      const c = layout.endsWith('C') && layout !== 'NC' ? (shape[shape.length - 1] as number) : (shape[1] as number);
      const next = seededRandom(size);
      const x = randomFloat32(next, size, 1, 5);
      const dy = randomFloat32(next, size);
      const p = params(c, next);
      // Tensors outside the backend's memory are staged into it (chunk by chunk, or channel-major
      // tensors with runs of 256 values or more a whole channel at a time); the output of a chunk
      // is written over an input's staging slot.
      const run = async (backend: CpuBackend, inMemory: Placement = () => true) => {
        const place = (name: Parameters<Placement>[0], a: Float32Array) => {
          if (!inMemory(name)) return a.slice();
          const b = backend.allocate(a.length);
          b.set(a);
          return b;
        };
        const input: TrainForwardInput = { x: place('x', x), shape, layout, ...p, out: { y: place('y', new Float32Array(size)) } };
        const train = await backend.trainForward(input);
        const inferred = await backend.inference({ ...input, out: { y: place('y', new Float32Array(size)) } });
        const grad = await backend.backward({
          x: input.x,
          dy: place('dy', dy),
          shape,
          layout,
          gamma: p.gamma,
          savedMean: train.batchMean,
          savedInvStd: train.invStd,
          out: { dx: place('dx', new Float32Array(size)) },
        });
        return { train, y: Float32Array.from(inferred.y), dx: Float32Array.from(grad.dx), dgamma: grad.dgamma, dbeta: grad.dbeta };
      };
      const a = await run(js);
      const b = await run(wasm);
      const w = await run(workers);
      const plain = await run(wasm, () => false);
      const xInMemory = await run(workers, (name) => name === 'x');
      const xPlain = await run(workers, (name) => name !== 'x');
      const runs = [
        [b, 'wasm'],
        [w, 'workers'],
        [plain, 'wasm on plain arrays'],
        [xInMemory, 'x in memory, the rest plain'],
        [xPlain, 'x plain, the rest in memory'],
      ] as const;
      for (const [other, name] of runs) {
        // Statistics: the SIMD sums fold float32 blocks of at most 32 values into float64.
        expectClose(other.train.batchMean, a.train.batchMean, 1e-9, 1e-7, `${name} batchMean`);
        expectClose(other.train.batchVar, a.train.batchVar, 1e-12, 1e-6, `${name} batchVar`);
        // y: the SIMD kernels normalise in float32 lanes on a split mean, the fallback in float64;
        // both are within a few float32 rounding steps of the exact value.
        expectClose(other.train.y, a.train.y, 3.6e-7, 3.6e-7, `${name} trainForward y`);
        expectClose(other.y, a.y, 3.6e-7, 3.6e-7, `${name} inference y`);
        // dx: float32 lanes too; its terms are of order gamma * invStd * |dy| * (1 + |xhat|), about 4 here.
        expectClose(other.dx, a.dx, 2e-6, 1e-6, `${name} dx`);
        // dgamma and dbeta are sums of m terms of size up to about 3 that cancel: their error is
        // float32 rounding of the terms, bounded here by 4e-8 per term.
        const m = size / c;
        expectClose(other.dgamma, a.dgamma, 4e-8 * m, 1e-6, `${name} dgamma`);
        expectClose(other.dbeta, a.dbeta, 4e-8 * m, 1e-6, `${name} dbeta`);
      }
    });
  }
});

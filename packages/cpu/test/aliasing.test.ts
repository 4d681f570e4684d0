import { referenceBackward, referenceInference, referenceTrainForward, type FloatArray, type Layout } from '@bnkit/core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createCpuBackend, type CpuBackend } from '../src/index.js';
import { expectClose, randomFloat32, seededRandom } from '@bnkit/spec/test';
import { params } from './helpers.js';

// Output and input in one buffer. A partial overlap (y starting one element after x) used to be
// read after being overwritten (errors of order 1); exact aliasing (y is x) must keep working.
// Expected values come from core's float64 reference on untouched copies of the inputs.
const CASES: readonly { layout: Layout; shape: number[] }[] = [
  { layout: 'NCHW', shape: [3, 4, 50, 120] }, // more than one 256 KiB staging chunk
  { layout: 'NC', shape: [40, 7] },
];

describe('output arrays that overlap the input', () => {
  const backends: Record<string, CpuBackend> = {
    'plain JavaScript': createCpuBackend({ simd: false, threads: 1 }),
    'WebAssembly SIMD, two threads': createCpuBackend({ threads: 2, parallelThreshold: 0 }),
  };
  beforeAll(async () => {
    for (const backend of Object.values(backends)) await backend.init();
  });
  afterAll(async () => {
    for (const backend of Object.values(backends)) await backend.dispose();
  });

  for (const [name, backend] of Object.entries(backends)) {
    for (const { layout, shape } of CASES) {
      const size = shape.reduce((a, b) => a * b, 1);
      const c = layout === 'NC' ? (shape[1] as number) : (shape[1] as number);
      const next = seededRandom(size);
      const xValues = randomFloat32(next, size, -1, 5);
      const dyValues = randomFloat32(next, size);
      const p = params(c, next);
      // Buffers of n + 1 elements, plain or from allocate().
      const buffers: Record<string, () => Float32Array> = {
        plain: () => new Float32Array(size + 1),
        'from allocate()': () => backend.allocate(size + 1),
      };
      for (const [kind, makeBuffer] of Object.entries(buffers)) {
        const label = `${name}, ${layout}, ${kind} buffer`;

        it(`${label}: inference and training forward with out.y one element after x`, async () => {
          for (const shift of [1, -1]) {
            for (const op of ['inference', 'trainForward'] as const) {
              const buf = makeBuffer();
              const xAt = shift > 0 ? 0 : 1;
              const x = buf.subarray(xAt, xAt + size);
              x.set(xValues);
              const y = buf.subarray(xAt + shift, xAt + shift + size);
              const input = { x, shape, layout, ...p };
              const expected = op === 'inference' ? referenceInference({ ...input, x: xValues }).y : referenceTrainForward({ ...input, x: xValues }).y;
              const got = op === 'inference' ? await backend.inference({ ...input, out: { y } }) : await backend.trainForward({ ...input, out: { y } });
              expectClose(got.y, expected, 1e-5, 1e-5, `${label} ${op} y (shift ${shift})`);
            }
          }
        });

        it(`${label}: backward with out.dx overlapping x or dy partly`, async () => {
          const train = referenceTrainForward({ x: xValues, shape, layout, ...p });
          const expected = referenceBackward({ x: xValues, dy: dyValues, shape, layout, gamma: p.gamma, savedMean: train.batchMean, savedInvStd: train.invStd }).dx;
          for (const overlapped of ['x', 'dy'] as const) {
            const buf = makeBuffer();
            const inside = buf.subarray(0, size);
            const other = overlapped === 'x' ? Float32Array.from(dyValues) : Float32Array.from(xValues);
            inside.set(overlapped === 'x' ? xValues : dyValues);
            const x: FloatArray = overlapped === 'x' ? inside : other;
            const dy: FloatArray = overlapped === 'x' ? other : inside;
            const dx = buf.subarray(1, size + 1);
            const got = await backend.backward({ x, dy, shape, layout, gamma: p.gamma, savedMean: train.batchMean, savedInvStd: train.invStd, out: { dx } });
            expectClose(got.dx, expected, 1e-5, 1e-5, `${label} dx overlapping ${overlapped}`);
          }
        });

        it(`${label}: exact aliasing (out.y is x, out.dx is dy) still works`, async () => {
          const x = makeBuffer().subarray(0, size);
          x.set(xValues);
          const expectedY = referenceTrainForward({ x: xValues, shape, layout, ...p });
          const got = await backend.trainForward({ x, shape, layout, ...p, out: { y: x } });
          expectClose(got.y, expectedY.y, 1e-5, 1e-5, `${label} y in place`);
          const xs = Float32Array.from(xValues);
          const dy = makeBuffer().subarray(0, size);
          dy.set(dyValues);
          const expectedDx = referenceBackward({ x: xValues, dy: dyValues, shape, layout, gamma: p.gamma, savedMean: expectedY.batchMean, savedInvStd: expectedY.invStd }).dx;
          const grad = await backend.backward({ x: xs, dy, shape, layout, gamma: p.gamma, savedMean: expectedY.batchMean, savedInvStd: expectedY.invStd, out: { dx: dy } });
          expectClose(grad.dx, expectedDx, 1e-5, 1e-5, `${label} dx in place`);
        });
      }
    }
  }
});

import {
  referenceBackward,
  referenceInference,
  referenceTrainForward,
  type Backend,
  type BackwardInput,
  type TrainForwardInput,
} from '@bnkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CpuBackend } from '../src/index.js';
import { expectClose, randomFloat32, seededRandom } from '@bnkit/spec/test';
import { OPTION_SETS, SMALL_SHAPES, params } from './helpers.js';

// Float32 outputs against float64 expectations: a few float32 ulps of the result's scale.
const Y_REL = 2e-6;
const Y_ABS = 2e-6;

/**
 * Checks every operation of a cpu backend configuration against core's float64 reference, on
 * small tensors of every layout and every option set. `statRel` bounds the relative error of
 * statistics and parameter gradients: about 1e-15 for the float64 JavaScript kernels, a few
 * 1e-7 for the SIMD kernels (float32 blocks of at most 32 values folded into float64).
 */
export function describeReferenceAgreement(name: string, create: () => Backend, inSharedMemory = false, statRel = 1e-9): void {
  // Means near 0 are held to the same bound in absolute terms: the data spread is about 1.
  const STAT_REL = statRel;
  describe(`${name}: agrees with the float64 reference`, () => {
    let backend: Backend;
    // Copies an array into the backend's shared memory when the case asks for it.
    const place = (array: Float32Array): Float32Array => {
      if (!inSharedMemory) return array;
      const placed = (backend as CpuBackend).allocate(array.length);
      placed.set(array);
      return placed;
    };
    const out = (length: number): { y: Float32Array } | undefined => (inSharedMemory ? { y: place(new Float32Array(length)) } : undefined);
    beforeAll(async () => {
      backend = create();
      await backend.init();
    });
    afterAll(async () => {
      await backend.dispose();
    });

    for (const { layout, shape } of SMALL_SHAPES) {
      for (const options of OPTION_SETS) {
        it(`${layout} [${shape.join(',')}] ${JSON.stringify(options)}`, async () => {
          const next = seededRandom(shape.reduce((a, b) => a * b, 7));
          const size = shape.reduce((a, b) => a * b, 1);
          const c = shape[layout.endsWith('C') && layout !== 'NC' ? shape.length - 1 : 1] as number;
          const input: TrainForwardInput = { x: place(randomFloat32(next, size, -1.7, 2.3)), shape, layout, options, ...params(c, next) };

          const train = await backend.trainForward({ ...input, out: out(size) });
          const expected = referenceTrainForward(input);
          expectClose(train.y, expected.y, Y_ABS, Y_REL, 'trainForward y');
          expectClose(train.batchMean, expected.batchMean, STAT_REL, STAT_REL, 'batchMean');
          expectClose(train.batchVar, expected.batchVar, 1e-12, STAT_REL, 'batchVar');
          expectClose(train.invStd, expected.invStd, 0, STAT_REL, 'invStd');
          if (expected.runningMean) {
            expectClose(train.runningMean, expected.runningMean, STAT_REL, STAT_REL, 'runningMean');
            expectClose(train.runningVar, expected.runningVar, 1e-12, STAT_REL, 'runningVar');
            expectClose([train.numBatchesTracked ?? -1], [expected.numBatchesTracked ?? -2], 0, 0, 'numBatchesTracked');
          }

          const inferred = await backend.inference({ ...input, out: out(size) });
          expectClose(inferred.y, referenceInference(input).y, Y_ABS, Y_REL, 'inference y');

          const grad: BackwardInput = {
            x: input.x,
            shape,
            layout,
            options,
            dy: place(randomFloat32(next, size)),
            gamma: input.gamma,
            savedMean: Float32Array.from(expected.batchMean),
            savedInvStd: Float32Array.from(expected.invStd),
          };
          const dx = out(size)?.y;
          const got = await backend.backward(dx ? { ...grad, out: { dx } } : grad);
          const want = referenceBackward(grad);
          expectClose(got.dx, want.dx, 1e-5, 1e-5, 'dx');
          if (want.dgamma) {
            expectClose(got.dgamma, want.dgamma, STAT_REL, STAT_REL, 'dgamma');
            expectClose(got.dbeta, want.dbeta, STAT_REL, STAT_REL, 'dbeta');
          } else {
            expect(got.dgamma).toBeUndefined();
            expect(got.dbeta).toBeUndefined();
          }
        });
      }
    }

    it('keeps the variance of float32 1e4 + 0.1 * noise to a relative error below 1e-6', async () => {
      for (const layout of ['NCHW', 'NHWC', 'NC'] as const) {
        const shape = layout === 'NC' ? [4096, 3] : layout === 'NCHW' ? [8, 3, 16, 16] : [8, 16, 16, 3];
        const size = shape.reduce((a, b) => a * b, 1);
        const next = seededRandom(11);
        const x = place(randomFloat32(next, size, 9999.9, 10000.1));
        const input: TrainForwardInput = { x, shape, layout, options: { trackRunningStats: false, affine: false } };
        const got = await backend.trainForward(input);
        const want = referenceTrainForward(input);
        expectClose(got.batchVar, want.batchVar, 0, 1e-6, `${layout} variance at offset 1e4`);
        expectClose(got.y, want.y, 1e-5, 1e-5, `${layout} y at offset 1e4`);
      }
    });

    it('gives a constant channel variance 0 and y = beta', async () => {
      const shape = [4, 3, 5, 5];
      const x = new Float32Array(300).fill(3.25);
      const input: TrainForwardInput = { x, shape, layout: 'NCHW', gamma: new Float32Array([1, 2, 3]), beta: new Float32Array([0.5, -1, 2]), options: { trackRunningStats: false } };
      const got = await backend.trainForward(input);
      expectClose(got.batchVar, [0, 0, 0], 0, 0, 'variance');
      expectClose(got.y, referenceTrainForward(input).y, 0, 0, 'y');
    });

    it('keeps a NaN inside its channel', async () => {
      const shape = [2, 3, 4];
      const x = randomFloat32(seededRandom(5), 24);
      x[5] = Number.NaN;
      const input: TrainForwardInput = { x, shape, layout: 'NCL', options: { trackRunningStats: false }, gamma: new Float32Array([1, 1, 1]), beta: new Float32Array(3) };
      const got = await backend.trainForward(input);
      const want = referenceTrainForward(input);
      expectClose(got.batchMean, want.batchMean, STAT_REL, STAT_REL, 'batchMean');
      expectClose(got.y, want.y, Y_ABS, Y_REL, 'y');
    });
  });
}

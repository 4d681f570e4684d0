import {
  CONVENTION_NAMES,
  LAYOUTS,
  referenceBackward,
  referenceInference,
  referenceTrainForward,
  type BnOptions,
  type FloatArray,
  type Layout,
} from '@bnkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createOnnxruntimeBackend } from '../src/index.js';
import { SHAPES, channelsOf, expectClose, normalArray, seededRandom } from '@bnkit/spec/test';

const backend = createOnnxruntimeBackend();
afterAll(() => backend.dispose());

/**
 * Tolerances against the float64 reference. float64 graphs agree to rounding; float32 graphs
 * round x to float32 only where the BatchNormalization kernel computes y (O(1) values here), while
 * statistics come from the float64 branch of the graph and dx is float64 rounded once.
 */
const TOLERANCE = {
  float32: { y: 2e-6, stats: 1e-12, dx: 1e-6 },
  float64: { y: 1e-12, stats: 1e-12, dx: 1e-12 },
} as const;

function problem(layout: Layout, type: 'float32' | 'float64', seed: number) {
  const uniform = seededRandom(seed);
  const shape = SHAPES[layout];
  const c = channelsOf(shape, layout);
  const size = shape.reduce((a, b) => a * b, 1);
  const x = normalArray(uniform, size, type, 0.5, 2);
  return {
    shape,
    x,
    dy: normalArray(uniform, size, type),
    gamma: normalArray(uniform, c, type, 1, 0.3),
    beta: normalArray(uniform, c, type),
    runningMean: normalArray(uniform, c, type, 0.5, 1),
    runningVar: Float64Array.from(normalArray(uniform, c, 'float64'), (v) => 1 + Math.abs(v)),
  };
}

describe.each(['float32', 'float64'] as const)('onnxruntime against the reference (%s)', (type) => {
  const tol = TOLERANCE[type];
  describe.each(LAYOUTS)('%s', (layout) => {
    it.each([...CONVENTION_NAMES, 'pytorch cumulative average'])('training forward, inference and backward under %s', async (name) => {
      const p = problem(layout, type, 7 + LAYOUTS.indexOf(layout));
      const options: BnOptions = name === 'pytorch cumulative average' ? { convention: 'pytorch', momentum: null } : { convention: name as BnOptions['convention'] };
      const input = { x: p.x, shape: p.shape, layout, gamma: p.gamma, beta: p.beta, runningMean: p.runningMean, runningVar: p.runningVar, numBatchesTracked: 3, options };

      const train = await backend.trainForward(input);
      const trainRef = referenceTrainForward(input);
      expect(train.y).toBeInstanceOf(type === 'float32' ? Float32Array : Float64Array);
      expectClose(train.y, trainRef.y, tol.y, tol.y, 'y');
      for (const key of ['batchMean', 'batchVar', 'invStd', 'runningMean', 'runningVar'] as const) {
        expectClose(train[key], trainRef[key], tol.stats, tol.stats, key);
      }
      expect(train.numBatchesTracked).toBe(4);

      const inferred = await backend.inference(input);
      expectClose(inferred.y, referenceInference(input).y, tol.y, tol.y, 'inference y');

      const backwardInput = { ...input, dy: p.dy, savedMean: trainRef.batchMean, savedInvStd: trainRef.invStd };
      const grads = await backend.backward(backwardInput);
      const gradsRef = referenceBackward(backwardInput);
      expectClose(grads.dx, gradsRef.dx, tol.dx, tol.dx, 'dx');
      expectClose(grads.dgamma, gradsRef.dgamma, 1e-12, 1e-12, 'dgamma');
      expectClose(grads.dbeta, gradsRef.dbeta, 1e-12, 1e-12, 'dbeta');
    });

    it('affine off and untracked running statistics', async () => {
      const p = problem(layout, type, 101 + LAYOUTS.indexOf(layout));
      const options: BnOptions = { affine: false, trackRunningStats: false, eps: 1e-3 };
      const input = { x: p.x, shape: p.shape, layout, options };
      const train = await backend.trainForward(input);
      const trainRef = referenceTrainForward(input);
      expectClose(train.y, trainRef.y, tol.y, tol.y, 'y');
      expectClose(train.invStd, trainRef.invStd, tol.stats, tol.stats, 'invStd');
      expect(train.runningMean).toBeUndefined();
      expect(train.runningVar).toBeUndefined();
      expectClose((await backend.inference(input)).y, referenceInference(input).y, tol.y, tol.y, 'inference y');
      const backwardInput = { ...input, dy: p.dy, savedMean: trainRef.batchMean, savedInvStd: trainRef.invStd };
      const grads = await backend.backward(backwardInput);
      expectClose(grads.dx, referenceBackward(backwardInput).dx, tol.dx, tol.dx, 'dx');
      expect(grads.dgamma).toBeUndefined();
      expect(grads.dbeta).toBeUndefined();
    });
  });
});

describe('onnxruntime statistics of a large offset', () => {
  it('keeps the variance of float32 x = 1e4 + 0.1 * noise (statistics in float64, two-pass)', async () => {
    const uniform = seededRandom(5);
    const shape = [8, 2, 16, 16];
    const x: FloatArray = normalArray(uniform, 8 * 2 * 16 * 16, 'float32', 1e4, 0.1);
    const input = { x, shape, layout: 'NCHW' as const, gamma: Float32Array.from([1, 2]), beta: Float32Array.from([0, 1]), runningMean: new Float32Array(2), runningVar: new Float32Array(2).fill(1) };
    const train = await backend.trainForward(input);
    const ref = referenceTrainForward(input);
    expectClose(train.batchVar, ref.batchVar, 0, 1e-9, 'batchVar');
    expectClose(train.runningVar, ref.runningVar, 0, 1e-9, 'runningVar');
    // y comes from ONNX Runtime's float32 kernel fed x - mean and the scale from float64, each
    // rounded once, so y (unit-sized) keeps float32 accuracy however large the offset.
    expectClose(train.y, ref.y, 1e-5, 1e-5, 'y');
  });
});

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BnShapeError, BnValueError, LAYOUTS, referenceBackward, referenceInference, referenceTrainForward, type BnOptions } from '@bnkit/core';
import {
  batchNormBackwardAutodiffTensors,
  batchNormBackwardTensors,
  batchNormInferenceTensors,
  batchNormTrainTensors,
  createTfjsBackend,
} from '../src/index.js';
import { toleranceRatio } from '@bnkit/spec/test';
import { randomProblem } from './helpers.js';

const Y = { abs: 2e-5, rel: 2e-5 };
const GRAD = { abs: 5e-5, rel: 5e-5 };

function closeTo(actual: tf.Tensor | undefined, expected: ArrayLike<number> | undefined, tol: { abs: number; rel: number }): void {
  expect(actual).toBeDefined();
  expect(expected).toBeDefined();
  expect(toleranceRatio((actual as tf.Tensor).dataSync(), expected as ArrayLike<number>, tol.abs, tol.rel)).toBeLessThanOrEqual(1);
}

function tensorsOf(p: ReturnType<typeof randomProblem>) {
  return {
    x: tf.tensor(p.x, p.shape),
    layout: p.layout,
    gamma: tf.tensor1d(p.gamma),
    beta: tf.tensor1d(p.beta),
    runningMean: tf.tensor1d(p.runningMean),
    runningVar: tf.tensor1d(p.runningVar),
  };
}

const OPTIONS: BnOptions[] = [{}, { convention: 'keras' }, { affine: false }, { trackRunningStats: false }, { momentum: null }];

describe.each(['cpu', 'wasm'] as const)('tensor-level API on the %s backend', (kind) => {
  let previous: string;
  beforeAll(async () => {
    await createTfjsBackend(kind).init();
    previous = tf.getBackend();
    await tf.setBackend(kind);
  });
  afterAll(async () => {
    await tf.setBackend(previous);
  });

  it.each(LAYOUTS)('%s: every operation matches the reference, and both backward methods agree', (layout) => {
    for (const options of OPTIONS) {
      tf.tidy(() => {
        const p = randomProblem(layout, 21);
        const t = tensorsOf(p);
        const expected = referenceTrainForward({ ...p, options, numBatchesTracked: 2 });
        const train = batchNormTrainTensors({ ...t, options, numBatchesTracked: 2 });
        expect(train.y.shape).toEqual(p.shape);
        closeTo(train.y, expected.y, Y);
        closeTo(train.batchMean, expected.batchMean, Y);
        closeTo(train.batchVar, expected.batchVar, Y);
        closeTo(train.invStd, expected.invStd, Y);
        if (options.trackRunningStats === false) {
          expect(train.runningMean).toBeUndefined();
        } else {
          closeTo(train.runningMean, expected.runningMean, Y);
          closeTo(train.runningVar, expected.runningVar, Y);
          expect(train.numBatchesTracked).toBe(3);
        }
        closeTo(batchNormInferenceTensors({ ...t, options }), referenceInference({ ...p, options }).y, Y);

        const grads = referenceBackward({ ...p, options, savedMean: expected.batchMean, savedInvStd: expected.invStd });
        const input = { ...t, dy: tf.tensor(p.dy, p.shape), savedMean: train.batchMean, savedInvStd: train.invStd, options };
        const closed = batchNormBackwardTensors(input);
        const autodiff = batchNormBackwardAutodiffTensors(input);
        for (const result of [closed, autodiff]) {
          closeTo(result.dx, grads.dx, GRAD);
          if (options.affine === false) {
            expect(result.dgamma).toBeUndefined();
          } else {
            closeTo(result.dgamma, grads.dgamma, GRAD);
            closeTo(result.dbeta, grads.dbeta, GRAD);
          }
        }
        closeTo(closed.dx, autodiff.dx.dataSync(), GRAD);
      });
    }
  });

  it('runs on the active backend and leaves it active', () => {
    tf.tidy(() => {
      const p = randomProblem('NCHW', 22);
      batchNormTrainTensors(tensorsOf(p));
      expect(tf.getBackend()).toBe(kind);
    });
  });
});

describe('tensor-level validation', () => {
  it('names the argument, the expected and the given value', () => {
    tf.tidy(() => {
      const p = randomProblem('NCHW', 23);
      const t = tensorsOf(p);
      expect(() => batchNormTrainTensors({ ...t, x: p.x as unknown as tf.Tensor })).toThrow(BnValueError);
      expect(() => batchNormTrainTensors({ ...t, x: tf.tensor(p.x, p.shape, 'int32') })).toThrow(/x: expected a float32 tensor, got dtype int32/);
      expect(() => batchNormTrainTensors({ ...t, layout: 'NCL' })).toThrow(BnShapeError);
      expect(() => batchNormTrainTensors({ ...t, gamma: tf.ones([4]) })).toThrow(/gamma: expected shape \[3\]/);
      expect(() => batchNormInferenceTensors({ ...t, runningVar: undefined })).toThrow(/runningVar/);
      expect(() => batchNormTrainTensors({ ...t, options: { momentum: 2 } })).toThrow(/options.momentum/);
      expect(() => batchNormTrainTensors({ ...t, numBatchesTracked: -1 })).toThrow(/numBatchesTracked/);
      expect(() => batchNormTrainTensors({ ...t, x: tf.ones([1, 3, 1, 1]) })).toThrow(/more than 1 value per channel/);
      const dy = tf.ones([2, 3, 2, 2]);
      expect(() => batchNormBackwardTensors({ ...t, dy, savedMean: t.runningMean, savedInvStd: t.runningVar })).toThrow(/dy: expected the shape of x/);
      const disposed = tf.ones([3]);
      disposed.dispose();
      expect(() => batchNormTrainTensors({ ...t, beta: disposed })).toThrow(/beta: expected a tensor not yet disposed/);
    });
  });
});

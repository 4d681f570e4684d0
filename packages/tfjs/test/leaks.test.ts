import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { referenceTrainForward } from '@bnkit/core';
import {
  batchNormBackwardAutodiffTensors,
  batchNormBackwardTensors,
  batchNormInferenceTensors,
  batchNormTrainTensors,
  createTfjsBackend,
} from '../src/index.js';
import { randomProblem } from './helpers.js';

const CALLS = 1000;
// A generous limit for a loaded 2-core machine; it bounds a hang, it does not measure speed.
const TIMEOUT_MS = 60_000;

describe.each(['cpu', 'wasm'] as const)('no tensor leaks on tfjs-%s', (kind) => {
  it(`holds no tensors after ${CALLS} calls of each backend operation`, async () => {
    const backend = createTfjsBackend(kind);
    const autodiff = createTfjsBackend(kind, { backward: 'autodiff' });
    await backend.init();
    await autodiff.init();
    const p = randomProblem('NCHW', 31);
    const saved = referenceTrainForward(p);
    const backwardInput = { ...p, savedMean: saved.batchMean, savedInvStd: saved.invStd };
    const before = tf.memory().numTensors;
    for (let i = 0; i < CALLS; i++) {
      await backend.inference(p);
      await backend.trainForward(p);
      await backend.backward(backwardInput);
      await autodiff.backward(backwardInput);
    }
    expect(tf.memory().numTensors).toBe(before);
    // An error inside a call must not leak either.
    await expect(backend.inference({ ...p, out: { y: new Float32Array(1) } })).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(before);
  }, TIMEOUT_MS);

  it(`leaves only the returned tensors after ${CALLS} calls of each tensor-level function`, async () => {
    await createTfjsBackend(kind).init();
    const previous = tf.getBackend();
    await tf.setBackend(kind);
    const p = randomProblem('NHWC', 32);
    const inputs = {
      x: tf.tensor(p.x, p.shape),
      dy: tf.tensor(p.dy, p.shape),
      layout: p.layout,
      gamma: tf.tensor1d(p.gamma),
      beta: tf.tensor1d(p.beta),
      runningMean: tf.tensor1d(p.runningMean),
      runningVar: tf.tensor1d(p.runningVar),
    };
    const before = tf.memory().numTensors;
    for (let i = 0; i < CALLS; i++) {
      const y = batchNormInferenceTensors(inputs);
      const train = batchNormTrainTensors(inputs);
      // y, batchMean, batchVar, invStd, runningMean, runningVar: what the caller owns, and nothing else.
      expect(tf.memory().numTensors).toBe(before + 7);
      const backwardInput = { ...inputs, savedMean: train.batchMean, savedInvStd: train.invStd };
      const closed = batchNormBackwardTensors(backwardInput);
      const auto = batchNormBackwardAutodiffTensors(backwardInput);
      tf.dispose([y, train.y, train.batchMean, train.batchVar, train.invStd, train.runningMean!, train.runningVar!]);
      tf.dispose([closed.dx, closed.dgamma!, closed.dbeta!, auto.dx, auto.dgamma!, auto.dbeta!]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(inputs).filter((v): v is tf.Tensor => v instanceof tf.Tensor));
    await tf.setBackend(previous);
  }, TIMEOUT_MS);
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BnShapeError, BnValueError, describeShape, referenceInference, type Layout } from '@bnkit/core';
import { batchNormInferenceTensors, createTfjsBackend, readKerasBatchNorm, writeKerasBatchNorm } from '../src/index.js';
import { randomFloat32, seededRandom, toleranceRatio } from '@bnkit/spec/test';

const Y = { abs: 2e-5, rel: 2e-5 };

function closeTo(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = Y): void {
  expect(toleranceRatio(actual, expected, tol.abs, tol.rel)).toBeLessThanOrEqual(1);
}

function batchNormModel(inputShape: number[], config: Parameters<typeof tf.layers.batchNormalization>[0]): tf.Sequential {
  return tf.sequential({ layers: [tf.layers.batchNormalization({ inputShape, name: 'bn', ...config })] });
}

/** Sets random weights on the layer (in its build order) and returns them. */
function randomWeights(model: tf.Sequential, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  const layer = model.getLayer('bn');
  const values = layer.weights.map((w) => {
    const c = w.shape[0] as number;
    return w.name.includes('variance') ? randomFloat32(random, c, 0.5, 1.5) : randomFloat32(random, c, -0.5, 1.5);
  });
  tf.tidy(() => layer.setWeights(values.map((v) => tf.tensor1d(v))));
  return values;
}

function predict(model: tf.LayersModel, x: Float32Array, shape: number[]): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor(x, shape)) as tf.Tensor).dataSync() as Float32Array);
}

describe('Keras interop', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each<[Layout, number[], number]>([
    ['NHWC', [2, 4, 5, 3], -1],
    ['NLC', [3, 6, 4], 2],
    ['NC', [6, 4], -1],
  ])('reads a %s layer whose model.predict matches the reference', (layout, shape, axis) => {
    const model = batchNormModel(shape.slice(1), { axis, epsilon: 0.01, momentum: 0.8 });
    const [gamma, beta, mean, variance] = randomWeights(model, 3);
    const stats = readKerasBatchNorm(model, 'bn');
    expect(stats.layout).toBe(layout);
    expect(stats.options).toEqual({ convention: 'keras', eps: 0.01, momentum: 0.8, affine: true });
    expect(stats.gamma).toEqual(gamma);
    expect(stats.beta).toEqual(beta);
    expect(stats.runningMean).toEqual(mean);
    expect(stats.runningVar).toEqual(variance);
    const x = randomFloat32(seededRandom(4), describeShape(shape, layout).size, -1.5, 2.5);
    closeTo(predict(model, x, shape), referenceInference({ ...stats, x, shape, layout }).y);
  });

  it('reads a channels-first layer right, where tfjs-layers\' own inference mis-broadcasts', () => {
    const shape = [2, 3, 4, 5];
    const model = batchNormModel(shape.slice(1), { axis: 1 });
    randomWeights(model, 11);
    const stats = readKerasBatchNorm(model, 'bn');
    expect(stats.axis).toBe(1);
    expect(stats.layout).toBe('NCHW');
    const x = randomFloat32(seededRandom(12), 2 * 3 * 4 * 5, -1.5, 2.5);
    const expected = referenceInference({ ...stats, x, shape, layout: 'NCHW' }).y;
    // tfjs 4.22 reshapes the parameters to [1, C, 1, 1] and its batchNorm kernel cycles them along the last axis.
    expect(toleranceRatio(predict(model, x, shape), expected, Y.abs, Y.rel)).toBeGreaterThan(1000);
    const y = tf.tidy(() => {
      const t = (a: Float32Array) => tf.tensor1d(a);
      return batchNormInferenceTensors({
        x: tf.tensor(x, shape),
        layout: 'NCHW',
        gamma: t(stats.gamma),
        beta: t(stats.beta),
        runningMean: t(stats.runningMean),
        runningVar: t(stats.runningVar),
        options: stats.options,
      }).dataSync();
    });
    closeTo(y, expected);
  });

  it('reads a layer without center or scale as ones and zeros', () => {
    const model = batchNormModel([4, 3], { center: false });
    const [gamma] = randomWeights(model, 5);
    const stats = readKerasBatchNorm(model.getLayer('bn'));
    expect(stats.center).toBe(false);
    expect(stats.gamma).toEqual(gamma);
    expect(stats.beta).toEqual(new Float32Array(3));
    const bare = batchNormModel([4, 3], { center: false, scale: false });
    const none = readKerasBatchNorm(bare, 'bn');
    expect(none.options.affine).toBe(false);
    expect(none.gamma).toEqual(new Float32Array(3).fill(1));
  });

  it('round-trips statistics trained by the adapter through a LayersModel', async () => {
    const shape = [4, 2, 5, 3];
    const model = batchNormModel(shape.slice(1), { momentum: 0.9 });
    randomWeights(model, 6);
    const before = readKerasBatchNorm(model, 'bn');
    const backend = createTfjsBackend('cpu');
    const x = randomFloat32(seededRandom(7), 4 * 3 * 2 * 5, 1, 5);
    const trained = await backend.trainForward({ ...before, x, shape, layout: 'NHWC' });
    const tensors = tf.memory().numTensors;
    writeKerasBatchNorm(model, { gamma: before.gamma, beta: before.beta, runningMean: trained.runningMean!, runningVar: trained.runningVar! }, 'bn');
    const after = readKerasBatchNorm(model, 'bn');
    expect(tf.memory().numTensors).toBe(tensors);
    expect(after.runningMean).toEqual(Float32Array.from(trained.runningMean!));
    expect(after.runningVar).toEqual(Float32Array.from(trained.runningVar!));
    expect(after.runningMean).not.toEqual(before.runningMean);
    const probe = randomFloat32(seededRandom(8), x.length, 1, 5);
    closeTo(predict(model, probe, shape), referenceInference({ ...after, x: probe, shape, layout: 'NHWC' }).y);
    await backend.dispose();
  });

  it('updates moving statistics as the layer itself does in training', async () => {
    const shape = [8, 3, 4];
    const model = batchNormModel(shape.slice(1), { momentum: 0.7, epsilon: 1e-3 });
    randomWeights(model, 9);
    const before = readKerasBatchNorm(model, 'bn');
    // A learning rate of 0 leaves gamma and beta alone, so only the layer's own moving-statistics update acts.
    model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    const x = randomFloat32(seededRandom(10), 8 * 3 * 4, 0.5, 3.5);
    const xs = tf.tensor(x, shape);
    const ys = tf.zeros(shape);
    await model.fit(xs, ys, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0 });
    tf.dispose([xs, ys]);
    const after = readKerasBatchNorm(model, 'bn');
    const ours = await createTfjsBackend('cpu').trainForward({ ...before, x, shape, layout: 'NLC' });
    closeTo(after.runningMean, ours.runningMean!, { abs: 1e-6, rel: 1e-5 });
    closeTo(after.runningVar, ours.runningVar!, { abs: 1e-6, rel: 1e-5 });
  });

  it('refuses what is not a built BatchNormalization layer, and bad values', () => {
    const model = batchNormModel([4, 3], {});
    expect(() => readKerasBatchNorm(model)).toThrow(BnValueError);
    expect(() => readKerasBatchNorm(model, 'nope')).toThrow(/layerName/);
    const dense = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'fc' })] });
    expect(() => readKerasBatchNorm(dense, 'fc')).toThrow(BnValueError);
    expect(() => readKerasBatchNorm(tf.layers.batchNormalization({}))).toThrow(/not built/);
    const three = new Float32Array(3);
    expect(() => writeKerasBatchNorm(model, { gamma: three, beta: three, runningMean: new Float32Array(2), runningVar: three }, 'bn')).toThrow(BnShapeError);
    expect(() => writeKerasBatchNorm(model, { gamma: three, beta: three, runningMean: three, runningVar: Float32Array.of(1, -1, 1) }, 'bn')).toThrow(
      /runningVar/,
    );
    const noScale = batchNormModel([4, 3], { scale: false });
    expect(() => writeKerasBatchNorm(noScale, { gamma: Float32Array.of(1, 2, 1), beta: three, runningMean: three, runningVar: three }, 'bn')).toThrow(
      /scale: false/,
    );
    dense.dispose();
  });
});

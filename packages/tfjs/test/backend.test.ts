import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BnBackendError,
  BnShapeError,
  CONVENTION_NAMES,
  LAYOUTS,
  referenceBackward,
  referenceInference,
  referenceTrainForward,
  type Backend,
  type BnOptions,
} from '@bnkit/core';
import { createTfjsBackend, type TfjsKind } from '../src/index.js';
import { toleranceRatio } from '@bnkit/spec/test';
import { randomProblem } from './helpers.js';

// float32 arithmetic on values of order 1: a few ulps of the largest term, relative to the result.
const Y = { abs: 2e-5, rel: 2e-5 };
const STATS = { abs: 1e-6, rel: 2e-5 };
const GRAD = { abs: 5e-5, rel: 5e-5 };

function expectClose(actual: ArrayLike<number> | undefined, expected: ArrayLike<number> | undefined, tol: { abs: number; rel: number }): void {
  expect(actual).toBeDefined();
  expect(expected).toBeDefined();
  expect(toleranceRatio(actual as ArrayLike<number>, expected as ArrayLike<number>, tol.abs, tol.rel)).toBeLessThanOrEqual(1);
}

const OPTION_CASES: { label: string; options: BnOptions }[] = [
  ...CONVENTION_NAMES.map((convention) => ({ label: convention, options: { convention } })),
  { label: 'affine-off', options: { affine: false } },
  { label: 'untracked-running-stats', options: { trackRunningStats: false } },
  { label: 'cumulative-average', options: { momentum: null } },
];

describe.each<TfjsKind>(['cpu', 'wasm'])('tfjs-%s backend against the reference', (kind) => {
  let backend: Backend;
  let autodiff: Backend;
  beforeAll(async () => {
    backend = createTfjsBackend(kind);
    autodiff = createTfjsBackend(kind, { backward: 'autodiff' });
    await backend.init();
    await autodiff.init();
  });
  afterAll(async () => {
    await backend.dispose();
    await autodiff.dispose();
  });

  it('is named for its kind and declares every layout', () => {
    expect(backend.name).toBe(`tfjs-${kind}`);
    expect(backend.capabilities.layouts).toEqual(LAYOUTS);
  });

  describe.each(LAYOUTS)('%s', (layout) => {
    it.each(OPTION_CASES)('trainForward, inference and backward with $label', async ({ options }) => {
      const p = randomProblem(layout, 11 + LAYOUTS.indexOf(layout));
      const input = { ...p, options, numBatchesTracked: 3 };
      const expected = referenceTrainForward(input);
      const actual = await backend.trainForward(input);
      expectClose(actual.y, expected.y, Y);
      expectClose(actual.batchMean, expected.batchMean, STATS);
      expectClose(actual.batchVar, expected.batchVar, STATS);
      expectClose(actual.invStd, expected.invStd, STATS);
      if (options.trackRunningStats === false) {
        expect(actual.runningMean).toBeUndefined();
      } else {
        expectClose(actual.runningMean, expected.runningMean, STATS);
        expectClose(actual.runningVar, expected.runningVar, STATS);
        expect(actual.numBatchesTracked).toBe(4);
      }

      expectClose((await backend.inference(input)).y, referenceInference(input).y, Y);

      const backwardInput = { ...p, options, savedMean: expected.batchMean, savedInvStd: expected.invStd };
      const grads = referenceBackward(backwardInput);
      for (const method of [backend, autodiff]) {
        const actualGrads = await method.backward(backwardInput);
        expectClose(actualGrads.dx, grads.dx, GRAD);
        if (options.affine === false) {
          expect(actualGrads.dgamma).toBeUndefined();
          expect(actualGrads.dbeta).toBeUndefined();
        } else {
          expectClose(actualGrads.dgamma, grads.dgamma, GRAD);
          expectClose(actualGrads.dbeta, grads.dbeta, GRAD);
        }
      }
    });

    it('keeps the variance of 1e4 + 0.1 * noise (float32 input)', async () => {
      const p = randomProblem(layout, 101 + LAYOUTS.indexOf(layout), 1e4, 0.1);
      const expected = referenceTrainForward(p);
      const actual = await backend.trainForward(p);
      expectClose(actual.batchVar, expected.batchVar, STATS);
      expectClose(actual.batchMean, expected.batchMean, { abs: 0, rel: 1e-12 });
      expectClose(actual.y, expected.y, Y);
      expectClose((await backend.inference(p)).y, referenceInference(p).y, Y);
      const backwardInput = { ...p, savedMean: expected.batchMean, savedInvStd: expected.invStd };
      const grads = referenceBackward(backwardInput);
      for (const method of [backend, autodiff]) {
        const actualGrads = await method.backward(backwardInput);
        expectClose(actualGrads.dx, grads.dx, GRAD);
        expectClose(actualGrads.dgamma, grads.dgamma, GRAD);
      }
    });
  });

  it('gives a constant channel a variance of exactly 0 and y = beta', async () => {
    const p = randomProblem('NCHW', 7, 1e4, 0.1);
    const size = p.info.spatial;
    for (let s = 0; s < p.info.n; s++) p.x.fill(12345.678, s * 3 * size + size, s * 3 * size + 2 * size);
    const actual = await backend.trainForward(p);
    expect(actual.batchVar[1]).toBe(0);
    expect(actual.batchMean[1]).toBe(Math.fround(12345.678));
    for (let s = 0; s < p.info.n; s++) {
      for (let i = 0; i < size; i++) expect(actual.y[s * 3 * size + size + i]).toBe(p.beta[1]);
    }
    expectClose(actual.y, referenceTrainForward(p).y, Y);
  });

  it.each(['NCHW', 'NHWC'] as const)('reports a %s batch mean near zero to float64 accuracy, not to float32 sums', async (layout) => {
    const p = randomProblem(layout, 60);
    // Each value and its negative, then a tiny offset: a mean of 1e-7 under values of order 1.
    const half = p.x.length / 2;
    for (let i = 0; i < half; i++) p.x[half + i] = -(p.x[i] as number);
    for (let i = 0; i < p.x.length; i++) p.x[i] = Math.fround((p.x[i] as number) + 1e-7);
    const expected = referenceTrainForward(p);
    const actual = await backend.trainForward(p);
    // The spec's floor for statistics: 1e-9 of the largest deviation, plus 1e-5 relative.
    expectClose(actual.batchMean, expected.batchMean, { abs: 1e-9, rel: 1e-5 });
    expectClose(actual.runningMean, expected.runningMean, { abs: 1e-9, rel: 1e-5 });
  });

  it('confines a NaN to its channel, as the reference does', async () => {
    const p = randomProblem('NHWC', 8);
    p.x[3 * 2 + 2] = Number.NaN;
    const expected = referenceTrainForward(p);
    const actual = await backend.trainForward(p);
    expect(Number.isNaN(actual.batchMean[2] as number)).toBe(true);
    expectClose(actual.y, expected.y, Y);
    expectClose(actual.batchVar, expected.batchVar, STATS);
    expectClose(actual.runningMean, expected.runningMean, STATS);
  });

  it('writes into the caller\'s out buffers', async () => {
    const p = randomProblem('NCL', 9);
    const y = new Float32Array(p.info.size);
    const result = await backend.inference({ ...p, out: { y } });
    expect(result.y).toBe(y);
    expectClose(y, referenceInference(p).y, Y);
    const forward = referenceTrainForward(p);
    const dx = new Float64Array(p.info.size);
    const grads = await backend.backward({ ...p, savedMean: forward.batchMean, savedInvStd: forward.invStd, out: { dx } });
    expect(grads.dx).toBe(dx);
    expectClose(dx, referenceBackward({ ...p, savedMean: forward.batchMean, savedInvStd: forward.invStd }).dx, GRAD);
    await expect(backend.inference({ ...p, out: { y: new Float32Array(2) } })).rejects.toBeInstanceOf(BnShapeError);
  });

  it('throws the same typed errors as the reference', async () => {
    const p = randomProblem('NCHW', 10);
    const badGamma = { ...p, gamma: new Float32Array(2) };
    expect(() => referenceTrainForward(badGamma)).toThrow(BnShapeError);
    await expect(backend.trainForward(badGamma)).rejects.toMatchObject({ name: 'BnShapeError', argument: 'gamma' });
    await expect(backend.inference({ ...p, options: { eps: -1 } })).rejects.toMatchObject({ name: 'BnValueError', argument: 'options.eps' });
    await expect(backend.backward({ ...p, savedMean: p.runningMean, savedInvStd: new Float32Array(3) })).rejects.toMatchObject({
      name: 'BnValueError',
      argument: 'savedInvStd',
    });
    await expect(backend.trainForward({ ...p, x: Float64Array.from(p.x) })).rejects.toMatchObject({ name: 'BnValueError', argument: 'x' });
  });
});

describe('createTfjsBackend', () => {
  it('refuses an unknown kind or backward method', () => {
    expect(() => createTfjsBackend('metal' as TfjsKind)).toThrow(BnBackendError);
    expect(() => createTfjsBackend('cpu', { backward: 'numeric' as 'autodiff' })).toThrow(BnBackendError);
  });

  it('initialises on first use and refuses calls after dispose until init again', async () => {
    const backend = createTfjsBackend('cpu');
    const p = randomProblem('NC', 12);
    expectClose((await backend.inference(p)).y, referenceInference(p).y, Y);
    await backend.dispose();
    await expect(backend.inference(p)).rejects.toThrow(/tfjs-cpu: inference called after dispose/);
    await expect(backend.trainForward(p)).rejects.toThrow(/tfjs-cpu: trainForward called after dispose/);
    await expect(backend.backward({ ...p, savedMean: p.runningMean, savedInvStd: p.runningVar })).rejects.toBeInstanceOf(BnBackendError);
    await backend.init();
    expectClose((await backend.inference(p)).y, referenceInference(p).y, Y);
  });

  it('updates running statistics in float64', async () => {
    const backend = createTfjsBackend('cpu');
    // A constant batch of 1 (exact in float32) and a running mean of 1 + 1e-12, which float32
    // cannot hold: PyTorch's rule gives 0.9 * (1 + 1e-12) + 0.1 * 1 = 1 + 0.9e-12, by hand.
    const x = new Float32Array(8).fill(1);
    const out = await backend.trainForward({
      x,
      shape: [4, 2],
      layout: 'NC',
      gamma: new Float32Array([1, 1]),
      beta: new Float32Array(2),
      runningMean: new Float64Array([1 + 1e-12, 0]),
      runningVar: new Float64Array([1, 1]),
      options: { convention: 'pytorch', momentum: 0.1 },
    });
    expect(out.runningMean).toBeInstanceOf(Float64Array);
    expect(Math.abs((out.runningMean![0] as number) - (1 + 0.9e-12))).toBeLessThan(1e-15);
    expect(out.runningVar![0]).toBeCloseTo(0.9, 15);
  });

  it.each<TfjsKind>(['webgl', 'webgpu'])('reports why tfjs-%s cannot run in Node', async (kind) => {
    const backend = createTfjsBackend(kind);
    await expect(backend.init()).rejects.toThrow(kind === 'webgl' ? /WebGL/ : /WebGPU/);
  });
});

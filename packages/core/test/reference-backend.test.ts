import { describe, expect, it } from 'vitest';
import { BnShapeError, BnValueError, createReferenceBackend, referenceInference, referenceTrainForward } from '../src/index.js';

describe('the reference keeps beta whole', () => {
  // Channel 0 holds one repeated value: variance 0, so with eps 1e-50 invStd = 1e25, and a folded
  // scale * x + (beta - mean * scale) loses beta entirely (mean * scale = 2e25). y must be beta.
  const input = {
    x: Float32Array.of(2, 1, 2, 3),
    shape: [2, 2],
    layout: 'NC' as const,
    gamma: Float32Array.of(1.5, 1),
    beta: Float32Array.of(0.5, -0.25),
    runningMean: Float32Array.of(2, 0),
    runningVar: Float32Array.of(0, 1),
    options: { eps: 1e-50 },
  };

  it('in training: a zero-variance channel with eps 1e-50 gives exactly beta', () => {
    const out = referenceTrainForward(input);
    expect((out.invStd[0] as number) / 1e25).toBeCloseTo(1, 14);
    expect([out.y[0], out.y[2]]).toEqual([0.5, 0.5]);
    // Channel 1 holds [1, 3]: mean 2, variance 1 (eps 1e-50 is nothing next to it), y = -1 - 0.25 and 1 - 0.25.
    expect([out.y[1], out.y[3]]).toEqual([-1.25, 0.75]);
  });

  it('in inference: x equal to a running mean of zero variance gives exactly beta', () => {
    const out = referenceInference(input);
    expect([out.y[0], out.y[2]]).toEqual([0.5, 0.5]);
  });
});

describe('the reference backend honours out buffers', () => {
  const input = { x: Float32Array.of(1, 2, 3, 4), shape: [4, 1], layout: 'NC' as const, options: { affine: false, trackRunningStats: false } };

  it('fills out.y (rounded to its element type) and returns it', async () => {
    const backend = createReferenceBackend();
    const expected = referenceTrainForward(input).y;
    const out32 = new Float32Array(4);
    const train = await backend.trainForward({ ...input, out: { y: out32 } });
    expect(train.y).toBe(out32);
    expect(Array.from(out32)).toEqual(Array.from(expected, Math.fround));
    const out64 = new Float64Array(4);
    const inferred = await backend.inference({ ...input, out: { y: out64 } });
    expect(inferred.y).toBe(out64);
    expect(Array.from(out64)).toEqual(Array.from(referenceInference(input).y));
  });

  it('fills out.dx and returns it', async () => {
    const backend = createReferenceBackend();
    const train = referenceTrainForward(input);
    const dx = new Float64Array(4);
    const grads = await backend.backward({ ...input, dy: Float32Array.of(1, 0, 0, 0), savedMean: train.batchMean, savedInvStd: train.invStd, out: { dx } });
    expect(grads.dx).toBe(dx);
    expect(dx.some((v) => v !== 0)).toBe(true);
  });

  it('takes x itself as out.y', async () => {
    const backend = createReferenceBackend();
    const x = Float64Array.of(1, 2, 3, 4);
    const expected = referenceTrainForward({ ...input, x: Float64Array.of(1, 2, 3, 4) }).y;
    await backend.trainForward({ ...input, x, out: { y: x } });
    expect(Array.from(x)).toEqual(Array.from(expected));
  });

  it('refuses a wrong-size out.y or out.dx with a BnShapeError, and another type with a BnValueError, writing nothing', async () => {
    const backend = createReferenceBackend();
    const short = new Float32Array(3).fill(7);
    await expect(backend.inference({ ...input, out: { y: short } })).rejects.toThrow(BnShapeError);
    await expect(backend.trainForward({ ...input, out: { y: short } })).rejects.toThrow(/^out\.y: expected length 4/);
    expect(Array.from(short)).toEqual([7, 7, 7]);
    const train = referenceTrainForward(input);
    const backwardInput = { ...input, dy: Float32Array.of(1, 0, 0, 0), savedMean: train.batchMean, savedInvStd: train.invStd };
    await expect(backend.backward({ ...backwardInput, out: { dx: new Float64Array(5) } })).rejects.toThrow(/^out\.dx: expected length 4/);
    await expect(backend.inference({ ...input, out: { y: [0, 0, 0, 0] as unknown as Float32Array } })).rejects.toThrow(BnValueError);
  });
});

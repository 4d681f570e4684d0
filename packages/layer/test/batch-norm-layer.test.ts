import { describe, expect, it } from 'vitest';
import { BnShapeError, BnValueError, createReferenceBackend, numericBnGradients } from '@bnkit/core';
import { BatchNorm } from '../src/index.js';

// Two channels, NC layout, worked by hand:
// step 1: channel 0 = [1, 2, 3, 4] (mean 2.5, biased var 1.25, unbiased 5/3),
//         channel 1 = [10, 10, 10, 14] (mean 11, biased var 3, unbiased 4).
// step 2: channel 0 = [0, 2, 4, 6] (mean 3, biased 5, unbiased 20/3),
//         channel 1 = [0, 0, 0, 8] (mean 2, biased 12, unbiased 16).
const STEP_1 = [1, 10, 2, 10, 3, 10, 4, 14];
const STEP_2 = [0, 0, 2, 0, 4, 0, 6, 8];
const SHAPE = [4, 2];

function layer(options = {}): BatchNorm {
  return new BatchNorm(createReferenceBackend(), { numFeatures: 2, layout: 'NC', options });
}

describe('BatchNorm layer', () => {
  it('starts like PyTorch: training mode, gamma 1, beta 0, running mean 0 and variance 1', () => {
    const bn = layer();
    expect(bn.training).toBe(true);
    expect([...(bn.weight ?? [])]).toEqual([1, 1]);
    expect([...(bn.bias ?? [])]).toEqual([0, 0]);
    expect([...(bn.runningMean ?? [])]).toEqual([0, 0]);
    expect([...(bn.runningVar ?? [])]).toEqual([1, 1]);
    expect(bn.options.eps).toBe(1e-5);
    expect(bn.options.momentum).toBe(0.1);
  });

  it('updates the running statistics by PyTorch rule over two training steps (values worked by hand)', async () => {
    const bn = layer();
    const y = await bn.forward(STEP_1, SHAPE);
    expect(y[0]).toBeCloseTo(-1.5 / Math.sqrt(1.25 + 1e-5), 12);
    expect(y[7]).toBeCloseTo(3 / Math.sqrt(3 + 1e-5), 12);
    await bn.forward(STEP_2, SHAPE);
    // running_mean = 0.9 * (0.9 * 0 + 0.1 * m1) + 0.1 * m2; running_var likewise with the unbiased variances.
    expect(bn.runningMean?.[0]).toBeCloseTo(0.525, 14);
    expect(bn.runningMean?.[1]).toBeCloseTo(1.19, 14);
    expect(bn.runningVar?.[0]).toBeCloseTo(0.9 * (0.9 + 0.1 * (5 / 3)) + 0.1 * (20 / 3), 14);
    expect(bn.runningVar?.[1]).toBeCloseTo(2.77, 14);
    expect(bn.numBatchesTracked).toBe(2);
    expect(bn.lastBatchCount).toBe(4);
  });

  it('normalises with the running statistics in evaluation and leaves them alone', async () => {
    const bn = layer();
    await bn.forward(STEP_1, SHAPE);
    bn.weight?.set([2, 0.5]);
    bn.bias?.set([1, -1]);
    bn.eval();
    const y = await bn.forward([5, 5, 5, 5, 5, 5, 5, 5], SHAPE);
    expect(y[0]).toBeCloseTo(2 * (5 - 0.25) / Math.sqrt(0.9 + 0.1 * (5 / 3) + 1e-5) + 1, 12);
    expect(y[1]).toBeCloseTo(0.5 * (5 - 1.1) / Math.sqrt(1.3 + 1e-5) - 1, 12);
    expect(bn.numBatchesTracked).toBe(1);
    expect(bn.runningMean?.[0]).toBeCloseTo(0.25, 14);
  });

  it('keeps the cumulative average of momentum null over the batches seen', async () => {
    const bn = layer({ momentum: null });
    await bn.forward(STEP_1, SHAPE);
    await bn.forward(STEP_2, SHAPE);
    expect(bn.runningMean?.[0]).toBeCloseTo((2.5 + 3) / 2, 14);
    expect(bn.runningVar?.[1]).toBeCloseTo((4 + 16) / 2, 14);
    bn.resetRunningStats();
    expect([...(bn.runningVar ?? [])]).toEqual([1, 1]);
    expect(bn.numBatchesTracked).toBe(0);
  });

  it('back-propagates the last training forward, matching finite differences, and accumulates gamma and beta gradients', async () => {
    const bn = layer();
    bn.weight?.set([1.5, -0.7]);
    bn.bias?.set([0.2, 0.3]);
    const dy = [0.3, -1, 0.5, 2, -0.25, 0.75, 1, -0.5];
    await bn.forward(STEP_2, SHAPE);
    const dx = await bn.backward(dy);
    const numeric = numericBnGradients({
      x: Float64Array.from(STEP_2),
      dy: Float64Array.from(dy),
      shape: SHAPE,
      layout: 'NC',
      gamma: Float64Array.from([1.5, -0.7]),
      beta: Float64Array.from([0.2, 0.3]),
    });
    for (let i = 0; i < dx.length; i++) expect(dx[i]).toBeCloseTo(numeric.dx[i] as number, 6);
    await bn.backward(dy);
    for (let c = 0; c < 2; c++) {
      expect(bn.gammaGrad?.[c]).toBeCloseTo(2 * (numeric.dgamma?.[c] as number), 6);
      expect(bn.betaGrad?.[c]).toBeCloseTo(2 * (numeric.dbeta?.[c] as number), 6);
    }
    bn.zeroGrad();
    expect([...(bn.gammaGrad ?? [])]).toEqual([0, 0]);
  });

  it('refuses backward before a training forward, and shapes that do not fit', async () => {
    const bn = layer();
    await expect(bn.backward(STEP_1)).rejects.toThrow(BnValueError);
    await expect(bn.forward(STEP_1, [2, 4])).rejects.toThrow(BnShapeError);
    await expect(bn.forward([1, 2, 3], SHAPE)).rejects.toThrow(/x: expected length 8/);
    expect(() => new BatchNorm(createReferenceBackend(), { numFeatures: 0 })).toThrow(/numFeatures/);
  });

  it('holds no parameters with affine off and no running statistics with trackRunningStats off', async () => {
    const bn = layer({ affine: false, trackRunningStats: false });
    expect(bn.weight).toBeUndefined();
    expect(bn.runningMean).toBeUndefined();
    bn.eval();
    const y = await bn.forward(STEP_1, SHAPE);
    expect(y[0]).toBeCloseTo(-1.5 / Math.sqrt(1.25 + 1e-5), 12);
  });
});

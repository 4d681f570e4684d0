import { describe, expect, it } from 'vitest';
import { BnShapeError, BnValueError, createReferenceBackend } from '@bnkit/core';
import { BatchNorm } from '../src/index.js';

// channel 0 = [1, 2, 3, 4]: biased variance 1.25, unbiased 5/3; channel 1 = [10, 10, 10, 14]: biased 3, unbiased 4.
const BATCH = [1, 10, 2, 10, 3, 10, 4, 14];

function layer(convention: 'pytorch' | 'keras' | 'onnx', momentum: number): BatchNorm {
  return new BatchNorm(createReferenceBackend(), { numFeatures: 2, layout: 'NC', options: { convention, momentum } });
}

describe('layer state in the formats people hold', () => {
  it("gives PyTorch's unbiased running variance from a Keras layer's biased one", async () => {
    // Keras momentum 0 weighs the old value 0: the moving statistics become the batch's.
    const keras = layer('keras', 0);
    await keras.forward(BATCH, [4, 2]);
    expect(keras.kerasWeights().moving_variance).toEqual([1.25, 3]);
    const state = keras.stateDict();
    expect(state.running_var?.[0]).toBeCloseTo(5 / 3, 14);
    expect(state.running_var?.[1]).toBeCloseTo(4, 14);
    expect(state.num_batches_tracked).toBe(1);
  });

  it("gives Keras' biased moving variance from a PyTorch layer's unbiased one", async () => {
    // PyTorch momentum 1 weighs the new batch 1: the running statistics become the batch's.
    const torch = layer('pytorch', 1);
    await torch.forward(BATCH, [4, 2]);
    const weights = torch.kerasWeights();
    expect(weights.moving_mean).toEqual([2.5, 11]);
    expect(weights.moving_variance[0]).toBeCloseTo(1.25, 14);
    expect(weights.moving_variance[1]).toBeCloseTo(3, 14);
  });

  it('round-trips a state dict and Keras weights exactly', () => {
    const torch = layer('pytorch', 0.1);
    const state = { weight: [0.5, 2], bias: [1, -1], running_mean: [0.25, -3], running_var: [5 / 3, 4], num_batches_tracked: 7 };
    torch.loadStateDict(state);
    expect(torch.stateDict()).toEqual(state);
    const keras = layer('keras', 0.99);
    keras.loadStateDict(state, { count: 4 });
    expect(keras.runningVar?.[0]).toBeCloseTo(1.25, 14);
    const back = layer('pytorch', 0.1);
    back.loadKerasWeights(keras.kerasWeights(), { count: 4 });
    expect(back.runningVar?.[0]).toBeCloseTo(5 / 3, 14);
    expect(back.runningVar?.[1]).toBeCloseTo(4, 14);
  });

  it('needs the batch count to convert between kinds of running variance, and says so', () => {
    const keras = layer('keras', 0.99);
    expect(() => keras.stateDict()).toThrow(/count/);
    expect(keras.momentumFor('pytorch')).toBeCloseTo(0.01, 15);
  });

  it('refuses entries that do not fit, naming them', () => {
    const torch = layer('pytorch', 0.1);
    expect(() => torch.loadStateDict({ weight: [1], bias: [0, 0], running_mean: [0, 0], running_var: [1, 1] })).toThrow(BnShapeError);
    expect(() => torch.loadStateDict({ weight: [1, 1], bias: [0, 0], running_mean: [0, 0], running_var: [1, -1] })).toThrow(/state_dict\.running_var\[1\]/);
    expect(() => torch.loadStateDict({ weight: [1, 1], bias: [0, 0], running_mean: [0, Number.NaN], running_var: [1, 1] })).toThrow(BnValueError);
    expect(() => torch.loadStateDict({ extra: [1] } as never)).toThrow(/state_dict\.extra/);
  });
});

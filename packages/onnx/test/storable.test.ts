import { BnValueError } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { exportBatchNormModel, listBatchNormNodes, replaceBatchNormStatistics } from '../src/index.js';
import { checkStorableArray } from '../src/storable.js';

const stats = { gamma: [1, 2, 3], beta: [0, 0.5, -0.5], runningMean: [0.1, 0.2, 0.3], runningVar: [1, 2, 3], eps: 1e-5 };

function refusal(run: () => unknown): BnValueError {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(BnValueError);
  return error as BnValueError;
}

describe('exportBatchNormModel refuses values the model would store as Infinity or 0', () => {
  it('names eps when float32 turns it into Infinity or 0', () => {
    const big = refusal(() => exportBatchNormModel({ ...stats, eps: 1e39 }));
    expect(big.argument).toBe('eps');
    expect(big.actual).toContain('Infinity');
    const tiny = refusal(() => exportBatchNormModel({ ...stats, eps: 1e-50 }));
    expect(tiny.argument).toBe('eps');
    expect(tiny.actual).toContain('stores as 0');
    // float64 statistics do not change eps, which ONNX stores as a float32 attribute.
    expect(refusal(() => exportBatchNormModel({ ...stats, eps: 1e-50 }, { dataType: 'float64' })).argument).toBe('eps');
  });

  it('names the field and index of a statistic float32 cannot hold', () => {
    const gamma = refusal(() => exportBatchNormModel({ ...stats, gamma: [1, 1e39, 3] }));
    expect(gamma.argument).toBe('gamma');
    expect(gamma.actual).toMatch(/^gamma\[1\] = 1e\+39, which float32 stores as Infinity/);
    const variance = refusal(() => exportBatchNormModel({ ...stats, runningVar: [1, 2, 1e-50] }));
    expect(variance.actual).toMatch(/^runningVar\[2\] = 1e-50, which float32 stores as 0/);
    expect(refusal(() => exportBatchNormModel({ ...stats, beta: [0, -4e38, 0] })).actual).toContain('-Infinity');
  });

  it('writes what float32 holds: zeros, subnormals and the largest float32', () => {
    const largest = 3.4028234663852886e38;
    const bytes = exportBatchNormModel({ ...stats, gamma: [0, 1e-40, largest], eps: 0 });
    const [node] = listBatchNormNodes(bytes);
    expect(Array.from(node?.gamma ?? [])).toEqual([0, Math.fround(1e-40), largest]);
    expect(Math.fround(1e-40)).toBeGreaterThan(0);
  });

  it('writes in float64 what only float64 holds', () => {
    const [node] = listBatchNormNodes(exportBatchNormModel({ ...stats, gamma: [1e39, 1e-50, 1] }, { dataType: 'float64' }));
    expect(Array.from(node?.gamma ?? [])).toEqual([1e39, 1e-50, 1]);
  });
});

describe('replaceBatchNormStatistics refuses values the model would store as Infinity or 0', () => {
  const model = exportBatchNormModel(stats);

  it('names the update, the field and the index', () => {
    const error = refusal(() => replaceBatchNormStatistics(model, [{ node: 'bn', runningVar: [1, 1e-50, 1] }]));
    expect(error.argument).toBe('updates[0].runningVar');
    expect(error.actual).toMatch(/\[1\] = 1e-50, which float32 stores as 0/);
    expect(refusal(() => replaceBatchNormStatistics(model, [{ node: 'bn', gamma: [1e39, 1, 1] }])).actual).toContain('Infinity');
  });

  it('names eps, which ONNX stores as a float32 attribute', () => {
    expect(refusal(() => replaceBatchNormStatistics(model, [{ node: 'bn', eps: 1e39 }])).argument).toBe('updates[0].eps');
    expect(refusal(() => replaceBatchNormStatistics(model, [{ node: 'bn', eps: 1e-50 }])).argument).toBe('updates[0].eps');
  });

  it('follows the element type of the model: float64 statistics take what float32 cannot', () => {
    const wide = exportBatchNormModel(stats, { dataType: 'float64' });
    const [node] = listBatchNormNodes(replaceBatchNormStatistics(wide, [{ node: 'bn', gamma: [1e39, 1e-50, 1] }]));
    expect(Array.from(node?.gamma ?? [])).toEqual([1e39, 1e-50, 1]);
  });
});

describe('checkStorableArray for float16 statistics', () => {
  it('refuses what float16 rounds to Infinity or 0, and keeps its largest and smallest values', () => {
    // 65504 is the largest float16; 65519.99 still rounds down to it, 65520 rounds up to Infinity.
    expect(() => checkStorableArray('gamma', [65504, 65519.99, -65519.99], 'float16')).not.toThrow();
    expect(() => checkStorableArray('gamma', [1, 65520], 'float16')).toThrow(/gamma\[1\] = 65520, which float16 stores as Infinity/);
    expect(() => checkStorableArray('beta', [-70000], 'float16')).toThrow(/-Infinity/);
    // 2^-24 is the smallest float16 subnormal; 2^-25 is the tie that rounds to even, 0.
    expect(() => checkStorableArray('runningVar', [0, 2 ** -24, 2 ** -25 * 1.0001], 'float16')).not.toThrow();
    expect(() => checkStorableArray('runningVar', [2 ** -25], 'float16')).toThrow(/runningVar\[0\] = .*, which float16 stores as 0/);
    expect(() => checkStorableArray('runningVar', [65520, 1e-40], 'float32')).not.toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { BnValueError, CONVENTIONS, resolveOptions } from '../src/index.js';

describe('conventions as data', () => {
  it('holds the three frameworks with their documented defaults', () => {
    expect(CONVENTIONS.pytorch).toMatchObject({ momentumMeaning: 'weight-on-new-batch', defaultMomentum: 0.1, defaultEps: 1e-5, runningVariance: 'unbiased' });
    expect(CONVENTIONS.keras).toMatchObject({ momentumMeaning: 'weight-on-old-value', defaultMomentum: 0.99, defaultEps: 1e-3, runningVariance: 'biased' });
    expect(CONVENTIONS.onnx).toMatchObject({ momentumMeaning: 'weight-on-old-value', defaultMomentum: 0.9, defaultEps: 1e-5, runningVariance: 'biased' });
  });

  it('fills defaults from the named convention and keeps overrides', () => {
    expect(resolveOptions()).toMatchObject({ eps: 1e-5, momentum: 0.1, affine: true, trackRunningStats: true });
    expect(resolveOptions({ convention: 'keras' })).toMatchObject({ eps: 1e-3, momentum: 0.99 });
    expect(resolveOptions({ convention: 'onnx', eps: 0.1, momentum: 0.5, affine: false })).toMatchObject({ eps: 0.1, momentum: 0.5, affine: false });
    expect(resolveOptions({ momentum: null }).momentum).toBeNull();
  });
});

describe('option validation', () => {
  const cases: [string, object, string][] = [
    ['negative eps', { eps: -1e-5 }, 'options.eps'],
    ['NaN eps', { eps: Number.NaN }, 'options.eps'],
    ['infinite eps', { eps: Number.POSITIVE_INFINITY }, 'options.eps'],
    ['momentum above 1', { momentum: 1.5 }, 'options.momentum'],
    ['momentum below 0', { momentum: -0.1 }, 'options.momentum'],
    ['cumulative average outside pytorch', { convention: 'keras', momentum: null }, 'options.momentum'],
    ['unknown convention', { convention: 'caffe' }, 'options.convention'],
    ['non-boolean affine', { affine: 'yes' }, 'options.affine'],
  ];
  it.each(cases)('rejects %s with a typed error naming the option', (_, options, argument) => {
    let caught: unknown;
    try {
      resolveOptions(options as never);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BnValueError);
    expect((caught as BnValueError).argument).toBe(argument);
    expect((caught as BnValueError).expected.length).toBeGreaterThan(0);
    expect((caught as BnValueError).message).toContain(argument);
  });

  it('accepts momentum at both ends of [0, 1] and eps 0', () => {
    expect(resolveOptions({ momentum: 0, eps: 0 }).momentum).toBe(0);
    expect(resolveOptions({ momentum: 1 }).momentum).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import {
  BnShapeError,
  BnValueError,
  referenceBackward,
  referenceInference,
  referenceTrainForward,
  type BnError,
} from '../src/index.js';

const c = 3;
const shape = [2, c, 2, 2];
const size = 24;
const x = Float32Array.from({ length: size }, (_, i) => Math.sin(i));
const gamma = new Float32Array(c).fill(1);
const beta = new Float32Array(c);
const runningMean = new Float32Array(c);
const runningVar = new Float32Array(c).fill(1);
const base = { x, shape, layout: 'NCHW' as const, gamma, beta, runningMean, runningVar };

function thrown(f: () => unknown): BnError {
  try {
    f();
  } catch (error) {
    return error as BnError;
  }
  throw new Error('expected a throw');
}

describe('typed errors name the argument, the expected and the given value', () => {
  it('wrong rank for the layout', () => {
    const e = thrown(() => referenceTrainForward({ ...base, shape: [2, c, 4] }));
    expect(e).toBeInstanceOf(BnShapeError);
    expect(e.argument).toBe('shape');
    expect(e.expected).toContain('rank 4');
    expect(e.actual).toContain('rank 3');
  });

  it('shape and data length mismatch', () => {
    const e = thrown(() => referenceInference({ ...base, x: new Float32Array(23) }));
    expect(e).toBeInstanceOf(BnShapeError);
    expect(e.argument).toBe('x');
    expect(e.expected).toContain('24');
    expect(e.actual).toContain('23');
  });

  it.each(['gamma', 'beta', 'runningMean', 'runningVar'] as const)('%s of the wrong length', (name) => {
    const e = thrown(() => referenceTrainForward({ ...base, [name]: new Float32Array(c + 1) }));
    expect(e).toBeInstanceOf(BnShapeError);
    expect(e.argument).toBe(name);
    expect(e.expected).toContain(`length ${c}`);
    expect(e.actual).toContain(`length ${c + 1}`);
  });

  it('neither a float array nor a number[]', () => {
    const e = thrown(() => referenceInference({ ...base, gamma: new Int32Array(3) as unknown as Float32Array }));
    expect(e).toBeInstanceOf(BnValueError);
    expect(e.argument).toBe('gamma');
  });

  it('a plain array holding something other than numbers, named with its index', () => {
    const e = thrown(() => referenceInference({ ...base, beta: [0, '1', 0] as unknown as number[] }));
    expect(e).toBeInstanceOf(BnValueError);
    expect(e.argument).toBe('beta');
    expect(e.actual).toContain('beta[1]');
  });

  it('a plain array of the wrong length', () => {
    const e = thrown(() => referenceTrainForward({ ...base, x: [1, 2, 3] }));
    expect(e).toBeInstanceOf(BnShapeError);
    expect(e.argument).toBe('x');
    expect(e.actual).toContain('length 3');
  });

  it('negative running variance', () => {
    const e = thrown(() => referenceInference({ ...base, runningVar: Float32Array.of(1, -0.5, 1) }));
    expect(e).toBeInstanceOf(BnValueError);
    expect(e.argument).toBe('runningVar');
    expect(e.actual).toContain('-0.5');
  });

  it('eps and momentum out of range', () => {
    expect(thrown(() => referenceTrainForward({ ...base, options: { eps: -1 } })).argument).toBe('options.eps');
    expect(thrown(() => referenceTrainForward({ ...base, options: { momentum: 2 } })).argument).toBe('options.momentum');
  });

  it('fewer than 2 values per channel in training is an error by default, as in PyTorch', () => {
    const one = { ...base, x: Float32Array.of(1, 2, 3), shape: [1, 3], layout: 'NC' as const };
    const e = thrown(() => referenceTrainForward(one));
    expect(e).toBeInstanceOf(BnValueError);
    expect(e.argument).toBe('x');
    expect(e.actual).toContain('1 value per channel');
    const allowed = referenceTrainForward({ ...one, options: { allowSingleValuePerChannel: true } });
    expect(Array.from(allowed.batchVar)).toEqual([0, 0, 0]);
    expect(Array.from(allowed.y)).toEqual([0, 0, 0]);
  });

  it('inference with one value per channel is fine (it uses the running statistics)', () => {
    const y = referenceInference({ ...base, x: Float32Array.of(1, 2, 3), shape: [1, 3], layout: 'NC' }).y;
    expect(y[1]).toBeCloseTo(2 / Math.sqrt(1 + 1e-5), 12);
  });

  it('missing running statistics are required only when tracked', () => {
    const e = thrown(() => referenceTrainForward({ x, shape, layout: 'NCHW', gamma, beta }));
    expect(e.argument).toBe('runningMean');
    const out = referenceTrainForward({ x, shape, layout: 'NCHW', gamma, beta, options: { trackRunningStats: false } });
    expect(out.runningMean).toBeUndefined();
  });

  it('backward checks dy and the saved statistics', () => {
    const saved = { savedMean: new Float64Array(c), savedInvStd: new Float64Array(c).fill(1) };
    expect(thrown(() => referenceBackward({ x, shape, layout: 'NCHW', gamma, dy: new Float32Array(5), ...saved })).argument).toBe('dy');
    expect(thrown(() => referenceBackward({ x, shape, layout: 'NCHW', gamma, dy: x, ...saved, savedInvStd: new Float64Array(c) })).argument).toBe(
      'savedInvStd',
    );
  });

  it('an unknown layout', () => {
    const e = thrown(() => referenceInference({ ...base, layout: 'NCWH' as never }));
    expect(e).toBeInstanceOf(BnShapeError);
    expect(e.argument).toBe('layout');
  });
});

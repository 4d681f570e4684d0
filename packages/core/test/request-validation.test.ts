import { describe, expect, it } from 'vitest';
import { BnValueError, prepareBackward, prepareInference, prepareTrainForward, referenceInference, referenceTrainForward, resolveOptions } from '../src/index.js';

const c = 2;
const shape = [2, c];
const base = {
  x: Float32Array.of(1, 2, 3, 5),
  shape,
  layout: 'NC' as const,
  gamma: new Float32Array(c).fill(1),
  beta: new Float32Array(c),
  runningMean: new Float32Array(c),
  runningVar: new Float32Array(c).fill(1),
};
const backwardBase = { ...base, dy: Float32Array.of(1, 0, 0, 1), savedMean: new Float64Array(c), savedInvStd: new Float64Array(c).fill(1) };

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectValueError(f: () => unknown, argument: string, actual: string): void {
  const error = caught(f);
  expect(error).toBeInstanceOf(BnValueError);
  expect((error as BnValueError).argument).toBe(argument);
  expect((error as BnValueError).actual).toBe(actual);
}

describe('a request that is not an object is a typed error, not a TypeError', () => {
  it.each([
    ['prepareInference', (input: never) => prepareInference(input)],
    ['prepareTrainForward', (input: never) => prepareTrainForward(input)],
    ['prepareBackward', (input: never) => prepareBackward(input)],
  ] as const)('%s refuses null, undefined, a number and an array naming input', (_, prepare) => {
    expectValueError(() => prepare(null as never), 'input', 'null');
    expectValueError(() => prepare(undefined as never), 'input', 'undefined');
    expectValueError(() => prepare(3 as never), 'input', '3');
    expectValueError(() => prepare([] as never), 'input', '[]');
  });
});

describe('options that are not an object are a typed error', () => {
  it('resolveOptions refuses null, a string and an array naming options', () => {
    expectValueError(() => resolveOptions(null as never), 'options', 'null');
    expectValueError(() => resolveOptions('pytorch' as never), 'options', '"pytorch"');
    expectValueError(() => resolveOptions([] as never), 'options', '[]');
  });

  it.each([
    ['inference', () => prepareInference({ ...base, options: null as never })],
    ['training forward', () => prepareTrainForward({ ...base, options: null as never })],
    ['backward', () => prepareBackward({ ...backwardBase, options: null as never })],
  ])('%s with options: null names options', (_, run) => {
    expectValueError(run, 'options', 'null');
  });

  it('undefined options still take the defaults', () => {
    expect(prepareInference({ ...base, options: undefined }).options.eps).toBe(resolveOptions({}).eps);
  });
});

describe('a NaN running variance is refused like a negative one', () => {
  it.each([
    ['inference', (runningVar: Float32Array) => referenceInference({ ...base, runningVar })],
    ['training forward', (runningVar: Float32Array) => referenceTrainForward({ ...base, runningVar })],
  ])('%s names runningVar and the index', (_, run) => {
    expectValueError(() => run(Float32Array.of(1, Number.NaN)), 'runningVar', 'runningVar[1] = NaN');
    expectValueError(() => run(Float32Array.of(-1, 1)), 'runningVar', 'runningVar[0] = -1');
  });

  it('an untracked request does not read the running variance', () => {
    expect(() => referenceInference({ ...base, runningVar: Float32Array.of(Number.NaN, 1), options: { trackRunningStats: false } })).not.toThrow();
  });

  it('a zero and an infinite running variance are accepted (y is then finite: beta for the infinite one)', () => {
    const y = referenceInference({ ...base, runningVar: Float32Array.of(0, Number.POSITIVE_INFINITY), beta: Float32Array.of(0, 0.5) }).y;
    expect(Array.from(y.filter((_, i) => i % 2 === 1))).toEqual([0.5, 0.5]);
  });
});

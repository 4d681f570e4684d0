import {
  BnShapeError,
  BnValueError,
  checkArray,
  createReferenceBackend,
  describeShape,
  prepareInference,
  referenceBackward,
  referenceInference,
  referenceTrainForward,
  type Backend,
  type BackendExpectations,
  type FloatArray,
  type InferenceInput,
} from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { checkHardening, runHardeningCheck } from '../src/index.js';

/** Copies `result` into the caller's out buffer (checked first) or returns it: a backend that honours `out`. */
function deliver(result: Float64Array, out: FloatArray | undefined, argument: string): FloatArray {
  if (out === undefined) return result;
  checkArray(argument, out, result.length, 'the size of x').set(result);
  return out;
}

/** The float64 reference, honouring out buffers after it has read every input: passes every hardening check. */
function carefulBackend(name = 'careful'): Backend {
  return {
    ...createReferenceBackend(),
    name,
    async inference(input) {
      const y = referenceInference(input).y;
      return { y: deliver(y, input?.out?.y, 'out.y') };
    },
    async trainForward(input) {
      const out = referenceTrainForward(input);
      return { ...out, y: deliver(out.y, input?.out?.y, 'out.y') };
    },
    async backward(input) {
      const out = referenceBackward(input);
      return { ...out, dx: deliver(out.dx, input?.out?.dx, 'out.dx') };
    },
  };
}

/** Inference that normalises element by element straight into out.y, as a naive in-place kernel does: wrong when out.y partly overlaps x. */
function streamingInference(input: InferenceInput): FloatArray {
  const { info, options } = prepareInference(input);
  const y = input.out?.y ?? new Float64Array(info.size);
  checkArray('out.y', y, info.size, 'the size of x');
  const stats = referenceTrainForward({ ...input, options: { ...input.options, trackRunningStats: false } });
  const perChannel = info.channelsLast ? 1 : info.spatial;
  for (let i = 0; i < info.size; i++) {
    const ch = Math.floor(i / perChannel) % info.c;
    const gamma = options.affine ? ((input.gamma as FloatArray)[ch] as number) : 1;
    const beta = options.affine ? ((input.beta as FloatArray)[ch] as number) : 0;
    const mean = options.trackRunningStats ? ((input.runningMean as FloatArray)[ch] as number) : (stats.batchMean[ch] as number);
    const invStd = options.trackRunningStats ? 1 / Math.sqrt(((input.runningVar as FloatArray)[ch] as number) + options.eps) : (stats.invStd[ch] as number);
    y[i] = gamma * ((input.x[i] as number) - mean) * invStd + beta;
  }
  return y;
}

describe('hardening checks', () => {
  it('a backend that validates, honours out and computes in float64 passes every check', async () => {
    const report = await checkHardening(carefulBackend());
    expect(report.results.filter((result) => result.status !== 'passed')).toEqual([]);
    expect(report.results).toHaveLength(9);
    expect(report.ok).toBe(true);
  });

  it('typed-errors: a backend that reads the request before validating it fails, naming the request', async () => {
    const careless: Backend = {
      ...carefulBackend(),
      async inference(input) {
        // Reads a field of the request before core's validation does: null gives a TypeError.
        const size = input.x.length;
        return { y: referenceInference(input).y.subarray(0, size) };
      },
    };
    const outcome = await runHardeningCheck(careless, 'typed-errors', 'inference');
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toContain('a null request threw TypeError');
  });

  it('typed-errors: a backend that ignores out accepts an out of the wrong length, and fails', async () => {
    const ignoring: Backend = { ...carefulBackend(), inference: async (input) => ({ y: referenceInference(input).y }) };
    const outcome = await runHardeningCheck(ignoring, 'typed-errors', 'inference');
    expect(outcome.message).toContain('an out.y of the wrong length was accepted');
  });

  it('finite-outputs: eps rounded to float32 (1e-50 becomes 0) gives NaN on a zero-variance channel, and fails', async () => {
    const float32Eps: Backend = {
      ...carefulBackend(),
      async trainForward(input) {
        const eps = Math.fround(input.options?.eps ?? 1e-5);
        return referenceTrainForward({ ...input, options: { ...input.options, eps } });
      },
    };
    const outcome = await runHardeningCheck(float32Eps, 'finite-outputs', 'trainForward');
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toMatch(/NaN|Infinity/);
    expect(outcome.message).toContain('replay: runHardeningCheck(backend, "finite-outputs", "trainForward", { seed: 14');
  });

  it('finite-outputs: refusing an input with BnValueError is allowed, refusing every input is not', async () => {
    const refusing: Backend = {
      ...carefulBackend(),
      async inference() {
        throw new BnValueError('options.eps', 'an eps float32 can hold', 'anything');
      },
    };
    const outcome = await runHardeningCheck(refusing, 'finite-outputs', 'inference');
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toContain('refused all');
  });

  it('aliasing: normalising element by element into a partly overlapping out.y is caught', async () => {
    const streaming: Backend = { ...carefulBackend(), inference: async (input) => ({ y: streamingInference(input) }) };
    const outcome = await runHardeningCheck(streaming, 'aliasing', 'inference');
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toMatch(/out.y starting \d+ after x/);
  });

  it('aliasing: the same element-by-element kernel with partial overlap refused by a typed error passes', async () => {
    const refusing: Backend = {
      ...carefulBackend(),
      async inference(input) {
        const y = input.out?.y;
        const x = input.x as FloatArray;
        const partial = y !== undefined && y.buffer === x.buffer && y.byteOffset !== x.byteOffset && y.byteOffset < x.byteOffset + x.byteLength && x.byteOffset < y.byteOffset + y.byteLength;
        if (partial) throw new BnShapeError('out.y', 'x itself or memory apart from x', 'a partial overlap with x');
        return { y: streamingInference(input) };
      },
    };
    const outcome = await runHardeningCheck(refusing, 'aliasing', 'inference');
    expect(outcome).toEqual({ ok: true });
  });

  it('aliasing: statistics read after y was written over x are caught', async () => {
    const lateStatistics: Backend = {
      ...carefulBackend(),
      async trainForward(input) {
        const first = referenceTrainForward(input);
        const y = deliver(first.y, input.out?.y, 'out.y');
        // Reads x again after writing y: wrong when out.y is x.
        const again = referenceTrainForward({ ...input, out: {} });
        return { ...again, y };
      },
    };
    const outcome = await runHardeningCheck(lateStatistics, 'aliasing', 'trainForward');
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toContain('the same array as x');
  });

  it('declared failures carry reasons: a failing check is an expected failure, a passing one an unexpected pass', async () => {
    const ignoring: Backend = { ...carefulBackend('ignores-out'), inference: async (input) => ({ y: referenceInference(input).y }) };
    const expectations: BackendExpectations = {
      backend: 'ignores-out',
      expectedFailures: [
        { id: 'hardening/typed-errors', operation: 'inference', reason: 'ignores out buffers' },
        { id: 'hardening/finite-outputs', operation: 'backward', reason: 'declared but not failing' },
      ],
      toleranceOverrides: [],
    };
    const report = await checkHardening(ignoring, expectations, { numRuns: 5 });
    const status = (id: string, operation: string) => report.results.find((result) => result.id === id && result.operation === operation)?.status;
    expect(status('hardening/typed-errors', 'inference')).toBe('expected-failure');
    expect(status('hardening/finite-outputs', 'backward')).toBe('unexpected-pass');
    expect(status('hardening/aliasing', 'inference')).toBe('failed');
    expect(report.ok).toBe(false);
  });

  it('an operation the backend does not declare is unsupported, never passed', async () => {
    const inferenceOnly: Backend = { ...carefulBackend(), capabilities: { ...carefulBackend().capabilities, operations: ['inference'] } };
    const report = await checkHardening(inferenceOnly, undefined, { numRuns: 3 });
    expect(report.results.filter((result) => result.operation !== 'inference').every((result) => result.status === 'unsupported')).toBe(true);
  });

  it('runs in the aliasing check are drawn in shared buffers from the given allocator', async () => {
    const lengths: number[] = [];
    const allocate = (length: number) => {
      lengths.push(length);
      return new Float32Array(new SharedArrayBuffer(length * 4));
    };
    expect(await runHardeningCheck(carefulBackend(), 'aliasing', 'inference', { numRuns: 7, allocate })).toEqual({ ok: true });
    expect(lengths).toHaveLength(7);
    expect(lengths.every((length) => length >= describeShape([2, 1], 'NC').size)).toBe(true);
  });
});

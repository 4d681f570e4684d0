import { BnBackendError, BnShapeError, BnValueError, referenceBackward, referenceTrainForward, type InferenceInput } from '@bnkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createOnnxruntimeBackend, createOrtBackend, type OrtApi, type OrtSession } from '../src/index.js';
import { loadOnnxruntime, sessionOptions } from '../src/ort-runtime.js';
import { expectClose } from '@bnkit/spec/test';

const c = 3;
const shape = [4, c];

function shared(values: readonly number[]): Float32Array {
  const array = new Float32Array(new SharedArrayBuffer(values.length * 4));
  array.set(values);
  return array;
}

function request(make: (values: readonly number[]) => Float32Array): InferenceInput {
  return {
    x: make([0.5, -1, 2, 1.5, 0, 3, -0.5, 1, 4, 2.5, -2, 5]),
    shape,
    layout: 'NC',
    gamma: make([1, 0.5, 2]),
    beta: make([0, 1, -1]),
    runningMean: make([0.1, 0.2, 0.3]),
    runningVar: make([1, 2, 0.5]),
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('onnxruntime: inputs in shared memory', () => {
  const backend = createOnnxruntimeBackend();
  afterAll(() => backend.dispose());

  it('runs every operation on SharedArrayBuffer inputs (as from cpu allocate()) and matches the reference', async () => {
    const input = request(shared);
    const train = await backend.trainForward({ ...input, out: { y: shared(new Array(12).fill(0)) } });
    const expected = referenceTrainForward(request((v) => Float32Array.from(v)));
    expectClose(train.y, expected.y, 2e-6, 2e-6, 'trainForward y');
    expectClose(train.batchVar, expected.batchVar, 1e-12, 1e-12, 'batchVar');
    expect(train.y.buffer).toBeInstanceOf(SharedArrayBuffer);
    const inference = await backend.inference(input);
    expect(inference.y.length).toBe(12);
    const dy = shared([1, -1, 0.5, 0, 2, -2, 1, 1, 1, -0.5, 0.25, 3]);
    const savedMean = new Float64Array(new SharedArrayBuffer(c * 8));
    savedMean.set(expected.batchMean);
    const savedInvStd = new Float64Array(new SharedArrayBuffer(c * 8));
    savedInvStd.set(expected.invStd);
    const grads = await backend.backward({ x: input.x, shape, layout: 'NC', gamma: input.gamma, dy, savedMean, savedInvStd });
    const reference = referenceBackward({ x: Float32Array.from(input.x), shape, layout: 'NC', gamma: Float32Array.from(input.gamma as Float32Array), dy: Float32Array.from(dy), savedMean: expected.batchMean, savedInvStd: expected.invStd });
    expectClose(grads.dx, reference.dx, 1e-6, 1e-6, 'dx');
  });
});

describe('onnxruntime: the dispose contract', () => {
  it('after dispose every operation throws BnBackendError naming the backend; init makes it usable again', async () => {
    const backend = createOnnxruntimeBackend();
    const input = request((v) => Float32Array.from(v));
    await backend.init();
    await backend.inference(input);
    expect(backend.cachedSessions).toBe(1);
    await backend.dispose();
    expect(backend.cachedSessions).toBe(0);
    const saved = { savedMean: new Float64Array(c), savedInvStd: new Float64Array(c).fill(1) };
    for (const call of [
      () => backend.inference(input),
      () => backend.trainForward(input),
      () => backend.backward({ x: input.x, shape, layout: 'NC', gamma: input.gamma, dy: input.x, ...saved }),
    ]) {
      const error = await rejection(call());
      expect(error).toBeInstanceOf(BnBackendError);
      expect((error as BnBackendError).argument).toBe('onnxruntime');
      expect((error as BnBackendError).message).toContain('after dispose()');
    }
    expect(backend.cachedSessions).toBe(0);
    await backend.init();
    await expect(backend.inference(input)).resolves.toHaveProperty('y');
    await backend.dispose();
  });

  it('a dispose while a call is loading the engine keeps that call from caching a session', async () => {
    const backend = createOnnxruntimeBackend();
    const pending = backend.inference(request((v) => Float32Array.from(v)));
    await backend.dispose();
    await expect(pending).rejects.toBeInstanceOf(BnBackendError);
    expect(backend.cachedSessions).toBe(0);
  });
});

/** A runtime module whose sessions fail the way the real engine does, with a plain Error. */
function failingRuntime(where: 'create' | 'run' | 'release', engineFailure: Error): OrtApi {
  const session: OrtSession = {
    run: async () => {
      if (where === 'run') throw engineFailure;
      return { y: { data: new Float32Array(12), dims: shape } };
    },
    release: async () => {
      if (where === 'release') throw engineFailure;
    },
  };
  return {
    InferenceSession: {
      create: async () => {
        if (where === 'create') throw engineFailure;
        return session;
      },
    },
    Tensor: class {
      constructor(
        readonly type: string,
        readonly data: unknown,
        readonly dims: readonly number[],
      ) {}
    },
  };
}

describe('engine errors are BnBackendError naming the backend, with the engine error as cause', () => {
  it.each(['create', 'run'] as const)('a failure in session %s', async (where) => {
    const engineFailure = new Error('Invalid argument');
    const backend = createOrtBackend({ name: 'ort-under-test', load: async () => failingRuntime(where, engineFailure), sessionOptions: {} });
    const error = await rejection(backend.inference(request((v) => Float32Array.from(v))));
    expect(error).toBeInstanceOf(BnBackendError);
    expect((error as BnBackendError).argument).toBe('ort-under-test');
    expect((error as BnBackendError).actual).toBe('Invalid argument');
    expect((error as BnBackendError).message).toContain('inference');
    expect((error as Error).cause).toBe(engineFailure);
  });

  it('a failure releasing sessions in dispose', async () => {
    const engineFailure = new Error('release failed');
    const backend = createOrtBackend({ name: 'ort-under-test', load: async () => failingRuntime('release', engineFailure), sessionOptions: {} });
    await backend.inference(request((v) => Float32Array.from(v)));
    const error = await rejection(backend.dispose());
    expect(error).toBeInstanceOf(BnBackendError);
    expect((error as Error).cause).toBe(engineFailure);
  });

  it('a real onnxruntime-node failure (an execution provider it does not have) is wrapped too', async () => {
    const backend = createOrtBackend({ name: 'onnxruntime', load: loadOnnxruntime, sessionOptions: { ...sessionOptions(1), executionProviders: ['no-such-provider'] } });
    const error = await rejection(backend.trainForward(request((v) => Float32Array.from(v))));
    expect(error).toBeInstanceOf(BnBackendError);
    expect((error as BnBackendError).argument).toBe('onnxruntime');
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect((error as Error).cause).not.toBeInstanceOf(BnBackendError);
    await backend.dispose();
  });

  it('an out buffer of the wrong length is a BnShapeError before the engine runs', async () => {
    const backend = createOrtBackend({ name: 'ort-under-test', load: async () => failingRuntime('create', new Error('never reached')), sessionOptions: {} });
    const input = request((v) => Float32Array.from(v));
    const error = await rejection(backend.trainForward({ ...input, out: { y: new Float32Array(5) } }));
    expect(error).toBeInstanceOf(BnShapeError);
    expect((error as BnShapeError).argument).toBe('out.y');
  });

  it('an x of an element type the backend does not compute in is a BnValueError before the engine runs', async () => {
    const backend = createOrtBackend({ name: 'float32-only', load: async () => failingRuntime('create', new Error('never reached')), sessionOptions: {}, dtypes: ['float32'] });
    const input = request((v) => Float32Array.from(v));
    const error = await rejection(backend.inference({ ...input, x: Float64Array.from(input.x) }));
    expect(error).toBeInstanceOf(BnValueError);
    expect((error as BnValueError).argument).toBe('x');
  });
});

describe('onnxruntime: values at the edges of float32', () => {
  const backend = createOnnxruntimeBackend();
  afterAll(() => backend.dispose());
  const f = Math.fround;

  it('a zero-variance channel with eps 1e-50 gives y = beta exactly (ONNX would round that eps to 0: NaN)', async () => {
    const input = { x: Float32Array.of(3, 3, 3, 3), shape: [4, 1], layout: 'NC' as const, gamma: Float32Array.of(2), beta: Float32Array.of(0.5), runningMean: Float32Array.of(3), runningVar: Float32Array.of(0), options: { eps: 1e-50 } };
    expect(Array.from((await backend.trainForward(input)).y)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(Array.from((await backend.inference(input)).y)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it.each([
    ['1e30', f(1e30), f(3e30)],
    ['3e38', f(-3e38), f(3e38)],
  ])('values of magnitude %s, two per side of their mean, normalise to -1 and 1 (by hand: xhat = +-1)', async (_, low, high) => {
    const mean = (low + high) / 2;
    const variance = ((high - low) / 2) ** 2;
    const input = {
      x: Float32Array.of(low, high, low, high),
      shape: [4, 1],
      layout: 'NC' as const,
      gamma: Float32Array.of(2),
      beta: Float32Array.of(0.5),
      runningMean: Float64Array.of(mean),
      runningVar: Float64Array.of(variance),
    };
    const expected = [-1.5, 2.5, -1.5, 2.5];
    expectClose((await backend.trainForward(input)).y, expected, 1e-5, 1e-5, 'trainForward y');
    expectClose((await backend.inference(input)).y, expected, 1e-5, 1e-5, 'inference y');
  });
});

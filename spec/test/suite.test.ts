import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BnBackendError,
  BnValueError,
  createReferenceBackend,
  isChannelsLast,
  referenceBackend,
  registerBackend,
  unregisterBackend,
  type Backend,
  type BackendExpectations,
  type GoldenCase,
} from '@bnkit/core';
import {
  caseFilePath,
  checkDisposeContract,
  checkProperties,
  compareArrays,
  describePropertyFailure,
  disposeContractCase,
  loadVectors,
  runConformance,
  serializeCase,
  type CaseResult,
} from '../src/index.js';
import { float32Accumulating, float32Folded, float32InverseStd, float32WithFloat64Stats } from './helpers/float32-backends.js';
import { namedReference } from './helpers/named-reference.js';

const vectors = loadVectors();
const byId = (id: string): GoldenCase => {
  const found = vectors.find((golden) => golden.id === id);
  if (!found) throw new Error(`no vector ${id}`);
  return found;
};
const statusesOf = (results: CaseResult[]) => new Set(results.map((result) => result.status));

/** The reference with one output changed: the deliberately wrong backends. */
function altered(name: string, change: Partial<Backend>): Backend {
  return { ...referenceBackend, name, ...change };
}

const temporaryDirs: string[] = [];
function temporaryDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bnkit-spec-'));
  temporaryDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
});

describe('compareArrays', () => {
  it('measures the largest error and its ratio to the tolerance', () => {
    const result = compareArrays([1, 2.5, 3], [1, 2, 3], { abs: 0.25, rel: 0.125 }, 'y');
    expect(result.maxAbsError).toBe(0.5);
    expect(result.maxErrorRatio).toBe(1); // 0.5 / (0.25 + 0.125 * 2)
    expect(result.worst).toBe('y[1]');
  });

  it('counts NaN against a number as infinite, NaN against NaN as equal', () => {
    expect(compareArrays([Number.NaN], [1], { abs: 1, rel: 0 }, 'y').maxErrorRatio).toBe(Infinity);
    expect(compareArrays([1], [Number.NaN], { abs: 1, rel: 0 }, 'y').maxAbsError).toBe(Infinity);
    expect(compareArrays([Number.NaN], [Number.NaN], { abs: 1, rel: 0 }, 'y').maxErrorRatio).toBe(0);
  });

  it('reports a missing or wrongly sized output', () => {
    expect(compareArrays(undefined, [1], { abs: 1, rel: 0 }, 'step 1 trainForward.runningVar').worst).toBe('step 1 trainForward.runningVar missing');
    expect(compareArrays([1, 2], [1], { abs: 1, rel: 0 }, 'y').maxErrorRatio).toBe(Infinity);
  });
});

describe('runConformance', () => {
  it('passes the reference on every committed vector', async () => {
    const report = await runConformance(referenceBackend);
    expect(report.ok).toBe(true);
    expect(report.counts.passed).toBe(report.results.length);
    expect(report.results.length).toBe(vectors.reduce((total, golden) => total + golden.operations.length, 0));
  });

  it('fails a backend whose y is off by 1e-3', async () => {
    const backend = altered('y-off', {
      async trainForward(input) {
        const out = await referenceBackend.trainForward(input);
        return { ...out, y: out.y.map((v) => v + 1e-3) };
      },
    });
    const report = await runConformance(backend, { cases: [byId('nchw/pytorch/basic')] });
    expect(report.ok).toBe(false);
    const train = report.results.find((result) => result.operation === 'trainForward');
    expect(train?.status).toBe('failed');
    expect(train?.worst).toMatch(/^step 1 trainForward\.y\[\d+\]$/);
    expect(train?.maxAbsError).toBeCloseTo(1e-3, 6);
    expect(report.results.filter((result) => result.operation !== 'trainForward').every((result) => result.status === 'passed')).toBe(true);
  });

  it('fails a backend that keeps a biased running variance under pytorch', async () => {
    const backend = altered('biased-running-var', {
      async trainForward(input) {
        return referenceBackend.trainForward({ ...input, options: { ...input.options, convention: 'onnx', momentum: 1 - (input.options?.momentum ?? 0.1) } });
      },
    });
    const report = await runConformance(backend, { cases: [byId('nchw/running-stats/pytorch-3-steps')] });
    const train = report.results.find((result) => result.operation === 'trainForward');
    expect(train?.status).toBe('failed');
    expect(train?.worst).toMatch(/trainForward\.runningVar\[\d+\]$/);
  });

  it('reports a thrown error as a failure with its message', async () => {
    const backend = altered('throws', {
      async backward() {
        throw new Error('kernel missing');
      },
    });
    const report = await runConformance(backend, { cases: [byId('nc/hand/four-values')] });
    const backward = report.results.find((result) => result.operation === 'backward');
    expect(backward).toMatchObject({ status: 'failed', maxErrorRatio: Infinity });
    expect(backward?.reason).toContain('kernel missing');
  });

  it('turns a declared failure that passes into unexpected-pass, and one that fails into expected-failure', async () => {
    const backend = altered('y-off', {
      async inference(input) {
        const out = await referenceBackend.inference(input);
        return { y: out.y.map((v) => v + 1) };
      },
    });
    const expectations: BackendExpectations = {
      backend: 'y-off',
      expectedFailures: [
        { id: 'nc/hand/*', operation: 'inference', reason: 'inference adds 1' },
        { id: 'nc/hand/four-values', operation: 'trainForward', reason: 'stale entry' },
      ],
      toleranceOverrides: [],
    };
    const report = await runConformance(backend, { cases: [byId('nc/hand/four-values')], expectations });
    const status = Object.fromEntries(report.results.map((result) => [result.operation, result.status]));
    expect(status).toEqual({ inference: 'expected-failure', trainForward: 'unexpected-pass', backward: 'passed' });
    expect(report.results.find((result) => result.operation === 'inference')?.reason).toBe('inference adds 1');
    expect(report.ok).toBe(false);
  });

  it('applies a backend tolerance override', async () => {
    const backend = altered('y-off', {
      async inference(input) {
        const out = await referenceBackend.inference(input);
        return { y: out.y.map((v) => v + 1e-3) };
      },
    });
    const golden = byId('nc/hand/four-values');
    const strict = await runConformance(backend, { cases: [golden] });
    expect(strict.results[0]?.status).toBe('failed');
    const expectations: BackendExpectations = {
      backend: 'y-off',
      expectedFailures: [],
      toleranceOverrides: [{ id: '*', operation: 'inference', tolerance: { y: { abs: 2e-3, rel: 0 } }, reason: 'test' }],
    };
    const loose = await runConformance(backend, { cases: [golden], expectations });
    expect(loose.results[0]).toMatchObject({ status: 'passed' });
    expect(loose.results[0]?.maxErrorRatio).toBeCloseTo(0.5, 3);
  });

  it('reports what a backend does not declare as unsupported, never passed', async () => {
    const backend: Backend = {
      ...referenceBackend,
      name: 'narrow',
      capabilities: { ...referenceBackend.capabilities, layouts: ['NCHW'], operations: ['inference', 'trainForward'], features: [] },
    };
    const report = await runConformance(backend);
    expect(report.ok).toBe(true);
    for (const result of report.results) {
      const golden = byId(result.id);
      const supported =
        golden.layout === 'NCHW' && result.operation !== 'backward' && golden.options.momentum !== null && golden.options.affine && golden.options.trackRunningStats;
      expect(result.status, `${result.id} ${result.operation}`).toBe(supported ? 'passed' : 'unsupported');
      if (!supported) expect(result.reason).toMatch(/^not declared: /);
    }
    expect(report.counts.unsupported).toBeGreaterThan(0);
    expect(report.results.find((result) => result.id === 'nhwc/pytorch/basic')?.reason).toBe('not declared: layout NHWC');
    expect(report.results.find((result) => result.id === 'nchw/untracked/basic' && result.operation === 'inference')?.reason).toBe(
      'not declared: feature untracked-running-stats',
    );
  });

  it('calls onResult for every result and leaves the backend to its owner (no init, no dispose)', async () => {
    const calls: string[] = [];
    const backend = altered('watched', {
      async init() {
        calls.push('init');
      },
      async dispose() {
        calls.push('dispose');
      },
    });
    const seen: string[] = [];
    const report = await runConformance(backend, { cases: [byId('nc/hand/four-values')], onResult: (result) => seen.push(result.operation) });
    expect(seen).toEqual(['inference', 'trainForward', 'backward']);
    expect(report.results.length).toBe(3);
    expect(calls).toEqual([]);
  });

  it('opens a registered backend by name through the registry, with its descriptor\'s expectations', async () => {
    const created: Backend[] = [];
    const expectations: BackendExpectations = {
      backend: 'y-off-registered',
      expectedFailures: [{ id: 'nc/hand/four-values', operation: 'inference', reason: 'inference adds 1' }],
      toleranceOverrides: [],
    };
    registerBackend({
      name: 'y-off-registered',
      packageName: 'spec-test',
      precision: 'float64',
      role: 'backend',
      environments: ['node'],
      priority: 0,
      expectations,
      create: () => {
        const reference = createReferenceBackend();
        const backend: Backend = {
          ...reference,
          name: 'y-off-registered',
          async inference(input) {
            const out = await reference.inference(input);
            return { y: out.y.map((v) => v + 1) };
          },
        };
        created.push(backend);
        return backend;
      },
    });
    try {
      const first = await runConformance('y-off-registered', { cases: [byId('nc/hand/four-values')] });
      const second = await runConformance('y-off-registered', { cases: [byId('nc/hand/four-values')] });
      expect(first.results.map((result) => result.status)).toEqual(['expected-failure', 'passed', 'passed']);
      expect(second.ok).toBe(true);
      expect(created.length).toBe(1);
    } finally {
      await unregisterBackend('y-off-registered');
    }
    await expect(runConformance('no-such-backend', { cases: [] })).rejects.toThrow(BnBackendError);
  });

  it('takes its input arrays from the allocator, and frees each one after its step', async () => {
    const lengths: number[] = [];
    const live = new Set<Float32Array>();
    const allocator = {
      allocate(length: number) {
        lengths.push(length);
        const array = new Float32Array(length);
        live.add(array);
        return array;
      },
      free(array: Float32Array) {
        expect(live.delete(array)).toBe(true);
      },
    };
    const seenX: unknown[] = [];
    const backend = altered('watching-x', {
      async inference(input) {
        seenX.push(input.x);
        return referenceBackend.inference(input);
      },
    });
    const golden = byId('nc/hand/four-values');
    const report = await runConformance(backend, { cases: [golden], allocator });
    expect(report.counts.passed).toBe(3);
    // inference: x, gamma, beta, runningMean, runningVar; trainForward the same; backward: x, gamma, dy.
    expect(lengths).toEqual([4, 1, 1, 1, 1, 4, 1, 1, 1, 1, 4, 1, 4]);
    expect(live.size).toBe(0);
    expect(seenX.length).toBe(1);
    expect(Array.from(seenX[0] as Float32Array)).toEqual([1, 2, 3, 4]);
  });

  it('reports an allocator that returns the wrong array as a failure', async () => {
    const report = await runConformance(referenceBackend, { cases: [byId('nc/hand/four-values')], allocator: { allocate: (length) => new Float32Array(length + 1) } });
    expect(report.results.every((result) => result.status === 'failed' && /allocator\.allocate/.test(result.reason ?? ''))).toBe(true);
  });
});

describe('the dispose contract', () => {
  const golden = (): GoldenCase => byId('nc/hand/four-values');

  it('holds for the reference', async () => {
    const backend = createReferenceBackend();
    await backend.init();
    expect(await checkDisposeContract(backend, golden())).toEqual([]);
    expect((await backend.inference({ x: Float32Array.of(1, 2), shape: [2, 1], layout: 'NC', options: { trackRunningStats: false, affine: false } })).y.length).toBe(2);
  });

  it('is broken by a backend that keeps working after dispose', async () => {
    const backend = altered('immortal', { async dispose() {}, async init() {} });
    const problems = await checkDisposeContract(backend, golden());
    expect(problems).toEqual(['inference', 'trainForward', 'backward'].map((operation) => `${operation} after dispose() resolved instead of rejecting`));
  });

  it('is broken by an error that is not a BnBackendError naming the backend', async () => {
    let disposed = false;
    const failing = (message: string) => async () => {
      if (disposed) throw new Error(message);
      return undefined as never;
    };
    const plain = altered('plain-error', {
      async dispose() {
        disposed = true;
      },
      async init() {
        disposed = false;
      },
      inference: failing('gone'),
    });
    const problems = await checkDisposeContract(plain, { ...golden(), operations: ['inference'] });
    expect(problems[0]).toMatch(/^inference after dispose\(\) rejected with Error: gone, expected a BnBackendError$/);
    // After init the altered inference returns nothing: that is reported too.
    expect(problems[1]).toMatch(/^after init\(\) again: nc\/hand\/four-values inference: failed/);
  });

  it('is broken by a backend that does not work again after init', async () => {
    const reference = createReferenceBackend();
    const backend: Backend = { ...reference, name: 'reference', async init() {} };
    await reference.init();
    const problems = await checkDisposeContract(backend, golden());
    expect(problems.length).toBe(3);
    expect(problems.every((problem) => problem.startsWith('after init() again: ') && problem.includes('BnBackendError'))).toBe(true);
  });

  it('is checked on a case with the most operations the backend declares without an expected failure', () => {
    const narrow: Backend = { ...referenceBackend, capabilities: { ...referenceBackend.capabilities, layouts: ['NHWC'] } };
    const expectations: BackendExpectations = { backend: 'reference', expectedFailures: [{ id: 'nhwc/pytorch/*', reason: 'test' }], toleranceOverrides: [] };
    const chosen = disposeContractCase(narrow, vectors, { expectations });
    expect(chosen?.layout).toBe('NHWC');
    expect(chosen?.operations.length).toBe(3);
    expect(chosen?.id.startsWith('nhwc/pytorch/')).toBe(false);
    expect(disposeContractCase(narrow, vectors.filter((candidate) => candidate.layout !== 'NHWC'))).toBeUndefined();
  });

  it('checks only the operations that are declared without an expected failure', async () => {
    const backend = namedReference('forward-only', (base) => ({ capabilities: { ...base.capabilities, operations: ['inference', 'trainForward'] } }));
    const expectations: BackendExpectations = { backend: 'forward-only', expectedFailures: [{ id: '*', operation: 'inference', reason: 'test' }], toleranceOverrides: [] };
    await backend.init();
    const calls: string[] = [];
    const watched: Backend = {
      ...backend,
      async inference(input) {
        calls.push('inference');
        return backend.inference(input);
      },
    };
    expect(await checkDisposeContract(watched, golden(), { expectations })).toEqual([]);
    expect(calls).toEqual([]);
  });
});

describe('default tolerances', () => {
  const ratios = (report: { results: CaseResult[] }) => report.results.map((result) => `${result.id} ${result.operation} ${result.status} ${result.worst ?? ''}`);

  it("pass a float32 engine whose statistics are computed in float64 and rounded once, on every vector within float32's range", async () => {
    const report = await runConformance(float32WithFloat64Stats());
    const failed = report.results.filter((result) => result.status !== 'passed');
    // Beyond float32's range, by design: the batch variance of x = 1e30 * noise is 1e60, Infinity in float32.
    expect(ratios({ results: failed })).toEqual(['nchw/scale-1e30/untracked trainForward failed step 1 trainForward.batchVar[0]']);
    expect(Math.max(...report.results.filter((result) => result.status === 'passed').map((result) => result.maxErrorRatio))).toBeLessThan(0.6);
  });

  it('stop a float32 engine that accumulates E[x] and E[x^2] in float32 on every offset-1e4 case and at the top of float32\'s range', async () => {
    const stopped = vectors.filter((golden) => golden.id.endsWith('offset-1e4') || ['nc/eps-1e-50/zero-variance', 'nchw/scale-1e30/untracked', 'nchw/scale-3.2e18/largest-float32'].includes(golden.id));
    expect(stopped.length).toBe(6);
    const report = await runConformance(float32Accumulating(), { cases: [...stopped, byId('nhwc/scale-2.5e-19/smallest-float32')] });
    for (const golden of stopped) {
      const train = report.results.find((result) => result.id === golden.id && result.operation === 'trainForward');
      expect(train?.status, golden.id).toBe('failed');
    }
    // At the bottom of the range the variance is still a normal float32, so even this engine gets it.
    expect(report.results.filter((result) => result.id === 'nhwc/scale-2.5e-19/smallest-float32').map((result) => result.status)).toEqual(['passed', 'passed', 'passed']);
  });

  it('stop the folded y = scale * x + (beta - mean * scale) on the zero-variance eps-1e-50 case: y is 0, not beta 0.5', async () => {
    const golden = byId('nc/eps-1e-50/zero-variance');
    const report = await runConformance(float32Folded(), { cases: [golden] });
    for (const operation of ['inference', 'trainForward'] as const) {
      const result = report.results.find((candidate) => candidate.operation === operation);
      expect(result?.status, operation).toBe('failed');
      expect(result?.worst, operation).toMatch(new RegExp(`^step 1 ${operation}\\.y\\[0\\]$`));
      // |0 - 0.5| against a y tolerance of 1.6e-5.
      expect(result?.maxErrorRatio, operation).toBeGreaterThan(3e4);
    }
    const others = await runConformance(float32Folded(), { cases: vectors.filter((candidate) => candidate.group !== 'float32-range') });
    expect(others.ok).toBe(true);
  });

  it('stop an inverse std formed in float32 on the eps-1e-50 case, where eps rounds to 0 and y becomes NaN', async () => {
    const report = await runConformance(float32InverseStd(), { cases: [byId('nc/eps-1e-50/zero-variance')] });
    const train = report.results.find((result) => result.operation === 'trainForward');
    expect(train).toMatchObject({ status: 'failed', maxErrorRatio: Infinity });
  });
});

describe('loadVectors', () => {
  it('loads the committed vectors, each once, in path order', () => {
    const ids = vectors.map((golden) => golden.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(vectors.length).toBeGreaterThan(40);
  });

  it('loads vectors from another directory of the same format', async () => {
    const dir = temporaryDir();
    const golden: GoldenCase = { ...byId('nc/hand/four-values'), id: 'mine/first' };
    mkdirSync(join(dir, 'mine'), { recursive: true });
    writeFileSync(join(dir, caseFilePath(golden.id)), serializeCase(golden));
    const loaded = loadVectors(dir);
    expect(loaded.map((item) => item.id)).toEqual(['mine/first']);
    const report = await runConformance(referenceBackend, { cases: loaded });
    expect(report.counts.passed).toBe(3);
  });

  it('names the file of a malformed vector in a typed error', () => {
    const dir = temporaryDir();
    const broken = { ...byId('nc/hand/four-values'), id: 'broken/shape', shape: [4, 2] };
    mkdirSync(join(dir, 'broken'), { recursive: true });
    const file = join(dir, 'broken', 'shape.json');
    writeFileSync(file, JSON.stringify(broken));
    expect(() => loadVectors(dir)).toThrow(BnValueError);
    expect(() => loadVectors(dir)).toThrow(file);
  });

  it('names the file of invalid JSON', () => {
    const dir = temporaryDir();
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{ "specVersion": ');
    expect(() => loadVectors(dir)).toThrow(BnValueError);
    expect(() => loadVectors(dir)).toThrow(file);
  });

  it('refuses another major spec version', () => {
    const dir = temporaryDir();
    writeFileSync(join(dir, 'future.json'), JSON.stringify({ ...byId('nc/hand/four-values'), specVersion: '2.0.0' }));
    expect(() => loadVectors(dir)).toThrow(/specVersion: expected major version 1/);
  });

  it('refuses two files with the same id', () => {
    const dir = temporaryDir();
    const golden = byId('nc/hand/four-values');
    writeFileSync(join(dir, 'a.json'), serializeCase(golden));
    writeFileSync(join(dir, 'b.json'), serializeCase(golden));
    expect(() => loadVectors(dir)).toThrow(/b\.json: id/);
  });

  it('refuses a directory that does not exist', () => {
    expect(() => loadVectors(join(temporaryDir(), 'missing'))).toThrow(BnValueError);
  });
});

describe('statuses', () => {
  it('keep every result in the report once', async () => {
    const report = await runConformance(referenceBackend, { cases: [byId('nc/hand/four-values')] });
    expect(statusesOf(report.results)).toEqual(new Set(['passed']));
    expect(report.counts).toEqual({ passed: 3, failed: 0, unsupported: 0, 'expected-failure': 0, 'unexpected-pass': 0 });
  });
});

describe('checkProperties', () => {
  const biasedRunningVar = altered('biased-running-var', {
    async trainForward(input) {
      const out = await referenceBackend.trainForward(input);
      if (input.options?.convention !== 'pytorch' || !out.runningVar || !input.runningVar) return out;
      // Folds the biased batch variance into the running one, as keras does, under pytorch.
      const w = input.options.momentum ?? 1 / ((input.numBatchesTracked ?? 0) + 1);
      return { ...out, runningVar: out.batchVar.map((v, c) => (1 - w) * (input.runningVar?.[c] as number) + w * v) };
    },
  });

  it('passes the reference and a float32 engine with float64 statistics', async () => {
    for (const backend of [referenceBackend, float32WithFloat64Stats()]) {
      const report = await checkProperties(backend, { numRuns: 30, seed: 7 });
      expect(report.results.map((result) => result.status), backend.name).toEqual(['passed', 'passed', 'passed']);
      expect(report.ok).toBe(true);
    }
  });

  it('finds a biased running variance under pytorch and reports a shrunk case that replays', async () => {
    const report = await checkProperties(biasedRunningVar, { numRuns: 40, seed: 11, operations: ['trainForward'] });
    const failure = report.results[0];
    expect(report.ok).toBe(false);
    expect(failure?.status).toBe('failed');
    expect(failure?.counterexample).toMatchObject({ convention: 'pytorch', trackRunningStats: true, steps: 1 });
    expect(failure?.message).toContain('runningVar');
    expect(failure?.path).toMatch(/^\d+(:\d+)*$/);
    expect(describePropertyFailure(failure!)).toContain(`seed: ${failure?.seed}`);
    const replay = await checkProperties(biasedRunningVar, { seed: failure!.seed, path: failure!.path!, operations: ['trainForward'] });
    expect(replay.results[0]).toMatchObject({ status: 'failed', counterexample: failure?.counterexample });
  });

  it('shrinks a layout-specific slip to a small channels-last case', async () => {
    const backend = altered('channels-last-slip', {
      async inference(input) {
        const out = await referenceBackend.inference(input);
        return isChannelsLast(input.layout) ? { y: out.y.map((v) => v * (1 + 1e-3)) } : out;
      },
    });
    const report = await checkProperties(backend, { numRuns: 40, seed: 3, operations: ['inference'] });
    const drawn = report.results[0]?.counterexample;
    expect(report.results[0]?.status).toBe('failed');
    expect(drawn && isChannelsLast(drawn.layout)).toBe(true);
    expect(drawn?.c).toBe(1);
  });

  it('reports an undeclared operation as unsupported', async () => {
    const backend: Backend = { ...referenceBackend, capabilities: { ...referenceBackend.capabilities, operations: ['inference'] } };
    const report = await checkProperties(backend, { numRuns: 5, seed: 1 });
    expect(report.results.map((result) => result.status)).toEqual(['passed', 'unsupported', 'unsupported']);
  });
});

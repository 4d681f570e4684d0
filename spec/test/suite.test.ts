import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BnValueError, caseFilePath, isChannelsLast, referenceBackend, serializeCase, type Backend, type BackendExpectations, type GoldenCase } from '@bnkit/core';
import { checkProperties, compareArrays, describePropertyFailure, loadVectors, runConformance, type CaseResult } from '../src/index.js';
import { float32Accumulating, float32WithFloat64Stats } from './helpers/float32-backends.js';

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

  it('calls onResult for every result and disposes the backend', async () => {
    let disposed = false;
    const seen: string[] = [];
    const backend = altered('watched', {
      async dispose() {
        disposed = true;
      },
    });
    const report = await runConformance(backend, { cases: [byId('nc/hand/four-values')], onResult: (result) => seen.push(result.operation) });
    expect(seen).toEqual(['inference', 'trainForward', 'backward']);
    expect(report.results.length).toBe(3);
    expect(disposed).toBe(true);
  });
});

describe('default tolerances', () => {
  it('pass a float32 engine whose statistics are accumulated in float64', async () => {
    const report = await runConformance(float32WithFloat64Stats());
    const failed = report.results.filter((result) => result.status !== 'passed');
    expect(failed.map((result) => `${result.id} ${result.operation} ${result.worst} ${result.maxErrorRatio} ${result.reason ?? ""}`)).toEqual([]);
  });

  it('stop a float32 engine that accumulates E[x] and E[x^2] in float32 on every offset-1e4 case', async () => {
    const cases = vectors.filter((golden) => golden.id.endsWith('offset-1e4'));
    expect(cases.length).toBeGreaterThanOrEqual(3);
    const report = await runConformance(float32Accumulating(), { cases });
    for (const golden of cases) {
      const train = report.results.find((result) => result.id === golden.id && result.operation === 'trainForward');
      expect(train?.status, golden.id).toBe('failed');
    }
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

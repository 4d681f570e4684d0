import { describe, expect, it } from 'vitest';
import { referenceBackend } from '@bnkit/core';
import { paletteFor } from '../src/color.js';
import { formatConformanceMatrix, formatUnexpected, runFailed, summarize } from '../src/conformance-matrix.js';
import type { CaseResult } from '@bnkit/spec';
import type { BackendConformance } from '../src/spec-suite.js';
import { readySlot, unavailableSlot } from './slots.js';

const plain = paletteFor({ isTTY: false });

function result(id: string, group: string, status: CaseResult['status'], maxErrorRatio: number): CaseResult {
  return { id, group, operation: 'inference', status, maxErrorRatio, maxAbsError: maxErrorRatio * 1e-6 };
}

const ready = readySlot('reference', referenceBackend);

function run(results: CaseResult[]): BackendConformance {
  return { slot: ready, report: { backend: 'reference', results, counts: { passed: 0, failed: 0, unsupported: 0, 'expected-failure': 0, 'unexpected-pass': 0 }, ok: true } };
}

describe('summarize', () => {
  it('counts by status and takes the largest error of the results that count', () => {
    const summary = summarize([
      result('a', 'layouts', 'passed', 0.2),
      result('b', 'layouts', 'passed', 0.5),
      result('c', 'layouts', 'expected-failure', 40),
      result('d', 'layouts', 'unsupported', Number.NaN),
    ]);
    expect(summary.counts).toMatchObject({ passed: 2, 'expected-failure': 1, unsupported: 1, failed: 0 });
    expect(summary.maxErrorRatio).toBe(0.5);
  });
});

describe('formatConformanceMatrix', () => {
  it('shows a row per group and a column per backend, cells with counts and the largest error', () => {
    const text = formatConformanceMatrix(
      [run([result('a', 'layouts', 'passed', 0.25), result('b', 'numerics', 'passed', 0.5), result('c', 'numerics', 'expected-failure', 9)])],
      plain,
    );
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^group\s+reference$/);
    expect(lines[2]).toMatch(/^layouts\s+pass 1 {2}max 0\.25$/);
    expect(lines[3]).toMatch(/^numerics\s+pass 1 · xfail 1 {2}max 0\.5$/);
    expect(lines[5]).toMatch(/^backend\s+all cases\s+status$/);
    expect(lines[7]).toMatch(/^reference\s+pass 2 · xfail 1 {2}max 0\.5\s+ok$/);
  });

  it('marks unexpected results and lists them', () => {
    const failing = run([result('a', 'layouts', 'failed', 3), result('b', 'layouts', 'unexpected-pass', 0.1)]);
    expect(runFailed(failing)).toBe(true);
    const text = formatConformanceMatrix([failing], plain);
    expect(text).toMatch(/^layouts\s+FAIL 1 · XPASS 1 {2}max 3$/m);
    expect(text).toContain('FAILED (2 unexpected)');
    const list = formatUnexpected([failing], plain);
    expect(list).toMatch(/reference\s+a\s+inference\s+failed\s+3/);
    expect(list).toMatch(/reference\s+b\s+inference\s+unexpected-pass/);
  });

  it('reports an unavailable backend in its column and as a row with its reason', () => {
    const slot = unavailableSlot('cpu', 'engine failed to start');
    const runs: BackendConformance[] = [run([result('a', 'layouts', 'passed', 0.1)]), { slot }];
    expect(runFailed({ slot })).toBe(true);
    const text = formatConformanceMatrix(runs, plain);
    expect(text).toMatch(/^layouts\s+pass 1 {2}max 0\.1\s+unavailable$/m);
    expect(text).toMatch(/^cpu\s+-\s+unavailable: engine failed to start$/m);
  });

  it('adds a row of ONNX node tests, not supported where a backend cannot run them', () => {
    const slot = unavailableSlot('onnxruntime', 'x');
    const nodeTests = new Map([
      ['reference', { kind: 'not-supported' as const }],
      ['onnxruntime', { kind: 'ran' as const, results: [{ name: 'test_batchnorm_epsilon', passed: true, maxError: 2e-7 }, { name: 'test_batchnorm_example', passed: false, maxError: 0.5 }] }],
    ]);
    const text = formatConformanceMatrix([run([result('a', 'layouts', 'passed', 0.1)]), { slot }], plain, nodeTests);
    expect(text).toMatch(/^onnx node tests\s+not supported\s+pass 1 · FAIL 1 {2}max abs 0\.5$/m);
  });
});

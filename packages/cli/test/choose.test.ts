import { describe, expect, it } from 'vitest';
import { OPERATIONS, referenceBackend, type Backend, type Operation } from '@bnkit/core';
import type { Measurement } from '../src/benchmark-run.js';
import { applyMeasurement, assessCandidates, formatChooseTable, recommend, recommendationText } from '../src/choose.js';
import { paletteFor } from '../src/color.js';
import type { BenchmarkRow } from '@bnkit/bench';
import type { CaseResult } from '@bnkit/spec';
import type { BackendConformance } from '../src/spec-suite.js';
import { readySlot } from './slots.js';

function results(operation: Operation, status: CaseResult['status']): CaseResult[] {
  return [{ id: 'nchw/basic', group: 'layouts', operation, status, maxAbsError: 1e-7, maxErrorRatio: 0.1 }];
}

function conformance(name: string, backend: Backend, list: CaseResult[]): BackendConformance {
  return { slot: readySlot(name, backend), report: { backend: name, results: list, counts: { passed: 0, failed: 0, unsupported: 0, 'expected-failure': 0, 'unexpected-pass': 0 }, ok: true } };
}

function row(backend: string, operation: Operation, medianMs: number): BenchmarkRow {
  const timing = { minMs: medianMs, medianMs, maxMs: medianMs, samples: [medianMs], callsPerSample: 1, windowMs: 100 };
  return { label: backend, kind: 'backend', backend, shape: [2, 3, 4, 4], layout: 'NCHW', operation, ...timing, gbPerSec: 1, ratios: {} };
}

const float32Only: Backend = { ...referenceBackend, name: 'tfjs-cpu', capabilities: { ...referenceBackend.capabilities, dtypes: ['float32'], operations: ['inference', 'trainForward'] } };

describe('choose', () => {
  const runs = [
    conformance('reference', referenceBackend, OPERATIONS.flatMap((op) => results(op, 'passed'))),
    conformance('cpu', { ...referenceBackend, name: 'cpu' }, [...results('inference', 'passed'), ...results('backward', 'failed')]),
    conformance('tfjs-cpu', float32Only, results('inference', 'passed')),
  ];
  const plain = paletteFor({ isTTY: false });

  it('disqualifies an unexpected failure or a missing operation only when the need includes it', () => {
    const all = assessCandidates(runs, OPERATIONS, 'NCHW');
    expect(all.map((c) => c.disqualified.length > 0)).toEqual([false, true, true]);
    expect(all[1]?.disqualified.join()).toContain('1 unexpected conformance result(s) (e.g. nchw/basic backward)');
    expect(all[2]?.disqualified.join()).toContain('no backward');
    const inferenceOnly = assessCandidates(runs, ['inference'], 'NCHW');
    expect(inferenceOnly.every((c) => c.disqualified.length === 0)).toBe(true);
  });

  it('recommends the qualifying backend with the least total median time, never the yardstick', () => {
    const candidates = assessCandidates(runs, ['inference'], 'NCHW');
    const measurement: Measurement = {
      // The reference is given the least time on purpose: it must still not be picked.
      rows: [row('reference', 'inference', 0.5), row('cpu', 'inference', 1.5), row('tfjs-cpu', 'inference', 3)],
      baseline: [row('copy', 'inference', 0.5)],
    };
    applyMeasurement(candidates, measurement);
    const pick = recommend(candidates, ['inference']);
    expect(pick?.slot.name).toBe('cpu');
    expect(recommendationText(candidates, ['inference'], pick)).toBe(
      'Recommended: cpu (@bnkit/cpu): fastest backend that passes conformance for inference, 1.5 ms in total, 2x faster than tfjs-cpu.',
    );
    const table = formatChooseTable(candidates, ['inference'], plain);
    expect(table).toMatch(/^cpu\s+yes\s+1\.5\s+1\.5\s+0\.1/m);
    expect(table).toMatch(/^reference\s+yardstick\s.*not measured or recommended/m);
  });

  it('does not hold float64 input against a float32 backend that qualifies', () => {
    const candidates = assessCandidates(runs, ['inference'], 'NCHW');
    const tfjs = candidates.find((c) => c.slot.name === 'tfjs-cpu');
    expect(tfjs?.disqualified).toEqual([]);
    expect(tfjs?.lacks.join()).not.toContain('float64');
    expect(formatChooseTable(candidates, ['inference'], plain)).not.toContain('float64 input');
  });

  it('recommends nothing when only the yardstick qualifies', () => {
    const candidates = assessCandidates(runs, ['backward'], 'NCHW');
    applyMeasurement(candidates, { rows: [row('reference', 'backward', 1)], baseline: [] });
    expect(candidates[0]?.disqualified).toEqual([]);
    expect(recommend(candidates, ['backward'])).toBeUndefined();
    expect(recommendationText(candidates, ['backward'], undefined)).toContain('No backend qualifies');
  });
});

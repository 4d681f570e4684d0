import type { Backend, BackendExpectations, GoldenCase, Operation } from '@bnkit/core';
import { missingCapability } from './capabilities.js';
import { effectiveTolerances, findExpectedFailure } from './expectations.js';
import { defaultCases } from '#default-cases';
import { runCaseOperation } from './run-case.js';

/** What happened to one operation of one case. `expected-failure` counts as success; `unexpected-pass` as failure. */
export type CaseStatus = 'passed' | 'failed' | 'unsupported' | 'expected-failure' | 'unexpected-pass';

/** Every status, in the order reports list them. */
export const CASE_STATUSES: readonly CaseStatus[] = ['passed', 'expected-failure', 'unsupported', 'failed', 'unexpected-pass'];

/** The result of one operation of one case. */
export interface CaseResult {
  id: string;
  group: string;
  operation: Operation;
  status: CaseStatus;
  /** Largest |actual - expected| over every output checked (a NaN against a number counts as Infinity); 0 when not run. */
  maxAbsError: number;
  /** Largest |actual - expected| / (abs + rel * |expected|); at most 1 means within tolerance; 0 when not run. */
  maxErrorRatio: number;
  /** Where the largest ratio was, e.g. `step 2 trainForward.runningVar[3]`. */
  worst?: string;
  /** unsupported: the missing capability; expected-failure and unexpected-pass: the declared reason; failed: a thrown error's message. */
  reason?: string;
}

/** A conformance run of one backend. */
export interface ConformanceReport {
  backend: string;
  results: CaseResult[];
  counts: Record<CaseStatus, number>;
  /** True when nothing failed and nothing passed unexpectedly. */
  ok: boolean;
}

/** Options of `runConformance`. */
export interface ConformanceOptions {
  /** The backend's known failures and wider tolerances. */
  expectations?: BackendExpectations;
  /** The cases to run; default the committed vectors (`loadVectors()`), in Node only: a browser must pass them. */
  cases?: readonly GoldenCase[];
  /** Called after each result, for progress. */
  onResult?: (result: CaseResult) => void;
}

/**
 * Evaluates one operation of one case on an initialised backend: unsupported when the backend
 * does not declare what the case needs (it is then not run); otherwise run and compared with the
 * case's tolerances widened by the backend's overrides, and judged against its expected failures.
 */
export async function evaluateCase(backend: Backend, golden: GoldenCase, operation: Operation, expectations?: BackendExpectations): Promise<CaseResult> {
  const base = { id: golden.id, group: golden.group, operation };
  const missing = missingCapability(backend, golden, operation);
  if (missing !== undefined) return { ...base, status: 'unsupported', maxAbsError: 0, maxErrorRatio: 0, reason: `not declared: ${missing}` };
  const outcome = await runCaseOperation(backend, golden, operation, effectiveTolerances(golden, operation, expectations));
  const passed = outcome.error === undefined && outcome.maxErrorRatio <= 1;
  const expected = findExpectedFailure(expectations, golden.id, operation);
  const measured = { maxAbsError: outcome.maxAbsError, maxErrorRatio: outcome.maxErrorRatio, ...(outcome.worst !== undefined && { worst: outcome.worst }) };
  if (expected) return { ...base, status: passed ? 'unexpected-pass' : 'expected-failure', ...measured, reason: expected.reason };
  if (passed) return { ...base, status: 'passed', ...measured };
  return { ...base, status: 'failed', ...measured, ...(outcome.error !== undefined && { reason: outcome.error }) };
}

/** A one-line account of a result, e.g. `nchw/eps-1e-5/offset-1e4 trainForward: failed, ratio 3.2 at step 1 trainForward.y[17]`. */
export function describeResult(result: CaseResult): string {
  const where = result.worst ? ` at ${result.worst}` : '';
  const why = result.reason ? ` (${result.reason})` : '';
  return `${result.id} ${result.operation}: ${result.status}, max error ratio ${result.maxErrorRatio.toPrecision(3)}, max abs error ${result.maxAbsError.toPrecision(3)}${where}${why}`;
}

/**
 * Runs every golden case on a backend, operation by operation, and reports each as passed,
 * failed, unsupported (a capability the backend does not declare; never run, never counted as
 * passed), expected-failure or unexpected-pass (a declared expected failure that passed, which
 * makes the run not ok). Initialises the backend first and disposes it at the end.
 * @throws BnValueError from `loadVectors` when no cases are given and a committed vector is malformed,
 *   or in a browser when no cases are given; whatever the backend's `init` throws.
 */
export async function runConformance(backend: Backend, options: ConformanceOptions = {}): Promise<ConformanceReport> {
  const cases = options.cases ?? defaultCases();
  await backend.init();
  const results: CaseResult[] = [];
  try {
    for (const golden of cases) {
      for (const operation of golden.operations) {
        const result = await evaluateCase(backend, golden, operation, options.expectations);
        results.push(result);
        options.onResult?.(result);
      }
    }
  } finally {
    await backend.dispose();
  }
  const counts = Object.fromEntries(CASE_STATUSES.map((status) => [status, 0])) as Record<CaseStatus, number>;
  for (const result of results) counts[result.status] += 1;
  return { backend: backend.name, results, counts, ok: counts.failed === 0 && counts['unexpected-pass'] === 0 };
}

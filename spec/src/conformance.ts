import { BnBackendError, openBackend, type Backend, type BackendExpectations, type GoldenCase, type Operation } from '@bnkit/core';
import { missingCapability } from './capabilities.js';
import { effectiveTolerances, findExpectedFailure } from './expectations.js';
import { defaultCases } from '#default-cases';
import { outcomePasses, runCaseOperation, type ArrayAllocator } from './run-case.js';

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

/** How one case is evaluated: the backend's declared expectations and where its input arrays come from. */
export interface EvaluateOptions {
  /** The backend's known failures and wider tolerances; for a registered backend, default its descriptor's. */
  expectations?: BackendExpectations;
  /** Allocates the float32 inputs (e.g. from the backend's own memory); default plain Float32Arrays. */
  allocator?: ArrayAllocator;
}

/** Options of `runConformance`. */
export interface ConformanceOptions extends EvaluateOptions {
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
export async function evaluateCase(backend: Backend, golden: GoldenCase, operation: Operation, options: EvaluateOptions = {}): Promise<CaseResult> {
  const { expectations, allocator } = options;
  const base = { id: golden.id, group: golden.group, operation };
  const missing = missingCapability(backend, golden, operation);
  if (missing !== undefined) return { ...base, status: 'unsupported', maxAbsError: 0, maxErrorRatio: 0, reason: `not declared: ${missing}` };
  const outcome = await runCaseOperation(backend, golden, operation, effectiveTolerances(golden, operation, expectations), allocator);
  const passed = outcomePasses(outcome);
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

/** Whether a result breaks a run: a failure, or a declared failure that now passes (its entry is stale). */
export function isBreaking(result: CaseResult): boolean {
  return result.status === 'failed' || result.status === 'unexpected-pass';
}

/**
 * The backend a suite runs, with its expectations: a Backend object is used as given (its
 * caller initialises and disposes it); a name is opened through core's registry (created and
 * initialised once there; the registry's owner closes it), and its expectations default to its
 * descriptor's.
 * @throws BnBackendError for a name that is not registered or whose engine is unavailable here (with the reason).
 */
export async function backendForSuite(target: Backend | string, expectations?: BackendExpectations): Promise<{ backend: Backend; expectations?: BackendExpectations }> {
  if (typeof target !== 'string') return { backend: target, ...(expectations !== undefined && { expectations }) };
  const opened = await openBackend(target);
  if (opened.status !== 'ready') throw new BnBackendError('backend', 'a backend that initialises', `${target}: ${opened.reason}`);
  return { backend: opened.backend, expectations: expectations ?? opened.expectations };
}

/**
 * Runs every golden case on a backend, operation by operation, and reports each as passed,
 * failed, unsupported (a capability the backend does not declare; never run, never counted as
 * passed), expected-failure or unexpected-pass (a declared expected failure that passed, which
 * makes the run not ok). It neither initialises nor disposes the backend: pass an initialised
 * Backend, or a registered name (see `backendForSuite`).
 * @throws BnValueError from `loadVectors` when no cases are given and a committed vector is malformed,
 *   or in a browser when no cases are given; BnBackendError for a name that is not registered or not available.
 */
export async function runConformance(target: Backend | string, options: ConformanceOptions = {}): Promise<ConformanceReport> {
  const cases = options.cases ?? defaultCases();
  const { backend, expectations } = await backendForSuite(target, options.expectations);
  const evaluate: EvaluateOptions = { ...(expectations !== undefined && { expectations }), ...(options.allocator !== undefined && { allocator: options.allocator }) };
  const results: CaseResult[] = [];
  for (const golden of cases) {
    for (const operation of golden.operations) {
      const result = await evaluateCase(backend, golden, operation, evaluate);
      results.push(result);
      options.onResult?.(result);
    }
  }
  const counts = Object.fromEntries(CASE_STATUSES.map((status) => [status, 0])) as Record<CaseStatus, number>;
  for (const result of results) counts[result.status] += 1;
  return { backend: backend.name, results, counts, ok: !results.some(isBreaking) };
}

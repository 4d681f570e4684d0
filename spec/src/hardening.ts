import { OPERATIONS, type Backend, type BackendExpectations, type Operation } from '@bnkit/core';
import { findExpectedFailure } from './expectations.js';
import { checkAliasing } from './hardening-aliasing.js';
import { checkTypedErrors } from './hardening-errors.js';
import { checkFiniteOutputs } from './hardening-finite.js';
import { propertyUnsupported } from './properties.js';

/**
 * The hardening checks run on every backend besides the golden vectors:
 * - `typed-errors`: bad requests (null request, null options, NaN running variance, wrong-size
 *   out) are refused with a typed error naming the argument;
 * - `finite-outputs`: on any input the validator accepts, extreme magnitudes, zero variance and
 *   tiny eps included, outputs are finite exactly where the float64 reference's are;
 * - `aliasing`: an out buffer over the input (the same array, a partial overlap either way,
 *   apart) gives the reference's result or, for a partial overlap, a typed refusal.
 */
export type HardeningCheck = 'typed-errors' | 'finite-outputs' | 'aliasing';

/** Every hardening check, in the order they run. */
export const HARDENING_CHECKS: readonly HardeningCheck[] = ['typed-errors', 'finite-outputs', 'aliasing'];

/** The seed of the hardening properties: fixed, so that a declared failure fails on every run. */
export const HARDENING_SEED = 14;

/** Random cases per operation of the finite-outputs and aliasing properties. */
export const HARDENING_RUNS = 25;

/**
 * The id a check carries in a backend's expectations, e.g. `hardening/finite-outputs`: an
 * `expectedFailures` entry with this id (and optionally an operation) declares it, with its reason.
 */
export function hardeningId(check: HardeningCheck): string {
  return `hardening/${check}`;
}

/** Options of `runHardeningCheck` and `checkHardening`. */
export interface HardeningOptions {
  /** Default `HARDENING_SEED`. */
  seed?: number;
  /** Random cases per property; default `HARDENING_RUNS`. */
  numRuns?: number;
  /** A finite-outputs counterexample path to replay (with its seed), as a failure reports it. */
  path?: string;
  /** How the aliasing check allocates its shared buffers (e.g. a backend's own memory); default `new Float32Array(length)`. */
  allocate?: (length: number) => Float32Array;
}

/** The outcome of one check of one operation, before expectations are applied. */
export interface HardeningOutcome {
  ok: boolean;
  /** What failed, with the case and how to replay it. */
  message?: string;
}

/**
 * Runs one check of one operation on an initialised backend.
 * @returns ok, or not ok with a message naming the case, the seed and the path that replay it.
 */
export async function runHardeningCheck(backend: Backend, check: HardeningCheck, operation: Operation, options: HardeningOptions = {}): Promise<HardeningOutcome> {
  if (check === 'typed-errors') {
    const message = await checkTypedErrors(backend, operation);
    return message === undefined ? { ok: true } : { ok: false, message };
  }
  const seed = options.seed ?? HARDENING_SEED;
  const numRuns = options.numRuns ?? HARDENING_RUNS;
  const outcome =
    check === 'finite-outputs'
      ? await checkFiniteOutputs(backend, operation, numRuns, seed, options.path)
      : await checkAliasing(backend, operation, numRuns, seed, options.allocate ?? ((length) => new Float32Array(length)));
  if (outcome.ok) return { ok: true };
  const where = outcome.path !== undefined ? `path: ${JSON.stringify(outcome.path)}` : `numRuns: ${outcome.numRuns}`;
  const replay = `replay: runHardeningCheck(backend, ${JSON.stringify(check)}, ${JSON.stringify(operation)}, { seed: ${outcome.seed}, ${where} })`;
  return { ok: false, message: `${hardeningId(check)} ${operation} failed after ${outcome.numRuns} runs: ${outcome.message ?? ''}\n${replay}` };
}

/** One check of one operation, judged against the backend's expectations. */
export interface HardeningResult {
  id: string;
  check: HardeningCheck;
  operation: Operation;
  /** `expected-failure` counts as success and `unexpected-pass` as failure, as in conformance. */
  status: 'passed' | 'failed' | 'unsupported' | 'expected-failure' | 'unexpected-pass';
  /** unsupported: what is missing; expected-failure and unexpected-pass: the declared reason; failed: what went wrong. */
  reason?: string;
}

/** The result of `checkHardening`. */
export interface HardeningReport {
  backend: string;
  /** True when nothing failed and nothing passed unexpectedly. */
  ok: boolean;
  results: HardeningResult[];
}

/**
 * Runs every hardening check on every operation an initialised backend declares, judging each
 * against `expectations` (an expected failure that passes is an unexpected pass). An operation
 * the backend does not declare, or a backend without float32 input, is reported unsupported,
 * never passed.
 */
export async function checkHardening(backend: Backend, expectations?: BackendExpectations, options: HardeningOptions = {}): Promise<HardeningReport> {
  const results: HardeningResult[] = [];
  for (const check of HARDENING_CHECKS) {
    for (const operation of OPERATIONS) {
      const id = hardeningId(check);
      const unsupported = propertyUnsupported(backend, operation);
      if (unsupported !== undefined) {
        results.push({ id, check, operation, status: 'unsupported', reason: unsupported });
        continue;
      }
      const outcome = await runHardeningCheck(backend, check, operation, options);
      const expected = findExpectedFailure(expectations, id, operation);
      if (expected) results.push({ id, check, operation, status: outcome.ok ? 'unexpected-pass' : 'expected-failure', reason: expected.reason });
      else results.push({ id, check, operation, status: outcome.ok ? 'passed' : 'failed', ...(outcome.message !== undefined && { reason: outcome.message }) });
    }
  }
  return { backend: backend.name, ok: results.every((result) => result.status !== 'failed' && result.status !== 'unexpected-pass'), results };
}

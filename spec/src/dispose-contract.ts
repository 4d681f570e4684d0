import { BnBackendError, type Backend, type GoldenCase, type Operation } from '@bnkit/core';
import { missingCapability } from './capabilities.js';
import { describeResult, evaluateCase, isBreaking, type EvaluateOptions } from './conformance.js';
import { findExpectedFailure } from './expectations.js';
import { runCaseOperation } from './run-case.js';

/** The operations of `golden` the backend declares and does not declare as expected failures. */
function checkableOperations(backend: Backend, golden: GoldenCase, options: EvaluateOptions): Operation[] {
  return golden.operations.filter((operation) => missingCapability(backend, golden, operation) === undefined && !findExpectedFailure(options.expectations, golden.id, operation));
}

/**
 * A case to check the dispose contract with: the first of `cases` with the most operations the
 * backend declares without an expected failure; undefined when no case has one.
 */
export function disposeContractCase(backend: Backend, cases: readonly GoldenCase[], options: EvaluateOptions = {}): GoldenCase | undefined {
  let best: GoldenCase | undefined;
  let bestCount = 0;
  for (const golden of cases) {
    const count = checkableOperations(backend, golden, options).length;
    if (count > bestCount) [best, bestCount] = [golden, count];
  }
  return best;
}

/**
 * Checks the dispose contract of `Backend` on an initialised backend, with the operations of
 * `golden` it declares without an expected failure: after `dispose()`, each such operation rejects with a `BnBackendError` whose message names the backend; after
 * `init()` again, each passes `golden` again. Leaves the backend initialised unless
 * its `init` throws.
 * @returns What broke the contract, one line each; empty when it holds.
 */
export async function checkDisposeContract(backend: Backend, golden: GoldenCase, options: EvaluateOptions = {}): Promise<string[]> {
  const problems: string[] = [];
  const operations = checkableOperations(backend, golden, options);
  await backend.dispose();
  for (const operation of operations) {
    // Plain arrays (the backend's allocator may be gone with it); any tolerance will do, since a
    // disposed backend must not get as far as a comparison.
    const outcome = await runCaseOperation(backend, golden, operation, golden.tolerance);
    if (outcome.thrown === undefined) problems.push(`${operation} after dispose() resolved instead of rejecting`);
    else if (!(outcome.thrown instanceof BnBackendError)) problems.push(`${operation} after dispose() rejected with ${outcome.error ?? 'a non-error'}, expected a BnBackendError`);
    else if (!outcome.thrown.message.includes(backend.name)) problems.push(`${operation} after dispose() rejected with a message that does not name ${backend.name}: ${outcome.thrown.message}`);
  }
  await backend.init();
  for (const operation of operations) {
    const result = await evaluateCase(backend, golden, operation, options);
    if (isBreaking(result)) problems.push(`after init() again: ${describeResult(result)}`);
  }
  return problems;
}

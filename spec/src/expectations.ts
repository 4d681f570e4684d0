import type { BackendExpectations, CaseTolerances, ExpectedFailure, GoldenCase, Operation } from '@bnkit/core';

/** Whether an expectation's id (exact, a prefix ending in `*`, or `*`) covers `id`. */
export function idMatches(pattern: string, id: string): boolean {
  return pattern.endsWith('*') ? id.startsWith(pattern.slice(0, -1)) : pattern === id;
}

/** The first expected failure declared for this case and operation, if any. */
export function findExpectedFailure(expectations: BackendExpectations | undefined, id: string, operation: Operation): ExpectedFailure | undefined {
  return expectations?.expectedFailures.find((failure) => idMatches(failure.id, id) && (failure.operation === undefined || failure.operation === operation));
}

/**
 * The tolerances of a case for a backend: the case's own, with every matching override applied
 * in declaration order (a later override replaces an earlier one for the kinds it names).
 */
export function effectiveTolerances(golden: GoldenCase, operation: Operation, expectations: BackendExpectations | undefined): CaseTolerances {
  const tolerance: CaseTolerances = { ...golden.tolerance };
  for (const override of expectations?.toleranceOverrides ?? []) {
    if (!idMatches(override.id, golden.id)) continue;
    if (override.operation !== undefined && override.operation !== operation) continue;
    Object.assign(tolerance, override.tolerance);
  }
  return tolerance;
}

import { afterAll, beforeAll, describe, it } from 'vitest';
import { OPERATIONS, type Backend, type BackendExpectations, type GoldenCase } from '@bnkit/core';
import { missingCapability } from './capabilities.js';
import { effectiveTolerances, findExpectedFailure } from './expectations.js';
import { loadVectors } from './load-vectors.js';
import { describeHardening } from './hardening-vitest.js';
import { checkProperties, describePropertyFailure, propertyUnsupported } from './properties.js';
import { runCaseOperation } from './run-case.js';

export { describeHardening } from './hardening-vitest.js';

/** Options of `describeConformance`. */
export interface DescribeConformanceOptions {
  /** The cases to register; default the committed vectors. */
  cases?: readonly GoldenCase[];
  /** Whether to register the property-based checks against the reference; default true. */
  properties?: boolean;
  /** Random cases per operation in the property-based checks; default 25. */
  propertyRuns?: number;
  /** Whether to register the hardening checks (`describeHardening`); default true. */
  hardening?: boolean;
}

/**
 * Registers the conformance suite of a backend with vitest, in a suite named after it: one test
 * per case and operation, grouped by the case's group. A supported case is a test that fails
 * with the worst element and its error ratio when out of tolerance; a declared expected failure
 * is `it.fails` (an unexpected pass turns the run red); a case needing what the backend does not
 * declare is `it.skip` titled `unsupported: <what>`, reported as skipped, never as passed. The
 * backend is created while tests are collected (to read its capabilities), initialised in
 * `beforeAll` and disposed in `afterAll`. With `properties` (the default) it also registers one
 * fast-check property per operation, comparing the backend with the float64 reference on random cases.
 * With `hardening` (the default), the hardening checks (`describeHardening`): typed errors for bad
 * requests, finite outputs on extreme inputs, out/in aliasing.
 */
export function describeConformance(
  name: string,
  createBackend: () => Backend | Promise<Backend>,
  expectations?: BackendExpectations,
  options: DescribeConformanceOptions = {},
): void {
  describe(`conformance of ${name}`, async () => {
    const backend = await createBackend();
    const cases = options.cases ?? loadVectors();
    beforeAll(() => backend.init());
    afterAll(() => backend.dispose());
    const groups = [...new Set(cases.map((golden) => golden.group))];
    for (const group of groups) {
      describe(group, () => {
        for (const golden of cases.filter((candidate) => candidate.group === group)) {
          for (const operation of golden.operations) {
            const title = `${golden.id} ${operation}`;
            const missing = missingCapability(backend, golden, operation);
            if (missing !== undefined) {
              it.skip(`${title} unsupported: ${missing}`, () => {});
              continue;
            }
            const run = async (): Promise<void> => {
              const outcome = await runCaseOperation(backend, golden, operation, effectiveTolerances(golden, operation, expectations));
              if (outcome.error !== undefined) throw new Error(`${title} threw ${outcome.error}`);
              if (!(outcome.maxErrorRatio <= 1)) {
                throw new Error(`${title} out of tolerance: error ratio ${outcome.maxErrorRatio.toPrecision(3)} (abs error ${outcome.maxAbsError.toPrecision(3)}) at ${outcome.worst ?? '?'}`);
              }
            };
            const expected = findExpectedFailure(expectations, golden.id, operation);
            if (expected) it.fails(`${title} (expected failure: ${expected.reason})`, run);
            else it(title, run);
          }
        }
      });
    }
    if (options.properties ?? true) {
      describe('properties against the reference', () => {
        for (const operation of OPERATIONS) {
          const unsupported = propertyUnsupported(backend, operation);
          if (unsupported !== undefined) {
            it.skip(`${operation} unsupported: ${unsupported}`, () => {});
            continue;
          }
          it(`${operation} matches the reference on random cases`, async () => {
            const report = await checkProperties(backend, { numRuns: options.propertyRuns ?? 25, operations: [operation], ...(expectations !== undefined && { expectations }) });
            const failure = report.results.find((result) => result.status === 'failed');
            if (failure) throw new Error(describePropertyFailure(failure));
          });
        }
      });
    }
    if (options.hardening ?? true) describeHardening(backend, expectations);
  });
}

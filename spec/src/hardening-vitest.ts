import { describe, it } from 'vitest';
import { OPERATIONS, type Backend, type BackendExpectations } from '@bnkit/core';
import { findExpectedFailure } from './expectations.js';
import { HARDENING_CHECKS, hardeningId, runHardeningCheck, type HardeningOptions } from './hardening.js';
import { propertyUnsupported } from './properties.js';

/**
 * Registers the hardening checks of a backend with vitest, in a `hardening` suite: one test per
 * check and operation, `it.fails` with the reason for a declared expected failure (id
 * `hardening/<check>`, see `hardeningId`), `it.skip` titled `unsupported: ...` for an operation the
 * backend does not declare. The backend must be initialised before the tests run (as
 * `describeConformance` does in its `beforeAll`).
 */
export function describeHardening(backend: Backend, expectations?: BackendExpectations, options: HardeningOptions = {}): void {
  describe('hardening', () => {
    for (const check of HARDENING_CHECKS) {
      for (const operation of OPERATIONS) {
        const title = `${hardeningId(check)} ${operation}`;
        const unsupported = propertyUnsupported(backend, operation);
        if (unsupported !== undefined) {
          it.skip(`${title} unsupported: ${unsupported}`, () => {});
          continue;
        }
        const run = async (): Promise<void> => {
          const outcome = await runHardeningCheck(backend, check, operation, options);
          if (!outcome.ok) throw new Error(outcome.message);
        };
        const expected = findExpectedFailure(expectations, hardeningId(check), operation);
        if (expected) it.fails(`${title} (expected failure: ${expected.reason})`, run);
        else it(title, run);
      }
    }
  });
}

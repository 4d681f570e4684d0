import type { BackendExpectations } from '@bnkit/core';

/** The cpu backend's conformance expectations: no known failures and no widened tolerances. */
export const cpuExpectations: BackendExpectations = {
  backend: 'cpu',
  expectedFailures: [],
  toleranceOverrides: [],
};

import type { BackendExpectations } from '@bnkit/core';

/**
 * What each tfjs backend declares to the conformance suite: known failures and tolerances wider
 * than a case's own, each with its reason. The only failures are the hardening check's extreme
 * inputs, which float32 arithmetic cannot hold. Otherwise: with the shifted
 * two-pass statistics, means near zero summed as if in float64, the float32 hi/lo split of float64
 * saved means and the two-stage sums, both backends pass every committed vector (offset-1e4 and
 * constant-channel cases included) and the suite's random cases within the case's own tolerance
 * (the worst committed case is below 0.2 of it; see the README). An entry added here must carry
 * its reason, and the suite fails if a declared failure starts to pass.
 */
export const tfjsExpectations: Record<'tfjs-cpu' | 'tfjs-wasm', BackendExpectations> = {
  'tfjs-cpu': {
    backend: 'tfjs-cpu',
    // Measured by spec's hardening check (seed 14) on inputs at the edges of float32 (issue 14 item 3).
    expectedFailures: [
      { id: 'hardening/finite-outputs', operation: 'inference', reason: 'float32 arithmetic: y = -Infinity where the float64 reference has 0.5 (eps 0, a channel at -1e30 beside one of spread 1e-3)' },
      { id: 'hardening/finite-outputs', operation: 'trainForward', reason: 'eps 1e-50 rounds to 0 in float32: invStd = Infinity where the float64 reference has 1e25 (a zero-variance channel)' },
    ],
    toleranceOverrides: [],
  },
  'tfjs-wasm': {
    backend: 'tfjs-wasm',
    expectedFailures: [
      { id: 'hardening/finite-outputs', operation: 'inference', reason: 'eps 1e-50 rounds to 0 in float32: y = NaN where the float64 reference has 0 (a zero-variance channel)' },
      { id: 'hardening/finite-outputs', operation: 'trainForward', reason: 'eps 1e-50 rounds to 0 in float32: y = NaN where the float64 reference has 0 (a zero-variance channel)' },
    ],
    toleranceOverrides: [],
  },
};

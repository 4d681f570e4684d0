import type { BackendExpectations } from '@bnkit/core';
import type { TfjsKind } from './engine.js';

/**
 * What each tfjs backend declares to the conformance suite: known failures and tolerances wider
 * than a case's own, each with its reason. Both lists are empty on purpose: with the shifted
 * two-pass statistics, means near zero summed as if in float64, the float32 hi/lo split of float64
 * saved means and the two-stage sums, both backends pass every committed vector (offset-1e4 and
 * constant-channel cases included) and the suite's random cases within the case's own tolerance
 * (the worst committed case is below 0.2 of it; see the README). An entry added here must carry
 * its reason, and the suite fails if a declared failure starts to pass.
 */
export const tfjsExpectations: Record<`tfjs-${TfjsKind}`, BackendExpectations> = {
  'tfjs-cpu': { backend: 'tfjs-cpu', expectedFailures: [], toleranceOverrides: [] },
  'tfjs-wasm': { backend: 'tfjs-wasm', expectedFailures: [], toleranceOverrides: [] },
  'tfjs-webgl': { backend: 'tfjs-webgl', expectedFailures: [], toleranceOverrides: [] },
  'tfjs-webgpu': { backend: 'tfjs-webgpu', expectedFailures: [], toleranceOverrides: [] },
};

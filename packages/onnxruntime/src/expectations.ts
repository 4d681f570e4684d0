import type { BackendExpectations } from '@bnkit/core';

/**
 * The onnxruntime backend's conformance expectations: no known failures and no widened
 * tolerances. The statistics come from a float64 branch of the training graph and feed
 * ONNX Runtime's BatchNormalization kernel rounded once to float32, and backward runs in float64,
 * so only y is a float32 result of the engine; on the committed vectors its worst case,
 * `nc/eps-1e-5/offset-1e4` trainForward (x = 1e4 + 0.1 * noise, where scale * x + shift cancels
 * about 2e5 times the rounding of x), uses 59% of core's default y tolerance.
 */
export const onnxruntimeExpectations: BackendExpectations = {
  backend: 'onnxruntime',
  expectedFailures: [],
  toleranceOverrides: [],
};

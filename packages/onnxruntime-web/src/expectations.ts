import type { BackendExpectations } from '@bnkit/core';

/**
 * The expectations of `onnxruntime-web` (wasm provider): the same graphs as `onnxruntime` on the
 * same ONNX Runtime kernels compiled to WebAssembly. Measured in Node on the committed vectors and
 * the property checks: no known failures and no widened tolerances.
 */
export const onnxruntimeWebExpectations: BackendExpectations = {
  backend: 'onnxruntime-web',
  expectedFailures: [],
  toleranceOverrides: [],
};

/**
 * The expectations of `onnxruntime-webgpu`. It runs only in browsers with a WebGPU adapter, so
 * nothing here is measured in Node; what it cannot meet is declared once the browser suite has
 * measured it, never assumed.
 */
export const onnxruntimeWebgpuExpectations: BackendExpectations = {
  backend: 'onnxruntime-webgpu',
  expectedFailures: [],
  toleranceOverrides: [],
};

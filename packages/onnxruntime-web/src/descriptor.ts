import type { BackendDescriptor } from '@bnkit/core';
import { onnxruntimeWebExpectations, onnxruntimeWebgpuExpectations } from './expectations.js';
import { createOnnxruntimeWebBackend, WEB_BACKEND_NAMES } from './onnxruntime-web-backend.js';

/**
 * `onnxruntime-web` on the wasm provider, in Node and in browsers. Its engine is imported by the
 * backend's `init`, so a missing `onnxruntime-web` makes it unavailable with the reason.
 */
export const onnxruntimeWebDescriptor: BackendDescriptor = {
  name: WEB_BACKEND_NAMES.wasm,
  packageName: '@bnkit/onnxruntime-web',
  precision: 'float32',
  role: 'backend',
  environments: ['node', 'browser'],
  // Measured in Node on [8, 64, 28, 28] NCHW (inference + training forward, medians of 9): 23.0 ms
  // against 22.4 for onnxruntime-node, 45.9 for tfjs-wasm, 254 for tfjs-cpu; so just below
  // onnxruntime (50) and above tfjs-wasm (40).
  priority: 45,
  expectations: onnxruntimeWebExpectations,
  create: () => createOnnxruntimeWebBackend({ executionProvider: 'wasm' }),
};

/** `onnxruntime-web` on the WebGPU provider, in browsers that expose an adapter (elsewhere unavailable with the reason). */
export const onnxruntimeWebgpuDescriptor: BackendDescriptor = {
  name: WEB_BACKEND_NAMES.webgpu,
  packageName: '@bnkit/onnxruntime-web',
  precision: 'float32',
  role: 'backend',
  environments: ['browser'],
  // Not measured yet (no WebGPU adapter here): last of the backends until the browser suite times it.
  priority: 5,
  expectations: onnxruntimeWebgpuExpectations,
  create: () => createOnnxruntimeWebBackend({ executionProvider: 'webgpu' }),
};

/** Both descriptors of this package, registered when its index is imported. */
export const onnxruntimeWebDescriptors: readonly BackendDescriptor[] = [onnxruntimeWebDescriptor, onnxruntimeWebgpuDescriptor];

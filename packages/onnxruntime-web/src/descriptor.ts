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
  // Below onnxruntime-node in Node, which runs the same kernels natively.
  priority: 10,
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
  priority: 5,
  expectations: onnxruntimeWebgpuExpectations,
  create: () => createOnnxruntimeWebBackend({ executionProvider: 'webgpu' }),
};

/** Both descriptors of this package, registered when its index is imported. */
export const onnxruntimeWebDescriptors: readonly BackendDescriptor[] = [onnxruntimeWebDescriptor, onnxruntimeWebgpuDescriptor];

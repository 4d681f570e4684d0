import { registerBackend } from '@bnkit/core';
import { onnxruntimeWebDescriptors } from './descriptor.js';

export {
  createOnnxruntimeWebBackend,
  WEB_BACKEND_NAMES,
  type OnnxruntimeWebBackendOptions,
  type WebExecutionProvider,
} from './onnxruntime-web-backend.js';
export { onnxruntimeWebExpectations, onnxruntimeWebgpuExpectations } from './expectations.js';
export { onnxruntimeWebDescriptor, onnxruntimeWebDescriptors, onnxruntimeWebgpuDescriptor } from './descriptor.js';
export { webgpuUnavailableReason } from './webgpu.js';
export type { OrtBackend } from '@bnkit/onnxruntime/engine';

for (const descriptor of onnxruntimeWebDescriptors) registerBackend(descriptor);

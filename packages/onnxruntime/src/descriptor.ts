import { registerBackend, type BackendDescriptor } from '@bnkit/core';
import { onnxruntimeExpectations } from './expectations.js';

/**
 * The registry entry of the onnxruntime-node backend, `onnxruntime`. y comes from ONNX Runtime's
 * float32 BatchNormalization kernel (statistics and backward run in float64), so its outputs
 * are float32 at worst. `onnxruntime-node` is imported when the backend initialises, so without
 * it the backend is listed as unavailable with the reason. Registered when this module loads.
 */
export const onnxruntimeDescriptor: BackendDescriptor = {
  name: 'onnxruntime',
  packageName: '@bnkit/onnxruntime',
  precision: 'float32',
  role: 'backend',
  environments: ['node'],
  priority: 50,
  expectations: onnxruntimeExpectations,
  async create() {
    const { createOnnxruntimeBackend } = await import('./onnxruntime-backend.js');
    return createOnnxruntimeBackend();
  },
};

registerBackend(onnxruntimeDescriptor);

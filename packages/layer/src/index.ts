export { BatchNorm, type BatchNormConfig, type BatchNormCreateConfig, type ConversionOptions } from './batch-norm-layer.js';
export type { TensorData } from '@bnkit/core';
export { isAllocating, type AllocatingBackend } from './backend-memory.js';
export { batchNormFromOnnx, writeBatchNormToOnnx, type OnnxLayerConfig } from './onnx-state.js';

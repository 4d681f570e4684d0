export { BatchNorm, type BatchNormConfig, type BatchNormCreateConfig, type ConversionOptions, type TensorData } from './batch-norm-layer.js';
export { isAllocating, type AllocatingBackend } from './backend-memory.js';
export { batchNormFromOnnx, writeBatchNormToOnnx, type OnnxLayerConfig } from './onnx-state.js';

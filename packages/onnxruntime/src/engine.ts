/**
 * The runtime-independent part of `@bnkit/onnxruntime`, free of Node imports: the backend factory
 * over any ONNX Runtime module, the graph builders, the session cache and the engine-error
 * wrapper. `@bnkit/onnxruntime-web` builds its backends on it; browsers load only this.
 */
export { createOrtBackend, DEFAULT_SESSION_CACHE_SIZE, type OrtBackend, type OrtBackendConfig } from './ort-backend.js';
export type { OrtApi, OrtSession, OrtSessionOptions, OrtTensor, OrtTensorType } from './ort-api.js';
export { engineError } from './engine-error.js';
export { asGraphArray } from './ort-tensors.js';
export { buildInferenceGraph, type InferenceGraphSpec } from './inference-graph.js';
export { buildTrainingGraph, type TrainingGraphSpec } from './training-graph.js';
export { buildBackwardGraph } from './backward-graph.js';
export { GRAPH_OPSET, type GraphDataType, type GraphShape } from './graph-parts.js';
export { SessionCache, type Releasable } from './session-cache.js';

export {
  createOnnxruntimeBackend,
  DEFAULT_SESSION_CACHE_SIZE,
  type OnnxruntimeBackend,
  type OnnxruntimeBackendOptions,
} from './onnxruntime-backend.js';
export { onnxruntimeExpectations } from './expectations.js';
export { buildInferenceGraph, type InferenceGraphSpec } from './inference-graph.js';
export { buildTrainingGraph, type TrainingGraphSpec } from './training-graph.js';
export { buildBackwardGraph } from './backward-graph.js';
export { GRAPH_OPSET, type GraphDataType, type GraphShape } from './graph-parts.js';
export { SessionCache, type Releasable } from './session-cache.js';
export { runOnnxNodeTests, type NodeTestOptions, type NodeTestResult, type NodeTestTolerance } from './node-tests.js';
export { onnxruntimeDescriptor } from './descriptor.js';

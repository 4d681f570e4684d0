export {
  createOnnxruntimeBackend,
  type OnnxruntimeBackend,
  type OnnxruntimeBackendOptions,
} from './onnxruntime-backend.js';
export { onnxruntimeExpectations } from './expectations.js';
export * from './engine.js';
export { runOnnxNodeTests, type NodeTestOptions, type NodeTestResult, type NodeTestTolerance } from './node-tests.js';
export { onnxruntimeDescriptor } from './descriptor.js';

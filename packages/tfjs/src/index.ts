export { createTfjsBackend, type TfjsBackendSettings, type TfjsBackwardMethod } from './backend.js';
export { TFJS_KINDS, setTfjsWasmPaths, type TfjsKind } from './engine.js';
export { tfjsWebglPrecision, type TfjsWebglPrecision } from './webgl-precision.js';
export {
  batchNormBackwardAutodiffTensors,
  batchNormBackwardTensors,
  batchNormInferenceTensors,
  batchNormTrainTensors,
  type BackwardTensorsInput,
  type BackwardTensorsOutput,
  type InferenceTensorsInput,
  type TrainTensorsInput,
  type TrainTensorsOutput,
} from './tensor-api.js';
export { readKerasBatchNorm, writeKerasBatchNorm, type KerasBatchNormStats, type KerasBatchNormWrite } from './keras.js';
export { tfjsExpectations } from './expectations.js';
export { tfjsDescriptors } from './descriptor.js';

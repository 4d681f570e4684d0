import type { OnnxTensor } from './types.js';

/** One `test_data_set_<k>` directory: the model's inputs and expected outputs, in graph order. */
export interface NodeTestDataSet {
  inputs: OnnxTensor[];
  outputs: OnnxTensor[];
}

/** The content of an ONNX node-test directory (`model.onnx` and its data sets), in memory. */
export interface NodeTestData {
  model: Uint8Array;
  dataSets: NodeTestDataSet[];
}

/** What a node test of BatchNormalization checks: inference (Y), or training mode (Y and the updated running statistics). */
export type NodeTestKind = 'inference' | 'trainForward';

/** Graph input and output names, those of the ONNX project's own BatchNormalization node tests. */
export const NODE_TEST_NAMES = {
  inputs: ['x', 's', 'bias', 'mean', 'var'],
  outputs: ['y', 'output_mean', 'output_var'],
} as const;

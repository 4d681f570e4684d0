// The main entry works on bytes and runs anywhere JavaScript does (no `node:` import, a test
// bundles it for the browser); reading and writing files is in `@bnkit/onnx/node`.
export type {
  DecodedGraph,
  DecodedModel,
  DecodedNode,
  OnnxAttribute,
  OnnxDataType,
  OnnxDecodedValueInfo,
  OnnxGraph,
  OnnxNode,
  OnnxOpaqueInitializer,
  OnnxOpsetImport,
  OnnxTensor,
  OnnxValueInfo,
} from './types.js';
export { OnnxFormatError } from './errors.js';
export { decodeTensor, encodeTensor } from './tensor-codec.js';
export { decodeModel, defaultIrVersion, encodeModel, modelFromProto, parseModelProto, type EncodeModelOptions, type GraphProto, type ModelProto } from './model-codec.js';
export { onnx as onnxSchema } from './proto.js';
export { float16Bits, float16Value } from './float16.js';
export { findModelProblems, validateModel } from './model-validate.js';
export { checkStatistics, type BnStatistics } from './statistics.js';
export { buildBatchNormGraph, exportBatchNormModel, EXPORT_OPSETS, type BatchNormExportOptions } from './batch-norm-model.js';
export {
  batchNormValues,
  listBatchNormNodes,
  type BnNodeStatistics,
  type InputProducer,
  type ListBatchNormOptions,
  type StatisticSource,
  type StatisticSourceKind,
} from './batch-norm-nodes.js';
export { batchNormNodesToJson, type BnNodeJson } from './batch-norm-json.js';
export { externalDataReference, isExternalTensor, readExternalBytes, type ExternalDataReference, type ExternalDataResolver } from './external-data.js';
export { elementTypeName, readStatisticTensor } from './statistic-values.js';
export { replaceBatchNormStatistics, type StatisticsUpdate } from './replace-statistics.js';
export { foldBatchNorm, type FoldedNode, type FoldResult, type SkippedNode } from './fold.js';
export { parseStats, parseStatsText } from './stats-json.js';
export { NODE_TEST_NAMES, type NodeTestData, type NodeTestDataSet, type NodeTestKind } from './node-test-data.js';
export { goldenCaseToNodeTest, nodeTestName, type NodeTestOptions } from './node-test-build.js';
export { NODE_TEST_TOLERANCE, nodeTestToGoldenCases, type ReadNodeTestOptions } from './node-test-read.js';

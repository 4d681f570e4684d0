/** Whole ONNX models: recalibrate every BN node's statistics, capture every BN node's input and output, and compare every BN node across backends. */
export {
  calibrationDataFromBatches,
  checkCalibrationData,
  checkCalibrationTensor,
  type CalibrationData,
  type CalibrationDataType,
  type CalibrationTensor,
  type DeclaredInput,
} from './calibration-data.js';
export { calibrationDataFromFolder, readBatchFile } from './calibration-folder.js';
export { analyseGraph, frontierAfterPass, planCompute, type BatchNormSite, type ComputePlan, type GraphAnalysis, type GraphNode } from './graph-analysis.js';
export { batchStatisticNames, buildRunModel, type RunInput, type RunModelSpec, type SuppliedStatistics } from './run-model.js';
export { createRunSession, loadOrt, type OrtModule, type OrtTensor, type RunSessionOptions } from './ort-session.js';
export { inlineExternalData } from './inline-external-data.js';
export { createBatchNormCapture, type BatchNormCapture, type CaptureOptions, type CapturedBatchNorm } from './capture.js';
export { capturedFloats, inputMoments, BatchAverageStatistics, PopulationStatistics, type CapturedTensor } from './statistics-accumulators.js';
export {
  computeRecalibration,
  type NodeRecalibration,
  type RecalibrateOptions,
  type RecalibrationMode,
  type RecalibrationProgress,
  type RecalibrationStatistics,
  type Shard,
  type TrainSums,
} from './recalibrate.js';
export { applyRecalibration, type NodeReport, type RecalibrationReport } from './apply-statistics.js';
export { checkPartial, mergePartials, modelDigest, PARTIAL_FORMAT, toPartial, type PartialStatistics } from './partial-statistics.js';
export { recalibrationReportHtml } from './report-html.js';
export { recalibrateFile, type RecalibrateFileOptions, type RecalibrateFileResult } from './recalibrate-files.js';
export { ErrorAccumulator, float32Position, float32UlpDistance, type ErrorStatistics } from './error-statistics.js';
export { captureFromModel, capturedArray, randomBatches, type CapturedArray, type CapturedBatch, type CapturedNodeInfo, type CaptureFromModelOptions, type CaptureSource } from './capture-source.js';
export { CAPTURE_FORMAT, createCaptureWriter, loadCapture, type CaptureWriter } from './capture-files.js';
export {
  compareBatchNormNodes,
  compareCapture,
  MODEL_ROW,
  type CompareCaptureOptions,
  type CompareOptions,
  type ComparisonReport,
  type EngineRow,
  type FusedOutput,
  type NodeComparison,
  type WorstNode,
} from './compare.js';
export { comparisonReportHtml } from './compare-html.js';
export { compareFile, type CompareFileOptions } from './compare-files.js';

export { BnBackendError, BnError, BnShapeError, BnValueError, describeValue } from './errors.js';
export {
  CHANNELS_LAST_LAYOUTS,
  LAYOUTS,
  channelAxis,
  channelsFirstTwin,
  describeShape,
  forEachInChannel,
  isChannelsLast,
  layoutRank,
  toChannelsFirstPermutation,
  type Layout,
  type ShapeInfo,
} from './layout.js';
export {
  CONVENTIONS,
  CONVENTION_NAMES,
  DEFAULT_CONVENTION,
  type Convention,
  type ConventionName,
  type MomentumMeaning,
  type RunningVarianceKind,
} from './conventions.js';
export { explicitOptions, resolveOptions, type BnOptions, type ResolvedOptions } from './options.js';
export type {
  AffineArgs,
  BackwardInput,
  BackwardOutput,
  CheckedBackwardInput,
  CheckedInferenceInput,
  CheckedTrainForwardInput,
  DType,
  FloatArray,
  InferenceInput,
  InferenceOutput,
  RunningStatsArgs,
  TensorArgs,
  TensorData,
  TrainForwardInput,
  TrainForwardOutput,
} from './tensors.js';
export { checkArray, prepareBackward, prepareInference, prepareTrainForward, type Prepared, type PreparedRequest } from './validate.js';
export {
  biasedVariance,
  channelMoments,
  mergeMoments,
  mergeShardMoments,
  unbiasedVariance,
  type ChannelMoments,
} from './channel-stats.js';
export { newBatchWeight, runningStatsAfterBatch, updateRunningStats, type RunningStatsStep, type UpdatedRunningStats } from './running-stats.js';
export { convertMomentum, convertRunningVar } from './convert.js';
export { inverseStd, inverseStds, runningVarianceFactor } from './derived.js';
export { DEFAULT_ONNX_OPSET, ONNX_OPSETS } from './onnx-defaults.js';
export {
  referenceInference,
  referenceTrainForward,
  type ReferenceInferenceOutput,
  type ReferenceTrainForwardOutput,
} from './forward.js';
export { referenceBackward, type ReferenceBackwardOutput } from './backward.js';
export {
  gradcheck,
  numericBnGradients,
  numericGradient,
  savedStatistics,
  type GradcheckProblem,
  type GradcheckResult,
  type GradcheckTolerance,
  type Gradients,
} from './gradcheck.js';
export {
  BACKEND_SPECIFICATION_VERSION,
  FEATURES,
  OPERATIONS,
  type Backend,
  type BackendCapabilities,
  type Feature,
  type Operation,
} from './backend.js';
export type { BackendDescriptor, BackendRole, Environment, Precision } from './descriptor.js';
export { BackendLifecycle } from './lifecycle.js';
export {
  closeAllBackends,
  closeBackend,
  getBackend,
  getDescriptor,
  listBackends,
  openBackend,
  openBackends,
  registerBackend,
  resolveBackend,
  unregisterBackend,
  type BackendFilter,
  type OpenedBackend,
  type ReadyBackend,
  type UnavailableBackend,
} from './registry.js';
export { BACKEND_PACKAGES, listUnavailablePackages, loadBackendPackages, type UnavailablePackage } from './backend-packages.js';
export { createReferenceBackend, referenceBackend, referenceDescriptor } from './reference-backend.js';
export {
  GOLDEN_SPEC_VERSION,
  type CaseTolerances,
  type GoldenCase,
  type GoldenExpected,
  type GoldenOptions,
  type GoldenParams,
  type GoldenStep,
  type Tolerance,
} from './golden/format.js';
export type { BackendExpectations, ExpectedFailure, ToleranceOverride } from './golden/expectations.js';
export { GOLDEN_CASE_SCHEMA, readGoldenCase, validateGoldenCase } from './golden/read-case.js';

import { registerBackend } from './registry.js';
import { referenceDescriptor } from './reference-backend.js';

registerBackend(referenceDescriptor);

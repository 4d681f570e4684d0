// What works in a browser as well as in Node: everything but reading and writing vector files.
export { compareArrays, emptyComparison, mergeComparison, type Comparison } from './compare.js';
export { missingCapability, requiredFeatures } from './capabilities.js';
export { effectiveTolerances, findExpectedFailure, idMatches } from './expectations.js';
export { runCaseOperation, type OperationOutcome } from './run-case.js';
export {
  CASE_STATUSES,
  describeResult,
  evaluateCase,
  runConformance,
  type CaseResult,
  type CaseStatus,
  type ConformanceOptions,
  type ConformanceReport,
} from './conformance.js';
export {
  checkProperties,
  describePropertyFailure,
  propertyCaseArbitrary,
  propertyRecipe,
  propertyUnsupported,
  type PropertyCase,
  type PropertyOptions,
  type PropertyReport,
  type PropertyResult,
} from './properties.js';
export {
  checkHardening,
  hardeningId,
  runHardeningCheck,
  HARDENING_CHECKS,
  HARDENING_RUNS,
  HARDENING_SEED,
  type HardeningCheck,
  type HardeningOptions,
  type HardeningOutcome,
  type HardeningReport,
  type HardeningResult,
} from './hardening.js';

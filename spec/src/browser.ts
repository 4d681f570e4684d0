// What works in a browser as well as in Node: everything but reading and writing vector files.
export { compareArrays, emptyComparison, mergeComparison, type Comparison } from './compare.js';
export { missingCapability, requiredFeatures } from './capabilities.js';
export { effectiveTolerances, findExpectedFailure, idMatches } from './expectations.js';
export { outcomePasses, runCaseOperation, type ArrayAllocator, type OperationOutcome } from './run-case.js';
export {
  CASE_STATUSES,
  backendForSuite,
  describeResult,
  evaluateCase,
  isBreaking,
  runConformance,
  type CaseResult,
  type CaseStatus,
  type ConformanceOptions,
  type ConformanceReport,
  type EvaluateOptions,
} from './conformance.js';
export { checkDisposeContract, disposeContractCase } from './dispose-contract.js';
export {
  DEFAULT_PROPERTY_RUNS,
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
export { GOLDEN_CATALOG } from './generate/catalog.js';
export { GOLDEN_SEED, generateCase, generateCases } from './generate/generate.js';
export { createPrng, hashSeed, standardNormal, type Prng } from './generate/prng.js';
export type { CaseRecipe, ExplicitValues, ValueRecipe } from './generate/recipe.js';
export { serializeCase, shortestFloat32 } from './generate/serialize.js';
export {
  DEFAULT_RELATIVE_TOLERANCE,
  FLOAT32_UNIT_ROUNDOFF,
  caseTolerances,
  roundTolerance,
  type ToleranceBasis,
  type ToleranceStep,
} from './generate/tolerances.js';

import type { Operation } from '../backend.js';
import type { ConventionName } from '../conventions.js';
import type { Layout } from '../layout.js';

/** The version of the golden-vector format. A reader refuses a major version it does not know. */
export const GOLDEN_SPEC_VERSION = '1.0.0';

/** Tolerance of one output: an element passes when |actual - expected| <= abs + rel * |expected|. */
export interface Tolerance {
  abs: number;
  rel: number;
}

/** Tolerances by kind of output. */
export interface CaseTolerances {
  /** y of inference and training. */
  y: Tolerance;
  /** batchMean, batchVar, invStd, runningMean, runningVar. */
  stats: Tolerance;
  dx: Tolerance;
  /** dgamma and dbeta. */
  dparams: Tolerance;
}

/** Every option of a case, explicit (no defaults left to the reader). */
export interface GoldenOptions {
  convention: ConventionName;
  eps: number;
  /** `null` is PyTorch's cumulative average. */
  momentum: number | null;
  affine: boolean;
  trackRunningStats: boolean;
  allowSingleValuePerChannel: boolean;
}

/** The starting parameters and running statistics of a case (absent when the options make them unused). */
export interface GoldenParams {
  gamma?: number[];
  beta?: number[];
  runningMean?: number[];
  runningVar?: number[];
  numBatchesTracked?: number;
}

/** Float64 expected outputs of one step, per operation. */
export interface GoldenExpected {
  /** Inference on this step's x with the running statistics as they were before the step. */
  inference?: { y: number[] };
  /** Training forward on this step's x; running statistics after the update. */
  trainForward?: {
    y: number[];
    batchMean: number[];
    batchVar: number[];
    invStd: number[];
    runningMean?: number[];
    runningVar?: number[];
    numBatchesTracked?: number;
  };
  /** Backward of this step with dy, given the expected batchMean and invStd of the step as the saved statistics. */
  backward?: { dx: number[]; dgamma?: number[]; dbeta?: number[] };
}

/** One training step: an input batch (float32 values), its dy when backward is checked, and what to expect. */
export interface GoldenStep {
  x: number[];
  dy?: number[];
  expected: GoldenExpected;
}

/**
 * One golden case. `id` is stable and greppable (`nchw/eps-1e-5/offset-1e4`); `group` gathers
 * cases in reports. Steps run in order, each step's running statistics feeding the next; a case
 * that checks one step has one.
 */
export interface GoldenCase {
  specVersion: string;
  id: string;
  group: string;
  description: string;
  operations: Operation[];
  layout: Layout;
  shape: number[];
  options: GoldenOptions;
  params: GoldenParams;
  steps: GoldenStep[];
  tolerance: CaseTolerances;
}

import type { BnOptions, GoldenParams, Layout, Operation } from '@bnkit/core';

/**
 * How the values of a generated case are drawn. Channel c gets a centre mu_c in [-2, 2) and a
 * spread s_c in [0.5, 2); each value is x = offset + scale * (mu_c + s_c * n) with n standard
 * normal, rounded to float32. Running statistics start near the data (mean offset + scale * n,
 * variance scale^2 * [0.5, 2)), so inference sees the same magnitudes as training.
 */
export interface ValueRecipe {
  /** Added to every value; default 0. */
  offset?: number;
  /** Multiplies every value's centre and spread; default 1. */
  scale?: number;
  /** A channel whose values are all equal (zero variance). */
  constantChannel?: number;
}

/** Values written out by hand (read as float32), for cases checked against hand arithmetic. */
export interface ExplicitValues {
  params: GoldenParams;
  steps: { x: number[]; dy?: number[] }[];
}

/** One entry of the case catalog: everything the generator needs to make a `GoldenCase`. */
export interface CaseRecipe {
  id: string;
  group: string;
  description: string;
  layout: Layout;
  shape: number[];
  /** Options as a user writes them; the generator fills in the convention's defaults. */
  options: BnOptions;
  /** Default: all three. */
  operations?: Operation[];
  /** Steps of running-statistics updates in a row; default 1. */
  steps?: number;
  /** The starting `numBatchesTracked` when running statistics are tracked; default 0. */
  numBatchesTracked?: number;
  values?: ValueRecipe;
  /** Replaces drawn values entirely. */
  explicit?: ExplicitValues;
}

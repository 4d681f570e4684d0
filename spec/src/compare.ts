import type { Tolerance } from '@bnkit/core';

/** The largest disagreement found between actual and expected values. */
export interface Comparison {
  /** Largest |actual - expected|; Infinity when a NaN meets a number or a length differs. */
  maxAbsError: number;
  /** Largest |actual - expected| / (abs + rel * |expected|); at most 1 means within tolerance. */
  maxErrorRatio: number;
  /** Where the largest ratio was, e.g. `step 2 trainForward.runningVar[3]`; absent when nothing was compared. */
  worst?: string;
}

/** A comparison that has seen nothing yet. */
export function emptyComparison(): Comparison {
  return { maxAbsError: 0, maxErrorRatio: 0 };
}

/** Merges `next` into `into`, keeping the larger errors and the location of the larger ratio. */
export function mergeComparison(into: Comparison, next: Comparison): Comparison {
  into.maxAbsError = Math.max(into.maxAbsError, next.maxAbsError);
  if (next.worst !== undefined && (into.worst === undefined || next.maxErrorRatio > into.maxErrorRatio)) {
    into.maxErrorRatio = next.maxErrorRatio;
    into.worst = next.worst;
  }
  return into;
}

/**
 * Compares actual values with expected ones element by element: each passes when
 * |actual - expected| <= abs + rel * |expected|. NaN-safe: a NaN against a number (either way)
 * counts as an infinite error; NaN against NaN agrees. A missing or wrongly sized actual array
 * counts as an infinite error at `<label>` with what was wrong.
 * @param label Names the output in `worst`, e.g. `step 1 inference.y`.
 */
export function compareArrays(actual: ArrayLike<number> | undefined, expected: ArrayLike<number>, tolerance: Tolerance, label: string): Comparison {
  if (!actual) return { maxAbsError: Infinity, maxErrorRatio: Infinity, worst: `${label} missing` };
  if (actual.length !== expected.length) {
    return { maxAbsError: Infinity, maxErrorRatio: Infinity, worst: `${label} of length ${actual.length}, expected ${expected.length}` };
  }
  const result: Comparison = emptyComparison();
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    let error: number;
    let ratio: number;
    if (Number.isNaN(a) || Number.isNaN(e)) {
      error = Number.isNaN(a) && Number.isNaN(e) ? 0 : Infinity;
      ratio = error;
    } else {
      error = a === e ? 0 : Math.abs(a - e);
      const allowed = tolerance.abs + tolerance.rel * Math.abs(e);
      ratio = error === 0 ? 0 : allowed > 0 ? error / allowed : Infinity;
    }
    result.maxAbsError = Math.max(result.maxAbsError, error);
    if (result.worst === undefined || ratio > result.maxErrorRatio) {
      result.maxErrorRatio = ratio;
      result.worst = `${label}[${i}]`;
    }
  }
  return result;
}

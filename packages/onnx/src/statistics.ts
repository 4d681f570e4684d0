import { BnShapeError, BnValueError, CONVENTION_NAMES, describeValue, type ConventionName } from '@bnkit/core';

/**
 * The inference statistics of one BN layer. `runningVar` is used as stored: a PyTorch (unbiased)
 * running variance is what PyTorch itself divides by at inference, so it is written unchanged.
 * `momentum` is in the meaning of `convention` (default `pytorch`) and only documents the layer;
 * inference does not use it.
 */
export interface BnStatistics {
  gamma: ArrayLike<number>;
  beta: ArrayLike<number>;
  runningMean: ArrayLike<number>;
  runningVar: ArrayLike<number>;
  /** Added to the running variance before the square root; finite, >= 0. */
  eps: number;
  momentum?: number | null;
  convention?: ConventionName;
}

const ARRAY_FIELDS = ['gamma', 'beta', 'runningMean', 'runningVar'] as const;

/**
 * Checks statistics: four arrays of one length C >= 1 of finite numbers, runningVar >= 0, eps
 * finite and >= 0, a known convention and a momentum in [0, 1] or null. Returns C.
 * `prefix` is put before field names in errors (e.g. `stats.json: `).
 * @throws BnShapeError when the arrays differ in length or are empty; BnValueError for a
 *   non-finite or negative value, a bad eps, momentum or convention.
 */
export function checkStatistics(stats: BnStatistics, prefix = ''): number {
  const c = stats.gamma?.length;
  for (const field of ARRAY_FIELDS) {
    const values = stats[field];
    if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
      throw new BnValueError(`${prefix}${field}`, 'an array of numbers', describeValue(values));
    }
    if (values.length < 1 || values.length !== c) {
      throw new BnShapeError(`${prefix}${field}`, `length C = ${c ?? '?'} >= 1, the same for all four arrays`, `length ${values.length}`);
    }
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new BnValueError(`${prefix}${field}`, 'finite numbers', `${field}[${i}] = ${describeValue(v)}`);
      }
      if (field === 'runningVar' && v < 0) throw new BnValueError(`${prefix}${field}`, 'every value >= 0', `${field}[${i}] = ${v}`);
    }
  }
  if (typeof stats.eps !== 'number' || !Number.isFinite(stats.eps) || stats.eps < 0) {
    throw new BnValueError(`${prefix}eps`, 'a finite number >= 0', describeValue(stats.eps));
  }
  if (stats.convention !== undefined && !CONVENTION_NAMES.includes(stats.convention)) {
    throw new BnValueError(`${prefix}convention`, `one of ${CONVENTION_NAMES.join(', ')}`, describeValue(stats.convention));
  }
  const m = stats.momentum;
  if (m !== undefined && m !== null && !(typeof m === 'number' && m >= 0 && m <= 1)) {
    throw new BnValueError(`${prefix}momentum`, 'a number in [0, 1] or null', describeValue(m));
  }
  return c as number;
}

import type { Convention } from './conventions.js';

/**
 * The inverse standard deviation 1/sqrt(variance + eps) that normalises a channel, in float64.
 * Every backend and tool derives it here, so a change of the rule happens once.
 */
export function inverseStd(variance: number, eps: number): number {
  return 1 / Math.sqrt(variance + eps);
}

/** `inverseStd` of every channel's variance, as a new Float64Array. */
export function inverseStds(variances: ArrayLike<number>, eps: number): Float64Array {
  return Float64Array.from(variances as ArrayLike<number>, (v) => inverseStd(v, eps));
}

/**
 * The factor that turns a biased batch variance over `count` values into the variance a
 * convention keeps as running variance: m/(m-1) where it keeps the unbiased one (PyTorch), 1
 * where it keeps the biased one (Keras, ONNX) or for a single value (which has no unbiased variance).
 */
export function runningVarianceFactor(convention: Convention, count: number): number {
  return convention.runningVariance === 'unbiased' && count > 1 ? count / (count - 1) : 1;
}

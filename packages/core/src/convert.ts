import { CONVENTIONS, type ConventionName } from './conventions.js';
import { BnValueError, describeValue } from './errors.js';
import type { FloatArray } from './tensors.js';

/**
 * Converts a momentum from one convention's meaning to another's: PyTorch's weight on the new
 * batch m is Keras' and ONNX's weight on the old value 1 - m. A momentum of `null` (PyTorch's
 * cumulative average) has no counterpart elsewhere.
 * @throws BnValueError for a momentum outside [0, 1], or null converted out of pytorch.
 */
export function convertMomentum(momentum: number | null, from: ConventionName, to: ConventionName): number | null {
  if (momentum === null) {
    if (!CONVENTIONS[to].allowsCumulativeAverage) {
      throw new BnValueError('momentum', `a number (convention ${to} has no cumulative average)`, 'null');
    }
    return null;
  }
  if (!(momentum >= 0 && momentum <= 1)) throw new BnValueError('momentum', 'a number in [0, 1]', describeValue(momentum));
  return CONVENTIONS[from].momentumMeaning === CONVENTIONS[to].momentumMeaning ? momentum : 1 - momentum;
}

/**
 * Converts a running variance between an unbiased convention (pytorch) and a biased one (keras,
 * onnx) for batches of `count` values per channel: biased = unbiased * (n-1)/n and back. Every
 * term of the running average is a batch variance of n values, so the scaling is exact when the
 * running variance was built from batches of that count (the initial value of 1 is scaled with them).
 * @throws BnValueError when `count` is not an integer >= 2 while a conversion is needed.
 */
export function convertRunningVar(runningVar: FloatArray, count: number, from: ConventionName, to: ConventionName): Float64Array {
  const result = Float64Array.from(runningVar);
  const fromKind = CONVENTIONS[from].runningVariance;
  const toKind = CONVENTIONS[to].runningVariance;
  if (fromKind === toKind) return result;
  if (!(Number.isInteger(count) && count >= 2)) {
    throw new BnValueError('count', 'an integer >= 2 (values per channel in each batch)', describeValue(count));
  }
  const factor = fromKind === 'unbiased' ? (count - 1) / count : count / (count - 1);
  for (let i = 0; i < result.length; i++) result[i] = (result[i] as number) * factor;
  return result;
}

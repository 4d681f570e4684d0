import { BnValueError, describeValue } from './errors.js';
import { referenceTrainForward } from './forward.js';
import type { Layout } from './layout.js';
import type { BnOptions } from './options.js';
import type { BackwardInput, BackwardOutput, FloatArray } from './tensors.js';

/**
 * Central finite differences of a scalar function in float64: d f / d x_i ~
 * (f(x + h_i e_i) - f(x - h_i e_i)) / (2 h_i), with h_i = step * max(1, |x_i|). `x` is restored.
 */
export function numericGradient(f: (x: Float64Array) => number, x: Float64Array, step = 1e-6): Float64Array {
  if (!(step > 0 && Number.isFinite(step))) throw new BnValueError('step', 'a finite number > 0', describeValue(step));
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const original = x[i] as number;
    const h = step * Math.max(1, Math.abs(original));
    x[i] = original + h;
    const up = f(x);
    x[i] = original - h;
    const down = f(x);
    x[i] = original;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

/** A BN problem for gradient checking: the loss is L = sum(dy * y), with y the training forward's output. */
export interface GradcheckProblem {
  x: FloatArray;
  dy: FloatArray;
  shape: readonly number[];
  layout: Layout;
  gamma?: FloatArray;
  beta?: FloatArray;
  /** Only eps and affine matter to the gradients; running statistics are not involved. */
  options?: BnOptions;
}

/** Gradients of L = sum(dy * y) with respect to x, gamma and beta. */
export interface Gradients {
  dx: Float64Array;
  dgamma?: Float64Array;
  dbeta?: Float64Array;
}

function forwardOptions(options: BnOptions | undefined): BnOptions {
  return { ...options, trackRunningStats: false };
}

/**
 * The gradients of L = sum(dy * y) by central finite differences over the float64 reference
 * training forward: the independent check of any backward. Costs 2 forwards per input element.
 */
export function numericBnGradients(problem: GradcheckProblem, step = 1e-6): Gradients {
  const options = forwardOptions(problem.options);
  const x = Float64Array.from(problem.x);
  const gamma = problem.gamma ? Float64Array.from(problem.gamma) : undefined;
  const beta = problem.beta ? Float64Array.from(problem.beta) : undefined;
  const loss = (xs: Float64Array, g: Float64Array | undefined, b: Float64Array | undefined): number => {
    const { y } = referenceTrainForward({ x: xs, shape: problem.shape, layout: problem.layout, gamma: g, beta: b, options });
    let total = 0;
    for (let i = 0; i < y.length; i++) total += (problem.dy[i] as number) * (y[i] as number);
    return total;
  };
  const dx = numericGradient((xs) => loss(xs, gamma, beta), x, step);
  if (options.affine === false || !gamma || !beta) return { dx };
  const dgamma = numericGradient((g) => loss(x, g, beta), gamma, step);
  const dbeta = numericGradient((b) => loss(x, gamma, b), beta, step);
  return { dx, dgamma, dbeta };
}

/** The saved statistics of the float64 training forward, as backward takes them. */
export function savedStatistics(problem: GradcheckProblem): { savedMean: Float64Array; savedInvStd: Float64Array } {
  const out = referenceTrainForward({ ...problem, options: forwardOptions(problem.options) });
  return { savedMean: out.batchMean, savedInvStd: out.invStd };
}

/** The largest disagreement found by `gradcheck`. */
export interface GradcheckResult {
  passed: boolean;
  /** Largest |analytic - numeric| over every gradient. */
  maxAbsError: number;
  /** Largest |analytic - numeric| / (abs + rel * |numeric|); at most 1 when passed. */
  maxErrorRatio: number;
  /** Where the largest ratio was, e.g. `dx[3]`. */
  worst: string;
  analytic: BackwardOutput;
  numeric: Gradients;
}

/** Tolerance of `gradcheck`: passed when |analytic - numeric| <= abs + rel * |numeric| everywhere. */
export interface GradcheckTolerance {
  abs: number;
  rel: number;
}

/**
 * Checks a backward against central finite differences of the float64 reference forward. The
 * backward is given the saved statistics of the float64 forward. Default tolerance suits a
 * float64 backward (abs 1e-6, rel 1e-5); pass a wider one for float32 backends.
 */
export async function gradcheck(
  problem: GradcheckProblem,
  backward: (input: BackwardInput) => BackwardOutput | Promise<BackwardOutput>,
  tolerance: GradcheckTolerance = { abs: 1e-6, rel: 1e-5 },
  step = 1e-6,
): Promise<GradcheckResult> {
  const numeric = numericBnGradients(problem, step);
  const analytic = await backward({
    x: problem.x,
    dy: problem.dy,
    shape: problem.shape,
    layout: problem.layout,
    gamma: problem.gamma,
    options: problem.options,
    ...savedStatistics(problem),
  });
  let maxAbsError = 0;
  let maxErrorRatio = 0;
  let worst = 'none';
  const compare = (name: keyof Gradients): void => {
    const expected = numeric[name];
    if (!expected) return;
    const actual = analytic[name];
    if (!actual || actual.length !== expected.length) {
      maxErrorRatio = Number.POSITIVE_INFINITY;
      worst = `${name} missing or of length ${actual?.length ?? 0}`;
      return;
    }
    for (let i = 0; i < expected.length; i++) {
      const error = Math.abs((actual[i] as number) - (expected[i] as number));
      const ratio = error / (tolerance.abs + tolerance.rel * Math.abs(expected[i] as number));
      maxAbsError = Math.max(maxAbsError, error);
      if (!(ratio <= maxErrorRatio)) {
        maxErrorRatio = Number.isNaN(ratio) ? Number.POSITIVE_INFINITY : ratio;
        worst = `${name}[${i}]`;
      }
    }
  };
  compare('dx');
  compare('dgamma');
  compare('dbeta');
  return { passed: maxErrorRatio <= 1, maxAbsError, maxErrorRatio, worst, analytic, numeric };
}

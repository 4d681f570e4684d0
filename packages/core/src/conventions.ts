/**
 * The frameworks whose Batch Normalization conventions bnkit reproduces. They differ in what
 * "momentum" weighs, in their default momentum and eps, and in whether the running variance is
 * the biased batch variance or the unbiased one (times m/(m-1)). Every default lives here.
 */
export type ConventionName = 'pytorch' | 'keras' | 'onnx';

/** Every convention bnkit knows. */
export const CONVENTION_NAMES: readonly ConventionName[] = ['pytorch', 'keras', 'onnx'];

/** What a convention's `momentum` is the weight of in the running-statistics update. */
export type MomentumMeaning = 'weight-on-new-batch' | 'weight-on-old-value';

/** Which batch variance a convention folds into its running variance. */
export type RunningVarianceKind = 'unbiased' | 'biased';

/** One framework's conventions, as data. */
export interface Convention {
  readonly name: ConventionName;
  /** `weight-on-new-batch`: running = (1-m)*running + m*batch (PyTorch). `weight-on-old-value`: running = m*running + (1-m)*batch (Keras, ONNX). */
  readonly momentumMeaning: MomentumMeaning;
  readonly defaultMomentum: number;
  readonly defaultEps: number;
  readonly runningVariance: RunningVarianceKind;
  /** Whether `momentum: null` (a cumulative average over the batches seen) exists in this framework. */
  readonly allowsCumulativeAverage: boolean;
}

/** The three conventions: PyTorch `BatchNorm*d`, Keras / tfjs-layers `BatchNormalization`, ONNX `BatchNormalization`. */
export const CONVENTIONS: Readonly<Record<ConventionName, Convention>> = Object.freeze({
  pytorch: Object.freeze({
    name: 'pytorch',
    momentumMeaning: 'weight-on-new-batch',
    defaultMomentum: 0.1,
    defaultEps: 1e-5,
    runningVariance: 'unbiased',
    allowsCumulativeAverage: true,
  }),
  keras: Object.freeze({
    name: 'keras',
    momentumMeaning: 'weight-on-old-value',
    defaultMomentum: 0.99,
    defaultEps: 1e-3,
    runningVariance: 'biased',
    allowsCumulativeAverage: false,
  }),
  onnx: Object.freeze({
    name: 'onnx',
    momentumMeaning: 'weight-on-old-value',
    defaultMomentum: 0.9,
    defaultEps: 1e-5,
    runningVariance: 'biased',
    allowsCumulativeAverage: false,
  }),
});

/** The convention used when a caller names none. */
export const DEFAULT_CONVENTION: ConventionName = 'pytorch';

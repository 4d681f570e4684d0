import { CONVENTION_NAMES, CONVENTIONS, DEFAULT_CONVENTION, type Convention, type ConventionName } from './conventions.js';
import { BnValueError, describeValue } from './errors.js';

/**
 * Options of a BN layer, as a user writes them. Anything left out takes the convention's default.
 */
export interface BnOptions {
  /** Whose conventions apply; default `pytorch`. */
  convention?: ConventionName;
  /** Added to the variance before the square root; default from the convention. Must be finite and >= 0. */
  eps?: number;
  /**
   * The momentum of the running-statistics update, in the convention's own meaning, in [0, 1].
   * `null` means a cumulative average over the batches seen (PyTorch's `momentum=None`).
   */
  momentum?: number | null;
  /** Whether gamma and beta are applied (and learned); default true. When false they act as 1 and 0. */
  affine?: boolean;
  /**
   * Whether running statistics exist; default true. When false, training does not update them and
   * inference normalises with the batch's own statistics (PyTorch's `track_running_stats=False`).
   */
  trackRunningStats?: boolean;
  /**
   * Whether a channel with fewer than two values in training is allowed; default false (an error,
   * as PyTorch raises). When allowed, its variance is 0 and an unbiased running variance uses m/(m-1)
   * only for m > 1.
   */
  allowSingleValuePerChannel?: boolean;
}

/** BN options with every default filled in from the convention. */
export interface ResolvedOptions {
  readonly convention: Convention;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly allowSingleValuePerChannel: boolean;
}

/**
 * Fills in the defaults of `options` from its convention and validates every field.
 * @throws BnValueError when `options` is neither undefined nor an object (null included), for an
 *   unknown convention, eps < 0 or not finite, momentum outside [0, 1], or `momentum: null` under
 *   a convention without a cumulative average.
 */
export function resolveOptions(options: BnOptions = {}): ResolvedOptions {
  // null is what JSON and many callers use for "nothing"; it must not reach a property read.
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new BnValueError('options', 'an object of BN options, or undefined for the defaults', describeValue(options));
  }
  const name = options.convention ?? DEFAULT_CONVENTION;
  if (!CONVENTION_NAMES.includes(name)) {
    throw new BnValueError('options.convention', `one of ${CONVENTION_NAMES.join(', ')}`, describeValue(name));
  }
  const convention = CONVENTIONS[name];
  const eps = options.eps ?? convention.defaultEps;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) {
    throw new BnValueError('options.eps', 'a finite number >= 0', describeValue(eps));
  }
  const momentum = options.momentum === undefined ? convention.defaultMomentum : options.momentum;
  if (momentum === null) {
    if (!convention.allowsCumulativeAverage) {
      throw new BnValueError(
        'options.momentum',
        `a number in [0, 1] (null, the cumulative average, exists only in the pytorch convention)`,
        `null with convention ${name}`,
      );
    }
  } else if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
    throw new BnValueError('options.momentum', 'a number in [0, 1] or null', describeValue(momentum));
  }
  for (const key of ['affine', 'trackRunningStats', 'allowSingleValuePerChannel'] as const) {
    const value = options[key];
    if (value !== undefined && typeof value !== 'boolean') {
      throw new BnValueError(`options.${key}`, 'a boolean', describeValue(value));
    }
  }
  return {
    convention,
    eps,
    momentum,
    affine: options.affine ?? true,
    trackRunningStats: options.trackRunningStats ?? true,
    allowSingleValuePerChannel: options.allowSingleValuePerChannel ?? false,
  };
}

/** Turns resolved options back into plain, fully explicit `BnOptions` (for vectors and reports). */
export function explicitOptions(resolved: ResolvedOptions): Required<BnOptions> {
  return {
    convention: resolved.convention.name,
    eps: resolved.eps,
    momentum: resolved.momentum,
    affine: resolved.affine,
    trackRunningStats: resolved.trackRunningStats,
    allowSingleValuePerChannel: resolved.allowSingleValuePerChannel,
  };
}

import { forEachInChannel, type CaseTolerances, type ShapeInfo } from '@bnkit/core';

/** The unit roundoff of float32, 2^-24: the relative error of rounding one value to float32. */
export const FLOAT32_UNIT_ROUNDOFF = 2 ** -24;

/** The relative tolerance of every kind of output: ten times a few float32 roundings, far below any real slip. */
export const DEFAULT_RELATIVE_TOLERANCE = 1e-5;

/** What one step of a case gives the tolerance: its inputs and the float64 statistics of the step. */
export interface ToleranceStep {
  x: ArrayLike<number>;
  dy?: ArrayLike<number>;
  /** The running statistics before the step, when tracked (inference normalises with them). */
  runningMean?: ArrayLike<number>;
  runningVar?: ArrayLike<number>;
  /** The running mean after the step and the weight w of the new batch in its update, when tracked. */
  runningMeanAfter?: ArrayLike<number>;
  newBatchWeight?: number;
  batchMean: ArrayLike<number>;
  invStd: ArrayLike<number>;
}

/** A whole case as the tolerance sees it. */
export interface ToleranceBasis {
  info: ShapeInfo;
  eps: number;
  /** Absent when not affine (gamma acts as 1, beta as 0). */
  gamma?: ArrayLike<number>;
  beta?: ArrayLike<number>;
  steps: readonly ToleranceStep[];
}

/** Rounds a positive tolerance up to two significant digits, so that files read well and never tighten it. */
export function roundTolerance(value: number): number {
  if (!(value > 0)) return value;
  const unit = 10 ** (Math.floor(Math.log10(value)) - 1);
  return Number((Math.ceil(value / unit) * unit).toPrecision(2));
}

interface ChannelView {
  maxAbsX: number;
  maxDeviation: number;
  /** Largest |x - running mean|, when running statistics are tracked. */
  maxRunningDeviation: number;
  maxAbsDy: number;
  maxAbsXhat: number;
  meanDy: number;
  meanDyXhat: number;
  sumAbsDyXhat: number;
}

function channelView(info: ShapeInfo, step: ToleranceStep, ch: number): ChannelView {
  const mean = step.batchMean[ch] as number;
  const invStd = step.invStd[ch] as number;
  const runningMean = step.runningMean?.[ch];
  const view = { maxAbsX: 0, maxDeviation: 0, maxRunningDeviation: 0, maxAbsDy: 0, maxAbsXhat: 0, meanDy: 0, meanDyXhat: 0, sumAbsDyXhat: 0 };
  let sumDy = 0;
  let sumDyXhat = 0;
  forEachInChannel(info, ch, (i) => {
    const x = step.x[i] as number;
    const xhat = (x - mean) * invStd;
    view.maxAbsX = Math.max(view.maxAbsX, Math.abs(x));
    view.maxDeviation = Math.max(view.maxDeviation, Math.abs(x - mean));
    if (runningMean !== undefined) view.maxRunningDeviation = Math.max(view.maxRunningDeviation, Math.abs(x - runningMean));
    view.maxAbsXhat = Math.max(view.maxAbsXhat, Math.abs(xhat));
    if (!step.dy) return;
    const dy = step.dy[i] as number;
    view.maxAbsDy = Math.max(view.maxAbsDy, Math.abs(dy));
    sumDy += dy;
    sumDyXhat += dy * xhat;
    view.sumAbsDyXhat += Math.abs(dy) * (1 + Math.abs(xhat));
  });
  view.meanDy = Math.abs(sumDy) / info.perChannel;
  view.meanDyXhat = Math.abs(sumDyXhat) / info.perChannel;
  return view;
}

/**
 * The K of a channel (see `caseTolerances`): `bound`, the magnitude normalisation subtracts,
 * unless 4u * bound >= 1, where the bound would let xhat be off by its own size and so check
 * nothing; there it is the error a float32 backend that subtracts the centre first actually
 * makes: invStd |fl32(centre) - centre| / u (the centre rounded to float32) + max|x - centre| invStd.
 */
function effectiveK(bound: number, centre: number, invStd: number, maxDeviation: number): number {
  if (4 * FLOAT32_UNIT_ROUNDOFF * bound < 1) return bound;
  return (invStd * Math.abs(Math.fround(centre) - centre)) / FLOAT32_UNIT_ROUNDOFF + maxDeviation * invStd;
}

/**
 * The magnitude the abs part of the statistics tolerance scales with, for data whose largest
 * |x - mean| is `deviation`: the deviation itself, except beyond 2^20 or below 2^-20, where the
 * statistics (in units of x, x^2 and 1/x) differ by many orders of magnitude and the smallest of
 * deviation, deviation^2 and 1/deviation is taken, so that no statistic's check is empty.
 */
function statisticsScale(deviation: number): number {
  if (deviation === 0 || (deviation >= 2 ** -20 && deviation <= 2 ** 20)) return deviation;
  return Math.min(deviation, deviation * deviation, 1 / deviation);
}

/**
 * The default tolerances of a case: what a backend computing in float32, with its statistics
 * accumulated in float64 and rounded to float32 once, meets on every element. Each tolerance is
 * |actual - expected| <= abs + rel * |expected| with rel = 1e-5; the abs parts follow the float32
 * error of the case's own numbers. With u = 2^-24 and, per channel, K = max(max|x|, |centre|) *
 * invStd (the magnitude of what normalisation subtracts; the centre is the batch mean in training
 * and the running mean in inference):
 * - y: 1e-5 + 4u (|gamma| K + |beta|). With x = 1e4 + 0.1 * noise, K is about 1e5: rounding the
 *   mean to float32 (an error of u * 1e4 in every x - mean) passes, while a mean or variance
 *   accumulated in float32 does not.
 * - stats: 4u times the cancellation of the float32 running-mean update,
 *   (1 - w)|runningMean| + w|batchMean| - |new runningMean|, at least 1e-9 times the largest
 *   |x - mean|; everything else about statistics is relative (the variance of an offset-1e4 case
 *   is held to 1e-5 of itself).
 * - dx: |gamma| invStd (1e-5 max|dy| (1 + max|xhat|) + 2u K (mean|dy xhat| + (1 + max|xhat|) mean|dy|)):
 *   float32 rounding of the sums, then the shift of xhat by a float32 mean; invStd scales it for
 *   tiny variances.
 * - dparams: 1e-5 sum|dy| (1 + |xhat|) + 2u K |sum dy|.
 * Each is the largest over channels and steps, rounded up to two significant digits.
 *
 * Two refinements apply only far outside ordinary magnitudes, where the rule above checks nothing
 * (no case of the first catalog reaches them, so their tolerances are unchanged): a channel with
 * 4u K >= 1 takes the K of `effectiveK` (a zero-variance channel with eps 1e-50 has invStd 1e25;
 * there y must be beta to 1e-5); and data whose largest |x - mean| lies beyond 2^20 or below
 * 2^-20 take the statistics' abs from `statisticsScale` alone, without the running-mean
 * cancellation term (float64 statistics rounded to float32 once do not cancel).
 */
export function caseTolerances(basis: ToleranceBasis): CaseTolerances {
  const u = FLOAT32_UNIT_ROUNDOFF;
  const rel = DEFAULT_RELATIVE_TOLERANCE;
  let y = 0;
  let cancellation = 0;
  let deviation = 0;
  let dx = 0;
  let dparams = 0;
  for (const step of basis.steps) {
    for (let ch = 0; ch < basis.info.c; ch++) {
      const view = channelView(basis.info, step, ch);
      const gamma = basis.gamma ? Math.abs(basis.gamma[ch] as number) : 1;
      const beta = basis.beta ? Math.abs(basis.beta[ch] as number) : 0;
      const signedMean = step.batchMean[ch] as number;
      const mean = Math.abs(signedMean);
      const invStd = step.invStd[ch] as number;
      const trainK = effectiveK(Math.max(view.maxAbsX, mean) * invStd, signedMean, invStd, view.maxDeviation);
      let k = trainK;
      deviation = Math.max(deviation, view.maxDeviation);
      if (step.runningMean && step.runningVar) {
        const signedRunningMean = step.runningMean[ch] as number;
        const runningMean = Math.abs(signedRunningMean);
        const runningStd = Math.sqrt((step.runningVar[ch] as number) + basis.eps);
        k = Math.max(k, effectiveK(Math.max(view.maxAbsX, runningMean) / runningStd, signedRunningMean, 1 / runningStd, view.maxRunningDeviation));
        if (step.runningMeanAfter && step.newBatchWeight !== undefined) {
          const w = step.newBatchWeight;
          cancellation = Math.max(cancellation, (1 - w) * runningMean + w * mean - Math.abs(step.runningMeanAfter[ch] as number));
        }
      }
      y = Math.max(y, 1e-5 + 4 * u * (gamma * k + beta));
      if (!step.dy) continue;
      const spread = 1 + view.maxAbsXhat;
      dx = Math.max(dx, gamma * invStd * (1e-5 * view.maxAbsDy * spread + 2 * u * trainK * (view.meanDyXhat + spread * view.meanDy)));
      dparams = Math.max(dparams, 1e-5 * view.sumAbsDyXhat + 2 * u * trainK * view.meanDy * basis.info.perChannel);
    }
  }
  // The floor only keeps an abs of exactly 0 out of the files; every real one is far above it.
  const tolerance = (abs: number) => ({ abs: roundTolerance(Math.max(abs, 1e-300)), rel });
  const scale = statisticsScale(deviation);
  const stats = scale === deviation ? Math.max(4 * u * cancellation, 1e-9 * deviation) : 1e-9 * scale;
  return { y: tolerance(y), stats: tolerance(stats), dx: tolerance(dx), dparams: tolerance(dparams) };
}

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
  maxAbsDy: number;
  maxAbsXhat: number;
  meanDy: number;
  meanDyXhat: number;
  sumAbsDyXhat: number;
}

function channelView(info: ShapeInfo, step: ToleranceStep, ch: number): ChannelView {
  const mean = step.batchMean[ch] as number;
  const invStd = step.invStd[ch] as number;
  const view = { maxAbsX: 0, maxDeviation: 0, maxAbsDy: 0, maxAbsXhat: 0, meanDy: 0, meanDyXhat: 0, sumAbsDyXhat: 0 };
  let sumDy = 0;
  let sumDyXhat = 0;
  forEachInChannel(info, ch, (i) => {
    const x = step.x[i] as number;
    const xhat = (x - mean) * invStd;
    view.maxAbsX = Math.max(view.maxAbsX, Math.abs(x));
    view.maxDeviation = Math.max(view.maxDeviation, Math.abs(x - mean));
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
      const mean = Math.abs(step.batchMean[ch] as number);
      const invStd = step.invStd[ch] as number;
      const trainK = Math.max(view.maxAbsX, mean) * invStd;
      let k = trainK;
      deviation = Math.max(deviation, view.maxDeviation);
      if (step.runningMean && step.runningVar) {
        const runningMean = Math.abs(step.runningMean[ch] as number);
        k = Math.max(k, Math.max(view.maxAbsX, runningMean) / Math.sqrt((step.runningVar[ch] as number) + basis.eps));
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
  const tolerance = (abs: number) => ({ abs: roundTolerance(Math.max(abs, 1e-30)), rel });
  return { y: tolerance(y), stats: tolerance(Math.max(4 * u * cancellation, 1e-9 * deviation)), dx: tolerance(dx), dparams: tolerance(dparams) };
}

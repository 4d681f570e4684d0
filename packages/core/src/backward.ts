import { forEachInChannel } from './layout.js';
import type { BackwardInput, BackwardOutput } from './tensors.js';
import { prepareBackward } from './validate.js';

/** Float64 gradients of the reference backward. */
export interface ReferenceBackwardOutput extends BackwardOutput {
  dx: Float64Array;
  dgamma?: Float64Array;
  dbeta?: Float64Array;
}

/**
 * The reference backward of the training forward, in float64. With xhat = (x - mean) * invStd
 * recomputed from the saved statistics and m values per channel:
 * dbeta = sum(dy), dgamma = sum(dy * xhat), and
 * dx = gamma * invStd / m * (m * dy - sum(dy) - xhat * sum(dy * xhat)).
 * See docs/derivation.md for the derivation. dgamma and dbeta are returned only when affine.
 * @throws BnShapeError, BnValueError on invalid input (see `prepareBackward`).
 */
export function referenceBackward(request: BackwardInput): ReferenceBackwardOutput {
  const { info, options, input } = prepareBackward(request);
  const { x, dy, savedMean, savedInvStd } = input;
  const m = info.perChannel;
  const dx = new Float64Array(info.size);
  const dgamma = new Float64Array(info.c);
  const dbeta = new Float64Array(info.c);
  for (let ch = 0; ch < info.c; ch++) {
    const mean = savedMean[ch] as number;
    const invStd = savedInvStd[ch] as number;
    let sumDy = 0;
    let sumDyXhat = 0;
    forEachInChannel(info, ch, (i) => {
      const g = dy[i] as number;
      sumDy += g;
      sumDyXhat += g * ((x[i] as number) - mean) * invStd;
    });
    dbeta[ch] = sumDy;
    dgamma[ch] = sumDyXhat;
    const gamma = options.affine ? ((input.gamma as ArrayLike<number>)[ch] as number) : 1;
    const k = (gamma * invStd) / m;
    forEachInChannel(info, ch, (i) => {
      const xhat = ((x[i] as number) - mean) * invStd;
      dx[i] = k * (m * (dy[i] as number) - sumDy - xhat * sumDyXhat);
    });
  }
  return options.affine ? { dx, dgamma, dbeta } : { dx };
}

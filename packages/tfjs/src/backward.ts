import * as tf from '@tensorflow/tfjs';
import { channelSum, type ChannelView } from './channel-view.js';
import { perChannelAffine } from './per-channel-affine.js';
import type { SplitValue } from './split-value.js';

/** Gradients on the view: dx view-shaped, dgamma and dbeta param-shaped (present when affine). */
export interface ViewGradients {
  readonly dx: tf.Tensor;
  readonly dgamma?: tf.Tensor;
  readonly dbeta?: tf.Tensor;
}

/**
 * The closed-form backward in tfjs ops, with xhat = (x - savedMean) * savedInvStd recomputed from
 * the saved statistics: dbeta = sum(dy), dgamma = sum(dy * xhat) and
 * dx = gamma * invStd / m * (m * dy - sum(dy) - xhat * sum(dy * xhat)), sums per channel, formed
 * as (gamma invStd) dy - k sum(dy) - (k sum(dy xhat)) xhat with k = gamma * invStd / m.
 * `gamma` absent means affine off (gamma acts as 1, no dgamma or dbeta).
 * Allocates tensors: call inside `tf.tidy`.
 */
export function closedFormBackwardOnView(
  x: tf.Tensor,
  dy: tf.Tensor,
  view: ChannelView,
  savedMean: SplitValue,
  savedInvStd: tf.Tensor,
  gamma: tf.Tensor | undefined,
): ViewGradients {
  const rough = savedMean.lo ? perChannelAffine(x, view, { mean: savedMean.hi }) : x;
  const xhat = perChannelAffine(rough, view, { mean: savedMean.lo ?? savedMean.hi, scale: savedInvStd });
  const sumDy = channelSum(dy, view);
  const sumDyXhat = channelSum(tf.mul(dy, xhat), view);
  const gammaInvStd = gamma ? tf.mul(gamma, savedInvStd) : savedInvStd;
  const k = tf.div(gammaInvStd, tf.scalar(view.count, 'float32'));
  const fromDy = perChannelAffine(dy, view, { scale: gammaInvStd, offset: tf.neg(tf.mul(k, sumDy)) });
  const fromXhat = perChannelAffine(xhat, view, { scale: tf.mul(k, sumDyXhat) });
  const dx = tf.sub(fromDy, fromXhat);
  return gamma ? { dx, dgamma: sumDyXhat, dbeta: sumDy } : { dx };
}

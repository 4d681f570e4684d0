import * as tf from '@tensorflow/tfjs';
import type { ViewGradients } from './backward.js';
import { firstValues, type ChannelView } from './channel-view.js';
import { trainForwardOnView } from './normalize.js';

/**
 * The backward by tfjs autodiff: `tf.grads` of the training forward (the same ops as
 * `trainForwardOnView`) at x, gamma and a zero beta (y's gradient does not depend on beta), seeded
 * with dy. The batch statistics are recomputed from x, so the result equals the closed form when
 * the saved statistics are those of x's training forward, which is what backward is for. The
 * shift is taken from x outside the differentiated function: it is a constant there, as it is
 * mathematically (the statistics do not depend on it). `gamma` absent means affine off.
 * Allocates tensors: call inside `tf.tidy`.
 */
export function autodiffBackwardOnView(x: tf.Tensor, dy: tf.Tensor, view: ChannelView, eps: number, gamma: tf.Tensor | undefined): ViewGradients {
  const shift = firstValues(x, view);
  const forward = (input: tf.Tensor, g?: tf.Tensor, b?: tf.Tensor): tf.Tensor =>
    trainForwardOnView(input, view, eps, { gamma: g, beta: b }, shift).y;
  if (!gamma) {
    const [dx] = tf.grads((input: tf.Tensor) => forward(input))([x], dy);
    return { dx: dx as tf.Tensor };
  }
  const beta = tf.zerosLike(gamma);
  const [dx, dgamma, dbeta] = tf.grads((input: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => forward(input, g, b))([x, gamma, beta], dy);
  return { dx: dx as tf.Tensor, dgamma: dgamma as tf.Tensor, dbeta: dbeta as tf.Tensor };
}

// Whole channels of channel-major tensors (NCHW and the like: runs of `inner` > 1 values) in one
// call: the statistics of a channel, then its outputs, while the channel's runs are still in the
// cache (a channel of a [32, 64, 56, 56] tensor is 400 KB, well inside a 2 MB L2). Each thread
// takes a range of channels, so no partial results are merged between threads.
import { affineRun, constants as affineConstants } from './affine';
import { f64at, setF64 } from './common';
import { gradInputRun, constants as gradConstants } from './grad-input';
import { gradSumsRun } from './grad-sums';
import { runMoments } from './moments';

// Byte offset of run b of channel ch.
@inline function runOffset(b: i32, ch: i32, c: i32, inner: i32): usize {
  return (<usize>b * <usize>c + <usize>ch) * <usize>inner << 2;
}

/**
 * Training forward of channels [chFirst, chEnd) of x ([n, c, inner]): per channel the float64
 * moments of its n runs (see moments.ts), the biased variance, invStd = 1 / sqrt(var + eps),
 * then y = (x - mean) * scale + shift with scale = gamma * invStd and shift = beta (invStd and 0
 * when gamma is 0, not affine). Writes mean, variance and invStd (f64[c]) of those channels;
 * count is f64[c] scratch.
 */
export function trainChannels(x: usize, y: usize, n: i32, c: i32, inner: i32, chFirst: i32, chEnd: i32, eps: f64, gamma: usize, beta: usize, mean: usize, variance: usize, invStd: usize, count: usize): void {
  for (let ch = chFirst; ch < chEnd; ch++) {
    setF64(count, ch, 0);
    for (let b = 0; b < n; b++) runMoments(x + runOffset(b, ch, c, inner), inner, ch, count, mean, variance);
    const v = f64at(variance, ch) / f64at(count, ch);
    setF64(variance, ch, v);
    const s = 1 / Math.sqrt(v + eps);
    setF64(invStd, ch, s);
    affineConstants(f64at(mean, ch), gamma != 0 ? f64at(gamma, ch) * s : s, beta != 0 ? f64at(beta, ch) : 0);
    for (let b = 0; b < n; b++) {
      const o = runOffset(b, ch, c, inner);
      affineRun(x + o, y + o, inner);
    }
  }
}

/**
 * Backward of channels [chFirst, chEnd) of x and dy ([n, c, inner]) from the saved mean and
 * invStd: per channel sumDy = sum(dy) and dgamma = sum(dy * (x - mean)) * invStd in float64
 * (see grad-sums.ts), then dx = gamma * invStd / m * (m * dy - sumDy - xhat * dgamma) (see
 * grad-input.ts) with gamma 1 when its pointer is 0. Writes sumDy and dgamma (f64[c]) of those channels.
 */
export function backwardChannels(x: usize, dy: usize, dx: usize, n: i32, c: i32, inner: i32, chFirst: i32, chEnd: i32, m: f64, mean: usize, invStd: usize, gamma: usize, sumDy: usize, dgamma: usize): void {
  for (let ch = chFirst; ch < chEnd; ch++) {
    setF64(sumDy, ch, 0);
    setF64(dgamma, ch, 0);
    for (let b = 0; b < n; b++) {
      const o = runOffset(b, ch, c, inner);
      gradSumsRun(x + o, dy + o, inner, ch, mean, sumDy, dgamma);
    }
    const s = f64at(invStd, ch);
    const dg = f64at(dgamma, ch) * s;
    setF64(dgamma, ch, dg);
    const k = ((gamma != 0 ? f64at(gamma, ch) : 1) * s) / m;
    gradConstants(f64at(mean, ch), k * m, -k * s * dg, -k * f64at(sumDy, ch));
    for (let b = 0; b < n; b++) {
      const o = runOffset(b, ch, c, inner);
      gradInputRun(x + o, dy + o, dx + o, inner);
    }
  }
}

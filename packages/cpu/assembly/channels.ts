// Whole channels in one call: the statistics of a channel, then its outputs, each thread taking
// a range of channels, so no partial results are merged between threads and no per-channel work
// goes back to JavaScript between the two passes. Channel-major tensors (NCHW and the like: runs
// of `inner` > 1 values) go channel by channel while the channel's runs are still in the cache (a
// channel of a [32, 64, 56, 56] tensor is 400 KB, well inside a 2 MB L2); channels-last tensors
// (`inner` = 1) go over the thread's columns of every row, twice.
import { affineRows, affineRun, constA, constB, constH, setConstants as setAffineConstants } from './affine';
import { f64at, setF32, setF64 } from './common';
import { gradInputRows, gradInputRun, constants as gradConstants, constA as gradA, constB as gradB, constH as gradH, constK as gradK, constS as gradS } from './grad-input';
import { gradSumsRows, gradSumsRun } from './grad-sums';
import { rowsMoments, runMoments } from './moments';

// Byte offset of run b of channel ch.
@inline function runOffset(b: i32, ch: i32, c: i32, inner: i32): usize {
  return (<usize>b * <usize>c + <usize>ch) * <usize>inner << 2;
}

// Channel ch's statistics from its count and M2 (replaced by the biased variance): stores the
// variance and invStd = 1 / sqrt(var + eps), and sets the affine constants for scale = gamma *
// invStd and shift = beta (invStd and 0 when gamma and beta are 0, not affine).
function channelStatistics(ch: i32, eps: f64, gamma: usize, beta: usize, mean: usize, variance: usize, invStd: usize, count: usize): void {
  const v = f64at(variance, ch) / f64at(count, ch);
  setF64(variance, ch, v);
  const s = 1 / Math.sqrt(v + eps);
  setF64(invStd, ch, s);
  setAffineConstants(f64at(mean, ch), gamma != 0 ? f64at(gamma, ch) * s : s, beta != 0 ? f64at(beta, ch) : 0);
}

// Channel ch's dgamma from sum(dy * (x - mean)) (replaced), and the constants of dx =
// gamma * invStd / m * (m * dy - sumDy - xhat * dgamma), gamma 1 when its pointer is 0.
function channelGradient(ch: i32, m: f64, mean: usize, invStd: usize, gamma: usize, sumDy: usize, dgamma: usize): void {
  const s = f64at(invStd, ch);
  const dg = f64at(dgamma, ch) * s;
  setF64(dgamma, ch, dg);
  const k = ((gamma != 0 ? f64at(gamma, ch) : 1) * s) / m;
  gradConstants(f64at(mean, ch), k * m, -k * s * dg, -k * f64at(sumDy, ch));
}

/**
 * Training forward of channels [chFirst, chEnd) of x, [n, c, inner] (channels-last rows when
 * inner is 1, n rows): per channel the float64 moments (see moments.ts), the biased variance,
 * invStd = 1 / sqrt(var + eps), then y = (x - mean) * scale + shift with scale = gamma * invStd
 * and shift = beta (invStd and 0 when gamma and beta are 0, not affine). Writes mean, variance
 * and invStd (f64[c]) of those channels; count is f64[c] scratch, and scratch (channels-last
 * only) holds 2.5 f64 per channel of the range.
 */
export function trainChannels(x: usize, y: usize, n: i32, c: i32, inner: i32, chFirst: i32, chEnd: i32, eps: f64, gamma: usize, beta: usize, mean: usize, variance: usize, invStd: usize, count: usize, scratch: usize): void {
  for (let ch = chFirst; ch < chEnd; ch++) setF64(count, ch, 0);
  if (inner > 1) {
    for (let ch = chFirst; ch < chEnd; ch++) {
      for (let b = 0; b < n; b++) runMoments(x + runOffset(b, ch, c, inner), inner, ch, count, mean, variance);
      channelStatistics(ch, eps, gamma, beta, mean, variance, invStd, count);
      for (let b = 0; b < n; b++) {
        const o = runOffset(b, ch, c, inner);
        affineRun(x + o, y + o, inner);
      }
    }
    return;
  }
  const width = chEnd - chFirst;
  const first = <usize>chFirst;
  const stride = <usize>c << 2;
  rowsMoments(x + (first << 2), n, width, stride, count + (first << 3), mean + (first << 3), variance + (first << 3), scratch);
  // The rows' float32 constants, per channel of the range: hi, a, b' (see affine.ts).
  const ph = scratch;
  const pa = ph + (<usize>width << 2);
  const pb = pa + (<usize>width << 2);
  for (let ch = chFirst; ch < chEnd; ch++) {
    channelStatistics(ch, eps, gamma, beta, mean, variance, invStd, count);
    setF32(ph, ch - chFirst, constH);
    setF32(pa, ch - chFirst, constA);
    setF32(pb, ch - chFirst, constB);
  }
  affineRows(x + (first << 2), y + (first << 2), n, width, stride, ph, pa, pb);
}

/**
 * Backward of channels [chFirst, chEnd) of x and dy, [n, c, inner] (channels-last rows when
 * inner is 1), from the saved mean and invStd: per channel sumDy = sum(dy) and dgamma =
 * sum(dy * (x - mean)) * invStd in float64 (see grad-sums.ts), then dx = gamma * invStd / m *
 * (m * dy - sumDy - xhat * dgamma) (see grad-input.ts), gamma 1 when its pointer is 0. Writes
 * sumDy and dgamma (f64[c]) of those channels; scratch (channels-last only) holds 3 f64 per
 * channel of the range.
 */
export function backwardChannels(x: usize, dy: usize, dx: usize, n: i32, c: i32, inner: i32, chFirst: i32, chEnd: i32, m: f64, mean: usize, invStd: usize, gamma: usize, sumDy: usize, dgamma: usize, scratch: usize): void {
  for (let ch = chFirst; ch < chEnd; ch++) {
    setF64(sumDy, ch, 0);
    setF64(dgamma, ch, 0);
  }
  if (inner > 1) {
    for (let ch = chFirst; ch < chEnd; ch++) {
      for (let b = 0; b < n; b++) {
        const o = runOffset(b, ch, c, inner);
        gradSumsRun(x + o, dy + o, inner, ch, mean, sumDy, dgamma);
      }
      channelGradient(ch, m, mean, invStd, gamma, sumDy, dgamma);
      for (let b = 0; b < n; b++) {
        const o = runOffset(b, ch, c, inner);
        gradInputRun(x + o, dy + o, dx + o, inner);
      }
    }
    return;
  }
  const width = chEnd - chFirst;
  const first = <usize>chFirst;
  const stride = <usize>c << 2;
  gradSumsRows(x + (first << 2), dy + (first << 2), n, width, stride, mean + (first << 3), sumDy + (first << 3), dgamma + (first << 3), scratch);
  // The rows' float32 constants, per channel of the range: hi, a, b, s and k' (see grad-input.ts).
  const w4 = <usize>width << 2;
  const ph = scratch;
  for (let ch = chFirst; ch < chEnd; ch++) {
    channelGradient(ch, m, mean, invStd, gamma, sumDy, dgamma);
    const i = ch - chFirst;
    setF32(ph, i, gradH);
    setF32(ph + w4, i, gradA);
    setF32(ph + 2 * w4, i, gradB);
    setF32(ph + 3 * w4, i, gradS);
    setF32(ph + 4 * w4, i, gradK);
  }
  gradInputRows(x + (first << 2), dy + (first << 2), dx + (first << 2), n, width, stride, ph, ph + w4, ph + 2 * w4, ph + 3 * w4, ph + 4 * w4);
}

// The per-channel steps of the training forward and backward in WebAssembly, so that none goes
// back to JavaScript between the two passes over a tensor. Channel-major tensors (NCHW and the
// like: runs of `inner` > 1 values) go channel by channel, each thread taking a range of whole
// channels, statistics then outputs while the channel's runs are still in the cache (a channel of
// a [32, 64, 56, 56] tensor is 400 KB, well inside a 2 MB L2). Channels-last rows wide enough to
// split (see the executor) go the same way by columns: each thread takes a range of channels down
// every row, its statistics then its outputs, with no step between threads. Other tensors take
// two passes split by element ranges, and the calling thread merges the parts' sums and sets the
// constants of the second pass between them (trainConstants, backwardConstants).
import { affineRows, affineRun, constA, constB, constH, setConstants as setAffineConstants } from './affine';
import { f64at, setF32, setF64 } from './common';
import { gradInputRows, gradInputRun, setConstants as setGradConstants, storeConstants as storeGradConstants } from './grad-input';
import { gradSumsRows, gradSumsRun } from './grad-sums';
import { merge, rowsMoments, runMoments } from './moments';

// Byte offset of run b of channel ch.
@inline function runOffset(b: i32, ch: i32, c: i32, inner: i32): usize {
  return (<usize>b * <usize>c + <usize>ch) * <usize>inner << 2;
}

// Channel ch's statistics from its count and M2 (replaced by the biased variance): stores the
// variance and invStd = 1 / sqrt(var + eps) (core's inverseStd, the same float64 operations), and
// sets the affine constants for scale = gamma * invStd and shift = beta (invStd and 0 when gamma
// and beta are 0, not affine).
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
  setGradConstants(f64at(mean, ch), k * m, -k * s * dg, -k * f64at(sumDy, ch));
}

/**
 * Training forward of channels [chFirst, chEnd) of x, [n, c, inner]: per channel
 * the float64 moments of its n runs (see moments.ts), the biased variance, invStd, then
 * y = (x - mean) * scale + shift with scale = gamma * invStd and shift = beta (invStd and 0 when
 * gamma and beta are 0, not affine). Writes mean, variance and invStd (f64[c]) of those
 * channels; count is f64[c] scratch. Channels-last rows (inner = 1, n rows) go down the columns
 * of those channels instead, with `scratch` (32 bytes per channel) for the moments' shifts and
 * sums and the constants; channel-major tensors do not use it.
 */
export function trainChannels(x: usize, y: usize, n: i32, c: i32, inner: i32, chFirst: i32, chEnd: i32, eps: f64, gamma: usize, beta: usize, mean: usize, variance: usize, invStd: usize, count: usize, scratch: usize): void {
  if (inner == 1) {
    trainColumns(x, y, n, c, chFirst, chEnd, eps, gamma, beta, mean, variance, invStd, count, scratch);
    return;
  }
  for (let ch = chFirst; ch < chEnd; ch++) {
    setF64(count, ch, 0);
    for (let b = 0; b < n; b++) runMoments(x + runOffset(b, ch, c, inner), inner, ch, count, mean, variance);
    channelStatistics(ch, eps, gamma, beta, mean, variance, invStd, count);
    for (let b = 0; b < n; b++) {
      const o = runOffset(b, ch, c, inner);
      affineRun(x + o, y + o, inner);
    }
  }
}

// trainChannels of channels [chFirst, chEnd) of `rows` rows of c channels: their moments down the
// rows (rowsMoments on the column range), then per channel the statistics and the affine
// constants (f32 arrays after the moments' scratch; see statisticsAndConstants), then y of those columns.
function trainColumns(x: usize, y: usize, rows: i32, c: i32, chFirst: i32, chEnd: i32, eps: f64, gamma: usize, beta: usize, mean: usize, variance: usize, invStd: usize, count: usize, scratch: usize): void {
  const width = chEnd - chFirst;
  if (width <= 0) return;
  const stride = <usize>c << 2;
  const o = <usize>chFirst << 2;
  const o8 = <usize>chFirst << 3;
  memory.fill(count + o8, 0, <usize>width << 3);
  rowsMoments(x + o, rows, width, stride, count + o8, mean + o8, variance + o8, scratch);
  const w = <usize>width << 2;
  const ph = scratch + <usize>width * 20;
  // variance holds the moments' M2 until statisticsAndConstants replaces it, channel by channel.
  statisticsAndConstants(count + o8, mean + o8, variance + o8, width, eps, gamma != 0 ? gamma + o8 : 0, beta != 0 ? beta + o8 : 0, variance + o8, invStd + o8, ph);
  affineRows(x + o, y + o, rows, width, stride, ph, ph + w, ph + 2 * w);
}

/**
 * Backward of channels [chFirst, chEnd) of x and dy, [n, c, inner], from the
 * saved mean and invStd: per channel sumDy = sum(dy) and dgamma = sum(dy * (x - mean)) * invStd
 * in float64 (see grad-sums.ts), then dx (see grad-input.ts), gamma 1 when its pointer is 0.
 * Writes sumDy and dgamma (f64[c]) of those channels. Channels-last rows (inner = 1, n rows) go
 * down the columns of those channels instead, with `scratch` (44 bytes per channel) for the
 * sums' shifts and partial sums and the constants; channel-major tensors do not use it.
 */
export function backwardChannels(x: usize, dy: usize, dx: usize, n: i32, c: i32, inner: i32, chFirst: i32, chEnd: i32, m: f64, mean: usize, invStd: usize, gamma: usize, sumDy: usize, dgamma: usize, scratch: usize): void {
  if (inner == 1) {
    backwardColumns(x, dy, dx, n, c, chFirst, chEnd, m, mean, invStd, gamma, sumDy, dgamma, scratch);
    return;
  }
  for (let ch = chFirst; ch < chEnd; ch++) {
    setF64(sumDy, ch, 0);
    setF64(dgamma, ch, 0);
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
}

// backwardChannels of channels [chFirst, chEnd) of `rows` rows of c channels: their gradient sums
// down the rows (gradSumsRows on the column range), then per channel dgamma and the gradInput
// constants (five f32 arrays after the sums' scratch), then dx of those columns.
function backwardColumns(x: usize, dy: usize, dx: usize, rows: i32, c: i32, chFirst: i32, chEnd: i32, m: f64, mean: usize, invStd: usize, gamma: usize, sumDy: usize, dgamma: usize, scratch: usize): void {
  const width = chEnd - chFirst;
  if (width <= 0) return;
  const stride = <usize>c << 2;
  const o = <usize>chFirst << 2;
  const o8 = <usize>chFirst << 3;
  memory.fill(sumDy + o8, 0, <usize>width << 3);
  memory.fill(dgamma + o8, 0, <usize>width << 3);
  gradSumsRows(x + o, dy + o, rows, width, stride, mean + o8, sumDy + o8, dgamma + o8, scratch);
  const w = <usize>width << 2;
  const constants = scratch + <usize>width * 24;
  for (let k = 0; k < width; k++) {
    channelGradient(chFirst + k, m, mean, invStd, gamma, sumDy, dgamma);
    storeGradConstants(constants, width, k);
  }
  gradInputRows(x + o, dy + o, dx + o, rows, width, stride, constants, constants + w, constants + 2 * w, constants + 3 * w, constants + 4 * w);
}

// Per channel, from count, mean and M2 (f64[c] each): the biased variance and invStd (two
// channels per step, core's inverseStd operations lane by lane, as channelStatistics), and the
// affine kernel's float32 constants at `constants` (hi, a, b' f32[c] each; see affine.ts).
function statisticsAndConstants(count: usize, mean: usize, m2: usize, c: i32, eps: f64, gamma: usize, beta: usize, variance: usize, invStd: usize, constants: usize): void {
  const c2 = c & ~1;
  const w = <usize>c << 2;
  const one = f64x2.splat(1);
  const e = f64x2.splat(eps);
  let ch = 0;
  // Two channels per step: channelStatistics and the affine constants (affine.ts's setConstants), lane by lane.
  for (; ch < c2; ch += 2) {
    const o = <usize>ch << 3;
    const v = f64x2.div(v128.load(m2 + o), v128.load(count + o));
    v128.store(variance + o, v);
    const s = f64x2.div(one, f64x2.sqrt(f64x2.add(v, e)));
    v128.store(invStd + o, s);
    const scale = gamma != 0 ? f64x2.mul(v128.load(gamma + o), s) : s;
    const shift = beta != 0 ? v128.load(beta + o) : f64x2.splat(0);
    const mu = v128.load(mean + o);
    const h = f32x4.demote_f64x2_zero(mu);
    const b = f64x2.sub(shift, f64x2.mul(f64x2.sub(mu, f64x2.promote_low_f32x4(h)), scale));
    const f = <usize>ch << 2;
    v128.store64_lane(constants + f, h, 0);
    v128.store64_lane(constants + w + f, f32x4.demote_f64x2_zero(scale), 0);
    v128.store64_lane(constants + 2 * w + f, f32x4.demote_f64x2_zero(b), 0);
  }
  for (; ch < c; ch++) {
    setF64(variance, ch, f64at(m2, ch));
    channelStatistics(ch, eps, gamma, beta, mean, variance, invStd, count);
    setF32(constants, ch, constH);
    setF32(constants + w, ch, constA);
    setF32(constants + 2 * w, ch, constB);
  }
}

/**
 * Between the two passes of a training forward split by element ranges: merges the moments of
 * parts 1 .. parts - 1 into part 0 (Chan's update; part p's count, mean and M2 arrays, f64[c]
 * each, start at acc + p * partBytes, `arrayBytes` apart), then per channel stores the biased
 * variance and invStd, and the affine kernel's float32 constants at `constants` (see
 * affine.ts). The mean is part 0's mean array.
 */
export function trainConstants(acc: usize, parts: i32, partBytes: usize, arrayBytes: usize, c: i32, eps: f64, gamma: usize, beta: usize, variance: usize, invStd: usize, constants: usize): void {
  const count = acc;
  const mean = acc + arrayBytes;
  const m2 = acc + 2 * arrayBytes;
  const c2 = c & ~1;
  for (let p = 1; p < parts; p++) {
    const part = acc + <usize>p * partBytes;
    let ch = 0;
    // Two channels per step: Chan's update as merge() computes it, lane by lane.
    for (; ch < c2; ch += 2) {
      const o = <usize>ch << 3;
      const na = v128.load(count + o);
      const nb = v128.load(part + o);
      const ma = v128.load(mean + o);
      const mb = v128.load(part + arrayBytes + o);
      const qa = v128.load(m2 + o);
      const qb = v128.load(part + 2 * arrayBytes + o);
      const total = f64x2.add(na, nb);
      const delta = f64x2.sub(mb, ma);
      const merged = f64x2.add(ma, f64x2.div(f64x2.mul(delta, nb), total));
      const q = f64x2.add(f64x2.add(qa, qb), f64x2.div(f64x2.mul(f64x2.mul(f64x2.mul(delta, delta), na), nb), total));
      // Where part 0 held nothing, the other part's values as they are; where the other part
      // held nothing (a part may get no element of a small tensor), part 0's: its mean and M2
      // were never written.
      const zero = f64x2.splat(0);
      const emptyA = f64x2.eq(na, zero);
      const emptyB = f64x2.eq(nb, zero);
      v128.store(count + o, v128.bitselect(nb, total, emptyA));
      v128.store(mean + o, v128.bitselect(ma, v128.bitselect(mb, merged, emptyA), emptyB));
      v128.store(m2 + o, v128.bitselect(qa, v128.bitselect(qb, q, emptyA), emptyB));
    }
    for (; ch < c; ch++) merge(count, mean, m2, ch, f64at(part, ch), f64at(part + arrayBytes, ch), f64at(part + 2 * arrayBytes, ch));
  }
  statisticsAndConstants(count, mean, m2, c, eps, gamma, beta, variance, invStd, constants);
}

/**
 * Between the two passes of a backward split by element ranges: adds the sums of parts 1 ..
 * parts - 1 to part 0's (part p's sum(dy) and sum(dy * (x - mean)) arrays, f64[c] each, start at
 * sums + p * partBytes, `arrayBytes` apart), then per channel stores dgamma and the gradInput
 * kernel's float32 constants at `constants` (see grad-input.ts). sum(dy) is part 0's first array.
 */
export function backwardConstants(sums: usize, parts: i32, partBytes: usize, arrayBytes: usize, c: i32, m: f64, mean: usize, invStd: usize, gamma: usize, dgamma: usize, constants: usize): void {
  const sumDy = sums;
  const centered = sums + arrayBytes;
  for (let p = 1; p < parts; p++) {
    const part = sums + <usize>p * partBytes;
    for (let ch = 0; ch < c; ch++) {
      setF64(sumDy, ch, f64at(sumDy, ch) + f64at(part, ch));
      setF64(centered, ch, f64at(centered, ch) + f64at(part + arrayBytes, ch));
    }
  }
  for (let ch = 0; ch < c; ch++) {
    setF64(dgamma, ch, f64at(centered, ch));
    channelGradient(ch, m, mean, invStd, gamma, sumDy, dgamma);
    storeGradConstants(constants, c, ch);
  }
}

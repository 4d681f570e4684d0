// Per-channel moments (count, mean, M2) in float64, merged into accumulators.
import { ROW_GROUP, f32at, f64at, foldInto8, hi, hsum, lo, setF64 } from './common';

// The shift of a run is the mean of its first SHIFT_SAMPLE values, that of a channel of
// channels-last rows the mean of its first SHIFT_SAMPLE_ROWS rows (each row costs c loads, as
// much as the rest of the pass per row). An estimate from s independent values is more than one
// standard deviation off (which sends the channel to a second pass, see finish) with probability
// 2 * Phi(-sqrt(s)): 6e-5 for 16 values, 1e-8 for 32.
const SHIFT_SAMPLE: i32 = 32;
const SHIFT_SAMPLE_ROWS: i32 = 16;

// Chan's pairwise merge of (n, mu, q) into channel ch of the accumulators. The JavaScript side
// merges with core's mergeMoments; this kernel keeps its own copy because WebAssembly cannot call
// back into JavaScript per run without a cost larger than the merge itself.
export function merge(accCount: usize, accMean: usize, accM2: usize, ch: i32, n: f64, mu: f64, q: f64): void {
  // Nothing to add (a part that got no element of this channel: its mu and q were never written).
  if (n == 0) return;
  const count = f64at(accCount, ch);
  if (count == 0) {
    setF64(accCount, ch, n);
    setF64(accMean, ch, mu);
    setF64(accM2, ch, q);
    return;
  }
  const total = count + n;
  const mean = f64at(accMean, ch);
  const delta = mu - mean;
  setF64(accCount, ch, total);
  setF64(accMean, ch, mean + (delta * n) / total);
  setF64(accM2, ch, f64at(accM2, ch) + q + (delta * delta * count * n) / total);
}

// Mean of `n` values `step` bytes apart, in float64.
function mean64(x: usize, n: i32, step: usize): f64 {
  let sum: f64 = 0;
  for (let k = 0; k < n; k++) sum += <f64>load<f32>(x + <usize>k * step);
  return sum / <f64>n;
}

// The shift k of `n` values `step` bytes apart: the mean of the first SHIFT_SAMPLE, rounded to
// float32 so that x - k is exact for every x near it.
function shiftOf(x: usize, n: i32, step: usize): f32 {
  return <f32>mean64(x, min(n, SHIFT_SAMPLE), step);
}

// Results of runDeviations64 (AssemblyScript has no tuples; each thread has its own instance).
let runQ: f64 = 0;
let runDev: f64 = 0;

// Sum of squared deviations from mu and of deviations, `n` values `step` bytes apart, all in
// float64: the fallback when the float32 blocks overflow (|x - mu| above about 1e18) or meet a NaN.
function deviations64(x: usize, n: i32, step: usize, mu: f64): void {
  let q: f64 = 0;
  let dev: f64 = 0;
  for (let k = 0; k < n; k++) {
    const d = <f64>load<f32>(x + <usize>k * step) - mu;
    q += d * d;
    dev += d;
  }
  runQ = q;
  runDev = dev;
}

// The float32 lanes round each deviation x - k and its partial sums, so the mean k + dev / n is
// off by about 6u sqrt(q / n) / sqrt(n) (random roundings of the n deviations and of the partial
// sums of 8 per lane; u = 2^-24). Statistics must hold to 1e-5 of the mean or 1e-9 of the spread
// (float64 statistics, spec's tolerance rule), which that meets unless the mean lies close to
// zero: within 0.6 spreads / sqrt(n) / 1e5 for this estimate. A mean closer to zero than
// MEAN_FLOOR spreads / sqrt(n), four times that, has dev summed again in float64 lanes (each
// float32 value widened exactly): 0.08 spreads for 3 values, 0.0026 for a run of 3136.
const MEAN_FLOOR: f64 = 0.143;

// |k + dev / n| * sqrt(n) < MEAN_FLOOR * sqrt(q / n), squared and times n: no square root or
// division per channel (a NaN or an infinite sum compares as the unsquared form does).
@inline function meanNeedsFloat64(k: f64, q: f64, dev: f64, n: f64): bool {
  const scaled = k * n + dev;
  return scaled * scaled < MEAN_FLOOR * MEAN_FLOOR * q;
}

// sum(x - k) of a contiguous run of n values in float64 lanes.
function deviationSum64(x: usize, n: i32, k: f64): f64 {
  const vk = f64x2.splat(k);
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    a0 = f64x2.add(a0, f64x2.sub(lo(v), vk));
    a1 = f64x2.add(a1, f64x2.sub(hi(v), vk));
  }
  let sum = hsum(f64x2.add(a0, a1));
  for (; i < n; i++) sum += f32at(x, i) - k;
  return sum;
}

// sum(x - k) of c channels over `rows` rows `stride` bytes apart into dev (f64[c], overwritten),
// row by row in float64 lanes, k the float32 shifts at `shifts`.
function rowsDeviationSums64(x: usize, rows: i32, c: i32, stride: usize, shifts: usize, dev: usize): void {
  memory.fill(dev, 0, <usize>c << 3);
  const c4 = c & ~3;
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * stride;
    let ch = 0;
    for (; ch < c4; ch += 4) {
      const v = v128.load(row + (<usize>ch << 2));
      const k = v128.load(shifts + (<usize>ch << 2));
      const q = dev + (<usize>ch << 3);
      v128.store(q, f64x2.add(v128.load(q), f64x2.sub(lo(v), lo(k))));
      v128.store(q, f64x2.add(v128.load(q, 16), f64x2.sub(hi(v), hi(k))), 16);
    }
    for (; ch < c; ch++) setF64(dev, ch, f64at(dev, ch) + (f32at(row, ch) - <f64>load<f32>(shifts + (<usize>ch << 2))));
  }
}

// Finishes the moments of `n` values `step` bytes apart from q = sum((x - k)^2) and
// dev = sum(x - k), added in float32 lanes around the shift k, and merges them into channel ch:
// mean = k + dev / n and M2 = q - dev^2 / n (the corrected two-pass formula; k is an estimate of
// the mean, never 0, so this is not E[x^2] - E[x]^2). The correction cancels part of q, and its
// rounding error grows by q / M2; when the shift was far from the mean (the correction above M2
// itself, at most one bit lost otherwise), or the float32 sums overflowed or met a NaN, the
// values are summed again in float64 around the mean rounded to float32 (a second pass).
function finish(x: usize, n: i32, step: usize, k: f64, q: f64, dev: f64, ch: i32, accCount: usize, accMean: usize, accM2: usize): void {
  const count = <f64>n;
  const perValue = 1 / count;
  if (!isFinite(q) || !isFinite(dev)) {
    deviations64(x, n, step, k);
    q = runQ;
    dev = runDev;
  }
  let correction = dev * dev * perValue;
  if (correction > q - correction) {
    k = <f64><f32>mean64(x, n, step);
    deviations64(x, n, step, k);
    q = runQ;
    dev = runDev;
    correction = dev * dev * perValue;
  }
  q -= correction;
  merge(accCount, accMean, accM2, ch, count, k + dev * perValue, q > 0 ? q : 0);
}

// Moments of one contiguous run in one pass, merged into channel ch: blocks of 32 values add
// (x - k)^2 and (x - k) in float32 lanes (8 per lane) around the run's shift k, each block folded
// into float64 accumulators (see finish).
export function runMoments(x: usize, n: i32, ch: i32, accCount: usize, accMean: usize, accM2: usize): void {
  const shift = shiftOf(x, n, 4);
  const vk = f32x4.splat(shift);
  let q0 = f64x2.splat(0);
  let q1 = f64x2.splat(0);
  let e0 = f64x2.splat(0);
  let e1 = f64x2.splat(0);
  let k = 0;
  for (; k + 32 <= n; k += 32) {
    const p = x + (<usize>k << 2);
    const d0 = f32x4.sub(v128.load(p), vk);
    const d1 = f32x4.sub(v128.load(p, 16), vk);
    const d2 = f32x4.sub(v128.load(p, 32), vk);
    const d3 = f32x4.sub(v128.load(p, 48), vk);
    const d4 = f32x4.sub(v128.load(p, 64), vk);
    const d5 = f32x4.sub(v128.load(p, 80), vk);
    const d6 = f32x4.sub(v128.load(p, 96), vk);
    const d7 = f32x4.sub(v128.load(p, 112), vk);
    const sq = f32x4.add(
      f32x4.add(f32x4.add(f32x4.mul(d0, d0), f32x4.mul(d1, d1)), f32x4.add(f32x4.mul(d2, d2), f32x4.mul(d3, d3))),
      f32x4.add(f32x4.add(f32x4.mul(d4, d4), f32x4.mul(d5, d5)), f32x4.add(f32x4.mul(d6, d6), f32x4.mul(d7, d7))),
    );
    const sd = f32x4.add(f32x4.add(f32x4.add(d0, d1), f32x4.add(d2, d3)), f32x4.add(f32x4.add(d4, d5), f32x4.add(d6, d7)));
    q0 = f64x2.add(q0, lo(sq));
    q1 = f64x2.add(q1, hi(sq));
    e0 = f64x2.add(e0, lo(sd));
    e1 = f64x2.add(e1, hi(sd));
  }
  let q = hsum(f64x2.add(q0, q1));
  let dev = hsum(f64x2.add(e0, e1));
  const k64 = <f64>shift;
  for (; k < n; k++) {
    const d = f32at(x, k) - k64;
    q += d * d;
    dev += d;
  }
  if (meanNeedsFloat64(k64, q, dev, <f64>n)) dev = deviationSum64(x, n, k64);
  finish(x, n, 4, k64, q, dev, ch, accCount, accMean, accM2);
}

// Adds the g (<= ROW_GROUP) rows of 8 channels at p (rows `stride` bytes apart) into the float64
// sums at pq and pd: (x - k)^2 and (x - k) around the shifts at pk, in float32 lanes. Eight
// channels keep the accumulators and shifts in registers (sixteen spilled, 11% slower); the two
// walks that share a 64-byte line find it in L1.
@inline function columnSums8(p: usize, g: i32, stride: usize, pk: usize, pq: usize, pd: usize): void {
  const k0 = v128.load(pk);
  const k1 = v128.load(pk, 16);
  let q0 = f32x4.splat(0);
  let q1 = f32x4.splat(0);
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  for (let j = 0; j < g; j++) {
    const d0 = f32x4.sub(v128.load(p), k0);
    const d1 = f32x4.sub(v128.load(p, 16), k1);
    q0 = f32x4.add(q0, f32x4.mul(d0, d0));
    q1 = f32x4.add(q1, f32x4.mul(d1, d1));
    s0 = f32x4.add(s0, d0);
    s1 = f32x4.add(s1, d1);
    p += stride;
  }
  foldInto8(pq, q0, q1);
  foldInto8(pd, s0, s1);
}

// The same for 4 channels.
@inline function columnSums4(p: usize, g: i32, stride: usize, pk: usize, pq: usize, pd: usize): void {
  const k = v128.load(pk);
  let q = f32x4.splat(0);
  let s = f32x4.splat(0);
  for (let j = 0; j < g; j++) {
    const d = f32x4.sub(v128.load(p), k);
    q = f32x4.add(q, f32x4.mul(d, d));
    s = f32x4.add(s, d);
    p += stride;
  }
  v128.store(pq, f64x2.add(v128.load(pq), lo(q)));
  v128.store(pq, f64x2.add(v128.load(pq, 16), hi(q)), 16);
  v128.store(pd, f64x2.add(v128.load(pd), lo(s)));
  v128.store(pd, f64x2.add(v128.load(pd, 16), hi(s)), 16);
}

// The shifts of c channels (see shiftOf) from the first SHIFT_SAMPLE_ROWS of `rows` rows `stride`
// bytes apart, summed row
// by row in float64 lanes into sums (f64[c], left zeroed) and stored as float32 at shifts.
function shiftsOfRows(x: usize, rows: i32, c: i32, stride: usize, sums: usize, shifts: usize): void {
  const sample = min(rows, SHIFT_SAMPLE_ROWS);
  const c4 = c & ~3;
  for (let r = 0; r < sample; r++) {
    const row = x + <usize>r * stride;
    let ch = 0;
    for (; ch < c4; ch += 4) {
      const v = v128.load(row + (<usize>ch << 2));
      const q = sums + (<usize>ch << 3);
      v128.store(q, f64x2.add(v128.load(q), lo(v)));
      v128.store(q, f64x2.add(v128.load(q, 16), hi(v)), 16);
    }
    for (; ch < c; ch++) setF64(sums, ch, f64at(sums, ch) + f32at(row, ch));
  }
  // An estimate: a product by 1 / n rounds no worse than it needs to.
  const perRow = 1 / <f64>sample;
  for (let ch = 0; ch < c; ch++) {
    store<f32>(shifts + (<usize>ch << 2), <f32>(f64at(sums, ch) * perRow));
    setF64(sums, ch, 0);
  }
}

// Moments of c channels of `rows` rows `stride` bytes apart (whole rows of c channels, or the
// channels of a range of them) in one pass, merged channel by channel into the accumulators at
// accCount, accMean, accM2 (their first channel's entries; see finish):
// each channel's shift is the mean of its first rows; groups of ROW_GROUP rows add in float32
// lanes, 8 channels at a time down the rows, folded into float64 per group; when a channel's
// mean is near zero (see MEAN_FLOOR) the deviation sums of every channel are taken again in
// float64, row by row.
// scratch: q and dev f64[c], then the shifts f32[c].
export function rowsMoments(x: usize, rows: i32, c: i32, stride: usize, accCount: usize, accMean: usize, accM2: usize, scratch: usize): void {
  const bQ = scratch;
  const bDev = scratch + (<usize>c << 3);
  const bK = scratch + (<usize>c << 4);
  memory.fill(scratch, 0, <usize>c << 4);
  shiftsOfRows(x, rows, c, stride, bQ, bK);
  const c8 = c & ~7;
  const c4 = c & ~3;
  for (let r = 0; r < rows; r += ROW_GROUP) {
    const g = min(ROW_GROUP, rows - r);
    const base = x + <usize>r * stride;
    let ch = 0;
    for (; ch < c8; ch += 8) columnSums8(base + (<usize>ch << 2), g, stride, bK + (<usize>ch << 2), bQ + (<usize>ch << 3), bDev + (<usize>ch << 3));
    for (; ch < c4; ch += 4) columnSums4(base + (<usize>ch << 2), g, stride, bK + (<usize>ch << 2), bQ + (<usize>ch << 3), bDev + (<usize>ch << 3));
    for (; ch < c; ch++) {
      const k = <f64>load<f32>(bK + (<usize>ch << 2));
      let q: f64 = 0;
      let dev: f64 = 0;
      for (let j = 0; j < g; j++) {
        const d = f32at(base + <usize>j * stride, ch) - k;
        q += d * d;
        dev += d;
      }
      setF64(bQ, ch, f64at(bQ, ch) + q);
      setF64(bDev, ch, f64at(bDev, ch) + dev);
    }
  }
  for (let ch = 0; ch < c; ch++) {
    if (meanNeedsFloat64(<f64>load<f32>(bK + (<usize>ch << 2)), f64at(bQ, ch), f64at(bDev, ch), <f64>rows)) {
      rowsDeviationSums64(x, rows, c, stride, bK, bDev);
      break;
    }
  }
  for (let ch = 0; ch < c; ch++) {
    finish(x + (<usize>ch << 2), rows, stride, <f64>load<f32>(bK + (<usize>ch << 2)), f64at(bQ, ch), f64at(bDev, ch), ch, accCount, accMean, accM2);
  }
}

/**
 * Merges the moments of x[first, first + count) into the accumulators (f64[c] each; a channel
 * whose count is 0 takes the new values as they are); scratch holds 2 * c f64 and c f32.
 */
export function moments(x: usize, count: i32, first: i32, c: i32, inner: i32, accCount: usize, accMean: usize, accM2: usize, scratch: usize): void {
  const end = first + count;
  let i = first;
  if (inner > 1) {
    while (i < end) {
      const run = i / inner;
      const runEnd = min(end, (run + 1) * inner);
      runMoments(x + (<usize>(i - first) << 2), runEnd - i, run % c, accCount, accMean, accM2);
      i = runEnd;
    }
    return;
  }
  for (; i < end && i % c != 0; i++) merge(accCount, accMean, accM2, i % c, 1, f32at(x, i - first), 0);
  const rows = (end - i) / c;
  if (rows > 0) {
    rowsMoments(x + (<usize>(i - first) << 2), rows, c, <usize>c << 2, accCount, accMean, accM2, scratch);
    i += rows * c;
  }
  for (; i < end; i++) merge(accCount, accMean, accM2, i % c, 1, f32at(x, i - first), 0);
}

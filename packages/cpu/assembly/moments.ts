// Per-channel moments (count, mean, M2) in float64, merged into accumulators.
import { ROW_GROUP, f32at, f64at, hi, hsum, lo, setF64, tileRows } from './common';

// Channels-last moments fold this many elements of whole rows (256 KiB, L2-resident for the
// second pass) per Chan merge.
const BLOCK_ELEMENTS: i32 = 65536;

// Chan's pairwise merge of (n, mu, q) into channel ch of the accumulators. The JavaScript side
// merges with core's mergeMoments; this kernel keeps its own copy because WebAssembly cannot call
// back into JavaScript per run without a cost larger than the merge itself.
function merge(accCount: usize, accMean: usize, accM2: usize, ch: i32, n: f64, mu: f64, q: f64): void {
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

// Sum of a run in float64, the fallback when the float32 block sums overflow.
function runSum64(x: usize, n: i32): f64 {
  let sum: f64 = 0;
  for (let k = 0; k < n; k++) sum += f32at(x, k);
  return sum;
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

// Two-pass moments of one contiguous run, merged into channel ch. Both passes add blocks of 32
// values in float32 lanes (8 per lane) and fold each block into float64 accumulators. The first
// pass gives the mean; the second sums (x - k)^2 and (x - k) around k = the mean rounded to
// float32 (x - k is exact near the mean) and corrects mean and M2 by the residual sum of
// deviations, which removes the shift exactly (the corrected two-pass algorithm, never
// E[x^2] - E[x]^2). The relative error of M2 stays at a few 1e-7 even for 1e4 + 0.1 * noise.
function runMoments(x: usize, n: i32, ch: i32, accCount: usize, accMean: usize, accM2: usize): void {
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let k = 0;
  for (; k + 32 <= n; k += 32) {
    const p = x + (<usize>k << 2);
    const s = f32x4.add(
      f32x4.add(f32x4.add(v128.load(p), v128.load(p, 16)), f32x4.add(v128.load(p, 32), v128.load(p, 48))),
      f32x4.add(f32x4.add(v128.load(p, 64), v128.load(p, 80)), f32x4.add(v128.load(p, 96), v128.load(p, 112))),
    );
    a0 = f64x2.add(a0, lo(s));
    a1 = f64x2.add(a1, hi(s));
  }
  let sum = hsum(f64x2.add(a0, a1));
  for (; k < n; k++) sum += f32at(x, k);
  if (!isFinite(sum)) sum = runSum64(x, n);
  const shift = <f32>(sum / <f64>n);
  const vk = f32x4.splat(shift);
  let q0 = f64x2.splat(0);
  let q1 = f64x2.splat(0);
  let e0 = f64x2.splat(0);
  let e1 = f64x2.splat(0);
  k = 0;
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
  if (!isFinite(q) || !isFinite(dev)) {
    deviations64(x, n, 4, k64);
    q = runQ;
    dev = runDev;
  }
  q -= (dev * dev) / <f64>n;
  merge(accCount, accMean, accM2, ch, <f64>n, k64 + dev / <f64>n, q > 0 ? q : 0);
}

// Sum of the 8 float32 vectors at p, p + stride, ..., p + 7 * stride, as a tree.
@inline function sum8(p: usize, stride: usize): v128 {
  return f32x4.add(
    f32x4.add(f32x4.add(v128.load(p), v128.load(p + stride)), f32x4.add(v128.load(p + 2 * stride), v128.load(p + 3 * stride))),
    f32x4.add(f32x4.add(v128.load(p + 4 * stride), v128.load(p + 5 * stride)), f32x4.add(v128.load(p + 6 * stride), v128.load(p + 7 * stride))),
  );
}

// Sum of the g (<= ROW_GROUP, which is 16) float32 vectors at p, p + stride, ...: a tree for a
// full group, else two interleaved chains.
@inline function groupSum(p: usize, stride: usize, g: i32): v128 {
  if (g == 16) return f32x4.add(sum8(p, stride), sum8(p + 8 * stride, stride));
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let j = 0;
  for (; j + 2 <= g; j += 2) {
    s0 = f32x4.add(s0, v128.load(p + <usize>j * stride));
    s1 = f32x4.add(s1, v128.load(p + <usize>(j + 1) * stride));
  }
  if (j < g) s0 = f32x4.add(s0, v128.load(p + <usize>j * stride));
  return f32x4.add(s0, s1);
}

// Two-pass moments of `rows` whole rows of c channels, merged channel by channel. As in
// runMoments, float32 lanes add groups of ROW_GROUP rows of a channel, folded into float64 per
// group; the second pass takes deviations from each channel's mean rounded to float32 and
// corrects by the residual sum. Both passes go tile by tile and, in a tile, four channels at a
// time down the rows, with the float64 sums in registers. A channel whose float32 sums overflow
// or meet a NaN is redone in float64.
// scratch: sum, M2 and deviation f64[c], then the shifts f32[c].
function blockMoments(x: usize, rows: i32, c: i32, accCount: usize, accMean: usize, accM2: usize, scratch: usize): void {
  const bSum = scratch;
  const bM2 = scratch + (<usize>c << 3);
  const bDev = scratch + (<usize>c << 4);
  const bK = scratch + <usize>c * 24;
  memory.fill(scratch, 0, <usize>c * 24);
  const c4 = c & ~3;
  const stride = <usize>c << 2;
  const tile = tileRows(c);
  for (let r0 = 0; r0 < rows; r0 += tile) {
    const tr = min(tile, rows - r0);
    const base = x + <usize>r0 * stride;
    let ch = 0;
    for (; ch < c4; ch += 4) {
      let p = base + (<usize>ch << 2);
      let s0 = f64x2.splat(0);
      let s1 = f64x2.splat(0);
      for (let r = 0; r < tr; r += ROW_GROUP) {
        const s = groupSum(p, stride, min(ROW_GROUP, tr - r));
        s0 = f64x2.add(s0, lo(s));
        s1 = f64x2.add(s1, hi(s));
        p += <usize>ROW_GROUP * stride;
      }
      const q = bSum + (<usize>ch << 3);
      v128.store(q, f64x2.add(v128.load(q), s0));
      v128.store(q + 16, f64x2.add(v128.load(q + 16), s1));
    }
    for (; ch < c; ch++) {
      let sum: f64 = 0;
      for (let r = 0; r < tr; r++) sum += f32at(base + <usize>r * stride, ch);
      setF64(bSum, ch, f64at(bSum, ch) + sum);
    }
  }
  for (let ch = 0; ch < c; ch++) {
    let sum = f64at(bSum, ch);
    if (!isFinite(sum)) {
      sum = 0;
      for (let r = 0; r < rows; r++) sum += f32at(x + <usize>r * stride, ch);
    }
    store<f32>(bK + (<usize>ch << 2), <f32>(sum / <f64>rows));
  }
  for (let r0 = 0; r0 < rows; r0 += tile) {
    const tr = min(tile, rows - r0);
    const base = x + <usize>r0 * stride;
    let ch = 0;
    for (; ch < c4; ch += 4) {
      let p = base + (<usize>ch << 2);
      const vk = v128.load(bK + (<usize>ch << 2));
      let q0 = f64x2.splat(0);
      let q1 = f64x2.splat(0);
      let e0 = f64x2.splat(0);
      let e1 = f64x2.splat(0);
      for (let r = 0; r < tr; r += ROW_GROUP) {
        const g = min(ROW_GROUP, tr - r);
        // Two interleaved chains (even and odd rows): one chain of dependent adds is latency-bound.
        let sq = f32x4.splat(0);
        let sd = f32x4.splat(0);
        let sq1 = f32x4.splat(0);
        let sd1 = f32x4.splat(0);
        let j = 0;
        for (; j + 2 <= g; j += 2) {
          const d = f32x4.sub(v128.load(p), vk);
          const e = f32x4.sub(v128.load(p + stride), vk);
          sq = f32x4.add(sq, f32x4.mul(d, d));
          sd = f32x4.add(sd, d);
          sq1 = f32x4.add(sq1, f32x4.mul(e, e));
          sd1 = f32x4.add(sd1, e);
          p += 2 * stride;
        }
        if (j < g) {
          const d = f32x4.sub(v128.load(p), vk);
          sq = f32x4.add(sq, f32x4.mul(d, d));
          sd = f32x4.add(sd, d);
          p += stride;
        }
        sq = f32x4.add(sq, sq1);
        sd = f32x4.add(sd, sd1);
        q0 = f64x2.add(q0, lo(sq));
        q1 = f64x2.add(q1, hi(sq));
        e0 = f64x2.add(e0, lo(sd));
        e1 = f64x2.add(e1, hi(sd));
      }
      const o = <usize>ch << 3;
      v128.store(bM2 + o, f64x2.add(v128.load(bM2 + o), q0));
      v128.store(bM2 + o + 16, f64x2.add(v128.load(bM2 + o + 16), q1));
      v128.store(bDev + o, f64x2.add(v128.load(bDev + o), e0));
      v128.store(bDev + o + 16, f64x2.add(v128.load(bDev + o + 16), e1));
    }
    for (; ch < c; ch++) {
      const k = <f64>load<f32>(bK + (<usize>ch << 2));
      let q: f64 = 0;
      let dev: f64 = 0;
      for (let r = 0; r < tr; r++) {
        const d = f32at(base + <usize>r * stride, ch) - k;
        q += d * d;
        dev += d;
      }
      setF64(bM2, ch, f64at(bM2, ch) + q);
      setF64(bDev, ch, f64at(bDev, ch) + dev);
    }
  }
  const n = <f64>rows;
  for (let ch = 0; ch < c; ch++) {
    const k = <f64>load<f32>(bK + (<usize>ch << 2));
    let q = f64at(bM2, ch);
    let dev = f64at(bDev, ch);
    if (!isFinite(q) || !isFinite(dev)) {
      deviations64(x + (<usize>ch << 2), rows, stride, k);
      q = runQ;
      dev = runDev;
    }
    q -= (dev * dev) / n;
    merge(accCount, accMean, accM2, ch, n, k + dev / n, q > 0 ? q : 0);
  }
}

/** Merges the moments of x[first, first + count) into the accumulators; scratch holds 3 * c f64 and c f32. */
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
  const rowsPerBlock = max(1, BLOCK_ELEMENTS / c);
  while (end - i >= c) {
    const rows = min(rowsPerBlock, (end - i) / c);
    blockMoments(x + (<usize>(i - first) << 2), rows, c, accCount, accMean, accM2, scratch);
    i += rows * c;
  }
  for (; i < end; i++) merge(accCount, accMean, accM2, i % c, 1, f32at(x, i - first), 0);
}

// WebAssembly SIMD kernels of @bnkit/cpu, compiled by AssemblyScript at build time.
// Every pointer is a byte offset into the imported memory. A tensor argument points at element
// `first` of the flat tensor and the call covers `count` elements; element i belongs to channel
// (i / inner) % c (inner = 1 for channels-last rows). Per-channel arrays are f64[c].
// Sums end in float64: channels-first runs add blocks of at most 32 values in float32 lanes and
// fold each block into f64x2 accumulators (see runMoments, gradSumsRun); channels-last rows
// accumulate in f64x2 lanes directly. The element-wise outputs y and dx run in float32 lanes on
// a split mean (see affine1 and grad1).

// Channels-last moments fold this many elements of whole rows (256 KiB, cache-resident for the
// second pass) per Chan merge.
const BLOCK_ELEMENTS: i32 = 65536;

@inline function lo(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

@inline function hi(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}

@inline function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

@inline function f32at(p: usize, i: i32): f64 {
  return <f64>load<f32>(p + (<usize>i << 2));
}

@inline function f64at(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

@inline function setF64(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

// Chan's pairwise merge of (n, mu, q) into channel ch of the accumulators.
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

// Results of runDeviations (AssemblyScript has no tuples; each thread has its own instance).
let runQ: f64 = 0;
let runDev: f64 = 0;

// Sum of squared deviations from mu and of deviations, all in float64: the fallback when the
// float32 blocks overflow (|x - mu| above about 1e18) or meet a NaN.
function runDeviations64(x: usize, n: i32, mu: f64): void {
  let q: f64 = 0;
  let dev: f64 = 0;
  for (let k = 0; k < n; k++) {
    const d = f32at(x, k) - mu;
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
    runDeviations64(x, n, k64);
    q = runQ;
    dev = runDev;
  }
  q -= (dev * dev) / <f64>n;
  merge(accCount, accMean, accM2, ch, <f64>n, k64 + dev / <f64>n, q > 0 ? q : 0);
}

// Rows added in float32 lanes before a fold into float64 (channels-last).
const ROW_GROUP: i32 = 8;

// Sum of the g (<= ROW_GROUP) float32 vectors at p, p + stride, ..., as a tree for a full group.
@inline function groupSum(p: usize, stride: usize, g: i32): v128 {
  if (g == ROW_GROUP) {
    return f32x4.add(
      f32x4.add(f32x4.add(v128.load(p), v128.load(p + stride)), f32x4.add(v128.load(p + 2 * stride), v128.load(p + 3 * stride))),
      f32x4.add(f32x4.add(v128.load(p + 4 * stride), v128.load(p + 5 * stride)), f32x4.add(v128.load(p + 6 * stride), v128.load(p + 7 * stride))),
    );
  }
  let sum = v128.load(p);
  for (let j = 1; j < g; j++) sum = f32x4.add(sum, v128.load(p + <usize>j * stride));
  return sum;
}

@inline function addF64x4(p: usize, v: v128): void {
  v128.store(p, f64x2.add(v128.load(p), lo(v)));
  v128.store(p + 16, f64x2.add(v128.load(p + 16), hi(v)));
}

// Two-pass moments of `rows` whole rows of c channels, merged channel by channel. As in
// runMoments, float32 lanes add groups of ROW_GROUP rows, folded into float64 per group; the
// second pass takes deviations from each channel's mean rounded to float32 and corrects by the
// residual sum. A channel whose float32 sums overflow or meet a NaN is redone in float64.
// scratch: sum, M2 and deviation f64[c], then the shifts f32[c].
function blockMoments(x: usize, rows: i32, c: i32, accCount: usize, accMean: usize, accM2: usize, scratch: usize): void {
  const bSum = scratch;
  const bM2 = scratch + (<usize>c << 3);
  const bDev = scratch + (<usize>c << 4);
  const bK = scratch + <usize>c * 24;
  memory.fill(scratch, 0, <usize>c * 24);
  const c4 = c & ~3;
  const stride = <usize>c << 2;
  for (let r = 0; r < rows; r += ROW_GROUP) {
    const g = min(ROW_GROUP, rows - r);
    const base = x + <usize>r * stride;
    let ch = 0;
    for (; ch < c4; ch += 4) addF64x4(bSum + (<usize>ch << 3), groupSum(base + (<usize>ch << 2), stride, g));
    for (; ch < c; ch++) {
      let sum: f64 = 0;
      for (let j = 0; j < g; j++) sum += f32at(base + <usize>j * stride, ch);
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
  for (let r = 0; r < rows; r += ROW_GROUP) {
    const g = min(ROW_GROUP, rows - r);
    const base = x + <usize>r * stride;
    let ch = 0;
    for (; ch < c4; ch += 4) {
      const p = base + (<usize>ch << 2);
      const vk = v128.load(bK + (<usize>ch << 2));
      let sq = f32x4.splat(0);
      let sd = f32x4.splat(0);
      for (let j = 0; j < g; j++) {
        const d = f32x4.sub(v128.load(p + <usize>j * stride), vk);
        sq = f32x4.add(sq, f32x4.mul(d, d));
        sd = f32x4.add(sd, d);
      }
      addF64x4(bM2 + (<usize>ch << 3), sq);
      addF64x4(bDev + (<usize>ch << 3), sd);
    }
    for (; ch < c; ch++) {
      const k = <f64>load<f32>(bK + (<usize>ch << 2));
      let q: f64 = 0;
      let dev: f64 = 0;
      for (let j = 0; j < g; j++) {
        const d = f32at(base + <usize>j * stride, ch) - k;
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
      q = 0;
      dev = 0;
      for (let r = 0; r < rows; r++) {
        const d = f32at(x + <usize>r * stride, ch) - k;
        q += d * d;
        dev += d;
      }
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

// The normalisation y = (x - mu) * a + b runs in float32 lanes, four values per instruction:
// mu is split into hi = f32(mu) and lo = f32(mu - hi), so x - hi is exact for x near the mean
// (Sterbenz) and (x - hi) - lo keeps the deviation to float32 precision even at an offset of
// 1e4; a and b are rounded to float32 once. y is within a few float32 rounding steps of the
// float64 result.
@inline function affine1(x: f32, hi: f32, lo: f32, a: f32, b: f32): f32 {
  return (x - hi - lo) * a + b;
}

// y over one contiguous run.
function affineRun(px: usize, py: usize, n: i32, mu: f64, a: f64, b: f64): void {
  const h = <f32>mu;
  const l = <f32>(mu - <f64>h);
  const a32 = <f32>a;
  const b32 = <f32>b;
  const vh = f32x4.splat(h);
  const vl = f32x4.splat(l);
  const va = f32x4.splat(a32);
  const vb = f32x4.splat(b32);
  let k = 0;
  for (; k + 8 <= n; k += 8) {
    const p = <usize>k << 2;
    const v = v128.load(px + p);
    const w = v128.load(px + p, 16);
    v128.store(py + p, f32x4.add(f32x4.mul(f32x4.sub(f32x4.sub(v, vh), vl), va), vb));
    v128.store(py + p, f32x4.add(f32x4.mul(f32x4.sub(f32x4.sub(w, vh), vl), va), vb), 16);
  }
  for (; k < n; k++) store<f32>(py + (<usize>k << 2), affine1(load<f32>(px + (<usize>k << 2)), h, l, a32, b32));
}

/**
 * y = (x - mean) * scale + shift over [first, first + count), in float32 lanes with the mean
 * split in two (see affine1). scratch holds 4 * c f32 (the per-channel split parameters).
 */
export function affine(x: usize, y: usize, count: i32, first: i32, c: i32, inner: i32, mean: usize, scale: usize, shift: usize, scratch: usize): void {
  const end = first + count;
  let i = first;
  if (inner > 1) {
    while (i < end) {
      const run = i / inner;
      const runEnd = min(end, (run + 1) * inner);
      const ch = run % c;
      affineRun(x + (<usize>(i - first) << 2), y + (<usize>(i - first) << 2), runEnd - i, f64at(mean, ch), f64at(scale, ch), f64at(shift, ch));
      i = runEnd;
    }
    return;
  }
  const ph = scratch;
  const pl = scratch + (<usize>c << 2);
  const pa = scratch + (<usize>c << 3);
  const pb = scratch + (<usize>c * 12);
  for (let ch = 0; ch < c; ch++) {
    const mu = f64at(mean, ch);
    const h = <f32>mu;
    const o = <usize>ch << 2;
    store<f32>(ph + o, h);
    store<f32>(pl + o, <f32>(mu - <f64>h));
    store<f32>(pa + o, <f32>f64at(scale, ch));
    store<f32>(pb + o, <f32>f64at(shift, ch));
  }
  for (; i < end && i % c != 0; i++) {
    const o = <usize>(i % c) << 2;
    const q = <usize>(i - first) << 2;
    store<f32>(y + q, affine1(load<f32>(x + q), load<f32>(ph + o), load<f32>(pl + o), load<f32>(pa + o), load<f32>(pb + o)));
  }
  const c4 = c & ~3;
  for (; end - i >= c; i += c) {
    const px = x + (<usize>(i - first) << 2);
    const py = y + (<usize>(i - first) << 2);
    let ch = 0;
    for (; ch < c4; ch += 4) {
      const o = <usize>ch << 2;
      const v = v128.load(px + o);
      v128.store(py + o, f32x4.add(f32x4.mul(f32x4.sub(f32x4.sub(v, v128.load(ph + o)), v128.load(pl + o)), v128.load(pa + o)), v128.load(pb + o)));
    }
    for (; ch < c; ch++) {
      const o = <usize>ch << 2;
      store<f32>(py + o, affine1(load<f32>(px + o), load<f32>(ph + o), load<f32>(pl + o), load<f32>(pa + o), load<f32>(pb + o)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>(i % c) << 2;
    const q = <usize>(i - first) << 2;
    store<f32>(y + q, affine1(load<f32>(x + q), load<f32>(ph + o), load<f32>(pl + o), load<f32>(pa + o), load<f32>(pb + o)));
  }
}

// Adds sum(dy) and sum(dy * (x - mean)) of one contiguous run of channel ch. Blocks of 16 values
// are summed in float32 lanes and folded into float64; the products use x - k with k = the mean
// rounded to float32 (exact near the mean), and the shift is taken out exactly in float64:
// sum(dy * (x - mean)) = sum(dy * (x - k)) - (mean - k) * sum(dy).
function gradSumsRun(px: usize, pg: usize, n: i32, ch: i32, mean: usize, sumDy: usize, sumDyCentered: usize): void {
  const mu = f64at(mean, ch);
  const shift = <f32>mu;
  const vk = f32x4.splat(shift);
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let t0 = f64x2.splat(0);
  let t1 = f64x2.splat(0);
  let k = 0;
  for (; k + 16 <= n; k += 16) {
    const ox = px + (<usize>k << 2);
    const og = pg + (<usize>k << 2);
    const g0 = v128.load(og);
    const g1 = v128.load(og, 16);
    const g2 = v128.load(og, 32);
    const g3 = v128.load(og, 48);
    const sg = f32x4.add(f32x4.add(g0, g1), f32x4.add(g2, g3));
    const st = f32x4.add(
      f32x4.add(f32x4.mul(g0, f32x4.sub(v128.load(ox), vk)), f32x4.mul(g1, f32x4.sub(v128.load(ox, 16), vk))),
      f32x4.add(f32x4.mul(g2, f32x4.sub(v128.load(ox, 32), vk)), f32x4.mul(g3, f32x4.sub(v128.load(ox, 48), vk))),
    );
    s0 = f64x2.add(s0, lo(sg));
    s1 = f64x2.add(s1, hi(sg));
    t0 = f64x2.add(t0, lo(st));
    t1 = f64x2.add(t1, hi(st));
  }
  let s = hsum(f64x2.add(s0, s1));
  let t = hsum(f64x2.add(t0, t1));
  const k64 = <f64>shift;
  for (; k < n; k++) {
    const g = f32at(pg, k);
    s += g;
    t += g * (f32at(px, k) - k64);
  }
  if (!isFinite(t)) {
    // A float32 product overflowed (or met a NaN): redo the run in float64.
    s = 0;
    t = 0;
    for (k = 0; k < n; k++) {
      const g = f32at(pg, k);
      s += g;
      t += g * (f32at(px, k) - k64);
    }
  }
  setF64(sumDy, ch, f64at(sumDy, ch) + s);
  setF64(sumDyCentered, ch, f64at(sumDyCentered, ch) + t - (mu - k64) * s);
}

/**
 * Adds sum(dy) and sum(dy * (x - mean)) over [first, first + count) to sumDy and sumDyCentered.
 * Channels-last rows are added in float32 lanes over groups of ROW_GROUP rows around each
 * channel's mean rounded to float32 (scratch: c f32), folded into float64 per group with the
 * shift taken out exactly; a channel whose float32 sums overflow is redone in float64.
 */
export function gradSums(x: usize, dy: usize, count: i32, first: i32, c: i32, inner: i32, mean: usize, sumDy: usize, sumDyCentered: usize, scratch: usize): void {
  const end = first + count;
  let i = first;
  if (inner > 1) {
    while (i < end) {
      const run = i / inner;
      const runEnd = min(end, (run + 1) * inner);
      gradSumsRun(x + (<usize>(i - first) << 2), dy + (<usize>(i - first) << 2), runEnd - i, run % c, mean, sumDy, sumDyCentered);
      i = runEnd;
    }
    return;
  }
  for (; i < end && i % c != 0; i++) gradSumsOne(x + (<usize>(i - first) << 2), dy + (<usize>(i - first) << 2), i % c, mean, sumDy, sumDyCentered);
  const rows = (end - i) / c;
  if (rows > 0) {
    const start = <usize>(i - first) << 2;
    gradSumsRows(x + start, dy + start, rows, c, mean, sumDy, sumDyCentered, scratch);
    i += rows * c;
  }
  for (; i < end; i++) gradSumsOne(x + (<usize>(i - first) << 2), dy + (<usize>(i - first) << 2), i % c, mean, sumDy, sumDyCentered);
}

// One element of channel ch into the gradient sums, in float64.
@inline function gradSumsOne(px: usize, pg: usize, ch: i32, mean: usize, sumDy: usize, sumDyCentered: usize): void {
  const g = <f64>load<f32>(pg);
  setF64(sumDy, ch, f64at(sumDy, ch) + g);
  setF64(sumDyCentered, ch, f64at(sumDyCentered, ch) + g * (<f64>load<f32>(px) - f64at(mean, ch)));
}

// The gradient sums of `rows` whole rows (see gradSums). scratch: the shifts f32[c], then this
// call's sums f64[c] and f64[c], added to the totals once checked.
function gradSumsRows(x: usize, dy: usize, rows: i32, c: i32, mean: usize, sumDy: usize, sumDyCentered: usize, scratch: usize): void {
  const stride = <usize>c << 2;
  const c4 = c & ~3;
  const bK = scratch;
  const ls = scratch + (<usize>c << 3);
  const lt = scratch + (<usize>c << 4);
  memory.fill(ls, 0, <usize>c << 4);
  for (let ch = 0; ch < c; ch++) store<f32>(bK + (<usize>ch << 2), <f32>f64at(mean, ch));
  for (let r = 0; r < rows; r += ROW_GROUP) {
    const g = min(ROW_GROUP, rows - r);
    const bx = x + <usize>r * stride;
    const bg = dy + <usize>r * stride;
    let ch = 0;
    for (; ch < c4; ch += 4) {
      const o = <usize>ch << 2;
      const vk = v128.load(bK + o);
      let sv = f32x4.splat(0);
      let tv = f32x4.splat(0);
      for (let j = 0; j < g; j++) {
        const gv = v128.load(bg + o + <usize>j * stride);
        sv = f32x4.add(sv, gv);
        tv = f32x4.add(tv, f32x4.mul(gv, f32x4.sub(v128.load(bx + o + <usize>j * stride), vk)));
      }
      const q = <usize>ch << 3;
      // sum(dy * (x - mean)) = sum(dy * (x - k)) - (mean - k) * sum(dy), in float64.
      const kl = f64x2.sub(v128.load(mean + q), lo(vk));
      const kh = f64x2.sub(v128.load(mean + q + 16), hi(vk));
      const sl = lo(sv);
      const sh = hi(sv);
      v128.store(ls + q, f64x2.add(v128.load(ls + q), sl));
      v128.store(ls + q + 16, f64x2.add(v128.load(ls + q + 16), sh));
      v128.store(lt + q, f64x2.add(v128.load(lt + q), f64x2.sub(lo(tv), f64x2.mul(kl, sl))));
      v128.store(lt + q + 16, f64x2.add(v128.load(lt + q + 16), f64x2.sub(hi(tv), f64x2.mul(kh, sh))));
    }
    for (; ch < c; ch++) {
      for (let j = 0; j < g; j++) {
        const o = <usize>j * stride + (<usize>ch << 2);
        gradSumsOne(bx + o, bg + o, ch, mean, ls, lt);
      }
    }
  }
  for (let ch = 0; ch < c; ch++) {
    let sv = f64at(ls, ch);
    let tv = f64at(lt, ch);
    if (!isFinite(sv) || !isFinite(tv)) {
      // A float32 sum overflowed (or met a NaN): this channel again, in float64.
      const mu = f64at(mean, ch);
      sv = 0;
      tv = 0;
      for (let r = 0; r < rows; r++) {
        const o = <usize>r * stride + (<usize>ch << 2);
        const g = <f64>load<f32>(dy + o);
        sv += g;
        tv += g * (<f64>load<f32>(x + o) - mu);
      }
    }
    setF64(sumDy, ch, f64at(sumDy, ch) + sv);
    setF64(sumDyCentered, ch, f64at(sumDyCentered, ch) + tv);
  }
}

// dx = kDy * dy + kCentered * (x - mean) + kConst, in float32 lanes on the split mean as in
// affine1: the error stays a few float32 roundings of the largest term.
@inline function grad1(x: f32, g: f32, hi: f32, lo: f32, a: f32, b: f32, k: f32): f32 {
  return a * g + b * (x - hi - lo) + k;
}

// dx over one contiguous run.
function gradInputRun(x: usize, dy: usize, dx: usize, n: i32, mu: f64, a: f64, b: f64, c: f64): void {
  const h = <f32>mu;
  const l = <f32>(mu - <f64>h);
  const a32 = <f32>a;
  const b32 = <f32>b;
  const c32 = <f32>c;
  const vh = f32x4.splat(h);
  const vl = f32x4.splat(l);
  const va = f32x4.splat(a32);
  const vb = f32x4.splat(b32);
  const vc = f32x4.splat(c32);
  let k = 0;
  for (; k + 8 <= n; k += 8) {
    const p = <usize>k << 2;
    const v = v128.load(x + p);
    const w = v128.load(x + p, 16);
    const g = v128.load(dy + p);
    const e = v128.load(dy + p, 16);
    v128.store(dx + p, f32x4.add(f32x4.add(f32x4.mul(va, g), f32x4.mul(vb, f32x4.sub(f32x4.sub(v, vh), vl))), vc));
    v128.store(dx + p, f32x4.add(f32x4.add(f32x4.mul(va, e), f32x4.mul(vb, f32x4.sub(f32x4.sub(w, vh), vl))), vc), 16);
  }
  for (; k < n; k++) {
    const p = <usize>k << 2;
    store<f32>(dx + p, grad1(load<f32>(x + p), load<f32>(dy + p), h, l, a32, b32, c32));
  }
}

/**
 * dx = kDy * dy + kCentered * (x - mean) + kConst over [first, first + count), in float32 lanes
 * (see grad1). scratch holds 5 * c f32 (the per-channel float32 coefficients).
 */
export function gradInput(x: usize, dy: usize, dx: usize, count: i32, first: i32, c: i32, inner: i32, mean: usize, kDy: usize, kCentered: usize, kConst: usize, scratch: usize): void {
  const end = first + count;
  let i = first;
  if (inner > 1) {
    while (i < end) {
      const run = i / inner;
      const runEnd = min(end, (run + 1) * inner);
      const ch = run % c;
      const off = <usize>(i - first) << 2;
      gradInputRun(x + off, dy + off, dx + off, runEnd - i, f64at(mean, ch), f64at(kDy, ch), f64at(kCentered, ch), f64at(kConst, ch));
      i = runEnd;
    }
    return;
  }
  const stride = <usize>c << 2;
  const ph = scratch;
  const pl = ph + stride;
  const pa = pl + stride;
  const pb = pa + stride;
  const pc = pb + stride;
  for (let ch = 0; ch < c; ch++) {
    const mu = f64at(mean, ch);
    const h = <f32>mu;
    const o = <usize>ch << 2;
    store<f32>(ph + o, h);
    store<f32>(pl + o, <f32>(mu - <f64>h));
    store<f32>(pa + o, <f32>f64at(kDy, ch));
    store<f32>(pb + o, <f32>f64at(kCentered, ch));
    store<f32>(pc + o, <f32>f64at(kConst, ch));
  }
  for (; i < end && i % c != 0; i++) {
    const o = <usize>(i % c) << 2;
    const q = <usize>(i - first) << 2;
    store<f32>(dx + q, grad1(load<f32>(x + q), load<f32>(dy + q), load<f32>(ph + o), load<f32>(pl + o), load<f32>(pa + o), load<f32>(pb + o), load<f32>(pc + o)));
  }
  const c4 = c & ~3;
  for (; end - i >= c; i += c) {
    const off = <usize>(i - first) << 2;
    let ch = 0;
    for (; ch < c4; ch += 4) {
      const o = <usize>ch << 2;
      const p = off + o;
      const v = v128.load(x + p);
      const g = v128.load(dy + p);
      const d = f32x4.sub(f32x4.sub(v, v128.load(ph + o)), v128.load(pl + o));
      v128.store(dx + p, f32x4.add(f32x4.add(f32x4.mul(v128.load(pa + o), g), f32x4.mul(v128.load(pb + o), d)), v128.load(pc + o)));
    }
    for (; ch < c; ch++) {
      const o = <usize>ch << 2;
      const p = off + o;
      store<f32>(dx + p, grad1(load<f32>(x + p), load<f32>(dy + p), load<f32>(ph + o), load<f32>(pl + o), load<f32>(pa + o), load<f32>(pb + o), load<f32>(pc + o)));
    }
  }
  for (; i < end; i++) {
    const o = <usize>(i % c) << 2;
    const q = <usize>(i - first) << 2;
    store<f32>(dx + q, grad1(load<f32>(x + q), load<f32>(dy + q), load<f32>(ph + o), load<f32>(pl + o), load<f32>(pa + o), load<f32>(pb + o), load<f32>(pc + o)));
  }
}
